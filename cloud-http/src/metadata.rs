//! Service error metadata, after smithy-rs' `ErrorMetadata`: what the service said about a failed request.

use std::collections::BTreeMap;
use std::fmt;

/// The service's own account of an error: HTTP status, error code, message and the ids support asks for.
///
/// Every client error that came from a service response carries one, so a caller can log the request id or
/// match on the code without parsing messages.
///
/// ```
/// use cloud_http::ErrorMetadata;
/// let meta = ErrorMetadata::new(404)
///     .with_code("NoSuchBucket")
///     .with_message("The specified bucket does not exist.")
///     .with_request_id("5C3D9175B6FC201293AD****");
/// assert_eq!(meta.code(), Some("NoSuchBucket"));
/// assert!(meta.to_string().contains("request id 5C3D9175B6FC201293AD****"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorMetadata {
    /// The HTTP status of the response.
    pub status: u16,
    /// The service's error code (`NoSuchBucket`, `EntityAlreadyExists.User`, `inert_user`, …).
    pub code: Option<String>,
    /// The service's human-readable message.
    pub message: Option<String>,
    /// The request id (`x-oss-request-id`, `RequestId`, `x-vercel-id`, …).
    pub request_id: Option<String>,
    /// The host id, where the service reports one.
    pub host_id: Option<String>,
    /// Other service-specific fields (OSS `EC`, RAM `Recommend`, Vercel `action` and `link`, …).
    pub extras: BTreeMap<String, String>,
}

impl ErrorMetadata {
    /// Metadata for a response with this status and nothing else yet.
    pub fn new(status: u16) -> Self {
        Self { status, ..Self::default() }
    }

    /// Sets the error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets the request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Sets the host id.
    pub fn with_host_id(mut self, id: impl Into<String>) -> Self {
        self.host_id = Some(id.into());
        self
    }

    /// Adds a service-specific field.
    pub fn with_extra(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extras.insert(key.into(), value.into());
        self
    }

    /// The error code, if the service sent one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The message, if the service sent one.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The request id, if the service sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// A service-specific field.
    pub fn extra(&self, key: &str) -> Option<&str> {
        self.extras.get(key).map(String::as_str)
    }
}

impl fmt::Display for ErrorMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        for (key, value) in &self.extras {
            write!(f, " ({key} {value})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}
