//! The `provision` command line: `plan`, `apply`, `set-domain`, `doctor`, `verify`, `destroy`.
//!
//! Exit codes: `0` success; `1` a step failed (the message names it and the service's error); `2` invalid
//! configuration or usage; `3` `doctor` found a fatal problem or `verify` a failed check; `4` `destroy` was not
//! confirmed; `5` `apply PLAN` refused a stale plan (nothing of it was sent).

use crate::config::Config;
use crate::engine::{Outcome, Provisioner, ProvisionerOptions};
use crate::error::Error;
use crate::progress::ProgressMode;
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

/// Exit code: success.
pub const EXIT_OK: i32 = 0;
/// Exit code: a step failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code: invalid configuration or usage.
pub const EXIT_CONFIG: i32 = 2;
/// Exit code: doctor or verify found problems.
pub const EXIT_PROBLEMS: i32 = 3;
/// Exit code: destroy was not confirmed.
pub const EXIT_NOT_CONFIRMED: i32 = 4;
/// Exit code: `apply PLAN` refused a stale plan.
pub const EXIT_STALE_PLAN: i32 = 5;

/// Provision and keep running a private LobeHub deployment on Vercel with Auth0 login and Aliyun OSS storage.
#[derive(Debug, Parser)]
#[command(name = "provision", version, about, long_about = None)]
pub struct Cli {
    /// The configuration file (see provision.example.toml).
    #[arg(short, long, global = true, env = "PROVISION_CONFIG", default_value = "provision.toml")]
    pub config: PathBuf,
    /// Machine-readable output (plan, apply, doctor, verify; destroy prints text only).
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read live state everywhere and print what apply would change. Changes nothing.
    Plan {
        /// Also save the plan to this file (no secrets in it), to review and run with `provision apply FILE`.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Converge the deployment: bucket, RAM user and key, Auth0 application and users, Vercel project, env,
    /// domain, deployment. Safe to re-run.
    Apply {
        /// Execute exactly this saved plan (`provision plan --out FILE`); refused when the live state or the
        /// configuration changed since it was made.
        #[arg(value_name = "PLAN")]
        plan: Option<PathBuf>,
        /// Stop after printing the plan (same as `plan`).
        #[arg(long, conflicts_with = "plan")]
        dry_run: bool,
    },
    /// Move the app to a custom domain: Vercel domain, APP_URL, Auth0 URLs and OSS CORS together, then redeploy.
    SetDomain {
        /// The domain, e.g. chat.example.com.
        domain: String,
    },
    /// Check a deployment's environment variables and say how to fix each problem.
    Doctor {
        /// Check this .env file instead of the Vercel project (no configuration or credentials needed).
        #[arg(long)]
        env_file: Option<PathBuf>,
        /// The LobeHub profile to check against when using --env-file.
        #[arg(long, default_value = "current")]
        profile: crate::lobehub::Profile,
        /// With --env-file: also connect with its DATABASE_URL and run `select 1`.
        #[arg(long)]
        check_database: bool,
    },
    /// End-to-end checks with the real credentials; prints a pass/fail table.
    Verify,
    /// Remove what provision created (and nothing else), in reverse order.
    Destroy {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// Also delete the objects in the bucket, so the bucket itself can be deleted.
        #[arg(long)]
        delete_bucket_contents: bool,
        /// Only print what would be removed.
        #[arg(long)]
        dry_run: bool,
        /// Also remove the generated secrets (KEY_VAULTS_SECRET, …) from the state file. Without its copy of
        /// KEY_VAULTS_SECRET, the API keys users stored in the database can no longer be decrypted.
        #[arg(long)]
        forget_secrets: bool,
        /// Also delete the Neon project (and all its data): give its name, typed back, to confirm.
        #[arg(long, value_name = "NEON_PROJECT_NAME")]
        delete_database: Option<String>,
    },
}

/// The `--json` form of an apply's outcome: the plan's fields, then the invite links and the app's URL.
#[derive(serde::Serialize)]
struct JsonOutcome<'a> {
    #[serde(flatten)]
    plan: &'a crate::plan::Plan,
    invites: Vec<JsonInvite<'a>>,
    app_url: &'a str,
}

#[derive(serde::Serialize)]
struct JsonInvite<'a> {
    email: &'a str,
    link: &'a str,
}

