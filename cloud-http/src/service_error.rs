//! One error shape for every client, after smithy-rs' `SdkError` / `ErrorMetadata`: a kind the caller matches
//! (each client's own enum), the operation that failed, the service's [`ErrorMetadata`], a detail message, a
//! retry hint and the underlying error.
//!
//! A client defines its `ErrorKind` enum, implements [`ServiceErrorKind`] for it (how a transport failure, a
//! decode failure and bad input are spelt, how the error is displayed, whether the kind is a "not found"), and
//! exposes `ServiceError<ErrorKind>` either as a type alias or, when it has accessors of its own, through the
//! thin newtype [`service_error_newtype!`](crate::service_error_newtype).
//!
//! ```
//! use cloud_http::{ServiceError, ServiceErrorKind, TransportErrorKind};
//! #[derive(Debug, Clone, PartialEq, Eq)]
//! enum Kind { InvalidInput, NotFound, Transport(TransportErrorKind), Decode }
//! impl ServiceErrorKind for Kind {
//!     const INVALID_INPUT: Self = Kind::InvalidInput;
//!     const DECODE: Self = Kind::Decode;
//!     const TRANSPORT: fn(TransportErrorKind) -> Self = Kind::Transport;
//!     const NOT_FOUND: &'static [Self] = &[Kind::NotFound];
//! }
//! let e = ServiceError::new(Kind::NotFound, "GetThing")
//!     .with_metadata(cloud_http::ErrorMetadata::new(404).with_request_id("r-1"));
//! assert!(e.is_not_found());
//! assert_eq!(e.request_id(), Some("r-1"));
//! assert_eq!(e.to_string(), "GetThing failed: NotFound (HTTP 404 [request id r-1])");
//! ```

use crate::metadata::ErrorMetadata;
use crate::retry::{RetryDecision, Retryable};
use crate::transport::{TransportError, TransportErrorKind};
use chrono::{DateTime, Utc};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What a client's error kind tells the shared [`ServiceError`].
pub trait ServiceErrorKind: fmt::Debug + Clone + PartialEq + Send + Sync + 'static {
    /// The kind for an argument or configuration refused before sending.
    const INVALID_INPUT: Self;

    /// The kind for an answer that could not be decoded.
    const DECODE: Self;

    /// The kind for a failure below HTTP (connect, timeout, reset, body too large): usually the tuple variant
    /// `ErrorKind::Transport`.
    const TRANSPORT: fn(TransportErrorKind) -> Self;

    /// The kind for a timeout, where the client has one of its own (otherwise `TRANSPORT(Timeout)`).
    const TIMEOUT: Option<Self> = None;

    /// The kinds that mean "the resource does not exist".
    const NOT_FOUND: &'static [Self] = &[];

    /// The kind for a transport failure of `kind`.
    fn transport(kind: TransportErrorKind) -> Self {
        match (kind, Self::TIMEOUT) {
            (TransportErrorKind::Timeout, Some(timeout)) => timeout,
            (other, _) => (Self::TRANSPORT)(other),
        }
    }

    /// Whether this kind means "the resource does not exist" (one of [`NOT_FOUND`](Self::NOT_FOUND)).
    fn is_not_found(&self) -> bool {
        Self::NOT_FOUND.contains(self)
    }

    /// The short text of the kind in [`ServiceError`]'s `Display` (default: the `Debug` form).
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }

    /// The whole `Display` text. Default: `{operation} failed: {kind}[ ({metadata})][: {detail}]`.
    fn fmt_error(error: &ServiceError<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: ", error.operation())?;
        error.kind().describe(f)?;
        if let Some(meta) = error.metadata() {
            write!(f, " ({meta})")?;
        }
        if let Some(detail) = error.detail() {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }

    /// Whether and when the failed call may be repeated. Default: the hint set with
    /// [`ServiceError::with_retry`] (none: do not retry).
    fn retry_decision(error: &ServiceError<Self>) -> RetryDecision {
        error.retry_hint().unwrap_or(RetryDecision::DoNotRetry)
    }
}

