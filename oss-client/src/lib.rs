//! # oss-client
//!
//! Typed async clients for Aliyun OSS and RAM.
#![warn(missing_docs)]

pub mod credentials;
pub mod error;
pub mod ram;
pub mod signing;

pub use credentials::Credentials;
pub use error::{Error, ErrorKind, Result};
