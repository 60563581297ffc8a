//! Fault injection: the kinds of fault a [`SimServer`](super::SimServer) may inject into a request, their mix, the
//! latency / failure-rate / stall knobs ([`Faults`]), and the [`InjectedError`] a simulator renders in its
//! service's own format.

use std::time::Duration;

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
    pub(super) fn pick(&self, rng: &mut fastrand::Rng) -> Option<FaultKind> {
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
