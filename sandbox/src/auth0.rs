//! The auth0 simulator.
