//! Password-change tickets (`POST /api/v2/tickets/password-change`): the invite link for an admin-created
//! user. Auth0 sends no email; deliver the URL yourself.

use crate::client::Auth0Client;
use crate::error::{Error, Result};
use crate::http::ApiRequest;
use crate::scopes;
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The body of `POST /tickets/password-change` (`ChangePasswordTicketRequestContent`). Give either `user_id`,
/// or `email` with `connection_id`.
///
/// ```
/// use auth0_client::ChangePasswordTicketRequestContent;
/// let body = ChangePasswordTicketRequestContent::invite("auth0|abc", "lobehub-client-id");
/// assert_eq!(serde_json::to_value(&body).unwrap(), serde_json::json!({
///     "user_id": "auth0|abc", "client_id": "lobehub-client-id", "mark_email_as_verified": true, "ttl_sec": 432000
/// }));
/// ```
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordTicketRequestContent {
    /// Where the user lands after the reset (Classic Universal Login only). **Never with `client_id` or
    /// `organization_id`** ([spec] `ChangePasswordTicketRequestContent.result_url`: "Cannot be specified when
    /// using client_id or organization_id"); a real tenant answers 400, so the client refuses it before sending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_url: Option<String>,
    /// The user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The application whose login route the user is sent to (New Universal Login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The connection, with `email` instead of `user_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// The email, with `connection_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Validity in seconds (0 or absent: 5 days).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_sec: Option<u64>,
    /// Mark the email verified when the ticket is used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark_email_as_verified: Option<bool>,
    /// Include the email in the redirect.
    #[serde(rename = "includeEmailInRedirect", skip_serializing_if = "Option::is_none")]
    pub include_email_in_redirect: Option<bool>,
}

/// The validity Auth0 gives a ticket whose `ttl_sec` is absent or 0: 432,000 s, 5 days ([spec]
/// `ChangePasswordTicketRequestContent.ttl_sec`).
pub const DEFAULT_TICKET_TTL_SEC: u64 = 432_000;

impl ChangePasswordTicketRequestContent {
    /// How long the ticket stays valid, in seconds: `ttl_sec`, or [`DEFAULT_TICKET_TTL_SEC`] when it is absent
    /// or 0 (the spec's rule).
    ///
    /// ```
    /// use auth0_client::ChangePasswordTicketRequestContent as T;
    /// assert_eq!(T { ttl_sec: Some(0), ..T::default() }.effective_ttl_sec(), 432_000);
    /// assert_eq!(T { ttl_sec: Some(600), ..T::default() }.effective_ttl_sec(), 600);
    /// ```
    pub fn effective_ttl_sec(&self) -> u64 {
        match self.ttl_sec {
            None | Some(0) => DEFAULT_TICKET_TTL_SEC,
            Some(n) => n,
        }
    }

    /// An invitation for `user_id`: valid 5 days, marks the email verified, and sends the user to the login
    /// route of `client_id` afterwards.
    pub fn invite(user_id: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            user_id: Some(user_id.into()),
            client_id: Some(client_id.into()),
            mark_email_as_verified: Some(true),
            ttl_sec: Some(432_000),
            ..Self::default()
        }
    }

    /// Sets the Classic Universal Login result URL. Not valid together with `client_id` (so not on
    /// [`invite`](Self::invite)): [`TicketsHandler::password_change`] refuses that body before sending it.
    pub fn result_url(mut self, url: impl Into<String>) -> Self {
        self.result_url = Some(url.into());
        self
    }

    fn validate(&self, operation: &'static str) -> Result<()> {
        match (&self.user_id, &self.email, &self.connection_id) {
            (Some(id), None, None) if !id.trim().is_empty() => {}
            (None, Some(email), Some(conn)) => {
                crate::users::validate_email(operation, email)?;
                let valid = conn
                    .strip_prefix("con_")
                    .is_some_and(|rest| rest.len() == 16 && rest.chars().all(|c| c.is_ascii_alphanumeric()));
                if !valid {
                    return Err(Error::invalid_input(
                        operation,
                        format!("`{conn}` is not a connection id (con_ + 16 letters or digits)"),
                    ));
                }
            }
            (Some(_), _, _) => {
                return Err(Error::invalid_input(
                    operation,
                    "give either user_id, or email with connection_id, not both",
                ));
            }
            _ => return Err(Error::invalid_input(operation, "give user_id, or email with connection_id")),
        }
        // [spec] ChangePasswordTicketRequestContent.result_url: "Cannot be specified when using client_id or
        // organization_id." (field-truth §3.1; Auth0 answers 400, github auth0/auth0-PHP#480).
        if self.result_url.is_some() && self.client_id.is_some() {
            return Err(Error::invalid_input(
                operation,
                "result_url cannot be specified together with client_id (spec ChangePasswordTicketRequestContent.\
                 result_url); with client_id the user is sent to the application's initiate_login_uri instead",
            ));
        }
        if self.result_url.is_some() && self.organization_id.is_some() {
            return Err(Error::invalid_input(
                operation,
                "result_url cannot be specified together with organization_id (spec \
                 ChangePasswordTicketRequestContent.result_url)",
            ));
        }
        if let Some(c) = &self.client_id {
            crate::clients::validate_id(operation, "client id", c)?;
        }
        if let Some(u) = &self.result_url {
            let parsed = url::Url::parse(u)
                .map_err(|e| Error::invalid_input(operation, format!("result_url `{u}` is not a URL: {e}")))?;
            if !matches!(parsed.scheme(), "https" | "http") {
                return Err(Error::invalid_input(operation, format!("result_url `{u}` is not http(s)")));
            }
        }
        Ok(())
    }
}

