//! The dependency graph of the API calls of an `apply`, and the critical-path bound it gives.
//!
//! The apply benchmark (`benches/apply.rs`) used to derive its bound from the engine's own request log, grouped
//! into the engine's chains: such a bound can only measure scheduling slack, never a request the engine need not
//! send or an ordering the engine imposes without a reason. This module states, independently of the engine, what
//! the job needs: for a fresh apply ([`FRESH`]) and a converged one ([`CONVERGED`]), each request (service,
//! operation) and the earlier answers it needs. The bound is the longest path through that graph
//! ([`longest_path`]), each request costing one simulated latency and the first status read that can see the
//! deployment READY costing the build time ([`Cost::ReadyPoll`]). [`compare`] matches the engine's log against the
//! graph and counts the requests the engine sent beyond it.
//!
//! The dependencies come from the services' rules (cited per request, `/work/shared/reference/…` and the engine's
//! own documented invariants in `provision/src/engine.rs` and `provision/src/steps/*.rs`), not from the order in
//! which the engine happens to send them.
//!
//! ```
//! use lobehub_deploy_benches::{FRESH, Params, longest_path};
//! use std::time::Duration;
//! let p = Params { latency: Duration::from_millis(50), build: Duration::from_millis(250) };
//! let (bound, path) = longest_path(FRESH, p);
//! assert_eq!(bound, Duration::from_millis(7 * 50 + 250));
//! assert_eq!(path.last().copied(), Some("vercel.deployment_ready"));
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

/// What a request costs on the critical path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// One round trip: the simulated latency `L` (the simulator sleeps `L` before it handles a request and answers
    /// right after).
    Request,
    /// The first deployment status read that can answer READY: the build starts when the create is handled and
    /// takes `build`, so this read returns no earlier than `max(build, L)` after the create's answer (a read sent
    /// at `create sent + build` is handled `L` later). The polls before it are schedule-dependent and not counted.
    ReadyPoll,
}

/// One request the job needs.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    /// A name unique in its graph (`service.what`).
    pub id: &'static str,
    /// The operation as the benchmark classifies a logged request (see `operation_of` in `benches/apply.rs`):
    /// `oss GetBucketInfo`, `ram CreateUser`, `auth0 POST /api/v2/clients`, `vercel GET /v9/projects/{id}`, ….
    pub operation: &'static str,
    /// The calls whose answers this one needs (ids of earlier entries of the same graph).
    pub needs: &'static [&'static str],
    /// Its cost.
    pub cost: Cost,
    /// Why it is needed and why it waits for `needs` (the rule and its source).
    pub why: &'static str,
}

/// The benchmark's parameters that the bound depends on.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Simulated latency of every request.
    pub latency: Duration,
    /// Build duration of a deployment.
    pub build: Duration,
}

/// The trusted users of the benchmark's configuration (`tests/common.rs`): alice and bob. Each user's requests
/// depend only on the tenant-level answers, never on the other user's.
pub const TRUSTED_USERS: usize = 2;

