//! The Management API scopes the provisioning of a LobeHub application needs.

/// Every scope the LobeHub provisioning uses: applications (with their secret), connections and their
/// options, users and tickets.
///
/// ```
/// assert!(auth0_client::scopes::LOBEHUB_PROVISIONING.contains(&"update:connections_options"));
/// ```
pub const LOBEHUB_PROVISIONING: &[&str] = &[
    "read:clients",
    "create:clients",
    "update:clients",
    "delete:clients",
    "read:client_keys",
    "update:client_keys",
    "read:connections",
    "update:connections",
    "read:connections_options",
    "update:connections_options",
    "read:users",
    "create:users",
    "create:user_tickets",
];
