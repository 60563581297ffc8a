//! The in-process HTTP server every simulator runs on, with fault and latency knobs and a request log.
//!
//! A simulator implements [`Simulator`]: a synchronous function from a fully buffered [`SimRequest`] to a
//! [`SimResponse`]. [`SimServer`] serves it on `127.0.0.1` on a free port, and before each request may, by the
//! seeded [`Faults`] knobs, add latency, answer with an injected 500 / 503 / throttling error (in the service's
//! own error format), stall past a client's timeout, or drop the connection. Every request is recorded in a
//! [`RequestLog`] that tests count; several servers may share one log.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};

/// Locks a mutex, recovering the data if a panicking thread poisoned it (simulator state stays usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A request as the simulator sees it: method, URI, headers and the whole body.
#[derive(Debug, Clone)]
pub struct SimRequest {
    /// The method.
    pub method: Method,
    /// The request target (path and query).
    pub uri: Uri,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl SimRequest {
    /// Builds a request, for unit tests of simulators.
    ///
    /// ```
    /// let r = sandbox::SimRequest::new(http::Method::GET, "/v9/projects?limit=2", &[("host", "api.vercel.com")], "");
    /// assert_eq!(r.path(), "/v9/projects");
    /// assert_eq!(r.query_param("limit").as_deref(), Some("2"));
    /// assert_eq!(r.host(), Some("api.vercel.com"));
    /// ```
    pub fn new(method: Method, uri: &str, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Self {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            if let (Ok(name), Ok(value)) = (http::HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
                map.append(name, value);
            }
        }
        Self { method, uri: uri.parse().unwrap_or_else(|_| Uri::from_static("/")), headers: map, body: body.into() }
    }

    /// The path, still percent-encoded.
    pub fn path(&self) -> &str {
        self.uri.path()
    }

    /// The raw query string.
    pub fn query(&self) -> Option<&str> {
        self.uri.query()
    }

    /// The decoded query pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        match self.uri.query() {
            Some(q) => url::form_urlencoded::parse(q.as_bytes()).into_owned().collect(),
            None => Vec::new(),
        }
    }

    /// The first value of a query parameter, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Host` header without its port.
    pub fn host(&self) -> Option<&str> {
        let host = self.header("host")?;
        if host.starts_with('[') {
            return Some(host.split_once(']').map(|(h, _)| &host[..=h.len()]).unwrap_or(host));
        }
        Some(match host.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
            _ => host,
        })
    }

    /// The body as UTF-8 text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A simulator's answer.
#[derive(Debug, Clone)]
pub struct SimResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl SimResponse {
    /// An empty response with this status.
    ///
    /// ```
    /// let r = sandbox::SimResponse::empty(204).with_header("x-request-id", "abc");
    /// assert_eq!(r.status.as_u16(), 204);
    /// ```
    pub fn empty(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// A JSON response.
    ///
    /// ```
    /// let r = sandbox::SimResponse::json(200, &serde_json::json!({"ok": true}));
    /// assert_eq!(r.headers["content-type"], "application/json");
    /// ```
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::empty(status).with_header("content-type", "application/json").with_body(value.to_string())
    }

    /// An XML response.
    pub fn xml(status: u16, body: impl Into<String>) -> Self {
        Self::empty(status).with_header("content-type", "application/xml").with_body(body.into())
    }

    /// Sets a header (replacing an earlier value). Invalid names or values are ignored.
    pub fn with_header(mut self, name: &str, value: impl AsRef<str>) -> Self {
        if let (Ok(n), Ok(v)) = (http::HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value.as_ref())) {
            self.headers.insert(n, v);
        }
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }
}

/// An injected error answer, rendered by the simulator in its service's own format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectedError {
    /// HTTP 500.
    InternalError,
    /// HTTP 503.
    ServiceUnavailable,
    /// The service's throttling answer (429, or Aliyun's `Throttling` with HTTP 400/503), asking to come back
    /// after `retry_after`.
    Throttled {
        /// The delay to advertise.
        retry_after: Duration,
    },
}