/// A fresh apply (nothing exists; no custom domain; `aliyun.access = "private"`; no `[github]`, database by URL),
/// as the benchmark configures it. Listed in an order where every call's needs come before it.
pub const FRESH: &[Call] = &[
    // --- Aliyun OSS: the bucket. Private mode: a new bucket is private with Block Public Access on, so no ACL
    // or Block Public Access call (field-truth §2.2; README "Storage: private by default").
    Call {
        id: "oss.bucket_info",
        operation: "oss GetBucketInfo",
        needs: &[],
        cost: Cost::Request,
        why: "is the bucket there? (404 NoSuchBucket; aliyun-oss-ram.md GetBucketInfo)",
    },
    Call {
        id: "oss.create_bucket",
        operation: "oss PutBucket",
        needs: &["oss.bucket_info"],
        cost: Cost::Request,
        why: "created only when absent (PutBucket on an existing bucket of ours answers 409 BucketAlreadyExists)",
    },
    // --- RAM: the user, the policy, the attachment, the key. The policy's name and document come from the
    // configuration alone, so its lookup does not wait for the user.
    Call {
        id: "ram.get_user",
        operation: "ram GetUser",
        needs: &[],
        cost: Cost::Request,
        why: "is the user there? (EntityNotExist.User)",
    },
    Call {
        id: "ram.create_user",
        operation: "ram CreateUser",
        needs: &["ram.get_user"],
        cost: Cost::Request,
        why: "created only when absent",
    },
    Call {
        id: "ram.get_policy",
        operation: "ram GetPolicy",
        needs: &[],
        cost: Cost::Request,
        why: "is the custom policy there? (name `lobehub-oss-<bucket>` and document from the configuration)",
    },
    Call {
        id: "ram.create_policy",
        operation: "ram CreatePolicy",
        needs: &["ram.get_policy"],
        cost: Cost::Request,
        why: "created only when absent",
    },
    Call {
        id: "ram.attach_policy",
        operation: "ram AttachPolicyToUser",
        needs: &["ram.create_user", "ram.create_policy"],
        cost: Cost::Request,
        why: "both must exist (EntityNotExist.User / EntityNotExist.Policy otherwise); a new user has no attachment \
              to list",
    },
    Call {
        id: "ram.create_key",
        operation: "ram CreateAccessKey",
        needs: &["ram.create_user"],
        cost: Cost::Request,
        why: "the user must exist; a new user has no key, so Vercel cannot hold a usable one and the key decision \
              needs nothing else (steps/aliyun.rs access_key, case 3)",
    },
    // --- Vercel: the project and its automatic production domain.
    Call {
        id: "vercel.find_project",
        operation: "vercel GET /v9/projects/{id}",
        needs: &[],
        cost: Cost::Request,
        why: "is the project there? (404; vercel.md Find a project by id or name)",
    },
    Call {
        id: "vercel.create_project",
        operation: "vercel POST /v11/projects",
        needs: &["vercel.find_project"],
        cost: Cost::Request,
        why: "created only when absent; sent with no environment variables, so a new project's environment is \
              known to be empty (listing it is not needed)",
    },
    Call {
        id: "vercel.list_domains",
        operation: "vercel GET /v9/projects/{id}/domains",
        needs: &["vercel.create_project"],
        cost: Cost::Request,
        why: "the app host is used only once Vercel lists it as the project's own domain (README, issue 11); needs \
              the project id",
    },
    // --- Auth0: the token, the application (its URLs name the confirmed host), the dedicated connection, the
    // application restricted to it, the users and their invite links.
    Call {
        id: "auth0.token",
        operation: "auth0 POST /oauth/token",
        needs: &[],
        cost: Cost::Request,
        why: "every Management API call needs the M2M token (client credentials grant)",
    },
    Call {
        id: "auth0.find_client",
        operation: "auth0 GET /api/v2/clients",
        needs: &["auth0.token"],
        cost: Cost::Request,
        why: "is the application there? (names are not unique: looked up by name)",
    },
    Call {
        id: "auth0.create_client",
        operation: "auth0 POST /api/v2/clients",
        needs: &["auth0.find_client", "vercel.list_domains"],
        cost: Cost::Request,
        why: "created only when absent; its callbacks, logout URLs, web origins and initiate_login_uri name the \
              confirmed app host (auth0.md Create a client; field-truth §3.2). The answer carries the secret",
    },
    Call {
        id: "auth0.find_connection",
        operation: "auth0 GET /api/v2/connections",
        needs: &["auth0.token"],
        cost: Cost::Request,
        why: "is the dedicated database connection there? (`name` query)",
    },
    Call {
        id: "auth0.create_connection",
        operation: "auth0 POST /api/v2/connections",
        needs: &["auth0.find_connection"],
        cost: Cost::Request,
        why: "created only when absent, with disable_signup on (field-truth §3.4): no later PATCH needed",
    },
    Call {
        id: "auth0.client_connections",
        operation: "auth0 GET /api/v2/clients/{id}/connections",
        needs: &["auth0.create_client"],
        cost: Cost::Request,
        why: "new applications get all tenant connections enabled by default (auth0.md, tenant flag \
              enable_client_connections): which ones must be read",
    },
    Call {
        id: "auth0.disable_default_db",
        operation: "auth0 PATCH /api/v2/connections/{id}/clients",
        needs: &["auth0.client_connections"],
        cost: Cost::Request,
        why: "the tenant's default database connection, enabled on the new application, turned off for it \
              (`[{client_id, status: false}]`; auth0.md 'Social connections still allow sign-ups')",
    },
    Call {
        id: "auth0.disable_social",
        operation: "auth0 PATCH /api/v2/connections/{id}/clients",
        needs: &["auth0.client_connections"],
        cost: Cost::Request,
        why: "the tenant's social connection (google-oauth2), enabled on the new application, turned off for it",
    },
    Call {
        id: "auth0.enable_dedicated",
        operation: "auth0 PATCH /api/v2/connections/{id}/clients",
        needs: &["auth0.create_connection", "auth0.create_client"],
        cost: Cost::Request,
        why: "the dedicated connection enabled for the application only (PATCH /connections/{id}/clients needs \
              both ids)",
    },
    Call {
        id: "auth0.alice.lookup",
        operation: "auth0 GET /api/v2/users-by-email",
        needs: &["auth0.token"],
        cost: Cost::Request,
        why: "is the trusted user there?",
    },
    Call {
        id: "auth0.alice.create",
        operation: "auth0 POST /api/v2/users",
        needs: &["auth0.alice.lookup", "auth0.create_connection"],
        cost: Cost::Request,
        why: "created only when absent, in the dedicated connection (which must exist)",
    },
    Call {
        id: "auth0.alice.ticket",
        operation: "auth0 POST /api/v2/tickets/password-change",
        needs: &["auth0.alice.create", "auth0.create_client"],
        cost: Cost::Request,
        why: "needs the user id and the application's client_id (the link leads to its initiate_login_uri; \
              field-truth §3.1/§3.2)",
    },
    Call {
        id: "auth0.bob.lookup",
        operation: "auth0 GET /api/v2/users-by-email",
        needs: &["auth0.token"],
        cost: Cost::Request,
        why: "as for alice",
    },
    Call {
        id: "auth0.bob.create",
        operation: "auth0 POST /api/v2/users",
        needs: &["auth0.bob.lookup", "auth0.create_connection"],
        cost: Cost::Request,
        why: "as for alice",
    },
    Call {
        id: "auth0.bob.ticket",
        operation: "auth0 POST /api/v2/tickets/password-change",
        needs: &["auth0.bob.create", "auth0.create_client"],
        cost: Cost::Request,
        why: "as for alice",
    },
    // --- After the host and the key: CORS, the mainland probe, the environment, the deployment.
    Call {
        id: "oss.put_cors",
        operation: "oss PutBucketCors",
        needs: &["oss.create_bucket", "vercel.list_domains"],
        cost: Cost::Request,
        why: "the bucket must exist; the rule names the confirmed app origins. A bucket created in this run has no \
              rule to read",
    },
    Call {
        id: "oss.probe",
        operation: "oss GetObject",
        needs: &["ram.create_key", "ram.attach_policy", "oss.create_bucket"],
        cost: Cost::Request,
        why: "one data call with the RAM key on the default endpoint (field-truth §2.2 PublicEndpointForbidden): \
              needs the key, its permission and the bucket",
    },
    Call {
        id: "vercel.write_env",
        operation: "vercel POST /v10/projects/{id}/env",
        needs: &["vercel.create_project", "vercel.list_domains", "auth0.create_client", "ram.create_key"],
        cost: Cost::Request,
        why: "one batch create: needs the project id, APP_URL (confirmed host), the Auth0 client id and secret and \
              the RAM key id and secret (generated secrets are local)",
    },
    Call {
        id: "vercel.create_deployment",
        operation: "vercel POST /v13/deployments",
        needs: &[
            "vercel.write_env",
            "oss.probe",
            "oss.put_cors",
            "auth0.disable_default_db",
            "auth0.disable_social",
            "auth0.enable_dedicated",
        ],
        cost: Cost::Request,
        why: "a build reads the environment at build time, so the environment first; nothing is built before the \
              mainland probe passed (README 'The mainland rule'); the app goes live only with its sign-in restricted \
              to the dedicated connection (README: Auth0 isolation) and its upload origin allowed (CORS)",
    },
    Call {
        id: "vercel.deployment_ready",
        operation: "vercel GET /v13/deployments/{id}",
        needs: &["vercel.create_deployment"],
        cost: Cost::ReadyPoll,
        why: "READY seen (vercel.md Get a deployment: readyState)",
    },
];

