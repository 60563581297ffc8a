//! # provision
//!
//! The thin composition that takes a LobeHub deployment on Vercel, with Auth0 login and Aliyun OSS storage, from
//! nothing to working — and keeps it so: desired state → plan → apply / verify / doctor / destroy.
#![warn(missing_docs)]

pub mod cli;
pub mod config;
pub mod desired;
pub mod destroy;
pub mod doctor;
pub mod engine;
pub mod error;
pub mod github;
pub mod journal;
pub mod lobehub;
pub mod logging;
pub mod plan;
pub mod progress;
pub mod run;
pub mod saved_plan;
pub mod secrets;
pub mod services;
pub mod state;
pub mod steps;
pub mod verify;

pub use error::{Error, Result};
