//! # oss-client
//!
//! Typed async clients for Aliyun OSS and RAM.
//!
//! OSS: [`OssClient`] signs with V4 (`OSS4-HMAC-SHA256`) by default or V1 on request, addresses buckets
//! virtual-hosted, retries what is safe (re-signing every attempt) and maps OSS errors to [`ErrorKind`]s.
//!
//! ```no_run
//! use oss_client::bucket::{Acl, CorsConfiguration, CorsMethod, CorsRule};
//! use oss_client::{Credentials, OssClient};
//!
//! # async fn demo() -> oss_client::Result<()> {
//! let oss = OssClient::builder()
//!     .credentials(Credentials::from_env().expect("ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET"))
//!     .region("cn-hangzhou")
//!     .build()?;
//! let bucket = oss.bucket("lobechat-assets");
//! bucket.create().send().await?; // private, Block Public Access on
//! bucket.put_public_access_block(false).send().await?;
//! bucket.put_acl(Acl::PublicRead).send().await?;
//! let rule = CorsRule::new()
//!     .allowed_origin("https://chat.example.com")
//!     .allowed_methods([CorsMethod::Get, CorsMethod::Put, CorsMethod::Head])
//!     .allowed_header("*")
//!     .expose_header("ETag")
//!     .max_age_seconds(3600);
//! bucket.put_cors(CorsConfiguration::new(vec![rule])).send().await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod bucket;
pub mod client;
pub mod credentials;
pub mod endpoint;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod object;
mod pagination;
pub mod presign;
pub mod ram;
pub mod service;
pub mod signing;
mod xml;

pub use client::{OssClient, OssClientBuilder};
pub use credentials::Credentials;
pub use error::{Error, ErrorKind, Result};
pub use signing::SignatureVersion;

/// `base64(md5(body))`, the `Content-MD5` header value.
///
/// ```
/// assert_eq!(oss_client::content_md5(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
/// ```
pub fn content_md5(body: &[u8]) -> String {
    use base64::Engine as _;
    use md5::Digest as _;
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(body))
}

/// The crate README's examples, compiled as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
