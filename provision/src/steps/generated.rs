//! The generated secrets of the profile (`KEY_VAULTS_SECRET`, `AUTH_SECRET`, `JWKS_KEY`, legacy
//! `NEXT_AUTH_SECRET`): from the state file, else left exactly as Vercel holds them (a readable copy is kept in
//! the state file), else generated once — journaled before they are pushed anywhere, never regenerated (a new
//! `KEY_VAULTS_SECRET` makes every API key users stored unreadable: LobeHub `src/server/modules/KeyVaultsEncrypt`).

use super::Ctx;
use crate::error::{Error, Result};
use crate::journal::Record;
use crate::plan::{Action, Op, Plan};
use crate::state::StoredSecret;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the run knows about one generated secret (no value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretSeen {
    /// The variable.
    pub name: String,
    /// The state file holds it.
    pub held: bool,
    /// The Vercel project has it (production).
    pub in_vercel: bool,
    /// Vercel shows its value (not `sensitive`).
    pub readable_in_vercel: bool,
}

/// The generated secrets as observed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretsObserved {
    /// One entry per name of the profile.
    pub secrets: Vec<SecretSeen>,
}

/// The operations on generated secrets (local: nothing is sent; the value goes to the state file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SecretOp {
    /// Generate the value with the OS CSPRNG and journal it.
    Generate {
        /// The variable.
        name: String,
    },
    /// Keep a copy of the value Vercel shows, so a later apply can restore it.
    KeepVercelCopy {
        /// The variable.
        name: String,
    },
}

/// Reads what the state file and the project's environment hold (no request: the project's variables were
/// listed by the project stage).
pub fn observe(ctx: &Ctx<'_>, project: &super::vercel::ProjectOutcome) -> SecretsObserved {
    let held = ctx.state.snapshot().generated;
    let names = crate::lobehub::generated_secrets(ctx.config.profile);
    SecretsObserved {
        secrets: names
            .iter()
            .map(|n| SecretSeen {
                name: n.to_string(),
                held: held.contains_key(*n),
                in_vercel: project.has(n),
                readable_in_vercel: project.value(n).is_some(),
            })
            .collect(),
    }
}

/// The plan: a secret neither held nor in Vercel is generated; one only Vercel holds readably gets a copy in the
/// state file. The outcome is (name, value to write): `None` leaves Vercel's as it is; a secret generated on
/// apply is a placeholder in a plan.
pub fn plan(
    observed: &SecretsObserved,
    held: &BTreeMap<String, StoredSecret>,
) -> (Plan, Vec<(String, Option<SecretString>)>) {
    let mut plan = Plan::default();
    let mut out = Vec::new();
    for s in &observed.secrets {
        if s.held {
            out.push((s.name.clone(), held.get(&s.name).map(|v| v.0.clone())));
        } else if s.in_vercel {
            if s.readable_in_vercel {
                plan.change(
                    "state",
                    format!("secret {}", s.name),
                    Action::Update,
                    "a copy of the value Vercel holds is kept in the state file",
                    Op::Secret(SecretOp::KeepVercelCopy { name: s.name.clone() }),
                );
            }
            out.push((s.name.clone(), None));
        } else {
            plan.change(
                "state",
                format!("secret {}", s.name),
                Action::Create,
                "generated once with the OS CSPRNG, kept in the state file before it is pushed",
                Op::Secret(SecretOp::Generate { name: s.name.clone() }),
            );
            out.push((s.name.clone(), Some(SecretString::from("(generated on apply)".to_string()))));
        }
    }
    (plan, out)
}

/// Carries out the plan: generates (using `pregenerated_jwks` for `JWKS_KEY` when given) or copies, journaling
/// each value before returning it.
pub fn apply(
    ctx: &Ctx<'_>,
    plan: &Plan,
    planned: Vec<(String, Option<SecretString>)>,
    project: &super::vercel::ProjectOutcome,
    pregenerated_jwks: Option<std::result::Result<SecretString, String>>,
) -> Result<Vec<(String, Option<SecretString>)>> {
    let mut pregenerated_jwks = pregenerated_jwks;
    let mut values: BTreeMap<String, Option<SecretString>> = planned.into_iter().collect();
    for op in plan.ops() {
        let Op::Secret(op) = op else { continue };
        match op {
            SecretOp::Generate { name } => {
                let value = match name.as_str() {
                    "JWKS_KEY" => pregenerated_jwks
                        .take()
                        .unwrap_or_else(crate::secrets::generate_jwks_key)
                        .map_err(|e| Error::blocked("secrets: JWKS_KEY", e, "run apply again"))?,
                    _ => crate::secrets::random_base64_32(),
                };
                // Write-ahead: stored before it is pushed anywhere, never regenerated afterwards.
                ctx.state.record([Record::Generated { name: name.clone(), value: StoredSecret(value.clone()) }])?;
                values.insert(name.clone(), Some(value));
            }
            SecretOp::KeepVercelCopy { name } => {
                if let Some(v) = project.value(name) {
                    ctx.state.record([Record::Generated { name: name.clone(), value: StoredSecret::new(v) }])?;
                }
                values.insert(name.clone(), None);
            }
        }
    }
    let order = crate::lobehub::generated_secrets(ctx.config.profile);
    Ok(order.iter().map(|n| (n.to_string(), values.remove(*n).flatten())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(name: &str, held: bool, in_vercel: bool, readable: bool) -> SecretSeen {
        SecretSeen { name: name.into(), held, in_vercel, readable_in_vercel: readable }
    }

    #[test]
    fn held_secrets_are_never_regenerated_and_vercels_are_left_alone() {
        let observed = SecretsObserved {
            secrets: vec![
                seen("KEY_VAULTS_SECRET", true, true, false),
                seen("AUTH_SECRET", false, true, true),
                seen("JWKS_KEY", false, true, false),
            ],
        };
        let held = BTreeMap::from([("KEY_VAULTS_SECRET".to_string(), StoredSecret::new("kv"))]);
        let (plan, out) = plan(&observed, &held);
        assert!(!plan.ops().any(|o| matches!(o, Op::Secret(SecretOp::Generate { .. }))));
        assert_eq!(
            plan.ops().collect::<Vec<_>>(),
            [&Op::Secret(SecretOp::KeepVercelCopy { name: "AUTH_SECRET".into() })]
        );
        assert!(out[0].1.is_some() && out[1].1.is_none() && out[2].1.is_none());
    }

    #[test]
    fn a_missing_secret_is_generated_once_and_the_plan_holds_no_value() {
        let observed = SecretsObserved { secrets: vec![seen("KEY_VAULTS_SECRET", false, false, false)] };
        let (plan, _) = plan(&observed, &BTreeMap::new());
        assert_eq!(plan.counts(), (1, 0, 0));
        let json = serde_json::to_string(&plan).unwrap();
        assert!(json.contains("\"generate\"") && !json.contains("generated on apply"), "{json}");
    }
}
