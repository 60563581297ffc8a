//! One run of the engine: whether it plans or executes, what each stage observed, and — for
//! `provision apply PLAN` — the saved plan every stage is checked against.
//!
//! A stage ([`Run::stage`]) is observe → plan (pure) → execute. This module is the only place that knows
//! whether a run executes: step code never checks a mode.
//!
//! Stale-plan rule (Terraform's `plan -out` / `apply PLAN` model): `apply PLAN` first plans again without
//! writing and compares every stage's observation fingerprint and planned operations with the saved ones; any
//! difference stops it before the first write ([`Error::StalePlan`]). While executing, each stage's plan —
//! recomputed from the live state after the stages before it ran — must still be the saved one (resource,
//! action and operation of every row); a stage that differs stops the run before it sends anything.

use crate::error::{Error, Result};
use crate::plan::{Op, Plan, ResourceChange};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Whether a run changes anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Observe and plan; send no mutating request.
    Plan,
    /// Observe, plan, execute.
    Apply,
}

/// What one stage observed and planned, as saved in a plan file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRecord {
    /// SHA-256 (hex) of the stage's observation as JSON (observations hold no secret values).
    pub observed: String,
    /// The stage's plan: rows with their typed operations.
    pub plan: Plan,
}

/// One engine run.
#[derive(Debug)]
pub struct Run {
    mode: Mode,
    saved: Option<BTreeMap<String, StageRecord>>,
    records: Mutex<BTreeMap<String, StageRecord>>,
}

impl Run {
    /// A run in `mode`; with `saved`, every stage is checked against the saved plan's stages.
    pub fn new(mode: Mode, saved: Option<BTreeMap<String, StageRecord>>) -> Self {
        Self { mode, saved, records: Mutex::new(BTreeMap::new()) }
    }

    /// Whether this run executes.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The stages observed so far.
    pub fn records(&self) -> BTreeMap<String, StageRecord> {
        self.records.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Runs one stage: fingerprints `observed`, checks `planned` against the saved plan (if any), then executes
    /// it with `execute` (applying) or returns the planned outcome (planning).
    ///
    /// `planned` is `plan_<stage>(desired, &observed)`: the rows and the outcome later stages see if it is
    /// carried out. `execute` gets the (checked) plan and that planned outcome, and returns the real outcome.
    ///
    /// # Errors
    /// [`Error::StalePlan`] when the stage differs from the saved plan; whatever `execute` returns.
    pub async fn stage<Obs, Out, F, Fut>(
        &self,
        name: &str,
        observed: &Obs,
        planned: (Plan, Out),
        execute: F,
    ) -> Result<(Plan, Out)>
    where
        Obs: Serialize,
        F: FnOnce(Plan, Out) -> Fut,
        Fut: std::future::Future<Output = Result<Out>>,
    {
        let (plan, projected) = planned;
        let record = StageRecord { observed: fingerprint(observed), plan: plan.clone() };
        if let Some(saved) = &self.saved {
            check_stage(name, saved.get(name), &record, self.mode)?;
        }
        self.records.lock().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), record);
        match self.mode {
            Mode::Plan => Ok((plan, projected)),
            Mode::Apply => {
                let out = execute(plan.clone(), projected).await?;
                Ok((plan, out))
            }
        }
    }

    /// Checks that every stage of the saved plan was seen by this (planning) run: a stage the saved plan has
    /// and this run did not reach means the live state took another path.
    pub fn check_complete(&self) -> Result<()> {
        let Some(saved) = &self.saved else { return Ok(()) };
        let seen = self.records();
        if let Some(missing) = saved.keys().find(|k| !seen.contains_key(*k)) {
            return Err(Error::StalePlan {
                stage: missing.clone(),
                what: "this stage is no longer reached from the live state".into(),
            });
        }
        if let Some(extra) = seen.keys().find(|k| !saved.contains_key(*k)) {
            return Err(Error::StalePlan { stage: extra.clone(), what: "a stage the saved plan does not have".into() });
        }
        Ok(())
    }
}

/// SHA-256 (hex) of `value` as JSON.
pub fn fingerprint<T: Serialize>(value: &T) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(value).unwrap_or_default();
    hex::encode(Sha256::digest(&json))
}

/// What apply compares between a saved row and a fresh one: the resource, the action and the operation (the
/// detail text is for people).
fn same_row(a: &ResourceChange, b: &ResourceChange) -> bool {
    a.service == b.service && a.resource == b.resource && a.action == b.action && a.op == b.op
}

