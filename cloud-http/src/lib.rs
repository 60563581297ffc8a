//! # cloud-http
//!
//! The HTTP machinery that `oss-client`, `auth0-client` and `vercel-client` share, written once:
//!
//! - [`driver`]: the one request driver: retry → build → sign → send → classify → decode, for every client.
//! - [`api`]: what every bearer-token JSON client (`vercel-client`, `neon-client`, provision's GitHub client)
//!   repeats: one call's description ([`api::JsonRequest`]), the builder settings with their one validation
//!   ([`api::ClientSettings`] → [`api::Connection`], setters by [`client_settings_setters!`]) and the driver
//!   adapter ([`api::JsonApi`], [`api::Json`]).
//! - [`service_error`]: [`ServiceError`], the one error shape every client's error is built on; the kinds every
//!   client has by [`error_kind!`].
//! - [`retry`]: a bounded retry loop (exponential backoff with jitter, a cap on attempts *and* on wall time)
//!   that sits **above** build → sign → send, so every attempt is rebuilt and re-signed, and that honours a
//!   server's `Retry-After`.
//! - [`transport`]: send one request, read the whole body with a size cap, classify transport failures
//!   (timeout, connect, reset) and log the exchange with secrets redacted.
//! - [`pagination`]: page caps, repeated-cursor guards and de-duplication for every list loop.
//! - [`metadata`]: the service error metadata every client error carries (code, message, request id, …).
//! - [`redact`]: redaction of `Authorization`, signatures and tokens in headers and URLs.
//! - [`rate_limit`]: parsing `Retry-After` and rate-limit reset headers.
//! - [`clock`]: an injectable clock for signers, with a skew-corrected variant.
//! - [`endpoint`]: base URL validation (`https`, or plain `http` only for loopback) and the one host-name rule.
//!
//! Each client crate depends on this crate and nothing else of the workspace, so every client stays usable on
//! its own in another project.
//!
//! ```
//! use cloud_http::retry::{RetryDecision, RetryPolicy, Retryable};
//! use std::time::Duration;
//!
//! #[derive(Debug)]
//! struct Flaky;
//! impl std::fmt::Display for Flaky {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("flaky") }
//! }
//! impl Retryable for Flaky {
//!     fn retry_decision(&self) -> RetryDecision { RetryDecision::Retry }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let policy = RetryPolicy::default().with_min_delay(Duration::from_millis(1));
//! let mut attempts = 0;
//! let result: Result<u32, Flaky> = policy
//!     .run("demo", || {
//!         attempts += 1;
//!         let n = attempts;
//!         async move { if n < 3 { Err(Flaky) } else { Ok(n) } }
//!     })
//!     .await;
//! assert_eq!(result.unwrap(), 3);
//! # });
//! ```
#![warn(missing_docs)]

pub mod api;
pub mod clock;
pub mod driver;
pub mod endpoint;
pub mod metadata;
pub mod pagination;
pub mod rate_limit;
pub mod redact;
pub mod retry;
pub mod service_error;
pub mod transport;

pub use clock::{Clock, FixedClock, SkewCorrectedClock, SystemClock};
pub use endpoint::{EndpointError, HostNameError, validate_base_url, validate_host_name};
pub use metadata::ErrorMetadata;
pub use retry::{RetryDecision, RetryPolicy, Retryable};
pub use service_error::{ServiceError, ServiceErrorKind};
pub use transport::{RawResponse, TransportError, TransportErrorKind};

#[doc(hidden)]
pub mod __private {
    pub use chrono::{DateTime, Utc};
}

/// Re-exported so that every client crate uses the same secret types.
pub use secrecy;
