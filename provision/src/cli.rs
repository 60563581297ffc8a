//! The `provision` command line: `plan`, `apply`, `set-domain`, `doctor`, `verify`, `destroy`.
//!
//! Exit codes: `0` success; `1` a step failed (the message names it and the service's error); `2` invalid
//! configuration or usage; `3` `doctor` found a fatal problem or `verify` a failed check; `4` `destroy` was not
//! confirmed.

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

/// Provision and keep running a private LobeHub deployment on Vercel with Auth0 login and Aliyun OSS storage.
#[derive(Debug, Parser)]
#[command(name = "provision", version, about, long_about = None)]
pub struct Cli {
    /// The configuration file (see provision.example.toml).
    #[arg(short, long, global = true, env = "PROVISION_CONFIG", default_value = "provision.toml")]
    pub config: PathBuf,
    /// Machine-readable output (plan, doctor, verify).
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
    Plan,
    /// Converge the deployment: bucket, RAM user and key, Auth0 application and users, Vercel project, env,
    /// domain, deployment. Safe to re-run.
    Apply {
        /// Stop after printing the plan (same as `plan`).
        #[arg(long)]
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
        /// Also delete the Neon project (and all its data): give its name, typed back, to confirm.
        #[arg(long, value_name = "NEON_PROJECT_NAME")]
        delete_database: Option<String>,
    },
}

fn print_outcome(outcome: &Outcome, json: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(&outcome.plan).unwrap_or_default());
        return;
    }
    print!("{}", outcome.plan.render_text());
    if !outcome.invites.is_empty() {
        println!("Invite links (send each to its user; they are not e-mailed):");
        for (email, link) in &outcome.invites {
            println!("  {email}: {link}");
        }
    }
    println!("LobeHub environment (production, preview; secrets masked):");
    for (k, v) in &outcome.env {
        println!("  {k}={v}");
    }
    println!("App: {}", outcome.app_url);
}

fn report_error(e: &Error) -> i32 {
    eprintln!("error: {e}");
    match e {
        Error::Config(_) => EXIT_CONFIG,
        _ => EXIT_FAILED,
    }
}

/// Runs a parsed command line and returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    if let Command::Doctor { env_file: Some(path), profile, check_database } = &cli.command {
        let env = match crate::doctor::EnvSnapshot::from_env_file(path) {
            Ok(env) => env,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_CONFIG;
            }
        };
        let mut report =
            crate::doctor::diagnose(&env, &crate::doctor::DoctorContext { profile: *profile, ..Default::default() });
        // With --check-database, also check that the file's DATABASE_URL answers.
        let url =
            env.value("DATABASE_URL").filter(|_| *check_database).map(|v| secrecy::SecretString::from(v.to_string()));
        crate::steps::database::doctor_reachability(&mut report, url).await;
        if cli.json {
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        } else {
            print!("{}", report.render_text());
        }
        return if report.is_fatal() { EXIT_PROBLEMS } else { EXIT_OK };
    }
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprint!("error: {e}");
            return EXIT_CONFIG;
        }
    };
    let progress = if cli.json { ProgressMode::Silent } else { ProgressMode::detect() };
    let options = ProvisionerOptions { progress, ..ProvisionerOptions::default() };
    run_with(cli, config, options).await
}

/// Runs a command with an already loaded configuration and options (the example and tests use it).
pub async fn run_with(cli: Cli, config: Config, options: ProvisionerOptions) -> i32 {
    let p = match Provisioner::new(config, options) {
        Ok(p) => p,
        Err(e) => return report_error(&e),
    };
    match cli.command {
        Command::Plan | Command::Apply { dry_run: true } => match p.plan().await {
            Ok(o) => {
                print_outcome(&o, cli.json);
                EXIT_OK
            }
            Err(e) => report_error(&e),
        },
        Command::Apply { dry_run: false } => match p.apply().await {
            Ok(o) => {
                print_outcome(&o, cli.json);
                EXIT_OK
            }
            Err(e) => report_error(&e),
        },
        Command::SetDomain { domain } => match p.set_domain(&domain).await {
            Ok(o) => {
                print_outcome(&o, cli.json);
                EXIT_OK
            }
            Err(e) => report_error(&e),
        },
        Command::Doctor { .. } => match p.doctor().await {
            Ok(report) => {
                if cli.json {
                    println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
                } else {
                    print!("{}", report.render_text());
                }
                if report.is_fatal() { EXIT_PROBLEMS } else { EXIT_OK }
            }
            Err(e) => report_error(&e),
        },
        Command::Verify => match crate::verify::verify(&p).await {
            Ok(report) => {
                if cli.json {
                    println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
                } else {
                    print!("{}", report.render_text());
                }
                if report.passed() { EXIT_OK } else { EXIT_PROBLEMS }
            }
            Err(e) => report_error(&e),
        },
        Command::Destroy { yes, delete_bucket_contents, dry_run, delete_database } => {
            let options = crate::destroy::DestroyOptions { delete_bucket_contents, dry_run: true };
            let mut preview = match crate::destroy::destroy(&p, options).await {
                Ok(plan) => plan,
                Err(e) => return report_error(&e),
            };
            match crate::steps::database::destroy_database(&p, delete_database.as_deref(), true).await {
                Ok(plan) => preview.extend(plan),
                Err(e) => return report_error(&e),
            }
            print!("{}", preview.render_text());
            if dry_run {
                return EXIT_OK;
            }
            if !yes && !confirm() {
                eprintln!("not confirmed; nothing was removed (pass --yes to skip the question)");
                return EXIT_NOT_CONFIRMED;
            }
            match crate::destroy::destroy(&p, crate::destroy::DestroyOptions { delete_bucket_contents, dry_run: false })
                .await
            {
                Ok(_) => match crate::steps::database::destroy_database(&p, delete_database.as_deref(), false).await {
                    Ok(_) => {
                        println!("removed.");
                        EXIT_OK
                    }
                    Err(e) => report_error(&e),
                },
                Err(e) => report_error(&e),
            }
        }
    }
}

fn confirm() -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("Remove the resources above? Type `yes` to confirm: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).is_ok() && line.trim() == "yes"
}
