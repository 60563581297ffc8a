//! The operations, one module per resource: `oauth` (token endpoint, discovery, JWKS), `signup` (the public
//! sign-up paths), `clients`, `connections`, `users`, `tickets`, `tenant`; and the lookups they share.

mod clients;
mod connections;
mod oauth;
mod signup;
mod tenant;
mod tickets;
mod users;

use super::Auth0Simulator;
use super::render::api_error;
use super::state::{Connection, State, client_id};
use crate::server::SimResponse;
use serde_json::{Map, Value};

impl Auth0Simulator {
    /// The position of the application `id` in `st.clients`; 404 `inexistent_client` when there is none.
    pub(in crate::auth0) fn client_index(st: &State, id: &str) -> Result<usize, SimResponse> {
        st.clients
            .iter()
            .position(|c| client_id(c) == Some(id))
            .ok_or_else(|| api_error(404, "Client not found.", Some("inexistent_client")))
    }

    /// The application `id`; 404 `inexistent_client` when there is none.
    pub(in crate::auth0) fn find_client<'a>(st: &'a State, id: &str) -> Result<&'a Map<String, Value>, SimResponse> {
        Self::client_index(st, id).map(|i| &st.clients[i])
    }

    /// The connection `id`; 404 `inexistent_connection` when there is none.
    pub(in crate::auth0) fn find_connection<'a>(
        st: &'a mut State,
        id: &str,
    ) -> Result<&'a mut Connection, SimResponse> {
        st.connections
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or_else(|| api_error(404, "The connection does not exist", Some("inexistent_connection")))
    }
}
