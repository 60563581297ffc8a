//! The Management API scopes, per operation and per provisioning command.
//!
//! Every Management API operation this crate sends is described once here ([`OperationScopes`]): its spec
//! operation (method and path template), the scope groups its `security` section asks for, and the extra scopes
//! the spec's descriptions require for the fields the workspace reads or writes (a client's secret, a
//! connection's `options`). The request builders take their scope requirement from these constants, and
//! [`LOBEHUB_PROVISIONING`] is exactly the union of what the provisioning commands ([`Command`]) call — a test
//! checks both against the spec (`tests/scopes_spec.rs`).
//!
//! `*:current_user` scopes never count: a machine-to-machine token's subject is the application itself, so
//! Auth0 answers 403 "User to be acted on does not match subject in bearer token" (spec, DELETE/GET
//! `/users/{id}`; field-truth §3.3). They appear in no requirement below.

use std::collections::BTreeSet;

/// The scopes one Management API operation needs.
///
/// ```
/// use auth0_client::scopes::{DELETE_USER, OperationScopes};
/// assert_eq!(DELETE_USER.any_of, &[&["delete:users"][..]]);
/// assert!(DELETE_USER.is_met_by(&["delete:users"]));
/// assert!(!DELETE_USER.is_met_by(&["delete:current_user"]));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationScopes {
    /// The operation name this crate uses in errors (`CreateClient`, …).
    pub operation: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The spec's path template below `/api/v2` (`/clients/{id}`).
    pub path: &'static str,
    /// Every group must be met by one of its scopes (the spec's `security` list; the first scope of a group is
    /// the one [`LOBEHUB_PROVISIONING`] grants).
    pub any_of: &'static [&'static [&'static str]],
    /// Scopes the spec's descriptions require for fields the workspace uses (e.g. `read:client_keys` for
    /// `client_secret`, `read:connections_options` for `options`).
    pub field_scopes: &'static [&'static str],
}

impl OperationScopes {
    /// The scopes a grant should hold for this operation: the first of each group plus the field scopes.
    pub fn preferred(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.any_of.iter().filter_map(|g| g.first().copied()).chain(self.field_scopes.iter().copied())
    }

    /// Whether `granted` satisfies every group and every field scope.
    pub fn is_met_by(&self, granted: &[&str]) -> bool {
        self.missing(granted).is_empty()
    }

    /// What `granted` lacks: one entry per unmet group (`a or b`) and per missing field scope.
    pub fn missing(&self, granted: &[&str]) -> Vec<String> {
        let has = |s: &str| !s.ends_with(":current_user") && granted.contains(&s);
        let mut out: Vec<String> =
            self.any_of.iter().filter(|g| !g.iter().any(|s| has(s))).map(|g| g.join(" or ")).collect();
        out.extend(self.field_scopes.iter().filter(|s| !has(s)).map(|s| s.to_string()));
        out
    }
}

