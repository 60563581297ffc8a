//! auth0-client