/// A client error: kind, operation, service metadata, detail, retry hint, server time and source.
///
/// Never holds a secret: clients scrub service messages before they reach the metadata.
#[derive(Clone)]
pub struct ServiceError<K> {
    inner: Box<Inner<K>>,
}

#[derive(Clone)]
struct Inner<K> {
    kind: K,
    operation: &'static str,
    metadata: Option<ErrorMetadata>,
    detail: Option<String>,
    retry: Option<RetryDecision>,
    server_time: Option<DateTime<Utc>>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl<K: ServiceErrorKind> ServiceError<K> {
    /// An error of `kind` in `operation`, with no retry hint.
    pub fn new(kind: K, operation: &'static str) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                operation,
                metadata: None,
                detail: None,
                retry: None,
                server_time: None,
                source: None,
            }),
        }
    }

    /// Bad input, refused before sending.
    pub fn invalid_input(operation: &'static str, detail: impl Into<String>) -> Self {
        Self::new(K::INVALID_INPUT, operation).with_detail(detail)
    }

    /// An answer that could not be decoded.
    pub fn decode(operation: &'static str, detail: impl Into<String>) -> Self {
        Self::new(K::DECODE, operation).with_detail(detail)
    }

    /// A transport failure; retryable when [`TransportError::may_retry`] allows it for this `idempotent`ness.
    pub fn from_transport(error: TransportError, idempotent: bool) -> Self {
        let retry = if error.may_retry(idempotent) { RetryDecision::Retry } else { RetryDecision::DoNotRetry };
        Self::new(K::transport(error.kind), error.operation)
            .with_detail(error.message.clone())
            .with_retry(retry)
            .with_source(error)
    }

    /// Attaches service metadata.
    pub fn with_metadata(mut self, metadata: ErrorMetadata) -> Self {
        self.inner.metadata = Some(metadata);
        self
    }

    /// Attaches (or replaces) the detail message.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.inner.detail = Some(detail.into());
        self
    }

    /// Sets the retry hint.
    pub fn with_retry(mut self, retry: RetryDecision) -> Self {
        self.inner.retry = Some(retry);
        self
    }

    /// Records the server's time (its `Date` header), used to correct a skewed clock.
    pub fn with_server_time(mut self, time: DateTime<Utc>) -> Self {
        self.inner.server_time = Some(time);
        self
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Arc::new(source));
        self
    }

    /// The kind.
    pub fn kind(&self) -> &K {
        &self.inner.kind
    }

    /// The operation that failed (the service's operation id).
    pub fn operation(&self) -> &'static str {
        self.inner.operation
    }

    /// The service's metadata, for errors the service reported.
    pub fn metadata(&self) -> Option<&ErrorMetadata> {
        self.inner.metadata.as_ref()
    }

    /// The HTTP status, for errors the service reported.
    pub fn status(&self) -> Option<u16> {
        self.inner.metadata.as_ref().map(|m| m.status)
    }

    /// The service's error code.
    pub fn code(&self) -> Option<&str> {
        self.inner.metadata.as_ref().and_then(|m| m.code())
    }

    /// The service's message.
    pub fn message(&self) -> Option<&str> {
        self.inner.metadata.as_ref().and_then(|m| m.message())
    }

    /// The request id the service gave.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.metadata.as_ref().and_then(|m| m.request_id())
    }

    /// The detail message.
    pub fn detail(&self) -> Option<&str> {
        self.inner.detail.as_deref()
    }

    /// The retry hint as set (not yet combined with the kind).
    pub fn retry_hint(&self) -> Option<RetryDecision> {
        self.inner.retry
    }

    /// The delay the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.inner.retry {
            Some(RetryDecision::RetryAfter(d)) => Some(d),
            _ => None,
        }
    }

    /// The server's time when it answered, if recorded.
    pub fn server_time(&self) -> Option<DateTime<Utc>> {
        self.inner.server_time
    }

    /// Whether the kind is a "not found".
    pub fn is_not_found(&self) -> bool {
        self.inner.kind.is_not_found()
    }
}

