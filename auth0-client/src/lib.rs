//! # auth0-client
//!
//! A typed async client for the Auth0 Management API, for setting up an application with sign-ups disabled
//! and admin-created users, plus OIDC discovery and token verification.
//!
//! - [`Auth0Client::builder`]: the tenant domain (a bare host), the machine-to-machine credentials, the scopes
//!   you need (checked before any call), a client-side rate budget and the retry policy.
//! - Handlers: [`clients`](Auth0Client::clients), [`connections`](Auth0Client::connections),
//!   [`users`](Auth0Client::users), [`tickets`](Auth0Client::tickets), [`oidc`](Auth0Client::oidc),
//!   [`tenant_settings`](Auth0Client::tenant_settings).
//! - [`Auth0Client::disable_signups`]: sign-ups off on the database connection by read-merge-write, and every
//!   other connection turned off for the application, idempotently.
//! - Decisions without a server, for plans: [`AppUrls::update_for`] (the `PATCH /clients/{id}` body
//!   [`ClientsHandler::ensure_urls`] sends, or none) and [`SignupIsolationPlan::decide`] /
//!   [`SignupIsolationPlan::requests`] (the connection and connection-client updates
//!   [`Auth0Client::disable_signups`] sends). The write helpers read, call these, then send what was decided.
//!
//! The token is fetched with the client-credentials grant, cached and refreshed shortly before its `exp`.
//! Every attempt of a request is rebuilt and re-authorised; 429 waits for `Retry-After`, then
//! `x-ratelimit-reset`, then backs off; a POST whose answer was lost is not repeated blindly.
//!
//! ```no_run
//! # async fn demo() -> auth0_client::Result<()> {
//! use auth0_client::{Auth0Client, AppUrls, ChangePasswordTicketRequestContent, CreateClientRequestContent, CreateUserRequestContent};
//! let auth0 = Auth0Client::builder()
//!     .domain("tenant.eu.auth0.com")
//!     .client_credentials("m2m-id", "m2m-secret")
//!     .required_scopes(auth0_client::scopes::LOBEHUB_PROVISIONING.iter().copied())
//!     .build()?;
//! let urls = AppUrls::for_origin("https://chat.example.com")?;
//! let (app, _) = auth0.clients().create_or_find(
//!     &CreateClientRequestContent::regular_web_app("LobeHub")
//!         .callbacks(urls.callbacks.clone())
//!         .allowed_logout_urls(urls.allowed_logout_urls.clone())
//!         .web_origins(urls.web_origins.clone()),
//! ).await?;
//! auth0.disable_signups(&app.client_id, auth0_client::DEFAULT_DATABASE_CONNECTION).await?;
//! let (user, _) = auth0.users().create_or_find(
//!     &CreateUserRequestContent::with_random_password(auth0_client::DEFAULT_DATABASE_CONNECTION, "ada@example.com"),
//! ).await?;
//! let ticket = auth0.tickets().password_change(&ChangePasswordTicketRequestContent::invite(&user.user_id, &app.client_id)).await?;
//! println!("invite: {}", ticket.ticket);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod client;
pub mod clients;
pub mod connections;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
mod http;
pub mod oidc;
pub mod scopes;
pub mod signups;
pub mod tenant;
pub mod tickets;
pub mod token;
pub mod users;

pub use client::{Auth0Client, Auth0ClientBuilder, RateBudget};
pub use clients::{
    AppUrls, Client, ClientsHandler, CreateClientRequestContent, JwtConfiguration, ListClients,
    UpdateClientRequestContent,
};
pub use connections::{
    Connection, ConnectionClientStatus, ConnectionsHandler, CreateConnectionRequestContent,
    DEFAULT_DATABASE_CONNECTION, ListConnections, UpdateConnectionRequestContent,
};
pub use error::{Error, ErrorKind, Result};
pub use oidc::{Claims, OidcHandler, OpenIdConfiguration, TokenVerifier};
pub use signups::{
    ConnectionRef, DisableSignupsReport, DisabledConnection, SignupIsolationPlan, SignupIsolationRequest,
};
pub use tenant::{TenantSettings, TenantSettingsHandler};
pub use tickets::{ChangePasswordTicketRequestContent, DEFAULT_TICKET_TTL_SEC, PasswordChangeTicket, TicketsHandler};
pub use token::TokenInfo;
pub use users::{CreateUserRequestContent, Identity, ListUsers, User, UsersHandler};

/// Re-exported: the retry policy type of [`Auth0ClientBuilder::retry_policy`].
pub use cloud_http::RetryPolicy;
/// Re-exported so callers use the same secret types.
pub use cloud_http::secrecy;
/// Re-exported: the JWKS type of [`oidc`].
pub use jsonwebtoken::jwk::JwkSet;
