//! RAM users: CreateUser, GetUser, UpdateUser, DeleteUser and ListUsers (every page).

use super::client::{Idempotency, RamClient};
use super::names::{MAX_COMMENTS, MAX_DISPLAY_NAME, validate_text, validate_user_name};
use crate::Error;
use serde::Deserialize;
use serde::de::IgnoredAny;

/// A RAM user as RAM returns it. Fields RAM leaves out are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    /// The user's id.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The user name.
    pub user_name: String,
    /// The display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The mobile phone (`86-1868888****`).
    #[serde(default)]
    pub mobile_phone: Option<String>,
    /// The email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Comments.
    #[serde(default)]
    pub comments: Option<String>,
    /// Creation time (ISO 8601).
    #[serde(default)]
    pub create_date: Option<String>,
    /// Last update (ISO 8601).
    #[serde(default)]
    pub update_date: Option<String>,
    /// Last console login (ISO 8601).
    #[serde(default)]
    pub last_login_date: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct UserEnvelope {
    #[serde(rename = "User")]
    user: User,
}

#[derive(Deserialize, Default)]
struct UserList {
    #[serde(rename = "User", default)]
    user: Vec<User>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListUsersResponse {
    #[serde(default)]
    is_truncated: bool,
    #[serde(default)]
    marker: Option<String>,
    #[serde(default)]
    users: UserList,
}

/// One page of [`ListUsers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsersPage {
    /// The users on this page.
    pub users: Vec<User>,
    /// The marker of the next page, when there is one.
    pub next_marker: Option<String>,
}

/// The user operations: `ram.users()`.
///
/// ```no_run
/// # async fn demo(ram: oss_client::ram::RamClient) -> oss_client::Result<()> {
/// let user = ram.users().create("lobehub-oss").display_name("LobeHub OSS").send().await?;
/// let same = ram.users().get("lobehub-oss").send().await?;
/// assert_eq!(user.user_name, same.user_name);
/// let everyone = ram.users().list().send().await?;
/// # let _ = everyone; Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct UsersHandler<'a> {
    client: &'a RamClient,
}

impl RamClient {
    /// The user operations.
    pub fn users(&self) -> UsersHandler<'_> {
        UsersHandler { client: self }
    }
}

impl<'a> UsersHandler<'a> {
    /// CreateUser. Fails with `EntityAlreadyExists.User` if the name is taken.
    pub fn create(&self, user_name: impl Into<String>) -> CreateUser<'a> {
        CreateUser {
            client: self.client,
            user_name: user_name.into(),
            display_name: None,
            mobile_phone: None,
            email: None,
            comments: None,
        }
    }

    /// GetUser. Fails with `EntityNotExist.User` if there is no such user.
    pub fn get(&self, user_name: impl Into<String>) -> GetUser<'a> {
        GetUser { client: self.client, user_name: user_name.into() }
    }

    /// UpdateUser: set the fields to change.
    pub fn update(&self, user_name: impl Into<String>) -> UpdateUser<'a> {
        UpdateUser {
            client: self.client,
            user_name: user_name.into(),
            new_user_name: None,
            new_display_name: None,
            new_mobile_phone: None,
            new_email: None,
            new_comments: None,
        }
    }

    /// DeleteUser. RAM refuses (`DeleteConflict.User.*`) while the user has access keys or attached policies.
    pub fn delete(&self, user_name: impl Into<String>) -> DeleteUser<'a> {
        DeleteUser { client: self.client, user_name: user_name.into() }
    }

    /// ListUsers.
    pub fn list(&self) -> ListUsers<'a> {
        ListUsers { client: self.client, max_items: None }
    }

    /// Reads the user and creates it only if it does not exist, so a converged run sends no write. Returns
    /// the user and whether this call created it.
    ///
    /// ```no_run
    /// # async fn demo(ram: oss_client::ram::RamClient) -> oss_client::Result<()> {
    /// let (user, created) = ram.users().ensure("lobehub-oss").await?;
    /// # let _ = (user, created); Ok(()) }
    /// ```
    pub async fn ensure(&self, user_name: &str) -> Result<(User, bool), Error> {
        match self.get(user_name).send().await {
            Ok(user) => return Ok((user, false)),
            Err(e) if e.kind() == &crate::ErrorKind::EntityNotExist => {}
            Err(e) => return Err(e),
        }
        match self.create(user_name).send().await {
            Ok(user) => Ok((user, true)),
            // Created concurrently (or by an earlier attempt whose answer was lost).
            Err(e) if e.kind() == &crate::ErrorKind::EntityAlreadyExists => {
                Ok((self.get(user_name).send().await?, false))
            }
            Err(e) => Err(e),
        }
    }
}