/// The environment's writes: planning again, exactly the saved ones; executing, each saved one satisfied by
/// exactly one fresh one (a value the plan could only name is known now; the client orders its batch itself).
fn same_ops(saved: &[Op], fresh: &[Op], mode: Mode) -> bool {
    if mode == Mode::Plan || saved.len() != fresh.len() {
        return saved == fresh;
    }
    let mut unused: Vec<&Op> = saved.iter().collect();
    for op in fresh {
        match unused.iter().position(|s| op.satisfies(s)) {
            Some(i) => {
                unused.swap_remove(i);
            }
            None => return false,
        }
    }
    true
}

fn check_stage(name: &str, saved: Option<&StageRecord>, fresh: &StageRecord, mode: Mode) -> Result<()> {
    let Some(saved) = saved else {
        return Err(Error::StalePlan { stage: name.into(), what: "a stage the saved plan does not have".into() });
    };
    // Planning again before the first write: the live state must be exactly what the plan saw.
    if mode == Mode::Plan && saved.observed != fresh.observed {
        let changed: Vec<String> = fresh
            .plan
            .resources
            .iter()
            .filter(|r| !saved.plan.resources.iter().any(|s| same_row(s, r)))
            .map(|r| r.resource.clone())
            .collect();
        let what = if changed.is_empty() {
            "the live state changed since the plan was made".to_string()
        } else {
            format!("the live state changed since the plan was made ({})", changed.join(", "))
        };
        return Err(Error::StalePlan { stage: name.into(), what });
    }
    let differs = saved.plan.resources.len() != fresh.plan.resources.len()
        || saved.plan.resources.iter().zip(&fresh.plan.resources).any(|(a, b)| !same_row(a, b))
        || !same_ops(&saved.plan.env_ops, &fresh.plan.env_ops, mode);
    if differs {
        let show = |p: &Plan| {
            p.resources
                .iter()
                .filter(|r| r.op.is_some())
                .map(|r| format!("{:?} {}", r.action, r.resource))
                .chain((!p.env_ops.is_empty()).then(|| format!("{} environment write(s)", p.env_ops.len())))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(Error::StalePlan {
            stage: name.into(),
            what: format!("the plan said [{}], the live state now needs [{}]", show(&saved.plan), show(&fresh.plan)),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Action;

    fn planned(action: Action) -> Plan {
        let mut p = Plan::default();
        p.resource("oss", "bucket b", action, "detail");
        p
    }

    #[tokio::test]
    async fn planning_never_executes_and_applying_does() {
        let run = Run::new(Mode::Plan, None);
        let (_, out) = run.stage("s", &1, (planned(Action::Create), 0), |_, _| async { Ok(1) }).await.unwrap();
        assert_eq!(out, 0, "the planned outcome");
        let run = Run::new(Mode::Apply, None);
        let (_, out) = run.stage("s", &1, (planned(Action::Create), 0), |_, _| async { Ok(1) }).await.unwrap();
        assert_eq!(out, 1, "the executed outcome");
        assert_eq!(run.records()["s"].observed, fingerprint(&1));
    }

    #[tokio::test]
    async fn a_changed_observation_or_plan_is_stale() {
        let saved = Run::new(Mode::Plan, None);
        saved.stage("s", &"seen", (planned(Action::Create), ()), |_, _| async { Ok(()) }).await.unwrap();
        let saved = saved.records();

        // Re-planned before writing: another observation is stale, even with the same rows.
        let again = Run::new(Mode::Plan, Some(saved.clone()));
        let e = again.stage("s", &"other", (planned(Action::Create), ()), |_, _| async { Ok(()) }).await.unwrap_err();
        assert!(matches!(e, Error::StalePlan { ref stage, .. } if stage == "s"), "{e}");
        // While executing, observations may differ (earlier stages wrote), the plan may not.
        let exec = Run::new(Mode::Apply, Some(saved.clone()));
        exec.stage("s", &"other", (planned(Action::Create), ()), |_, _| async { Ok(()) }).await.unwrap();
        let exec = Run::new(Mode::Apply, Some(saved.clone()));
        let mut executed = false;
        let e = exec
            .stage("s", &"seen", (planned(Action::Update), ()), |_, _| {
                executed = true;
                async { Ok(()) }
            })
            .await
            .unwrap_err();
        assert!(!executed, "nothing of a stale stage is sent");
        assert!(e.to_string().contains("plan --out"), "{e}");
        // A stage the saved plan does not have.
        let exec = Run::new(Mode::Apply, Some(saved));
        assert!(exec.stage("t", &"seen", (planned(Action::Create), ()), |_, _| async { Ok(()) }).await.is_err());
    }
}
