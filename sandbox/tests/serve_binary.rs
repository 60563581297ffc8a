//! `lobehub-sandbox serve` as a process: it prints the contract's variables (as `KEY=VALUE` lines and as JSON),
//! each endpoint answers, and SIGTERM / SIGINT (Ctrl-C) stop it cleanly (exit 0, a "stopping" line on stderr).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const VARIABLES: &[&str] = &[
    "SANDBOX_OSS_ENDPOINT",
    "SANDBOX_OSS_PORT",
    "SANDBOX_OSS_REGION",
    "SANDBOX_ALIYUN_ACCOUNT_ID",
    "SANDBOX_ALIYUN_ACCESS_KEY_ID",
    "SANDBOX_ALIYUN_ACCESS_KEY_SECRET",
    "SANDBOX_RAM_ENDPOINT",
    "SANDBOX_AUTH0_BASE_URL",
    "SANDBOX_AUTH0_CLIENT_ID",
    "SANDBOX_AUTH0_CLIENT_SECRET",
    "SANDBOX_VERCEL_BASE_URL",
    "SANDBOX_VERCEL_TOKEN",
    "SANDBOX_VERCEL_TEAM_ID",
    "SANDBOX_GITHUB_BASE_URL",
    "SANDBOX_GITHUB_TOKEN",
    "SANDBOX_NEON_BASE_URL",
    "SANDBOX_NEON_API_KEY",
];

/// A guard against a hung child: generous, only reached when the binary misbehaves.
const GUARD: Duration = Duration::from_secs(60);

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_lobehub-sandbox"))
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn lobehub-sandbox")
}

/// Reads stdout up to the blank line that ends the variables.
fn read_block(stdout: ChildStdout) -> Vec<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.is_empty() {
                break;
            }
            lines.push(line);
        }
        let _ = tx.send(lines);
    });
    rx.recv_timeout(GUARD).expect("the variables within the guard time")
}

fn parse_lines(lines: &[String]) -> BTreeMap<String, String> {
    lines
        .iter()
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or_else(|| panic!("not KEY=VALUE: {l:?}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// Sends `signal` (e.g. `-TERM`) with kill(1), then waits for the exit and returns (success, stderr).
fn stop(mut child: Child, signal: &str) -> (bool, String) {
    let status = Command::new("kill").arg(signal).arg(child.id().to_string()).status().expect("kill(1)");
    assert!(status.success(), "kill {signal} failed");
    let mut stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let exit = child.wait().map(|s| s.success()).unwrap_or(false);
        let _ = tx.send(exit);
    });
    let exited = rx.recv_timeout(GUARD).expect("exits within the guard time after the signal");
    let mut text = String::new();
    let _ = stderr.read_to_string(&mut text);
    (exited, text)
}

async fn check_endpoints(vars: &BTreeMap<String, String>) {
    let http = reqwest::Client::new();
    for key in ["SANDBOX_OSS_ENDPOINT", "SANDBOX_RAM_ENDPOINT", "SANDBOX_AUTH0_BASE_URL", "SANDBOX_VERCEL_BASE_URL"] {
        let url = &vars[key];
        assert!(url.starts_with("http://127.0.0.1:"), "{key}={url}");
        let resp = http.get(url.as_str()).send().await.unwrap_or_else(|e| panic!("{key} {url}: {e}"));
        // An unauthenticated request: each service answers in its own format, never a 5xx.
        assert!(resp.status().as_u16() < 500, "{key}: {}", resp.status());
    }
    // An authenticated call: the printed Vercel token and team are accepted.
    let projects = http
        .get(format!("{}/v10/projects?teamId={}", vars["SANDBOX_VERCEL_BASE_URL"], vars["SANDBOX_VERCEL_TEAM_ID"]))
        .bearer_auth(&vars["SANDBOX_VERCEL_TOKEN"])
        .send()
        .await
        .expect("vercel list projects");
    assert_eq!(projects.status(), 200);
    // The printed Auth0 M2M application gets a token.
    let token = http
        .post(format!("{}/oauth/token", vars["SANDBOX_AUTH0_BASE_URL"]))
        .json(&serde_json::json!({
            "grant_type": "client_credentials",
            "client_id": vars["SANDBOX_AUTH0_CLIENT_ID"],
            "client_secret": vars["SANDBOX_AUTH0_CLIENT_SECRET"],
            "audience": format!("{}/api/v2/", vars["SANDBOX_AUTH0_BASE_URL"]),
        }))
        .send()
        .await
        .expect("auth0 token");
    assert_eq!(token.status(), 200, "{:?}", token.text().await);
}

#[tokio::test]
async fn serve_prints_the_variables_answers_and_stops_on_sigterm() {
    let mut child = spawn(&["--region", "cn-shanghai"]);
    let vars = parse_lines(&read_block(child.stdout.take().expect("stdout")));
    let keys: Vec<&str> = vars.keys().map(String::as_str).collect();
    let mut expected = VARIABLES.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(vars["SANDBOX_OSS_REGION"], "cn-shanghai");
    assert_eq!(vars["SANDBOX_OSS_ENDPOINT"], format!("http://127.0.0.1:{}", vars["SANDBOX_OSS_PORT"]));
    check_endpoints(&vars).await;
    let (ok, stderr) = stop(child, "-TERM");
    assert!(ok, "exit status after SIGTERM; stderr: {stderr}");
    assert!(stderr.contains("SIGTERM received, stopping"), "{stderr}");
}

#[tokio::test]
async fn serve_json_and_ctrl_c() {
    let mut child = spawn(&["--json"]);
    let lines = read_block(child.stdout.take().expect("stdout"));
    assert_eq!(lines.len(), 1, "one JSON object: {lines:?}");
    let v: serde_json::Value = serde_json::from_str(&lines[0]).expect("JSON");
    let vars: BTreeMap<String, String> = v
        .as_object()
        .expect("object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string value").to_string()))
        .collect();
    assert_eq!(vars.len(), VARIABLES.len());
    assert_eq!(vars["SANDBOX_OSS_REGION"], "cn-hangzhou");
    check_endpoints(&vars).await;
    let (ok, stderr) = stop(child, "-INT");
    assert!(ok, "exit status after SIGINT; stderr: {stderr}");
    assert!(stderr.contains("SIGINT received, stopping"), "{stderr}");
}

#[test]
fn a_taken_port_base_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let out = Command::new(env!("CARGO_BIN_EXE_lobehub-sandbox"))
        .args(["serve", "--port-base", &port.to_string()])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot start the simulators"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing printed before every server is up");
}
