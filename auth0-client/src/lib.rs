//! # auth0-client
//!
//! Typed async client for the Auth0 Management API.
#![warn(missing_docs)]
