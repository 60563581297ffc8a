//! Checks of RAM names and parameters, run before any request is sent, so bad input gets a clear
//! [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error instead of a round trip.

use crate::Error;

/// The longest `UserName`.
pub const MAX_USER_NAME: usize = 64;
/// The longest `PolicyName`.
pub const MAX_POLICY_NAME: usize = 128;
/// The longest `DisplayName`.
pub const MAX_DISPLAY_NAME: usize = 128;
/// The longest user `Comments`.
pub const MAX_COMMENTS: usize = 128;
/// The longest policy `Description`.
pub const MAX_DESCRIPTION: usize = 1024;

/// Checks a RAM `UserName`: 1–64 characters from `A-Z a-z 0-9 . _ -`.
///
/// ```
/// use oss_client::ram::names::validate_user_name;
/// assert!(validate_user_name("CreateUser", "lobehub-oss").is_ok());
/// assert!(validate_user_name("CreateUser", "bad name").is_err());
/// assert!(validate_user_name("CreateUser", "").is_err());
/// ```
pub fn validate_user_name(operation: &'static str, name: &str) -> Result<(), Error> {
    validate_chars(operation, "UserName", name, MAX_USER_NAME, |c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// Checks a RAM `PolicyName`: 1–128 characters from `A-Z a-z 0-9 -` (no underscore).
///
/// ```
/// use oss_client::ram::names::validate_policy_name;
/// assert!(validate_policy_name("CreatePolicy", "lobehub-oss-rw").is_ok());
/// assert!(validate_policy_name("CreatePolicy", "lobehub_oss").is_err());
/// ```
pub fn validate_policy_name(operation: &'static str, name: &str) -> Result<(), Error> {
    validate_chars(operation, "PolicyName", name, MAX_POLICY_NAME, |c| c.is_ascii_alphanumeric() || c == '-')
}

/// Checks an AccessKeyId argument: non-empty, letters and digits only.
///
/// ```
/// use oss_client::ram::names::validate_access_key_id;
/// assert!(validate_access_key_id("DeleteAccessKey", "LTAI5tAbc123").is_ok());
/// assert!(validate_access_key_id("DeleteAccessKey", "").is_err());
/// ```
pub fn validate_access_key_id(operation: &'static str, id: &str) -> Result<(), Error> {
    validate_chars(operation, "UserAccessKeyId", id, 128, |c| c.is_ascii_alphanumeric())
}

/// Checks that an optional free-text field is at most `max` characters and not empty when given.
///
/// ```
/// use oss_client::ram::names::validate_text;
/// assert!(validate_text("CreateUser", "DisplayName", "LobeHub OSS", 128).is_ok());
/// assert!(validate_text("CreateUser", "DisplayName", "", 128).is_err());
/// ```
pub fn validate_text(operation: &'static str, field: &str, value: &str, max: usize) -> Result<(), Error> {
    let len = value.chars().count();
    if len == 0 || len > max {
        return Err(Error::invalid_input(operation, format!("{field} must be 1 to {max} characters (got {len})")));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid_input(operation, format!("{field} must not contain control characters")));
    }
    Ok(())
}

fn validate_chars(
    operation: &'static str,
    field: &str,
    value: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), Error> {
    let len = value.chars().count();
    if len == 0 || len > max {
        return Err(Error::invalid_input(
            operation,
            format!("{field} `{value}` must be 1 to {max} characters (got {len})"),
        ));
    }
    if let Some(bad) = value.chars().find(|c| !allowed(*c)) {
        return Err(Error::invalid_input(
            operation,
            format!("{field} `{value}` contains the character {bad:?}, which RAM does not allow"),
        ));
    }
    Ok(())
}
