//! The fault knobs of `SimServer` as clients see them: a stalled request the client gave up on is still
//! processed and logged (like a slow real server finishing it), and a lost response is processed but never
//! answered.

use sandbox::{FaultKind, FaultMix, Faults, InjectedError, RequestLog, SimRequest, SimResponse, SimServer, Simulator};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Counts the requests it handles.
#[derive(Default)]
struct Counter(AtomicUsize);

impl Simulator for Counter {
    fn service(&self) -> &'static str {
        "counter"
    }
    fn handle(&self, _request: &SimRequest) -> SimResponse {
        self.0.fetch_add(1, Ordering::SeqCst);
        SimResponse::empty(201)
    }
    fn injected_error(&self, _error: InjectedError) -> SimResponse {
        SimResponse::empty(500)
    }
}

fn only(mix: FaultMix) -> Faults {
    Faults::none().with_failure_rate(1.0).with_mix(mix).with_stall(Duration::from_millis(300))
}

const NONE: FaultMix = FaultMix {
    internal_error: 0,
    service_unavailable: 0,
    throttled: 0,
    connection_reset: 0,
    stall: 0,
    response_lost: 0,
};

async fn start() -> (Arc<Counter>, SimServer, RequestLog) {
    let sim = Arc::new(Counter::default());
    let log = RequestLog::new();
    let server = SimServer::start(sim.clone(), log.clone()).await.expect("server");
    (sim, server, log)
}

#[tokio::test]
async fn a_stalled_request_is_processed_and_logged_after_the_client_gave_up() {
    let (sim, server, log) = start().await;
    server.set_faults(only(FaultMix { stall: 1, ..NONE }));
    let http = reqwest::Client::builder().timeout(Duration::from_millis(50)).build().expect("client");
    let err = http.post(format!("{}/things", server.base_url())).body("x").send().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    // Not yet: the server still holds it.
    assert_eq!(sim.0.load(Ordering::SeqCst), 0);
    // The server says when it is done with the request (no fixed sleep).
    log.wait_idle().await;
    assert_eq!(sim.0.load(Ordering::SeqCst), 1, "the stalled request was never processed");
    let entries = log.entries();
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0].fault, Some(FaultKind::Stall));
    assert_eq!(entries[0].status, Some(201));
    assert_eq!(log.mutating().len(), 1, "a processed stalled write counts as a change");
}

#[tokio::test]
async fn a_lost_response_is_processed_but_not_answered() {
    let (sim, server, log) = start().await;
    server.set_faults(only(FaultMix { response_lost: 1, ..NONE }));
    let http = reqwest::Client::new();
    let err = http.post(format!("{}/things", server.base_url())).body("x").send().await.unwrap_err();
    assert!(!err.is_timeout(), "{err}");
    assert_eq!(sim.0.load(Ordering::SeqCst), 1);
    let entries = log.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].fault, entries[0].status), (Some(FaultKind::ResponseLost), None));
    assert_eq!(log.mutating().len(), 1);
}

#[tokio::test]
async fn injected_errors_and_resets_change_nothing() {
    let (sim, server, log) = start().await;
    server.set_faults(only(FaultMix { internal_error: 1, connection_reset: 1, ..NONE }).with_seed(3));
    let http = reqwest::Client::new();
    for _ in 0..10 {
        let _ = http.post(format!("{}/things", server.base_url())).body("x").send().await;
    }
    assert_eq!(sim.0.load(Ordering::SeqCst), 0);
    assert_eq!(log.len(), 10);
    assert!(log.mutating().is_empty());
    let kinds: std::collections::BTreeSet<_> = log.entries().iter().map(|e| format!("{:?}", e.fault)).collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
}