/// `POST /clients`.
pub const CREATE_CLIENT: OperationScopes = OperationScopes {
    operation: "CreateClient",
    method: "POST",
    path: "/clients",
    any_of: &[&["create:clients"]],
    field_scopes: &[],
};
/// `GET /clients` (settings such as `callbacks` need `read:clients`, per the spec description).
pub const LIST_CLIENTS: OperationScopes = OperationScopes {
    operation: "ListClients",
    method: "GET",
    path: "/clients",
    any_of: &[&["read:clients", "read:client_keys", "read:client_credentials", "read:client_summary"]],
    field_scopes: &[],
};
/// `GET /clients/{id}`; `client_secret` is returned only with `read:client_keys` (spec description).
pub const GET_CLIENT: OperationScopes = OperationScopes {
    operation: "GetClient",
    method: "GET",
    path: "/clients/{id}",
    any_of: &[&["read:clients", "read:client_keys", "read:client_credentials", "read:client_summary"]],
    field_scopes: &["read:client_keys"],
};
/// `PATCH /clients/{id}`.
pub const UPDATE_CLIENT: OperationScopes = OperationScopes {
    operation: "UpdateClient",
    method: "PATCH",
    path: "/clients/{id}",
    any_of: &[&["update:clients", "update:client_keys", "update:client_credentials"]],
    field_scopes: &[],
};
/// `DELETE /clients/{id}`.
pub const DELETE_CLIENT: OperationScopes = OperationScopes {
    operation: "DeleteClient",
    method: "DELETE",
    path: "/clients/{id}",
    any_of: &[&["delete:clients"]],
    field_scopes: &[],
};
/// `POST /clients/{id}/rotate-secret` (no provisioning command uses it).
pub const ROTATE_CLIENT_SECRET: OperationScopes = OperationScopes {
    operation: "RotateClientSecret",
    method: "POST",
    path: "/clients/{id}/rotate-secret",
    any_of: &[&["update:client_keys"]],
    field_scopes: &[],
};
/// `GET /clients/{id}/connections`: "requires the `read:connections` scope and any one of `read:clients` or
/// `read:client_summary`" (spec description).
pub const LIST_CLIENT_CONNECTIONS: OperationScopes = OperationScopes {
    operation: "ListClientConnections",
    method: "GET",
    path: "/clients/{id}/connections",
    any_of: &[&["read:connections"], &["read:clients", "read:client_summary"]],
    field_scopes: &[],
};
/// `GET /connections`.
pub const LIST_CONNECTIONS: OperationScopes = OperationScopes {
    operation: "ListConnections",
    method: "GET",
    path: "/connections",
    any_of: &[&["read:connections"]],
    field_scopes: &["read:connections_options"],
};
/// `POST /connections`.
pub const CREATE_CONNECTION: OperationScopes = OperationScopes {
    operation: "CreateConnection",
    method: "POST",
    path: "/connections",
    any_of: &[&["create:connections"]],
    field_scopes: &[],
};
/// `GET /connections/{id}`; `options` are returned only with `read:connections_options` (spec).
pub const GET_CONNECTION: OperationScopes = OperationScopes {
    operation: "GetConnection",
    method: "GET",
    path: "/connections/{id}",
    any_of: &[&["read:connections"]],
    field_scopes: &["read:connections_options"],
};
/// `PATCH /connections/{id}` with `options`: "the `update:connections_options` scope must be present" (spec).
pub const UPDATE_CONNECTION: OperationScopes = OperationScopes {
    operation: "UpdateConnection",
    method: "PATCH",
    path: "/connections/{id}",
    any_of: &[&["update:connections"]],
    field_scopes: &["update:connections_options"],
};
/// `DELETE /connections/{id}`.
pub const DELETE_CONNECTION: OperationScopes = OperationScopes {
    operation: "DeleteConnection",
    method: "DELETE",
    path: "/connections/{id}",
    any_of: &[&["delete:connections"]],
    field_scopes: &[],
};
/// `GET /connections/{id}/clients`.
pub const GET_CONNECTION_CLIENTS: OperationScopes = OperationScopes {
    operation: "GetConnectionClients",
    method: "GET",
    path: "/connections/{id}/clients",
    any_of: &[&["read:connections"]],
    field_scopes: &[],
};
/// `PATCH /connections/{id}/clients`.
pub const UPDATE_CONNECTION_CLIENTS: OperationScopes = OperationScopes {
    operation: "UpdateConnectionClients",
    method: "PATCH",
    path: "/connections/{id}/clients",
    any_of: &[&["update:connections"]],
    field_scopes: &[],
};
/// `POST /users`.
pub const CREATE_USER: OperationScopes = OperationScopes {
    operation: "CreateUser",
    method: "POST",
    path: "/users",
    any_of: &[&["create:users"]],
    field_scopes: &[],
};
/// `GET /users`.
pub const LIST_USERS: OperationScopes = OperationScopes {
    operation: "ListUsers",
    method: "GET",
    path: "/users",
    any_of: &[&["read:users", "read:user_idp_tokens"]],
    field_scopes: &[],
};
/// `GET /users/{id}` (`read:current_user` never works for an M2M token).
pub const GET_USER: OperationScopes = OperationScopes {
    operation: "GetUser",
    method: "GET",
    path: "/users/{id}",
    any_of: &[&["read:users", "read:user_idp_tokens"]],
    field_scopes: &[],
};
/// `DELETE /users/{id}` (`delete:current_user` never works for an M2M token).
pub const DELETE_USER: OperationScopes = OperationScopes {
    operation: "DeleteUser",
    method: "DELETE",
    path: "/users/{id}",
    any_of: &[&["delete:users"]],
    field_scopes: &[],
};
/// `GET /users-by-email`.
pub const GET_USERS_BY_EMAIL: OperationScopes = OperationScopes {
    operation: "GetUsersByEmail",
    method: "GET",
    path: "/users-by-email",
    any_of: &[&["read:users"]],
    field_scopes: &[],
};
/// `POST /tickets/password-change`.
pub const CREATE_PASSWORD_CHANGE_TICKET: OperationScopes = OperationScopes {
    operation: "CreatePasswordChangeTicket",
    method: "POST",
    path: "/tickets/password-change",
    any_of: &[&["create:user_tickets"]],
    field_scopes: &[],
};
/// `GET /tenants/settings` (no provisioning command uses it).
pub const GET_TENANT_SETTINGS: OperationScopes = OperationScopes {
    operation: "GetTenantSettings",
    method: "GET",
    path: "/tenants/settings",
    any_of: &[&["read:tenant_settings"]],
    field_scopes: &[],
};
/// `PATCH /tenants/settings` (no provisioning command uses it: the tool changes no tenant-wide setting).
pub const UPDATE_TENANT_SETTINGS: OperationScopes = OperationScopes {
    operation: "UpdateTenantSettings",
    method: "PATCH",
    path: "/tenants/settings",
    any_of: &[&["update:tenant_settings"]],
    field_scopes: &[],
};