/// A service simulator.
pub trait Simulator: Send + Sync + 'static {
    /// The service's name in the request log (`oss`, `ram`, `auth0`, `vercel`).
    fn service(&self) -> &'static str;

    /// Answers one request.
    fn handle(&self, request: &SimRequest) -> SimResponse;

    /// The service's own answer for an injected error.
    fn injected_error(&self, error: InjectedError) -> SimResponse;

    /// Whether this request changes state (for "a converged apply sends zero mutating requests"). The default
    /// counts every method but GET, HEAD and OPTIONS; RPC-style services override it.
    fn is_mutating(&self, request: &SimRequest) -> bool {
        !matches!(request.method, Method::GET | Method::HEAD | Method::OPTIONS)
    }
}

/// The kind of fault injected into one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// Answered 500 without processing.
    InternalError,
    /// Answered 503 without processing.
    ServiceUnavailable,
    /// Answered with the service's throttling error without processing.
    Throttled,
    /// The connection was dropped before processing.
    ConnectionReset,
    /// Held for [`Faults::stall`] before processing and answering (beyond a client's timeout, it times out).
    Stall,
    /// Processed, then the connection was dropped: the change happened but the client never hears of it.
    ResponseLost,
}

/// Relative weights of the fault kinds drawn when a request fails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultMix {
    /// Weight of [`FaultKind::InternalError`].
    pub internal_error: u32,
    /// Weight of [`FaultKind::ServiceUnavailable`].
    pub service_unavailable: u32,
    /// Weight of [`FaultKind::Throttled`].
    pub throttled: u32,
    /// Weight of [`FaultKind::ConnectionReset`].
    pub connection_reset: u32,
    /// Weight of [`FaultKind::Stall`].
    pub stall: u32,
    /// Weight of [`FaultKind::ResponseLost`].
    pub response_lost: u32,
}

impl Default for FaultMix {
    /// An even mix of 500, 503, throttling, resets and stalls; no lost responses.
    fn default() -> Self {
        Self {
            internal_error: 1,
            service_unavailable: 1,
            throttled: 1,
            connection_reset: 1,
            stall: 1,
            response_lost: 0,
        }
    }
}

impl FaultMix {
    fn pick(&self, rng: &mut fastrand::Rng) -> Option<FaultKind> {
        let table = [
            (self.internal_error, FaultKind::InternalError),
            (self.service_unavailable, FaultKind::ServiceUnavailable),
            (self.throttled, FaultKind::Throttled),
            (self.connection_reset, FaultKind::ConnectionReset),
            (self.stall, FaultKind::Stall),
            (self.response_lost, FaultKind::ResponseLost),
        ];
        let total: u32 = table.iter().map(|(w, _)| w).sum();
        if total == 0 {
            return None;
        }
        let mut n = rng.u32(0..total);
        for (w, kind) in table {
            if n < w {
                return Some(kind);
            }
            n -= w;
        }
        None
    }
}

/// The fault and latency knobs of a simulator server.
///
/// ```
/// use std::time::Duration;
/// let faults = sandbox::Faults::none().with_latency(Duration::from_millis(50));
/// let flaky = sandbox::Faults::none().with_failure_rate(0.2).with_seed(7);
/// assert_eq!(flaky.failure_rate, 0.2);
/// # let _ = faults;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Added to every request before it is handled.
    pub latency: Duration,
    /// Probability in `[0, 1]` that a request gets a fault.
    pub failure_rate: f64,
    /// Which faults, in which proportions.
    pub mix: FaultMix,
    /// How long a [`FaultKind::Stall`] holds the request.
    pub stall: Duration,
    /// The `Retry-After` advertised by injected throttling errors.
    pub throttle_retry_after: Duration,
    /// Seed of the fault generator, for repeatable runs.
    pub seed: u64,
}

impl Faults {
    /// No latency, no faults.
    pub fn none() -> Self {
        Self {
            latency: Duration::ZERO,
            failure_rate: 0.0,
            mix: FaultMix::default(),
            stall: Duration::from_secs(5),
            throttle_retry_after: Duration::from_millis(20),
            seed: 0,
        }
    }

    /// Sets the latency added to every request.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Sets the probability that a request fails.
    pub fn with_failure_rate(mut self, rate: f64) -> Self {
        self.failure_rate = rate.clamp(0.0, 1.0);
        self
    }

    /// Sets the mix of faults.
    pub fn with_mix(mut self, mix: FaultMix) -> Self {
        self.mix = mix;
        self
    }

    /// Sets how long a stall lasts.
    pub fn with_stall(mut self, stall: Duration) -> Self {
        self.stall = stall;
        self
    }

