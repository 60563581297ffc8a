//! # vercel-client
//!
//! Typed async client for the Vercel REST API.
#![warn(missing_docs)]