impl<K: ServiceErrorKind> fmt::Display for ServiceError<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        K::fmt_error(self, f)
    }
}

impl<K: ServiceErrorKind> fmt::Debug for ServiceError<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("operation", &self.inner.operation)
            .field("metadata", &self.inner.metadata)
            .field("detail", &self.inner.detail)
            .field("retry", &self.inner.retry)
            .field("source", &self.inner.source)
            .finish()
    }
}

impl<K: ServiceErrorKind> std::error::Error for ServiceError<K> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl<K: ServiceErrorKind> From<crate::driver::DecodeError> for ServiceError<K> {
    fn from(e: crate::driver::DecodeError) -> Self {
        Self::decode(e.operation, e.detail)
    }
}

impl<K: ServiceErrorKind> Retryable for ServiceError<K> {
    fn retry_decision(&self) -> RetryDecision {
        K::retry_decision(self)
    }
}

/// Declares a client's error as a thin newtype over [`ServiceError`]: `Deref` to it (so `kind()`,
/// `operation()`, `code()`, `request_id()`, `is_not_found()`, … are the shared ones), the shared constructors
/// (`invalid_input`, `decode`) and builders (`with_*`) returning the newtype, and `Display`, `Error`, `Retryable`, `Debug`, `Clone` and conversions.
/// The client adds `new` and its own accessors in an `impl` block of its own.
///
/// ```
/// use cloud_http::{ServiceErrorKind, TransportErrorKind};
/// #[derive(Debug, Clone, PartialEq, Eq)]
/// pub enum ErrorKind { InvalidInput, Transport(TransportErrorKind), Decode }
/// impl ServiceErrorKind for ErrorKind {
///     const INVALID_INPUT: Self = ErrorKind::InvalidInput;
///     const DECODE: Self = ErrorKind::Decode;
///     const TRANSPORT: fn(TransportErrorKind) -> Self = ErrorKind::Transport;
/// }
/// cloud_http::service_error_newtype!(
///     /// My client's error.
///     pub struct Error(ErrorKind);
/// );
/// let e = Error::invalid_input("CreateThing", "name is empty");
/// assert_eq!(e.kind(), &ErrorKind::InvalidInput);
/// assert_eq!(e.to_string(), "CreateThing failed: InvalidInput: name is empty");
/// ```
#[macro_export]
macro_rules! service_error_newtype {
    ($(#[$meta:meta])* $vis:vis struct $name:ident($kind:ty);) => {
        $(#[$meta])*
        #[derive(Clone)]
        $vis struct $name($crate::ServiceError<$kind>);

        impl $name {
            /// Bad input, refused before sending.
            pub fn invalid_input(operation: &'static str, detail: impl Into<String>) -> Self {
                Self($crate::ServiceError::invalid_input(operation, detail))
            }

            /// An answer that could not be decoded.
            pub fn decode(operation: &'static str, detail: impl Into<String>) -> Self {
                Self($crate::ServiceError::decode(operation, detail))
            }

            /// Attaches service metadata.
            pub fn with_metadata(self, metadata: $crate::ErrorMetadata) -> Self {
                Self(self.0.with_metadata(metadata))
            }

            /// Attaches (or replaces) the detail message.
            pub fn with_detail(self, detail: impl Into<String>) -> Self {
                Self(self.0.with_detail(detail))
            }

            /// Sets whether and when the call may be retried.
            pub fn with_retry(self, retry: $crate::RetryDecision) -> Self {
                Self(self.0.with_retry(retry))
            }

            /// Records the server's time (its `Date` header).
            pub fn with_server_time(self, time: $crate::__private::DateTime<$crate::__private::Utc>) -> Self {
                Self(self.0.with_server_time(time))
            }

            /// Attaches the underlying error.
            pub fn with_source(self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
                Self(self.0.with_source(source))
            }

            /// The shared error this wraps.
            pub fn into_inner(self) -> $crate::ServiceError<$kind> {
                self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = $crate::ServiceError<$kind>;
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl From<$crate::ServiceError<$kind>> for $name {
            fn from(e: $crate::ServiceError<$kind>) -> Self {
                Self(e)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl std::error::Error for $name {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                std::error::Error::source(&self.0)
            }
        }

        impl From<$crate::driver::DecodeError> for $name {
            fn from(e: $crate::driver::DecodeError) -> Self {
                Self($crate::ServiceError::from(e))
            }
        }

        impl $crate::Retryable for $name {
            fn retry_decision(&self) -> $crate::RetryDecision {
                $crate::Retryable::retry_decision(&self.0)
            }
        }
    };
}

/// Declares a client's `ErrorKind` with the kinds every client has, and implements [`ServiceErrorKind`] for it
/// by the workspace's naming convention — written once instead of in every client.
///
/// The enum form emits `#[derive(Debug, Clone, PartialEq, Eq)] #[non_exhaustive]` and the client's own unit
/// variants (each with its docs and its short text for `Display`), then the shared ones: `InvalidInput`,
/// `Server`, `Service`, `Transport(TransportErrorKind)`, `Timeout` and `Decode`. The client must declare a
/// `NotFound` variant (the [`ServiceErrorKind::NOT_FOUND`] kind). Items in a trailing `impl { … }` go into the
/// [`ServiceErrorKind`] impl (an own `fmt_error`, say).
///
/// The `impl for Kind { … }` form only writes the impl's constants (`INVALID_INPUT` = `Kind::InvalidInput`,
/// `DECODE` = `Kind::Decode`, `TRANSPORT` = `Kind::Transport`, `TIMEOUT` = `Some(Kind::Timeout)`, `NOT_FOUND` =
/// `[Kind::NotFound]`), for a kind with data-carrying variants that declares its enum and `describe` itself.
///
/// ```
/// cloud_http::error_kind! {
///     /// What went wrong.
///     pub enum ErrorKind {
///         /// 404.
///         NotFound => "not found",
///         /// 409.
///         Conflict => "conflict",
///     }
/// }
/// let e = cloud_http::ServiceError::new(ErrorKind::NotFound, "getThing");
/// assert!(e.is_not_found());
/// assert_eq!(e.to_string(), "getThing failed: not found");
/// assert_eq!(cloud_http::ServiceError::<ErrorKind>::decode("getThing", "at `id`").to_string(),
///            "getThing failed: the answer could not be decoded: at `id`");
/// ```
#[macro_export]
macro_rules! error_kind {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:expr ),* $(,)?
        }
        $(impl { $($extra:tt)* })?
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// An argument or the configuration was refused before any request was sent.
            InvalidInput,
            /// A 5xx answer (after the retries the policy allowed).
            Server,
            /// Any other status the service answered.
            Service,
            /// The request failed below HTTP (connect, reset, body too large, …).
            Transport($crate::TransportErrorKind),
            /// The request timed out.
            Timeout,
            /// The answer could not be decoded.
            Decode,
        }

        $crate::error_kind! {
            impl for $name {
                fn describe(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(match self {
                        $( $name::$variant => $text, )*
                        $name::InvalidInput => "invalid input",
                        $name::Server => "server error",
                        $name::Service => "service error",
                        $name::Transport(_) => "transport error",
                        $name::Timeout => "timed out",
                        $name::Decode => "the answer could not be decoded",
                    })
                }
                $($($extra)*)?
            }
        }
    };
    (impl for $name:ident { $($body:tt)* }) => {
        impl $crate::ServiceErrorKind for $name {
            const INVALID_INPUT: Self = $name::InvalidInput;
            const DECODE: Self = $name::Decode;
            const TRANSPORT: fn($crate::TransportErrorKind) -> Self = $name::Transport;
            const TIMEOUT: Option<Self> = Some($name::Timeout);
            const NOT_FOUND: &'static [Self] = &[$name::NotFound];
            $($body)*
        }
    };
}
