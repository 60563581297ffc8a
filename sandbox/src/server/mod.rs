//! The in-process HTTP server every simulator runs on, with fault and latency knobs and a request log.
//!
//! A simulator implements [`Simulator`]: a synchronous function from a fully buffered [`SimRequest`] to a
//! [`SimResponse`]. [`SimServer`] serves it on `127.0.0.1` on a free port, and before each request may, by the
//! seeded [`Faults`] knobs, add latency, answer with an injected 500 / 503 / throttling error (in the service's
//! own error format), stall past a client's timeout, or drop the connection. Every request is recorded in a
//! [`RequestLog`] that tests count; several servers may share one log.
//!
//! Layout: this file (the [`Simulator`] trait, [`SimServer`] and its connection loop), `message` ([`SimRequest`],
//! [`SimResponse`]), `faults` ([`Faults`], [`FaultMix`], [`FaultKind`], [`InjectedError`]), `log` ([`RequestLog`],
//! [`LoggedRequest`]).

mod faults;
mod log;
mod message;

pub use faults::{FaultKind, FaultMix, Faults, InjectedError};
pub use log::{LoggedRequest, RequestLog};
pub use message::{SimRequest, SimResponse};

use bytes::Bytes;
use http::Method;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Locks a mutex, recovering the data if a panicking thread poisoned it (simulator state stays usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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
    let in_flight = shared.log.begin();
    let processing = async move {
        let _in_flight = in_flight;
        process(shared, request).await
    };
    match tokio::spawn(processing).await {
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
    let action = request.rpc_action();
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