    /// Sets the `Retry-After` of injected throttling errors.
    pub fn with_throttle_retry_after(mut self, d: Duration) -> Self {
        self.throttle_retry_after = d;
        self
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

impl Default for Faults {
    fn default() -> Self {
        Self::none()
    }
}

/// One request as recorded in the [`RequestLog`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// Position in the log, from 1.
    pub seq: usize,
    /// The service (`oss`, `ram`, `auth0`, `vercel`).
    pub service: &'static str,
    /// The method.
    pub method: String,
    /// The `Host` header.
    pub host: String,
    /// The path.
    pub path: String,
    /// The query string.
    pub query: String,
    /// The action, for RPC services (`CreateUser`, …); empty otherwise.
    pub action: String,
    /// Whether the simulator counts it as a change of state.
    pub mutating: bool,
    /// The status answered; `None` when the connection was dropped.
    pub status: Option<u16>,
    /// The injected fault, if any.
    pub fault: Option<FaultKind>,
}

#[derive(Default)]
struct LogInner {
    entries: Vec<LoggedRequest>,
    trip_at: Option<(usize, Arc<Notify>)>,
}

/// A log of requests, shareable between servers (clone it). Tests count it, and can arm a trip wire that fires
/// when the log reaches a given length (to kill an apply after request *k*).
///
/// ```
/// let log = sandbox::RequestLog::new();
/// assert_eq!(log.len(), 0);
/// assert_eq!(log.mutating().len(), 0);
/// ```
#[derive(Clone, Default)]
pub struct RequestLog(Arc<Mutex<LogInner>>);

impl std::fmt::Debug for RequestLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestLog").field("len", &self.len()).finish()
    }
}

impl RequestLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every recorded request.
    pub fn entries(&self) -> Vec<LoggedRequest> {
        lock(&self.0).entries.clone()
    }

    /// The number of recorded requests.
    pub fn len(&self) -> usize {
        lock(&self.0).entries.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The requests that changed state and were processed (answered, or processed before a lost response).
    pub fn mutating(&self) -> Vec<LoggedRequest> {
        self.entries()
            .into_iter()
            .filter(|e| {
                e.mutating
                    && !matches!(
                        e.fault,
                        Some(
                            FaultKind::InternalError
                                | FaultKind::ServiceUnavailable
                                | FaultKind::Throttled
                                | FaultKind::ConnectionReset
                        )
                    )
            })
            .collect()
    }

    /// The requests to one service.
    pub fn for_service(&self, service: &str) -> Vec<LoggedRequest> {
        self.entries().into_iter().filter(|e| e.service == service).collect()
    }

    /// Forgets every entry (the trip wire stays armed).
    pub fn clear(&self) {
        lock(&self.0).entries.clear();
    }

    /// Arms a trip wire: the returned [`Notify`] is notified once the log holds `k` entries.
    pub fn trip_after(&self, k: usize) -> Arc<Notify> {
        let notify = Arc::new(Notify::new());
        lock(&self.0).trip_at = Some((k, notify.clone()));
        notify
    }

    /// Disarms the trip wire.
    pub fn disarm(&self) {
        lock(&self.0).trip_at = None;
    }

    fn record(&self, mut entry: LoggedRequest) {
        let mut inner = lock(&self.0);
        entry.seq = inner.entries.len() + 1;
        inner.entries.push(entry);
        let len = inner.entries.len();
        if let Some((k, notify)) = &inner.trip_at
            && len >= *k
        {
            notify.notify_one();
        }
    }
}

struct Shared {
    simulator: Arc<dyn Simulator>,
    faults: Mutex<Faults>,
    rng: Mutex<fastrand::Rng>,
    log: RequestLog,
}

/// A simulator served on `127.0.0.1`. Dropping it stops the server.
///
/// ```no_run
/// # async fn demo(sim: std::sync::Arc<dyn sandbox::Simulator>) -> std::io::Result<()> {
/// let server = sandbox::SimServer::start(sim, sandbox::RequestLog::new()).await?;
/// println!("serving on {}", server.base_url());
/// # Ok(()) }
/// ```
pub struct SimServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for SimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServer")
            .field("service", &self.shared.simulator.service())
            .field("addr", &self.addr)
            .finish()
    }
}

