//! Creates whose outcome may be unknown (a timeout, a reset connection, a 5xx: the request may or may not have
//! taken effect). Such a create is never simply repeated: the resource is looked up by its natural key first
//! (the developers' guide: "a create with unknown outcome is looked up before retried"), and created again only
//! when it is still absent — a bounded number of times within one run, so a transient fault does not fail the
//! run.
//!
//! After a timeout, the request the client gave up on may still be in flight at the server; the lookup waits
//! one client timeout first, so that such a request has landed (or never will) before the decision is made.

use super::Ctx;
use crate::error::{Result, StepContext};
use std::future::Future;
use std::time::Duration;

/// How many times one create is tried within a run.
pub const CREATE_ATTEMPTS: usize = 5;

/// What a failed create says about the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Refused: the resource was not created, and trying again will not help.
    Final,
    /// The natural key is taken (perhaps by an earlier attempt whose answer was lost): look it up.
    Conflict,
    /// It may or may not have been created; `timed_out` when the client gave up waiting.
    Unknown {
        /// The client timed out (the request may still be in flight at the server).
        timed_out: bool,
    },
}

/// Runs `create`; after a failure with an unknown outcome or a conflict, runs `find` (the lookup by natural
/// key): a found resource is the result, an absent one is created again (at most [`CREATE_ATTEMPTS`] creates).
/// `find` returns an error for a resource that exists but is not ours (then the run stops).
pub async fn create_or_find<T, E, C, CF, L, LF>(
    ctx: &Ctx<'_>,
    step: &str,
    classify: impl Fn(&E) -> Failure,
    mut create: C,
    mut find: L,
) -> Result<T>
where
    C: FnMut() -> CF,
    CF: Future<Output = std::result::Result<T, E>>,
    L: FnMut() -> LF,
    LF: Future<Output = Result<Option<T>>>,
    std::result::Result<T, E>: StepContext<T>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let error = match create().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let failure = classify(&error);
        match failure {
            Failure::Final => return Err(error).step(step),
            Failure::Unknown { timed_out: true } => settle(ctx).await,
            _ => {}
        }
        tracing::warn!(step, attempt, ?failure, "create failed with an unknown outcome or a conflict; looking it up");
        if let Some(found) = find().await? {
            return Ok(found);
        }
        if failure == Failure::Conflict || attempt >= CREATE_ATTEMPTS {
            return Err(error).step(step);
        }
        backoff(ctx, attempt).await;
    }
}

/// Waits one client timeout: a request the client gave up on has then landed at the server, or never will.
pub async fn settle(ctx: &Ctx<'_>) {
    tokio::time::sleep(ctx.services.options.timeout).await;
}

/// The pause before attempt `attempt + 1`: the retry policy's exponential backoff, capped at its `max_delay`.
pub async fn backoff(ctx: &Ctx<'_>, attempt: usize) {
    let retry = ctx.services.options.retry;
    let factor = 1u32.checked_shl(attempt.min(16) as u32).unwrap_or(u32::MAX);
    let delay = retry.min_delay.saturating_mul(factor).min(retry.max_delay);
    tokio::time::sleep(delay.max(Duration::from_millis(1))).await;
}
