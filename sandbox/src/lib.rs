//! # sandbox
//!
//! In-process simulators of the services the workspace talks to — Aliyun OSS and RAM, Auth0 and Vercel —
//! faithful to their documented behaviour, for tests and the offline demo. Each runs on `127.0.0.1` through
//! [`SimServer`], which adds latency and fault knobs and records every request in a [`RequestLog`].
#![warn(missing_docs)]

pub mod aliyun_identity;
pub mod github;
pub mod neon;
pub mod postgres;
pub mod server;

#[cfg(feature = "auth0")]
pub mod auth0;
#[cfg(all(feature = "oss", feature = "ram", feature = "auth0", feature = "vercel"))]
pub mod cloud;
#[cfg(feature = "oss")]
pub mod oss;
#[cfg(feature = "ram")]
pub mod ram;
#[cfg(feature = "vercel")]
pub mod vercel;

pub use server::{
    FaultKind, FaultMix, Faults, InjectedError, LoggedRequest, RequestLog, SimRequest, SimResponse, SimServer,
    Simulator,
};