/// The CreateUser request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct CreateUser<'a> {
    client: &'a RamClient,
    user_name: String,
    display_name: Option<String>,
    mobile_phone: Option<String>,
    email: Option<String>,
    comments: Option<String>,
}

impl CreateUser<'_> {
    /// The display name (1–128 characters).
    pub fn display_name(mut self, v: impl Into<String>) -> Self {
        self.display_name = Some(v.into());
        self
    }

    /// The mobile phone, `<country code>-<number>`.
    pub fn mobile_phone(mut self, v: impl Into<String>) -> Self {
        self.mobile_phone = Some(v.into());
        self
    }

    /// The email address.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.email = Some(v.into());
        self
    }

    /// Comments (up to 128 characters).
    pub fn comments(mut self, v: impl Into<String>) -> Self {
        self.comments = Some(v.into());
        self
    }

    /// Sends the request.
    pub async fn send(self) -> Result<User, Error> {
        const OP: &str = "CreateUser";
        validate_user_name(OP, &self.user_name)?;
        let mut params = vec![("UserName", self.user_name)];
        push_text(OP, &mut params, "DisplayName", self.display_name, MAX_DISPLAY_NAME)?;
        push_text(OP, &mut params, "MobilePhone", self.mobile_phone, 32)?;
        push_text(OP, &mut params, "Email", self.email, 128)?;
        push_text(OP, &mut params, "Comments", self.comments, MAX_COMMENTS)?;
        let out: UserEnvelope = self.client.call(OP, &params, Idempotency::Safe).await?;
        Ok(out.user)
    }
}

/// The GetUser request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct GetUser<'a> {
    client: &'a RamClient,
    user_name: String,
}

impl GetUser<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<User, Error> {
        const OP: &str = "GetUser";
        validate_user_name(OP, &self.user_name)?;
        let out: UserEnvelope = self.client.call(OP, &[("UserName", self.user_name)], Idempotency::Safe).await?;
        Ok(out.user)
    }
}

/// The UpdateUser request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct UpdateUser<'a> {
    client: &'a RamClient,
    user_name: String,
    new_user_name: Option<String>,
    new_display_name: Option<String>,
    new_mobile_phone: Option<String>,
    new_email: Option<String>,
    new_comments: Option<String>,
}

impl UpdateUser<'_> {
    /// Renames the user.
    pub fn new_user_name(mut self, v: impl Into<String>) -> Self {
        self.new_user_name = Some(v.into());
        self
    }

    /// Changes the display name.
    pub fn new_display_name(mut self, v: impl Into<String>) -> Self {
        self.new_display_name = Some(v.into());
        self
    }

    /// Changes the mobile phone.
    pub fn new_mobile_phone(mut self, v: impl Into<String>) -> Self {
        self.new_mobile_phone = Some(v.into());
        self
    }

    /// Changes the email address.
    pub fn new_email(mut self, v: impl Into<String>) -> Self {
        self.new_email = Some(v.into());
        self
    }

    /// Changes the comments.
    pub fn new_comments(mut self, v: impl Into<String>) -> Self {
        self.new_comments = Some(v.into());
        self
    }

    /// Sends the request. Fails before sending if nothing is to change.
    pub async fn send(self) -> Result<User, Error> {
        const OP: &str = "UpdateUser";
        validate_user_name(OP, &self.user_name)?;
        let mut params = vec![("UserName", self.user_name)];
        if let Some(new_name) = self.new_user_name {
            validate_user_name(OP, &new_name)?;
            params.push(("NewUserName", new_name));
        }
        push_text(OP, &mut params, "NewDisplayName", self.new_display_name, MAX_DISPLAY_NAME)?;
        push_text(OP, &mut params, "NewMobilePhone", self.new_mobile_phone, 32)?;
        push_text(OP, &mut params, "NewEmail", self.new_email, 128)?;
        push_text(OP, &mut params, "NewComments", self.new_comments, MAX_COMMENTS)?;
        if params.len() == 1 {
            return Err(Error::invalid_input(OP, "nothing to update: set at least one new_* field"));
        }
        let out: UserEnvelope = self.client.call(OP, &params, Idempotency::Safe).await?;
        Ok(out.user)
    }
}