/// A converged apply: everything exists and matches, the state file holds the access key, the Vercel project id,
/// the Auth0 client id and the invite expiries. Every request is a read that can change the plan; the only answer
/// another read needs is the dedicated connection's id (its lookup is by name). The benchmark's converged apply
/// runs in the process of the first one, whose Auth0 token is still valid: no token request (a new process adds
/// one round trip in front of the Auth0 reads). The reads that find resources by the ids of the state file are still
/// needed (a resource may have been deleted or changed by hand); a second read of the same resource is not.
pub const CONVERGED: &[Call] = &[
    Call {
        id: "oss.bucket_info",
        operation: "oss GetBucketInfo",
        needs: &[],
        cost: Cost::Request,
        why: "the bucket and its ACL / Block Public Access in one answer",
    },
    Call {
        id: "oss.get_cors",
        operation: "oss GetBucketCors",
        needs: &[],
        cost: Cost::Request,
        why: "the rule may have been changed by hand (the origins come from the configuration and the state's host)",
    },
    Call {
        id: "ram.get_user",
        operation: "ram GetUser",
        needs: &[],
        cost: Cost::Request,
        why: "the user may have been deleted",
    },
    Call {
        id: "ram.get_policy",
        operation: "ram GetPolicy",
        needs: &[],
        cost: Cost::Request,
        why: "the policy document may have drifted",
    },
    Call {
        id: "ram.list_attached",
        operation: "ram ListPoliciesForUser",
        needs: &[],
        cost: Cost::Request,
        why: "the attachment (user name from the configuration)",
    },
    Call {
        id: "ram.list_keys",
        operation: "ram ListAccessKeys",
        needs: &[],
        cost: Cost::Request,
        why: "the state's key must still be active",
    },
    Call {
        id: "vercel.find_project",
        operation: "vercel GET /v9/projects/{id}",
        needs: &[],
        cost: Cost::Request,
        why: "the project (and its link)",
    },
    Call {
        id: "vercel.list_env",
        operation: "vercel GET /v10/projects/{id}/env",
        needs: &[],
        cost: Cost::Request,
        why: "the environment to compare (decrypted), by the project id the state file holds (`vercel_project_id`)",
    },
    Call {
        id: "vercel.list_domains",
        operation: "vercel GET /v9/projects/{id}/domains",
        needs: &[],
        cost: Cost::Request,
        why: "the app host still the project's own (project id from the state file)",
    },
    Call {
        id: "vercel.list_deployments",
        operation: "vercel GET /v7/deployments",
        needs: &[],
        cost: Cost::Request,
        why: "is the live production deployment built from the current environment? (project id from the state file)",
    },
    Call {
        id: "auth0.get_client",
        operation: "auth0 GET /api/v2/clients/{id}",
        needs: &[],
        cost: Cost::Request,
        why: "the application by the id the state remembers (URLs, login route, secret)",
    },
    Call {
        id: "auth0.find_connection",
        operation: "auth0 GET /api/v2/connections",
        needs: &[],
        cost: Cost::Request,
        why: "the dedicated connection and its disable_signup option",
    },
    Call {
        id: "auth0.connection_clients",
        operation: "auth0 GET /api/v2/connections/{id}/clients",
        needs: &["auth0.find_connection"],
        cost: Cost::Request,
        why: "the applications enabled on the dedicated connection (another one enabled by hand would share its \
              users): needs the connection id",
    },
    Call {
        id: "auth0.client_connections",
        operation: "auth0 GET /api/v2/clients/{id}/connections",
        needs: &[],
        cost: Cost::Request,
        why: "the application enabled on the dedicated connection only (client id from the state)",
    },
    Call {
        id: "auth0.alice.lookup",
        operation: "auth0 GET /api/v2/users-by-email",
        needs: &[],
        cost: Cost::Request,
        why: "the user still there (its invite link valid)",
    },
    Call {
        id: "auth0.bob.lookup",
        operation: "auth0 GET /api/v2/users-by-email",
        needs: &[],
        cost: Cost::Request,
        why: "as for alice",
    },
];