/// Every operation this crate can send.
pub const ALL_OPERATIONS: &[&OperationScopes] = &[
    &CREATE_CLIENT,
    &LIST_CLIENTS,
    &GET_CLIENT,
    &UPDATE_CLIENT,
    &DELETE_CLIENT,
    &ROTATE_CLIENT_SECRET,
    &LIST_CLIENT_CONNECTIONS,
    &LIST_CONNECTIONS,
    &CREATE_CONNECTION,
    &GET_CONNECTION,
    &UPDATE_CONNECTION,
    &DELETE_CONNECTION,
    &GET_CONNECTION_CLIENTS,
    &UPDATE_CONNECTION_CLIENTS,
    &CREATE_USER,
    &LIST_USERS,
    &GET_USER,
    &DELETE_USER,
    &GET_USERS_BY_EMAIL,
    &CREATE_PASSWORD_CHANGE_TICKET,
    &GET_TENANT_SETTINGS,
    &UPDATE_TENANT_SETTINGS,
];

/// A provisioning command (the `provision` CLI's subcommands that talk to Auth0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Command {
    /// `provision plan`: reads only.
    Plan,
    /// `provision apply` (and `set-domain`, which runs the same chain).
    Apply,
    /// `provision verify`.
    Verify,
    /// `provision doctor`.
    Doctor,
    /// `provision destroy`.
    Destroy,
}

impl Command {
    /// Every command.
    pub const ALL: [Command; 5] = [Command::Plan, Command::Apply, Command::Verify, Command::Doctor, Command::Destroy];

    /// The subcommand's name.
    pub fn name(self) -> &'static str {
        match self {
            Command::Plan => "plan",
            Command::Apply => "apply",
            Command::Verify => "verify",
            Command::Doctor => "doctor",
            Command::Destroy => "destroy",
        }
    }

    /// The Management API operations the command calls (provision's `steps::auth0`, `verify`, `doctor`,
    /// `destroy`).
    pub fn operations(self) -> &'static [&'static OperationScopes] {
        match self {
            // Find the application (by id, else by name), its connections, the database connection and who else
            // uses it, and each trusted user.
            Command::Plan => &[
                &GET_CLIENT,
                &LIST_CLIENTS,
                &LIST_CLIENT_CONNECTIONS,
                &LIST_CONNECTIONS,
                &GET_CONNECTION_CLIENTS,
                &GET_USERS_BY_EMAIL,
            ],
            Command::Apply => &[
                &GET_CLIENT,
                &LIST_CLIENTS,
                &CREATE_CLIENT,
                &UPDATE_CLIENT,
                &LIST_CLIENT_CONNECTIONS,
                &LIST_CONNECTIONS,
                &CREATE_CONNECTION,
                &GET_CONNECTION,
                &UPDATE_CONNECTION,
                &GET_CONNECTION_CLIENTS,
                &UPDATE_CONNECTION_CLIENTS,
                &GET_USERS_BY_EMAIL,
                &CREATE_USER,
                &CREATE_PASSWORD_CHANGE_TICKET,
            ],
            // The application, its enabled connections, and the sign-up probe's clean-up.
            Command::Verify => {
                &[&GET_CLIENT, &LIST_CLIENT_CONNECTIONS, &LIST_CONNECTIONS, &GET_USERS_BY_EMAIL, &DELETE_USER]
            }
            Command::Doctor => &[&GET_CLIENT],
            // Users, the application, the sign-up setting it changed on a shared connection, the dedicated
            // connection.
            Command::Destroy => {
                &[&DELETE_USER, &DELETE_CLIENT, &GET_CONNECTION, &UPDATE_CONNECTION, &DELETE_CONNECTION]
            }
        }
    }

    /// The scopes the command needs, sorted.
    pub fn required_scopes(self) -> BTreeSet<&'static str> {
        self.operations().iter().flat_map(|op| op.preferred()).collect()
    }

    /// What `granted` lacks for this command, one entry per unmet requirement, sorted and de-duplicated.
    ///
    /// ```
    /// use auth0_client::scopes::{Command, LOBEHUB_PROVISIONING};
    /// let without_delete: Vec<&str> = LOBEHUB_PROVISIONING.iter().copied().filter(|s| *s != "delete:users").collect();
    /// assert_eq!(Command::Destroy.missing(&without_delete), vec!["delete:users".to_string()]);
    /// assert!(Command::Apply.missing(&without_delete).is_empty());
    /// ```
    pub fn missing(self, granted: &[&str]) -> Vec<String> {
        let set: BTreeSet<String> = self.operations().iter().flat_map(|op| op.missing(granted)).collect();
        set.into_iter().collect()
    }
}