/// The DeleteUser request.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct DeleteUser<'a> {
    client: &'a RamClient,
    user_name: String,
}

impl DeleteUser<'_> {
    /// Sends the request.
    pub async fn send(self) -> Result<(), Error> {
        const OP: &str = "DeleteUser";
        validate_user_name(OP, &self.user_name)?;
        let _: IgnoredAny = self.client.call(OP, &[("UserName", self.user_name)], Idempotency::Safe).await?;
        Ok(())
    }
}

/// The ListUsers request.
#[derive(Debug)]
#[must_use = "call .send() or .page()"]
pub struct ListUsers<'a> {
    client: &'a RamClient,
    max_items: Option<u32>,
}

impl ListUsers<'_> {
    /// Page size, 1–1000 (RAM's default is 100).
    pub fn max_items(mut self, n: u32) -> Self {
        self.max_items = Some(n);
        self
    }

    /// One page, starting at `marker` (`None` for the first).
    pub async fn page(&self, marker: Option<&str>) -> Result<UsersPage, Error> {
        const OP: &str = "ListUsers";
        let mut params = Vec::new();
        if let Some(n) = self.max_items {
            if !(1..=1000).contains(&n) {
                return Err(Error::invalid_input(OP, format!("MaxItems must be 1 to 1000 (got {n})")));
            }
            params.push(("MaxItems", n.to_string()));
        }
        if let Some(m) = marker {
            params.push(("Marker", m.to_string()));
        }
        let out: ListUsersResponse = self.client.call(OP, &params, Idempotency::Safe).await?;
        let next_marker = match (out.is_truncated, out.marker) {
            (false, _) => None,
            (true, Some(m)) if !m.is_empty() && Some(m.as_str()) != marker => Some(m),
            (true, _) => {
                return Err(Error::decode(OP, "IsTruncated is true but the response has no new Marker"));
            }
        };
        Ok(UsersPage { users: out.users.user, next_marker })
    }

    /// Every user, following `Marker` through all pages. Bounded: a marker the server already returned, or more
    /// than [`cloud_http::pagination::DEFAULT_MAX_PAGES`] pages, ends the listing with a decode error; a user
    /// listed twice is kept once.
    pub async fn send(self) -> Result<Vec<User>, Error> {
        const OP: &str = "ListUsers";
        let mut guard = cloud_http::pagination::PageGuard::<String>::with_default_cap(OP);
        let mut dedup = cloud_http::pagination::DedupById::<String>::default();
        let mut all = Vec::new();
        let mut marker: Option<String> = None;
        guard.first_page().map_err(|e| Error::decode(OP, e.to_string()))?;
        loop {
            let page = self.page(marker.as_deref()).await?;
            all.extend(page.users.into_iter().filter(|u| dedup.first_time(u.user_name.clone())));
            match page.next_marker {
                Some(next) => {
                    guard.next_page(&next).map_err(|e| Error::decode(OP, e.to_string()))?;
                    marker = Some(next);
                }
                None => return Ok(all),
            }
        }
    }
}

pub(crate) fn push_text(
    operation: &'static str,
    params: &mut Vec<(&'static str, String)>,
    name: &'static str,
    value: Option<String>,
    max: usize,
) -> Result<(), Error> {
    if let Some(v) = value {
        validate_text(operation, name, &v, max)?;
        params.push((name, v));
    }
    Ok(())
}