/// The earliest finish of every call and the longest path: returns the bound and the ids along the path, from
/// the first call to the last.
///
/// # Panics
/// When a call needs an id that is not an earlier entry (the tables are checked by this crate's tests).
pub fn longest_path(graph: &[Call], p: Params) -> (Duration, Vec<&'static str>) {
    let mut finish: BTreeMap<&str, (Duration, Option<&'static str>)> = BTreeMap::new();
    for call in graph {
        // `rev`: among needs that finish together, the first listed is named on the path.
        let (start, via) = call
            .needs
            .iter()
            .rev()
            .map(|n| {
                let (t, _) = finish.get(n).unwrap_or_else(|| panic!("{} needs {n}, not listed before it", call.id));
                (*t, Some(*n))
            })
            .max_by_key(|(t, _)| *t)
            .unwrap_or((Duration::ZERO, None));
        let cost = match call.cost {
            Cost::Request => p.latency,
            Cost::ReadyPoll => p.build.max(p.latency),
        };
        finish.insert(call.id, (start + cost, via));
    }
    let Some((last, (bound, _))) = finish.iter().max_by_key(|(_, (t, _))| *t).map(|(k, v)| (*k, *v)) else {
        return (Duration::ZERO, Vec::new());
    };
    let mut path = vec![graph.iter().find(|c| c.id == last).map(|c| c.id).unwrap_or("")];
    let mut at = finish.get(last).and_then(|(_, via)| *via);
    while let Some(id) = at {
        path.push(graph.iter().find(|c| c.id == id).map(|c| c.id).unwrap_or(""));
        at = finish.get(id).and_then(|(_, via)| *via);
    }
    path.reverse();
    (bound, path)
}

/// The engine's requests against the graph, by operation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Operations the engine sent more often than the graph needs: (operation, engine count, graph count).
    pub beyond: Vec<(String, usize, usize)>,
    /// Operations the graph needs that the engine did not send as often (a graph that does not describe the
    /// run): (operation, engine count, graph count).
    pub missing: Vec<(String, usize, usize)>,
    /// Deployment status reads beyond the one that saw READY (schedule-dependent: not counted in `beyond`).
    pub extra_polls: usize,
}

