//! Bad input: configurations with invalid bucket names, domains, e-mails, regions and URLs are refused with an
//! error naming each bad field; server answers that are truncated (in the document or in the transfer),
//! mistyped, not what was asked for or huge give each client a clear decode or transport error naming the
//! operation, never a panic or a hang.

mod common;

use provision::config::Config;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

// ---------------------------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------------------------

fn env() -> BTreeMap<String, String> {
    [
        ("VERCEL_TOKEN", "t"),
        ("AUTH0_CLIENT_ID", "c"),
        ("AUTH0_CLIENT_SECRET", "s"),
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "k"),
        ("DATABASE_URL", "postgres://u:p@db/lobehub"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A valid configuration with every field that takes a name, a domain, an e-mail, a region or a URL set, each
/// to a placeholder `{field}` that [`config_with`] fills in.
const TEMPLATE: &str = r#"
[vercel]
project = "{vercel.project}"
git_repository = "{vercel.git_repository}"
[auth0]
domain = "{auth0.domain}"
trusted_users = ["alice@example.com", "{auth0.trusted_users[1]}"]
[aliyun]
region = "{aliyun.region}"
bucket = "{aliyun.bucket}"
ram_user = "{aliyun.ram_user}"
public_domain = "{aliyun.public_domain}"
[app]
domain = "{app.domain}"
[endpoints]
vercel = "{endpoints.vercel}"
auth0 = "{endpoints.auth0}"
oss = "{endpoints.oss}"
ram = "{endpoints.ram}"
"#;

const GOOD: &[(&str, &str)] = &[
    ("vercel.project", "lobehub"),
    ("vercel.git_repository", "alice/lobehub"),
    ("auth0.domain", "alice.eu.auth0.com"),
    ("auth0.trusted_users[1]", "bob@example.com"),
    ("aliyun.region", "cn-hangzhou"),
    ("aliyun.bucket", "alice-lobehub-files"),
    ("aliyun.ram_user", "lobehub-oss"),
    ("aliyun.public_domain", "https://files.example.com"),
    ("app.domain", "chat.example.com"),
    ("endpoints.vercel", "https://api.vercel.com"),
    ("endpoints.auth0", "https://alice.eu.auth0.com"),
    ("endpoints.oss", "http://127.0.0.1:9000"),
    ("endpoints.ram", "https://ram.aliyuncs.com"),
];

/// The template with every field good except the ones in `bad`.
fn config_with(bad: &[(&str, &str)]) -> String {
    let mut text = TEMPLATE.to_string();
    for (field, good) in GOOD {
        let value = bad.iter().find(|(f, _)| f == field).map(|(_, v)| *v).unwrap_or(good);
        // TOML basic strings: escape what would end or break the string.
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        text = text.replace(&format!("{{{field}}}"), &escaped);
    }
    text
}

/// Invalid values, by field.
const BAD: &[(&str, &[&str])] = &[
    (
        "aliyun.bucket",
        &[
            "",
            "ab",
            "Alice-Files",
            "alice_files",
            "-alice-files",
            "alice-files-",
            "alice.files",
            "alice files",
            "ålice-files",
            "a-bucket-name-that-is-far-too-long-for-oss-which-allows-63-chars",
        ],
    ),
    (
        "app.domain",
        &[
            "",
            "chat",
            "https://chat.example.com",
            "chat.example.com/",
            "chat.example.com:443",
            "chat..example.com",
            "-chat.example.com",
            "chat_1.example.com",
            "chat example.com",
            "ch\u{e4}t.example.com",
        ],
    ),
    ("auth0.domain", &["", "alice", "https://alice.eu.auth0.com/", "alice.eu.auth0.com/api/v2", "alice..auth0.com"]),
    (
        "auth0.trusted_users[1]",
        &[
            "",
            "bob",
            "bob@",
            "@example.com",
            "bob@localhost",
            "bob example@example.com",
            "bob@exa mple.com",
            "<bob>@example.com",
        ],
    ),
    ("aliyun.region", &["", "hangzhou", "oss-cn-hangzhou", "CN-HANGZHOU", "cn_hangzhou", "cn-", "c-hangzhou"]),
    (
        "aliyun.public_domain",
        &[
            "",
            "files.example.com",
            "http://files.example.com",
            "https://files.example.com/path",
            "https://files.example.com/?q=1",
            "not a url",
        ],
    ),
    ("endpoints.vercel", &["", "api.vercel.com", "http://api.vercel.com", "ftp://api.vercel.com", "https://"]),
    ("endpoints.oss", &["localhost:9000", "http://oss.example.com"]),
    ("aliyun.ram_user", &["", "lobe hub", "lobehub/oss"]),
    ("vercel.git_repository", &["", "lobehub", "alice/lobehub/extra", "https://github.com/alice/lobehub"]),
    ("vercel.project", &["", "LobeHub", "lobe---hub"]),
];

#[test]
fn every_invalid_value_is_refused_naming_its_field() {
    let env = env();
    Config::from_toml(&config_with(&[]), &env).expect("the template itself is valid");
    let mut checked = 0;
    for (field, values) in BAD {
        for value in *values {
            let text = config_with(&[(field, value)]);
            let err = match Config::from_toml(&text, &env) {
                Ok(_) => panic!("{field} = {value:?} was accepted"),
                Err(e) => e,
            };
            assert!(err.mentions(field), "{field} = {value:?}: the error does not name the field: {err}");
            assert_eq!(err.problems.len(), 1, "{field} = {value:?}: other fields blamed too: {err}");
            let shown = err.to_string();
            assert!(shown.contains(field), "{field}: {shown}");
            assert!(!err.problems[0].message.trim().is_empty(), "{field} = {value:?}: empty message");
            checked += 1;
        }
    }
    assert_eq!(checked, BAD.iter().map(|(_, values)| values.len()).sum::<usize>());
}

#[test]
fn all_problems_are_reported_together() {
    let bad = [
        ("aliyun.bucket", "Bad_Bucket"),
        ("app.domain", "https://chat.example.com"),
        ("auth0.trusted_users[1]", "bob"),
        ("aliyun.region", "hangzhou"),
        ("aliyun.public_domain", "http://files.example.com"),
        ("endpoints.ram", "http://ram.aliyuncs.com"),
    ];
    let err = Config::from_toml(&config_with(&bad), &env()).unwrap_err();
    for (field, _) in bad {
        assert!(err.mentions(field), "{field} not named: {err}");
    }
    assert_eq!(err.problems.len(), bad.len(), "{err}");
}

#[test]
fn malformed_toml_names_the_place_or_the_field() {
    let env = env();
    // Not TOML at all, a value of the wrong type, an unknown field, a missing section.
    let cases = [
        ("[vercel\nproject = ", "config"),
        (&*config_with(&[]).replace("project = \"lobehub\"", "project = 42"), "vercel.project"),
        (&*config_with(&[]).replace("[app]", "[app]\ncolour = \"red\""), "app.colour"),
        ("[vercel]\nproject = \"x\"\ngit_repository = \"a/b\"\n", "auth0"),
        (&*config_with(&[]).replace("trusted_users = [", "trusted_users = [1, "), "auth0.trusted_users"),
        (&*config_with(&[]).replace("bucket = ", "bucket = true #"), "aliyun.bucket"),
    ];
    for (text, expected) in cases {
        let err = Config::from_toml(text, &env).err().unwrap_or_else(|| panic!("accepted: {text}"));
        let shown = err.to_string();
        assert!(shown.contains(expected), "expected `{expected}` in: {shown}");
    }
}

#[test]
fn missing_and_malformed_credentials_name_the_variable() {
    let text = config_with(&[]);
    for name in [
        "VERCEL_TOKEN",
        "AUTH0_CLIENT_ID",
        "AUTH0_CLIENT_SECRET",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "DATABASE_URL",
    ] {
        let mut env = env();
        env.remove(name);
        let err = Config::from_toml(&text, &env).unwrap_err();
        assert!(err.mentions(&format!("env {name}")), "{name}: {err}");
        // An empty value counts as not set.
        let mut env = self::env();
        env.insert(name.into(), String::new());
        assert!(Config::from_toml(&text, &env).unwrap_err().mentions(&format!("env {name}")));
    }
    let mut env = env();
    env.insert("DATABASE_URL".into(), "mysql://u:p@db/lobehub".into());
    assert!(Config::from_toml(&text, &env).unwrap_err().mentions("env DATABASE_URL"));
}

/// Many mangled variants of each field value (a deterministic generator): parsing never panics, and a refusal
/// always names the mangled field.
#[test]
fn mangled_values_never_panic_and_name_their_field() {
    let env = env();
    let alphabet: Vec<char> = "aZ09-_.@:/ \\\"'\u{0}\u{7f}\u{e9}\u{202e}\u{1F600}\t\n[]{}#=".chars().collect();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut refused = 0;
    for (field, good) in GOOD {
        for _ in 0..60 {
            let mut value: Vec<char> = good.chars().collect();
            for _ in 0..=(next() % 3) {
                let at = (next() as usize) % (value.len() + 1);
                match next() % 3 {
                    0 if at < value.len() => {
                        value.remove(at);
                    }
                    1 if at < value.len() => value[at] = alphabet[(next() as usize) % alphabet.len()],
                    _ => value.insert(at, alphabet[(next() as usize) % alphabet.len()]),
                }
            }
            let value: String = value.into_iter().collect();
            let text = config_with(&[(field, &value)]);
            if let Err(err) = Config::from_toml(&text, &env) {
                refused += 1;
                let shown = err.to_string();
                assert!(
                    err.mentions(field) || shown.contains("config"),
                    "{field} = {value:?} refused without naming it: {shown}"
                );
            }
        }
    }
    assert!(refused > 100, "only {refused} mangled values refused");
}

#[tokio::test]
async fn set_domain_refuses_a_bad_domain_before_any_request() {
    let fx = common::Fixture::new("").await;
    let p = fx.provisioner();
    for bad in ["https://chat.example.com", "chat", "chat..example.com", "chat.example.com/x", ""] {
        let err = match p.set_domain(bad).await {
            Ok(_) => panic!("set-domain {bad:?} was accepted"),
            Err(e) => e,
        };
        match &err {
            provision::Error::Config(c) => assert!(c.mentions("DOMAIN"), "{err}"),
            other => panic!("set-domain {bad:?}: not a configuration error: {other}"),
        }
    }
    assert!(fx.cloud.log.is_empty(), "requests were sent: {:#?}", fx.cloud.log.entries());
    assert!(fx.state_on_disk().domain.is_none());
}

// ---------------------------------------------------------------------------------------------------------------
// Server answers
// ---------------------------------------------------------------------------------------------------------------

/// What the raw server sends back.
#[derive(Clone)]
enum Reply {
    /// These bytes, then the connection is closed.
    Raw(Vec<u8>),
    /// A chunked 200 of `total` bytes of `filler`, with no Content-Length.
    Chunked { content_type: &'static str, total: usize },
}

/// A complete answer.
fn answer(status: u16, content_type: &str, body: impl AsRef<[u8]>) -> Reply {
    let body = body.as_ref();
    let mut out = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    Reply::Raw(out)
}

/// An answer whose transfer stops early: Content-Length promises more than is sent before the close.
fn cut_transfer(content_type: &str, body: &str) -> Reply {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len() * 2
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    Reply::Raw(out)
}

/// An answer announcing a body far over any client's cap (the body is never sent).
fn huge_declared(content_type: &str) -> Reply {
    Reply::Raw(
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: 4000000000\r\nconnection: close\r\n\r\n"
        )
        .into_bytes(),
    )
}

/// 17 MiB, chunked: over the 16 MiB default cap, found only while reading.
fn huge_streamed(content_type: &'static str) -> Reply {
    Reply::Chunked { content_type, total: 17 * 1024 * 1024 }
}

type Route = Arc<dyn Fn(&str, &str) -> Reply + Send + Sync>;

/// A loopback HTTP/1.1 server that answers each request with `route(method, path)`, byte for byte.
struct RawServer {
    url: String,
    hits: Arc<AtomicUsize>,
}

async fn raw_server(route: Route) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let route = route.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let Some((method, path)) = read_request(&mut stream).await else { return };
                counter.fetch_add(1, Ordering::SeqCst);
                match route(&method, &path) {
                    Reply::Raw(bytes) => {
                        let _ = stream.write_all(&bytes).await;
                    }
                    Reply::Chunked { content_type, total } => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
                        );
                        if stream.write_all(head.as_bytes()).await.is_err() {
                            return;
                        }
                        let chunk = vec![b'['; 64 * 1024];
                        let mut sent = 0;
                        while sent < total {
                            let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
                            frame.extend_from_slice(&chunk);
                            frame.extend_from_slice(b"\r\n");
                            // The client hangs up once over its cap.
                            if stream.write_all(&frame).await.is_err() {
                                return;
                            }
                            sent += chunk.len();
                        }
                        let _ = stream.write_all(b"0\r\n\r\n").await;
                    }
                }
                let _ = stream.shutdown().await;
            });
        }
    });
    RawServer { url, hits }
}