impl SimServer {
    /// Starts serving `simulator` on a free loopback port, recording into `log`.
    pub async fn start(simulator: Arc<dyn Simulator>, log: RequestLog) -> std::io::Result<Self> {
        Self::start_on_port(simulator, log, 0).await
    }

    /// Starts serving `simulator` on `127.0.0.1:port` (`0` = a free port chosen by the OS), recording into `log`.
    ///
    /// # Errors
    /// The bind error, e.g. `AddrInUse` when the port is taken.
    pub async fn start_on_port(simulator: Arc<dyn Simulator>, log: RequestLog, port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            simulator,
            faults: Mutex::new(Faults::none()),
            rng: Mutex::new(fastrand::Rng::with_seed(0)),
            log,
        });
        let (tx, mut rx) = oneshot::channel::<()>();
        let serving = shared.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let conn_shared = serving.clone();
                        tokio::spawn(async move {
                            let service = service_fn(move |req| {
                                let s = conn_shared.clone();
                                async move { serve(s, req).await }
                            });
                            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                        });
                    }
                }
            }
        });
        Ok(Self { addr, shared, shutdown: Some(tx) })
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the fault knobs and reseeds the fault generator with `faults.seed`.
    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.shared.rng) = fastrand::Rng::with_seed(faults.seed);
        *lock(&self.shared.faults) = faults;
    }

    /// The current fault knobs.
    pub fn faults(&self) -> Faults {
        lock(&self.shared.faults).clone()
    }

    /// The request log.
    pub fn log(&self) -> &RequestLog {
        &self.shared.log
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[derive(Debug)]
struct Dropped;
impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}
impl std::error::Error for Dropped {}

fn to_hyper(resp: SimResponse) -> hyper::Response<Full<Bytes>> {
    let mut out = hyper::Response::new(Full::new(resp.body));
    *out.status_mut() = resp.status;
    *out.headers_mut() = resp.headers;
    out
}

async fn serve(shared: Arc<Shared>, req: hyper::Request<Incoming>) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let request = SimRequest { method: parts.method, uri: parts.uri, headers: parts.headers, body };
    // Once read, a request is processed and logged to the end in its own task: hyper drops this future when the
    // client hangs up, and a stalled request the client gave up on must still take effect (and be counted).
    match tokio::spawn(process(shared, request)).await {
        Ok(Some(response)) => Ok(to_hyper(response)),
        _ => Err(Dropped),
    }
}

/// Draws the fault, handles the request and records it; `None` when the connection is to be dropped.
async fn process(shared: Arc<Shared>, request: SimRequest) -> Option<SimResponse> {
    let (faults, fault) = {
        let faults = lock(&shared.faults).clone();
        let mut rng = lock(&shared.rng);
        let fault =
            if faults.failure_rate > 0.0 && rng.f64() < faults.failure_rate { faults.mix.pick(&mut rng) } else { None };
        (faults, fault)
    };
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let sim = &shared.simulator;
    let action = request
        .query_pairs()
        .into_iter()
        .chain(url::form_urlencoded::parse(&request.body).into_owned())
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v)
        .or_else(|| request.header("x-acs-action").map(str::to_string))
        .unwrap_or_default();
    let mut entry = LoggedRequest {
        seq: 0,
        service: sim.service(),
        method: request.method.to_string(),
        host: request.header("host").unwrap_or_default().to_string(),
        path: request.path().to_string(),
        query: request.query().unwrap_or_default().to_string(),
        action,
        mutating: sim.is_mutating(&request),
        status: None,
        fault,
    };
    let response = match fault {
        Some(FaultKind::InternalError) => Some(sim.injected_error(InjectedError::InternalError)),
        Some(FaultKind::ServiceUnavailable) => Some(sim.injected_error(InjectedError::ServiceUnavailable)),
        Some(FaultKind::Throttled) => {
            Some(sim.injected_error(InjectedError::Throttled { retry_after: faults.throttle_retry_after }))
        }
        Some(FaultKind::ConnectionReset) => None,
        Some(FaultKind::Stall) => {
            tokio::time::sleep(faults.stall).await;
            Some(sim.handle(&request))
        }
        Some(FaultKind::ResponseLost) => {
            let _ = sim.handle(&request);
            None
        }
        None => Some(sim.handle(&request)),
    };
    entry.status = response.as_ref().map(|r| r.status.as_u16());
    shared.log.record(entry);
    response
}