impl Comparison {
    /// Requests the engine sent that the graph does not need (polls before READY excluded).
    pub fn beyond_count(&self) -> usize {
        self.beyond.iter().map(|(_, e, g)| e - g).sum()
    }
}

/// Compares the engine's requests (`operations`, one per logged request, classified like [`Call::operation`])
/// with `graph`.
///
/// ```
/// use lobehub_deploy_benches::{CONVERGED, compare};
/// let mut ops: Vec<String> = CONVERGED.iter().map(|c| c.operation.to_string()).collect();
/// ops.push("oss GetBucketInfo".into());
/// let c = compare(CONVERGED, &ops);
/// assert_eq!(c.beyond_count(), 1);
/// assert!(c.missing.is_empty());
/// ```
pub fn compare(graph: &[Call], operations: &[String]) -> Comparison {
    let mut engine: BTreeMap<&str, usize> = BTreeMap::new();
    for op in operations {
        *engine.entry(op.as_str()).or_default() += 1;
    }
    let mut needed: BTreeMap<&str, usize> = BTreeMap::new();
    for c in graph {
        *needed.entry(c.operation).or_default() += 1;
    }
    let mut out = Comparison::default();
    let ready = graph.iter().find(|c| c.cost == Cost::ReadyPoll).map(|c| c.operation);
    for (op, &e) in &engine {
        let g = needed.get(op).copied().unwrap_or(0);
        if Some(*op) == ready && e > g {
            out.extra_polls = e - g;
        } else if e > g {
            out.beyond.push((op.to_string(), e, g));
        }
    }
    for (op, &g) in &needed {
        let e = engine.get(op).copied().unwrap_or(0);
        if e < g {
            out.missing.push((op.to_string(), e, g));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(latency: u64, build: u64) -> Params {
        Params { latency: Duration::from_millis(latency), build: Duration::from_millis(build) }
    }

    #[test]
    fn graphs_list_needs_before_use_and_ids_once() {
        for graph in [FRESH, CONVERGED] {
            let mut seen = Vec::new();
            for c in graph {
                assert!(!seen.contains(&c.id), "{} listed twice", c.id);
                for n in c.needs {
                    assert!(seen.contains(n), "{} needs {n}, not listed before it", c.id);
                }
                seen.push(c.id);
            }
        }
    }

    #[test]
    fn fresh_bound_is_the_host_then_auth0_restriction_then_deploy_path() {
        // find project → create → domains → create client → its connections → social off → create deployment →
        // READY (build 250 ms).
        let (bound, path) = longest_path(FRESH, p(50, 250));
        assert_eq!(
            path,
            [
                "vercel.find_project",
                "vercel.create_project",
                "vercel.list_domains",
                "auth0.create_client",
                "auth0.client_connections",
                "auth0.disable_default_db",
                "vercel.create_deployment",
                "vercel.deployment_ready"
            ]
        );
        assert_eq!(bound, Duration::from_millis(7 * 50 + 250));
    }

    #[test]
    fn a_build_shorter_than_the_latency_still_costs_a_round_trip() {
        let (bound, _) = longest_path(FRESH, p(50, 10));
        assert_eq!(bound, Duration::from_millis(8 * 50));
    }

    #[test]
    fn converged_bound_is_the_connection_lookup_then_its_applications() {
        let (bound, path) = longest_path(CONVERGED, p(50, 250));
        assert_eq!(bound, Duration::from_millis(100));
        assert_eq!(path, ["auth0.find_connection", "auth0.connection_clients"]);
    }

    #[test]
    fn compare_counts_extra_requests_and_polls_apart() {
        let mut ops: Vec<String> = FRESH.iter().map(|c| c.operation.to_string()).collect();
        ops.push("vercel GET /v13/deployments/{id}".into());
        ops.push("vercel GET /v13/deployments/{id}".into());
        ops.push("vercel GET /v10/projects/{id}/env".into());
        let c = compare(FRESH, &ops);
        assert_eq!(c.extra_polls, 2);
        assert_eq!(c.beyond_count(), 1);
        assert_eq!(c.beyond, [("vercel GET /v10/projects/{id}/env".to_string(), 1, 0)]);
        assert!(c.missing.is_empty());
        ops.retain(|o| o != "ram CreateUser");
        assert_eq!(compare(FRESH, &ops).missing, [("ram CreateUser".to_string(), 0, 1)]);
    }
}