/// Reads one request (head and Content-Length body); returns its method and path.
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<(String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut first = head.lines().next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let length: usize = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let path = target.split('?').next().unwrap_or("").to_string();
    Some((method, path))
}

/// How a client call is expected to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The answer arrived but could not be decoded.
    Decode,
    /// The transfer broke off.
    Reset,
    /// The body is over the cap.
    TooLarge,
    /// The service's error answer (an unexpected status with an unreadable body): an error naming the
    /// operation and the status, of any kind but a panic.
    Status,
}

/// The bad answers every client gets, for a JSON API; `valid_but_wrong` is well-formed JSON of the wrong shape.
fn json_cases(valid_but_wrong: &'static [&'static str]) -> Vec<(String, Reply, Expect)> {
    let mut cases = vec![
        (
            "truncated document".to_string(),
            answer(200, "application/json", r#"{"id": "x", "name": "lobe"#),
            Expect::Decode,
        ),
        ("empty body".into(), answer(200, "application/json", ""), Expect::Decode),
        ("HTML page".into(), answer(200, "text/html", "<html><body>Bad gateway</body></html>"), Expect::Decode),
        ("not UTF-8".into(), answer(200, "application/json", [0xff, 0xfe, 0x00, 0x7b]), Expect::Decode),
        ("cut transfer".into(), cut_transfer("application/json", r#"{"id": "x", "#), Expect::Reset),
        ("huge, declared".into(), huge_declared("application/json"), Expect::TooLarge),
        ("huge, streamed".into(), huge_streamed("application/json"), Expect::TooLarge),
        ("500 with HTML".into(), answer(500, "text/html", "<h1>oops</h1>"), Expect::Status),
        ("418 with garbage".into(), answer(418, "application/json", "{\"error\": [1,"), Expect::Status),
    ];
    for (i, body) in valid_but_wrong.iter().enumerate() {
        cases.push((format!("mistyped #{i}: {body}"), answer(200, "application/json", *body), Expect::Decode));
    }
    cases
}

/// The bad answers for OSS (XML): the common ones, then GetBucketInfo's mistyped ones.
fn xml_cases() -> Vec<(String, Reply, Expect)> {
    vec![
        (
            "truncated document".to_string(),
            answer(200, "application/xml", "<BucketInfo><Bucket><Name>al"),
            Expect::Decode,
        ),
        ("empty body".into(), answer(200, "application/xml", ""), Expect::Decode),
        ("JSON instead of XML".into(), answer(200, "application/json", r#"{"Bucket": {}}"#), Expect::Decode),
        ("HTML page".into(), answer(200, "text/html", "<html><body>Bad gateway"), Expect::Decode),
        (
            "mistyped field".into(),
            answer(
                200,
                "application/xml",
                "<BucketInfo><Bucket><Name>alice</Name><BlockPublicAccess>perhaps</BlockPublicAccess></Bucket></BucketInfo>",
            ),
            Expect::Decode,
        ),
        ("wrong document".into(), answer(200, "application/xml", "<ListAllMyBucketsResult/>"), Expect::Decode),
        ("cut transfer".into(), cut_transfer("application/xml", "<BucketInfo><Bucket>"), Expect::Reset),
        ("huge, declared".into(), huge_declared("application/xml"), Expect::TooLarge),
        ("huge, streamed".into(), huge_streamed("application/xml"), Expect::TooLarge),
        ("500 with HTML".into(), answer(500, "text/html", "<h1>oops</h1>"), Expect::Status),
    ]
}

/// Checks one failure: the operation is named, the kind matches, and the message is not empty.
fn check(
    client: &str,
    case: &str,
    expect: Expect,
    operation: &str,
    expected_operation: &str,
    shown: &str,
    kind_ok: bool,
) {
    assert_eq!(operation, expected_operation, "{client} / {case}: wrong operation in {shown}");
    assert!(shown.contains(expected_operation), "{client} / {case}: message does not name the operation: {shown}");
    assert!(kind_ok, "{client} / {case}: expected {expect:?}, got: {shown}");
}

/// Runs `call` against a server answering `reply`, with a hang guard.
async fn against<T, E>(
    reply: Reply,
    route_token: bool,
    call: impl AsyncFnOnce(&str) -> Result<T, E>,
) -> (Result<T, E>, usize) {
    let route: Route = Arc::new(move |_method: &str, path: &str| {
        if route_token && path == "/oauth/token" {
            return answer(
                200,
                "application/json",
                r#"{"access_token":"opaque-test-token","token_type":"Bearer","expires_in":86400,"scope":"read:clients read:users read:connections"}"#,
            );
        }
        reply.clone()
    });
    let server = raw_server(route).await;
    let result = tokio::time::timeout(Duration::from_secs(60), call(&server.url)).await.expect("the client hung");
    (result, server.hits.load(Ordering::SeqCst))
}

const TIMEOUT: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vercel_client_reports_bad_answers() {
    use vercel_client::ErrorKind;
    let ops: [(&str, &'static [&'static str]); 3] = [
        (
            "getProject",
            &[
                r#"{"id": 42, "name": "lobehub"}"#,
                r#"{"name": "lobehub"}"#,
                r#"{"id": "prj_1", "name": ["lobehub"]}"#,
                r#"{"id": "prj_1", "name": "lobehub", "link": "github"}"#,
            ],
        ),
        (
            "filterProjectEnvs",
            &[
                r#"{"envs": "none"}"#,
                r#"{"envs": [{"key": 7}]}"#,
                r#"{"envs": [{"key": "A", "target": "production", "type": 3}]}"#,
                // (No pagination case: filterProjectEnvs documents no cursor, so a `pagination` field is not
                // followed and a malformed one is ignored like any unknown field; field-truth §4.2.)
                // A 200 without the list is not an empty environment.
                "{}",
                r#"{"error": {"code": "internal", "message": "try later"}}"#,
            ],
        ),
        ("getProjectDomains", &[r#"{"domains": {"name": "x"}}"#, r#"{"domains": [{"name": false}]}"#, "{}"]),
    ];
    for (op, mistyped) in ops {
        for (case, reply, expect) in json_cases(mistyped) {
            let (result, hits) = against(reply, false, async |url: &str| {
                let client = vercel_client::VercelClient::builder()
                    .token("test-token".into())
                    .base_url(url)
                    .retry_policy(cloud_http::RetryPolicy::never())
                    .timeout(TIMEOUT)
                    .build()
                    .expect("client");
                match op {
                    "getProject" => client.projects().find("lobehub").await.map(|v| format!("{v:?}")),
                    "filterProjectEnvs" => client.env("prj_1").list_decrypted().await.map(|v| format!("{v:?}")),
                    _ => client.domains("prj_1").list().await.map(|v| format!("{v:?}")),
                }
            })
            .await;
            let err = match result {
                Ok(p) => panic!("vercel {op} / {case}: accepted as {p}"),
                Err(e) => e,
            };
            assert_eq!(hits, 1, "vercel {op} / {case}: retried a call the policy forbids retrying");
            let kind_ok = match expect {
                Expect::Decode => matches!(err.kind(), ErrorKind::Decode),
                Expect::Reset => {
                    matches!(err.kind(), ErrorKind::Transport(cloud_http::TransportErrorKind::ConnectionReset))
                }
                Expect::TooLarge => {
                    matches!(err.kind(), ErrorKind::Transport(cloud_http::TransportErrorKind::BodyTooLarge { .. }))
                }
                Expect::Status => !matches!(err.kind(), ErrorKind::Decode | ErrorKind::Transport(_)),
            };
            check(&format!("vercel {op}"), &case, expect, err.operation(), op, &err.to_string(), kind_ok);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth0_client_reports_bad_answers() {
    use auth0_client::ErrorKind;
    let build = |url: &str| {
        auth0_client::Auth0Client::builder()
            .base_url(url)
            .client_credentials("test-client", "test-secret")
            .no_rate_limit()
            .retry_policy(cloud_http::RetryPolicy::never())
            .timeout(TIMEOUT)
            .build()
            .expect("client")
    };
    let kind_ok = |expect: Expect, kind: &ErrorKind| match expect {
        Expect::Decode => matches!(kind, ErrorKind::Decode),
        Expect::Reset => matches!(kind, ErrorKind::Transport(cloud_http::TransportErrorKind::ConnectionReset)),
        Expect::TooLarge => matches!(kind, ErrorKind::Transport(cloud_http::TransportErrorKind::BodyTooLarge { .. })),
        Expect::Status => !matches!(kind, ErrorKind::Decode | ErrorKind::Transport(_)),
    };
    // A Management API call after a good token.
    let api = json_cases(&[
        r#"{"client_id": 7, "name": "LobeHub"}"#,
        r#"{"client_id": "abc", "name": "LobeHub", "callbacks": "https://x"}"#,
        r#"[{"client_id": "abc"}]"#,
    ]);
    for (case, reply, expect) in api {
        let (result, _) = against(reply, true, async |url: &str| build(url).clients().get("abc").await).await;
        let err = match result {
            Ok(c) => panic!("auth0 / {case}: accepted as {c:?}"),
            Err(e) => e,
        };
        check(
            "auth0 GetClient",
            &case,
            expect,
            err.operation(),
            "GetClient",
            &err.to_string(),
            kind_ok(expect, err.kind()),
        );
    }
    // A paged list after a good token.
    let list = json_cases(&[
        r#"{"clients": 5, "total": 1}"#,
        r#"[{"client_id": 5}]"#,
        r#"{"clients": [{"name": "x"}], "total": "one"}"#,
    ]);
    for (case, reply, expect) in list {
        let (result, _) = against(reply, true, async |url: &str| build(url).clients().list().all().await).await;
        let err = match result {
            Ok(c) => panic!("auth0 / {case}: accepted as {c:?}"),
            Err(e) => e,
        };
        check(
            "auth0 ListClients",
            &case,
            expect,
            err.operation(),
            "ListClients",
            &err.to_string(),
            kind_ok(expect, err.kind()),
        );
    }
    // The token endpoint itself answering badly.
    let token = json_cases(&[
        r#"{"access_token": 12345, "expires_in": 86400}"#,
        r#"{"token_type": "Bearer", "expires_in": 86400}"#,
        r#"{"access_token": "opaque", "expires_in": "tomorrow"}"#,
        r#"{"access_token": "opaque"}"#,
    ]);
    for (case, reply, expect) in token {
        let (result, _) = against(reply, false, async |url: &str| build(url).clients().get("abc").await).await;
        let err = match result {
            Ok(c) => panic!("auth0 token / {case}: accepted as {c:?}"),
            Err(e) => e,
        };
        let shown = err.to_string();
        let kind_ok = kind_ok(expect, err.kind())
            || (expect == Expect::Status && matches!(err.kind(), ErrorKind::TokenRequest | ErrorKind::ServerError));
        check("auth0 token", &case, expect, err.operation(), "GetManagementToken", &shown, kind_ok);
        assert!(!shown.contains("test-secret"), "{shown}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ram_client_reports_bad_answers() {
    use oss_client::ErrorKind;
    let ops: [(&str, &'static [&'static str]); 2] = [
        (
            "GetUser",
            &[
                r#"{"RequestId": "r1", "User": {"UserName": 42}}"#,
                r#"{"RequestId": "r1", "User": "lobehub-oss"}"#,
                r#"{"RequestId": "r1"}"#,
            ],
        ),
        (
            "ListAccessKeys",
            &[
                r#"{"RequestId": "r1", "AccessKeys": {"AccessKey": "LTAI1"}}"#,
                r#"{"RequestId": "r1", "AccessKeys": 3}"#,
                r#"{"RequestId": "r1", "AccessKeys": {"AccessKey": [{"AccessKeyId": 1, "Status": "Active"}]}}"#,
            ],
        ),
    ];
    for (op, mistyped) in ops {
        for (case, reply, expect) in json_cases(mistyped) {
            let (result, hits) = against(reply, false, async |url: &str| {
                let ram = oss_client::ram::RamClient::builder()
                    .credentials(oss_client::Credentials::new("LTAItest", "test-secret"))
                    .endpoint(url)
                    .retry_policy(cloud_http::RetryPolicy::never())
                    .timeout(TIMEOUT)
                    .build()
                    .expect("client");
                match op {
                    "GetUser" => ram.users().get("lobehub-oss").send().await.map(|v| format!("{v:?}")),
                    _ => ram.access_keys("lobehub-oss").list().send().await.map(|v| format!("{v:?}")),
                }
            })
            .await;
            let err = match result {
                Ok(u) => panic!("ram {op} / {case}: accepted as {u}"),
                Err(e) => e,
            };
            assert_eq!(hits, 1, "ram {op} / {case}: retried a call the policy forbids retrying");
            let kind_ok = match expect {
                Expect::Decode => matches!(err.kind(), ErrorKind::Decode),
                Expect::Reset => {
                    matches!(err.kind(), ErrorKind::Transport(cloud_http::TransportErrorKind::ConnectionReset))
                }
                Expect::TooLarge => {
                    matches!(err.kind(), ErrorKind::Transport(cloud_http::TransportErrorKind::BodyTooLarge { .. }))
                }
                Expect::Status => !matches!(err.kind(), ErrorKind::Decode | ErrorKind::Transport(_)),
            };
            check(&format!("ram {op}"), &case, expect, err.operation(), op, &err.to_string(), kind_ok);
        }
    }
}

/// GetBucketCors answers with the wrong types.
fn cors_cases() -> Vec<(String, Reply, Expect)> {
    let mut cases: Vec<_> = xml_cases()
        .into_iter()
        .filter(|(case, _, _)| !matches!(case.as_str(), "mistyped field" | "wrong document"))
        .collect();
    for body in [
        "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><MaxAgeSeconds>soon</MaxAgeSeconds></CORSRule></CORSConfiguration>",
        "<CORSConfiguration><CORSRule><AllowedMethod>FETCH</AllowedMethod></CORSRule></CORSConfiguration>",
        "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>",
    ] {
        cases.push((format!("mistyped: {body}"), answer(200, "application/xml", body), Expect::Decode));
    }
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oss_client_reports_bad_answers() {
    use oss_client::ErrorKind;
    for (op, cases) in [("GetBucketInfo", xml_cases()), ("GetBucketCors", cors_cases())] {
        for (case, reply, expect) in cases {
            let (result, hits) = against(reply, false, async |url: &str| {
                let oss = oss_client::OssClient::builder()
                    .credentials(oss_client::Credentials::new("LTAItest", "test-secret"))
                    .region("cn-hangzhou")
                    .connect_to(url)
                    .retry_policy(cloud_http::RetryPolicy::never())
                    .timeout(TIMEOUT)
                    .build()
                    .expect("client");
                let bucket = oss.bucket("alice-lobehub-files");
                match op {
                    "GetBucketInfo" => bucket.info().send().await.map(|v| format!("{v:?}")),
                    _ => bucket.get_cors().send().await.map(|v| format!("{v:?}")),
                }
            })
            .await;
            let err = match result {
                Ok(i) => panic!("oss {op} / {case}: accepted as {i}"),
                Err(e) => e,
            };
            assert_eq!(hits, 1, "oss {op} / {case}: retried a call the policy forbids retrying");
            let kind_ok = match expect {
                Expect::Decode => matches!(err.kind(), ErrorKind::Decode),
                Expect::Reset => {
                    matches!(err.kind(), ErrorKind::Transport(cloud_http::TransportErrorKind::ConnectionReset))
                }
                Expect::TooLarge => {
                    matches!(err.kind(), ErrorKind::Transport(cloud_http::TransportErrorKind::BodyTooLarge { .. }))
                }
                Expect::Status => !matches!(err.kind(), ErrorKind::Decode | ErrorKind::Transport(_)),
            };
            check(&format!("oss {op}"), &case, expect, err.operation(), op, &err.to_string(), kind_ok);
        }
    }
}

/// The same bad answers through the provisioner: `apply` fails with an error naming the step, and nothing
/// panics. Vercel answers garbage to every call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_reports_a_garbled_service_by_step() {
    let fx = common::Fixture::new("").await;
    let garbage = raw_server(Arc::new(|_: &str, _: &str| answer(200, "application/json", r#"{"projects": 3"#))).await;
    let text =
        common::config_text(&fx.cloud, &fx.state_path(), "").replace(&fx.cloud.vercel_server.base_url(), &garbage.url);
    let config = Config::from_toml(&text, &fx.cloud.credentials_env()).expect("config");
    let p = provision::engine::Provisioner::new(config, common::fast_options()).expect("provisioner");
    let err = match p.apply().await {
        Ok(_) => panic!("apply against a garbled Vercel succeeded"),
        Err(e) => e,
    };
    let shown = err.to_string();
    assert!(shown.contains("vercel: find project"), "{shown}");
    assert!(shown.contains("getProject"), "{shown}");
    assert!(garbage.hits.load(Ordering::SeqCst) >= 1);
}
