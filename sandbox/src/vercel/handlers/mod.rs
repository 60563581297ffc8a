//! One function per operation: the rules Vercel applies to each request, and the change it makes — one module per
//! resource (`projects`, `env`, `domains`, `deployments`); the project lookup they share is here.

// Handlers return `Result<SimResponse, SimResponse>` so that `?` turns any refusal into the answer; the size of
// the error variant does not matter in a test simulator.
#![allow(clippy::result_large_err)]

use super::render::*;
use super::state::{SimProject, State};
use crate::server::SimResponse;

mod deployments;
mod domains;
mod env;
mod projects;

pub(crate) use deployments::*;
pub(crate) use domains::*;
pub(crate) use env::*;
pub(crate) use projects::*;

pub(crate) fn find_project<'s>(s: &'s State, scope: &str, id_or_name: &str) -> Result<&'s SimProject, SimResponse> {
    s.projects
        .values()
        .find(|p| p.account_id == scope && (p.id == id_or_name || p.name == id_or_name))
        .ok_or_else(|| not_found("Project"))
}