/// Writes an outcome (with its invite links: they are shown nowhere else) to `out`. An error (a closed stdout, a
/// full disk) is returned, never a panic.
fn print_outcome(out: &mut dyn Write, outcome: &Outcome, json: bool) -> std::io::Result<()> {
    if json {
        let doc = JsonOutcome {
            plan: &outcome.plan,
            invites: outcome.invites.iter().map(|(email, link)| JsonInvite { email, link: link.expose() }).collect(),
            app_url: &outcome.app_url,
        };
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
        writeln!(out)?;
        return out.flush();
    }
    write!(out, "{}", outcome.plan.render_text())?;
    if !outcome.invites.is_empty() {
        writeln!(out, "Invite links (send each to its user; they are not e-mailed):")?;
        for (email, link) in &outcome.invites {
            writeln!(out, "  {email}: {}", link.expose())?;
        }
    }
    writeln!(out, "LobeHub environment (production, preview; secrets masked):")?;
    for (k, v) in &outcome.env {
        writeln!(out, "  {k}={v}")?;
    }
    writeln!(out, "App: {}", outcome.app_url)?;
    out.flush()
}

/// Prints an apply's outcome; only once that succeeded are its invite links removed from the state file.
fn show_outcome(p: &Provisioner, out: &mut dyn Write, outcome: &Outcome, json: bool) -> i32 {
    if let Err(e) = print_outcome(out, outcome, json) {
        let _ = writeln!(
            std::io::stderr(),
            "error: could not write the output: {e}{}",
            if outcome.invites.is_empty() {
                String::new()
            } else {
                "; the invite links stay in the state file and the next apply shows them".to_string()
            }
        );
        return EXIT_FAILED;
    }
    let shown: Vec<String> = outcome.invites.iter().map(|(email, _)| email.clone()).collect();
    match p.invites_shown(&shown) {
        Ok(()) => EXIT_OK,
        Err(e) => report_error(&e),
    }
}

/// Writes text to `out`, turning a failure into the exit code of a failed step.
fn emit(out: &mut dyn Write, text: &str) -> Result<(), i32> {
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: could not write the output: {e}");
            Err(EXIT_FAILED)
        }
    }
}

fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

fn report_error(e: &Error) -> i32 {
    let _ = writeln!(std::io::stderr(), "error: {e}");
    match e {
        Error::Config(_) => EXIT_CONFIG,
        e if e.is_stale_plan() => EXIT_STALE_PLAN,
        _ => EXIT_FAILED,
    }
}

/// Runs a parsed command line and returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    if let Command::Doctor { env_file: Some(path), profile, check_database } = &cli.command {
        let env = match crate::doctor::EnvSnapshot::from_env_file(path) {
            Ok(env) => env,
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "error: {e}");
                return EXIT_CONFIG;
            }
        };
        let mut report = crate::doctor::diagnose(&env, &crate::doctor::env_file_context(&env, *profile).await);
        // With --check-database, also check that the file's DATABASE_URL answers.
        let url =
            env.value("DATABASE_URL").filter(|_| *check_database).map(|v| secrecy::SecretString::from(v.to_string()));
        crate::steps::database::doctor_reachability(&mut report, url).await;
        let text = if cli.json { json_text(&report) } else { report.render_text() };
        if let Err(code) = emit(&mut std::io::stdout(), &text) {
            return code;
        }
        return if report.is_fatal() { EXIT_PROBLEMS } else { EXIT_OK };
    }
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            let _ = write!(std::io::stderr(), "error: {e}");
            return EXIT_CONFIG;
        }
    };
    let progress = if cli.json { ProgressMode::Silent } else { ProgressMode::detect() };
    let options = ProvisionerOptions { progress, ..ProvisionerOptions::default() };
    run_with(cli, config, options).await
}

/// Runs a command with an already loaded configuration and options (the example and tests use it), printing to
/// standard output.
pub async fn run_with(cli: Cli, config: Config, options: ProvisionerOptions) -> i32 {
    run_with_output(cli, config, options, &mut std::io::stdout()).await
}