/// The answer: the single-use ticket URL.
///
/// ```
/// let t: auth0_client::PasswordChangeTicket = serde_json::from_str(r#"{"ticket":"https://t.auth0.com/lo/reset?ticket=x#"}"#).unwrap();
/// assert!(t.ticket.contains("/lo/reset"));
/// ```
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct PasswordChangeTicket {
    /// The URL to send to the user.
    pub ticket: String,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Tickets. Get it from [`Auth0Client::tickets`].
#[derive(Debug, Clone)]
pub struct TicketsHandler {
    client: Auth0Client,
}

impl TicketsHandler {
    /// Creates a password-change ticket (`create:user_tickets`). Creating another ticket is harmless, so a
    /// lost answer is simply retried by the caller.
    ///
    /// ```no_run
    /// # async fn demo(auth0: auth0_client::Auth0Client) -> auth0_client::Result<()> {
    /// use auth0_client::ChangePasswordTicketRequestContent;
    /// let t = auth0.tickets().password_change(&ChangePasswordTicketRequestContent::invite("auth0|abc", "client-id")).await?;
    /// println!("send this link: {}", t.ticket);
    /// # Ok(()) }
    /// ```
    pub async fn password_change(&self, body: &ChangePasswordTicketRequestContent) -> Result<PasswordChangeTicket> {
        const OP: &str = "CreatePasswordChangeTicket";
        body.validate(OP)?;
        let mut request = ApiRequest::new(
            OP,
            Method::POST,
            &["tickets", "password-change"],
            scopes::CREATE_PASSWORD_CHANGE_TICKET.any_of,
        )
        .json(body)?;
        // A second ticket does no harm: the request may be repeated after a lost answer.
        request.idempotent = true;
        self.client.inner.call(&request).await
    }
}

impl Auth0Client {
    /// Tickets (`/api/v2/tickets`).
    pub fn tickets(&self) -> TicketsHandler {
        TicketsHandler { client: self.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_forms_are_exclusive() {
        assert!(ChangePasswordTicketRequestContent::invite("auth0|1", "c").validate("T").is_ok());
        let by_email = ChangePasswordTicketRequestContent {
            email: Some("a@b.co".into()),
            connection_id: Some("con_0123456789abcdef".into()),
            ..Default::default()
        };
        assert!(by_email.validate("T").is_ok());
        let both = ChangePasswordTicketRequestContent { user_id: Some("auth0|1".into()), ..by_email.clone() };
        assert!(both.validate("T").is_err());
        assert!(ChangePasswordTicketRequestContent::default().validate("T").is_err());
        let org = ChangePasswordTicketRequestContent {
            organization_id: Some("org_1".into()),
            user_id: Some("auth0|1".into()),
            ..Default::default()
        }
        .result_url("https://a.com");
        assert!(org.validate("T").unwrap_err().message().contains("organization_id"));
    }

    /// Spec rule: `result_url` "cannot be specified when using client_id".
    #[test]
    fn result_url_is_refused_with_client_id() {
        let body = ChangePasswordTicketRequestContent::invite("auth0|1", "app").result_url("https://chat.example.com/");
        let err = body.validate("T").unwrap_err();
        assert!(matches!(err.kind(), crate::ErrorKind::InvalidInput));
        assert!(err.message().contains("result_url") && err.message().contains("client_id"), "{err}");
        // Without client_id (Classic Universal Login) it is allowed.
        let classic = ChangePasswordTicketRequestContent { user_id: Some("auth0|1".into()), ..Default::default() }
            .result_url("https://chat.example.com/");
        assert!(classic.validate("T").is_ok());
    }
}
