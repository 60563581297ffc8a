//! Password-change tickets: issuing them (`POST /tickets/password-change`) and using them (the hosted reset page
//! a user reaches through the link, driven by test hooks).

use super::super::Auth0Simulator;
use super::super::auth::Caller;
use super::super::render::{api_error, bad_request};
use super::super::state::{IssuedTicket, now_secs, random_token};
use super::super::validation::{TICKET_FIELDS, check_bools, check_ticket_prose_rules, object_body, string_field};
use crate::server::{SimRequest, SimResponse, lock};
use serde_json::{Value, json};

impl Auth0Simulator {
    /// Uses a ticket: sets the user's password (and marks the email verified if the ticket says so). Fails for
    /// an unknown or used ticket.
    pub fn use_ticket(&self, url: &str, new_password: &str) -> Result<(), String> {
        self.follow_ticket(url, new_password).map(|_| ())
    }

    /// Uses a ticket like [`use_ticket`](Self::use_ticket) and returns where the user is sent next: `result_url`
    /// if the ticket has one (Classic Universal Login); else, with `client_id`, the application's default login
    /// route `initiate_login_uri` with Auth0's `iss` query parameter appended; else `None` (no redirect, no
    /// button). Source: field-truth §3.2; https://auth0.com/docs/authenticate/login/auth0-universal-login/configure-default-login-routes
    /// A ticket used after its `ttl_sec` is refused as expired.
    pub fn follow_ticket(&self, url: &str, new_password: &str) -> Result<Option<String>, String> {
        let issuer = {
            let parsed = url::Url::parse(url).map_err(|_| "not a ticket URL")?;
            format!("{}/", parsed.origin().ascii_serialization())
        };
        {
            let st = lock(&self.state);
            let ticket = st.tickets.iter().find(|t| t.url == url).ok_or("unknown ticket")?;
            if now_secs() > ticket.issued_at + i64::try_from(ticket.ttl_sec).unwrap_or(i64::MAX / 2) {
                return Err("the ticket has expired".into());
            }
        }
        self.consume_ticket(url, new_password)?;
        let st = lock(&self.state);
        let ticket = st.tickets.iter().find(|t| t.url == url).ok_or("unknown ticket")?;
        if let Some(r) = &ticket.result_url {
            return Ok(Some(r.clone()));
        }
        let Some(client_id) = &ticket.client_id else { return Ok(None) };
        let login = st
            .client(client_id)
            .and_then(|c| c.get("initiate_login_uri").and_then(Value::as_str))
            .filter(|u| !u.is_empty())
            .map(str::to_string);
        Ok(login.and_then(|l| {
            let mut u = url::Url::parse(&l).ok()?;
            u.query_pairs_mut().append_pair("iss", &issuer);
            Some(u.to_string())
        }))
    }

    /// Makes every ticket issued so far `seconds` older (for expiry tests).
    pub fn age_tickets(&self, seconds: i64) {
        for t in lock(&self.state).tickets.iter_mut() {
            t.issued_at -= seconds;
        }
    }

    pub(in crate::auth0) fn consume_ticket(&self, url: &str, new_password: &str) -> Result<(), String> {
        let mut st = lock(&self.state);
        let index = st.tickets.iter().position(|t| t.url == url).ok_or("unknown ticket")?;
        if st.tickets[index].used {
            return Err("ticket already used".into());
        }
        st.tickets[index].used = true;
        let ticket = st.tickets[index].clone();
        let user =
            st.users.iter_mut().find(|u| u.id() == Some(ticket.user_id.as_str())).ok_or("the user no longer exists")?;
        user.password = Some(new_password.to_string());
        if ticket.mark_email_as_verified {
            user.json.insert("email_verified".into(), Value::Bool(true));
        }
        Ok(())
    }

    pub(in crate::auth0) fn password_change_ticket(
        &self,
        request: &SimRequest,
        caller: &Caller,
    ) -> Result<SimResponse, SimResponse> {
        caller.require(&[&["create:user_tickets"]])?;
        let body = object_body(request, TICKET_FIELDS)?;
        let user_id = string_field(&body, "user_id")?.map(str::to_string);
        let email = string_field(&body, "email")?.map(str::to_string);
        let connection_id = string_field(&body, "connection_id")?.map(str::to_string);
        let client_id = string_field(&body, "client_id")?.map(str::to_string);
        let result_url = string_field(&body, "result_url")?.map(str::to_string);
        check_bools(&body, &["mark_email_as_verified", "includeEmailInRedirect"])?;
        check_ticket_prose_rules(&body)?;
        let ttl_sec = match body.get("ttl_sec") {
            None => 0,
            Some(v) => v
                .as_u64()
                .ok_or_else(|| bad_request("Payload validation error: 'Expected type integer' on property ttl_sec."))?,
        };
        let mut st = lock(&self.state);
        if let Some(c) = &client_id {
            Self::find_client(&st, c).map_err(|_| bad_request("The client does not exist"))?;
        }
        let user = match (&user_id, &email, &connection_id) {
            (Some(id), None, None) => st.user(id.as_str()),
            (None, Some(email), Some(conn_id)) => {
                let conn_name = st.connections.iter().find(|c| &c.id == conn_id).map(|c| c.name.clone());
                let Some(conn_name) = conn_name else {
                    return Err(api_error(404, "The connection does not exist", Some("inexistent_connection")));
                };
                st.users
                    .iter()
                    .find(|u| u.connection == conn_name && u.email.as_deref() == Some(email.to_lowercase().as_str()))
            }
            (Some(_), Some(_), _) => return Err(bad_request("Cannot specify both user_id and email.")),
            (None, Some(_), None) => return Err(bad_request("connection_id is required when email is specified.")),
            _ => return Err(bad_request("Payload validation error: 'Missing required property: user_id'.")),
        };
        let Some(user) = user else {
            return Err(api_error(404, "User not found.", Some("inexistent_user")));
        };
        if user.email.is_none() {
            return Err(bad_request("The user does not have an email address."));
        }
        if user.json.get("identities").and_then(|i| i.get(0)).and_then(|i| i.get("provider")).and_then(Value::as_str)
            != Some("auth0")
        {
            return Err(bad_request("The user's main connection does not support this operation."));
        }
        let user_id = user.id().unwrap_or_default().to_string();
        let url = format!("{}lo/reset?ticket={}#", Self::issuer(request), random_token(&mut st.rng, 32));
        st.tickets.push(IssuedTicket {
            url: url.clone(),
            user_id,
            client_id,
            result_url,
            ttl_sec: if ttl_sec == 0 { 432_000 } else { ttl_sec },
            mark_email_as_verified: body.get("mark_email_as_verified").and_then(Value::as_bool).unwrap_or(false),
            used: false,
            issued_at: now_secs(),
        });
        Ok(SimResponse::json(201, &json!({"ticket": url})))
    }
}