/// What `granted` lacks, per command (commands that lack nothing are left out).
///
/// ```
/// use auth0_client::scopes::{missing_per_command, Command};
/// let report = missing_per_command(&["read:clients"]);
/// assert!(report.iter().any(|(c, missing)| *c == Command::Destroy && missing.contains(&"delete:users".to_string())));
/// ```
pub fn missing_per_command(granted: &[&str]) -> Vec<(Command, Vec<String>)> {
    Command::ALL.iter().map(|c| (*c, c.missing(granted))).filter(|(_, m)| !m.is_empty()).collect()
}

/// The scopes to grant the machine-to-machine application for LobeHub provisioning: exactly the union of
/// [`Command::required_scopes`] over every command (a test keeps the two equal). It has no
/// `update:client_keys` (nothing rotates a secret; it could change any application's secret), no tenant
/// settings scope (the tool changes no tenant-wide setting) and no `*:current_user` scope.
///
/// ```
/// assert!(auth0_client::scopes::LOBEHUB_PROVISIONING.contains(&"delete:users"));
/// assert!(!auth0_client::scopes::LOBEHUB_PROVISIONING.contains(&"update:client_keys"));
/// ```
pub const LOBEHUB_PROVISIONING: &[&str] = &[
    "create:clients",
    "create:connections",
    "create:user_tickets",
    "create:users",
    "delete:clients",
    "delete:connections",
    "delete:users",
    "read:client_keys",
    "read:clients",
    "read:connections",
    "read:connections_options",
    "read:users",
    "update:clients",
    "update:connections",
    "update:connections_options",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_list_is_exactly_what_the_commands_call() {
        let derived: BTreeSet<&str> = Command::ALL.iter().flat_map(|c| c.required_scopes()).collect();
        let published: BTreeSet<&str> = LOBEHUB_PROVISIONING.iter().copied().collect();
        assert_eq!(derived, published, "LOBEHUB_PROVISIONING must equal the scopes the commands use");
        assert_eq!(published.len(), LOBEHUB_PROVISIONING.len(), "no duplicates");
        for c in Command::ALL {
            assert!(c.missing(LOBEHUB_PROVISIONING).is_empty(), "{c:?}");
        }
    }

    #[test]
    fn current_user_scopes_never_count() {
        for op in ALL_OPERATIONS {
            for group in op.any_of {
                assert!(group.iter().all(|s| !s.ends_with(":current_user")), "{}", op.operation);
            }
        }
        assert!(!DELETE_USER.is_met_by(&["delete:current_user"]));
        assert!(!GET_USER.is_met_by(&["read:current_user"]));
    }

    #[test]
    fn missing_names_every_scope() {
        let m = Command::Apply.missing(&["read:clients"]);
        for s in [
            "create:clients",
            "create:connections",
            "create:users",
            "create:user_tickets",
            "update:connections_options",
        ] {
            assert!(m.iter().any(|x| x.contains(s)), "{s} in {m:?}");
        }
        assert!(missing_per_command(LOBEHUB_PROVISIONING).is_empty());
    }
}
