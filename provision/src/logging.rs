//! Diagnostic output: `tracing` events on standard error, filtered by `RUST_LOG`.
//!
//! `RUST_LOG` takes `tracing_subscriber`'s [`Targets`] syntax: a comma-separated list of `target=level`
//! directives and at most one bare level for everything else, e.g. `RUST_LOG=debug` or
//! `RUST_LOG=warn,oss_client=debug,cloud_http=trace` (levels: `trace`, `debug`, `info`, `warn`, `error`, `off`).
//! That is `EnvFilter`'s syntax without span and field filters (`[span{field=value}]`), which need a regex
//! engine compiled into every build; nothing here logs what they would select.
//!
//! Request logging (`cloud_http`) redacts credentials at every level.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// The filter `RUST_LOG` asks for, or everything at `default` and above when it is unset or empty.
///
/// # Errors
/// The parse error of `tracing_subscriber` for a directive it cannot read (for example `RUST_LOG=provision=loud`),
/// as text naming the variable.
///
/// ```
/// use tracing::level_filters::LevelFilter;
/// let filter = provision::logging::filter(Some("warn,oss_client=debug"), LevelFilter::ERROR).unwrap();
/// assert!(filter.would_enable("oss_client::bucket", &tracing::Level::DEBUG));
/// assert!(!filter.would_enable("auth0_client", &tracing::Level::INFO));
/// ```
pub fn filter(rust_log: Option<&str>, default: LevelFilter) -> Result<Targets, String> {
    match rust_log.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Targets::new().with_default(default)),
        Some(directives) => directives.parse::<Targets>().map_err(|e| format!("RUST_LOG={directives:?}: {e}")),
    }
}

/// Installs the process's subscriber: human-readable lines on standard error, filtered by `RUST_LOG` (see the
/// module docs), `default` when it is unset. An unreadable `RUST_LOG` is reported on standard error and the
/// default is used: logging is never a reason to stop.
pub fn init(default: LevelFilter) {
    let var = std::env::var("RUST_LOG").ok();
    let targets = filter(var.as_deref(), default).unwrap_or_else(|e| {
        eprintln!("warning: {e}; using the default level {default}");
        Targets::new().with_default(default)
    });
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(targets)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn unset_or_blank_means_the_default_level_for_every_target() {
        for value in [None, Some(""), Some("  ")] {
            let f = filter(value, LevelFilter::WARN).unwrap();
            assert!(f.would_enable("provision::engine", &Level::WARN));
            assert!(!f.would_enable("provision::engine", &Level::INFO));
        }
    }

    #[test]
    fn a_bare_level_and_per_target_directives() {
        let f = filter(Some("debug"), LevelFilter::ERROR).unwrap();
        assert!(f.would_enable("cloud_http::driver", &Level::DEBUG));
        assert!(!f.would_enable("cloud_http::driver", &Level::TRACE));
        let f = filter(Some("error,cloud_http=trace"), LevelFilter::WARN).unwrap();
        assert!(f.would_enable("cloud_http::driver", &Level::TRACE));
        assert!(!f.would_enable("vercel_client", &Level::WARN));
        let f = filter(Some("off"), LevelFilter::WARN).unwrap();
        assert!(!f.would_enable("provision", &Level::ERROR));
    }

    #[test]
    fn an_unreadable_value_names_the_variable() {
        let e = filter(Some("provision=loud"), LevelFilter::WARN).unwrap_err();
        assert!(e.starts_with("RUST_LOG=\"provision=loud\""), "{e}");
    }
}
