//! The CLI's output: invite links are removed from the state file only after they were written (to the terminal
//! or as `--json`) without error, and a closed standard output is an error (exit code 1), never a panic.

mod common;

use clap::Parser;
use common::{Fixture, fast_options};
use provision::cli::{self, Cli};
use std::io::Write;

fn args(cmd: &[&str]) -> Cli {
    Cli::parse_from(std::iter::once("provision").chain(cmd.iter().copied()))
}

/// A standard output whose reader went away: every write fails with `BrokenPipe`.
struct ClosedPipe;

impl Write for ClosedPipe {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

#[tokio::test]
async fn invite_links_stay_in_the_state_file_until_they_were_written() {
    let fx = Fixture::new("").await;
    let code = cli::run_with_output(args(&["apply"]), fx.config.clone(), fast_options(), &mut ClosedPipe).await;
    assert_eq!(code, cli::EXIT_FAILED, "a closed stdout is a failure");
    let pending = fx.state_on_disk().pending_invites;
    assert_eq!(pending.len(), 2, "the links were not shown: they stay");

    // The next run shows them, as JSON this time, and only then forgets them.
    let mut out = Vec::new();
    let code = cli::run_with_output(args(&["--json", "apply"]), fx.config.clone(), fast_options(), &mut out).await;
    assert_eq!(code, cli::EXIT_OK);
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("JSON output");
    let invites = doc["invites"].as_array().expect("invites");
    assert_eq!(invites.len(), 2);
    for invite in invites {
        let email = invite["email"].as_str().expect("email");
        assert_eq!(Some(invite["link"].as_str().expect("link")), pending.get(email).map(|l| l.expose()));
    }
    assert!(doc["resources"].is_array(), "the plan's fields are still at the top level");
    assert!(fx.state_on_disk().pending_invites.is_empty(), "written without error: forgotten");

    // Shown once: a further apply prints none.
    let mut out = Vec::new();
    assert_eq!(cli::run_with_output(args(&["apply"]), fx.config.clone(), fast_options(), &mut out).await, cli::EXIT_OK);
    assert!(!String::from_utf8_lossy(&out).contains("Invite links"));
}

#[tokio::test]
async fn every_command_reports_a_closed_stdout_as_an_error() {
    let fx = Fixture::new("").await;
    assert_eq!(cli::run_with(args(&["apply"]), fx.config.clone(), fast_options()).await, cli::EXIT_OK);
    for cmd in [&["plan"][..], &["doctor"], &["--json", "verify"], &["destroy", "--dry-run"]] {
        let code = cli::run_with_output(args(cmd), fx.config.clone(), fast_options(), &mut ClosedPipe).await;
        assert_eq!(code, cli::EXIT_FAILED, "{cmd:?}");
    }
}