/// [`run_with`], printing to `out`. A failed write (a closed pipe) is reported on standard error and ends with
/// [`EXIT_FAILED`]; invite links are removed from the state file only after they were written without error.
pub async fn run_with_output(
    cli: Cli,
    config: Config,
    options: ProvisionerOptions,
    out: &mut (dyn Write + Send),
) -> i32 {
    let p = match Provisioner::new(config, options) {
        Ok(p) => p,
        Err(e) => return report_error(&e),
    };
    let json = cli.json;
    let printed = |out: &mut (dyn Write + Send), text: String, code: i32| match emit(out, &text) {
        Ok(()) => code,
        Err(failed) => failed,
    };
    match cli.command {
        Command::Plan { out: Some(file) } => match p.plan_saved().await {
            Ok((o, saved)) => {
                if let Err(e) = saved.write(&file) {
                    return report_error(&e);
                }
                match print_outcome(out, &o, json) {
                    Ok(()) => {
                        let _ = writeln!(
                            std::io::stderr(),
                            "plan saved to {}; run `provision apply {}` to execute exactly it",
                            file.display(),
                            file.display()
                        );
                        EXIT_OK
                    }
                    Err(e) => {
                        let _ = writeln!(std::io::stderr(), "error: could not write the output: {e}");
                        EXIT_FAILED
                    }
                }
            }
            Err(e) => report_error(&e),
        },
        Command::Plan { out: None } | Command::Apply { dry_run: true, .. } => match p.plan().await {
            Ok(o) => match print_outcome(out, &o, json) {
                Ok(()) => EXIT_OK,
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "error: could not write the output: {e}");
                    EXIT_FAILED
                }
            },
            Err(e) => report_error(&e),
        },
        Command::Apply { plan: Some(file), dry_run: false } => {
            let saved = match crate::saved_plan::SavedPlan::read(&file) {
                Ok(s) => s,
                Err(e) => return report_error(&e),
            };
            match p.apply_saved(&saved).await {
                Ok(o) => show_outcome(&p, out, &o, json),
                Err(e) => report_error(&e),
            }
        }
        Command::Apply { plan: None, dry_run: false } => match p.apply().await {
            Ok(o) => show_outcome(&p, out, &o, json),
            Err(e) => report_error(&e),
        },
        Command::SetDomain { domain } => match p.set_domain(&domain).await {
            Ok(o) => show_outcome(&p, out, &o, json),
            Err(e) => report_error(&e),
        },
        Command::Doctor { .. } => match p.doctor().await {
            Ok(report) => {
                let code = if report.is_fatal() { EXIT_PROBLEMS } else { EXIT_OK };
                printed(out, if json { json_text(&report) } else { report.render_text() }, code)
            }
            Err(e) => report_error(&e),
        },
        Command::Verify => match crate::verify::verify(&p).await {
            Ok(report) => {
                let code = if report.passed() { EXIT_OK } else { EXIT_PROBLEMS };
                printed(out, if json { json_text(&report) } else { report.render_text() }, code)
            }
            Err(e) => report_error(&e),
        },
        Command::Destroy { yes, delete_bucket_contents, dry_run, forget_secrets, delete_database } => {
            let options = crate::destroy::DestroyOptions { delete_bucket_contents, dry_run, forget_secrets };
            // A real run holds the state lock from the preview to the last removal, and executes the plan it
            // showed (not a new one: an object uploaded after the preview is not deleted unseen).
            let _lock = if dry_run {
                None
            } else {
                match p.lock_state("destroy").await {
                    Ok(lock) => Some(lock),
                    Err(e) => return report_error(&e),
                }
            };
            if !dry_run {
                // Before any write: a missing scope (e.g. delete:users) must not stop destroy halfway.
                let scopes = auth0_client::scopes::Command::Destroy;
                if let Err(e) = crate::steps::auth0::preflight(&p.services().auth0, scopes).await {
                    return report_error(&e);
                }
            }
            let (mut preview, failures) = crate::destroy::prepare(&p, options).await;
            if let Err(e) = Error::combine(failures) {
                return report_error(&e);
            }
            // The database is its own question (`--delete-database NAME`); its row runs with the others, even
            // when another removal failed.
            match crate::steps::database::destroy_database(&p, delete_database.as_deref()).await {
                Ok(plan) => preview.plan.extend(plan),
                Err(e) => return report_error(&e),
            }
            if let Err(code) = emit(out, &preview.render_text()) {
                return code;
            }
            if dry_run {
                return EXIT_OK;
            }
            let name = p.config().vercel.project.clone();
            if !yes && !confirm(&name, !preview.irreversible.is_empty()) {
                let _ =
                    writeln!(std::io::stderr(), "not confirmed; nothing was removed (pass --yes to skip the question)");
                return EXIT_NOT_CONFIRMED;
            }
            match crate::destroy::execute_confirmed(&p, &mut preview, forget_secrets).await {
                Ok(()) => printed(out, "removed.\n".to_string(), EXIT_OK),
                Err(e) => {
                    let code = report_error(&e);
                    let _ = writeln!(std::io::stderr(), "run `provision destroy` again to finish removing the rest");
                    code
                }
            }
        }
    }
}

/// Asks on the terminal; with something that cannot be undone, the answer must be the project's name.
fn confirm(project: &str, irreversible: bool) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    let expected = if irreversible { project } else { "yes" };
    let question = if irreversible {
        format!("Some of this cannot be undone (listed above). Type the project name `{project}` to confirm: ")
    } else {
        "Remove the resources above? Type `yes` to confirm: ".to_string()
    };
    let mut stderr = std::io::stderr();
    if write!(stderr, "{question}").and_then(|_| stderr.flush()).is_err() {
        return false;
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).is_ok() && line.trim() == expected
}
