//! Progress output: a spinner per step on a terminal, plain lines otherwise (CI, pipes, `--json`).

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// Spinners (a terminal).
    Spinners,
    /// One line per step start and end on stderr.
    Lines,
    /// Nothing (library use, `--json`).
    Silent,
}

impl ProgressMode {
    /// Spinners when stderr is a terminal, lines otherwise.
    pub fn detect() -> Self {
        if std::io::stderr().is_terminal() { ProgressMode::Spinners } else { ProgressMode::Lines }
    }
}

/// Reports steps as they run. Cheap to clone; safe to use from concurrent steps.
///
/// ```
/// let progress = provision::progress::Progress::new(provision::progress::ProgressMode::Silent);
/// let step = progress.start("oss: bucket");
/// step.done("created");
/// assert_eq!(progress.finished(), vec![("oss: bucket".to_string(), "created".to_string())]);
/// ```
#[derive(Clone)]
pub struct Progress {
    mode: ProgressMode,
    multi: Option<MultiProgress>,
    finished: Arc<Mutex<Vec<(String, String)>>>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress").field("mode", &self.mode).finish()
    }
}

/// One running step.
pub struct Step {
    name: String,
    started: Instant,
    bar: Option<ProgressBar>,
    progress: Progress,
}

impl Progress {
    /// A reporter in `mode`.
    pub fn new(mode: ProgressMode) -> Self {
        let multi = (mode == ProgressMode::Spinners).then(MultiProgress::new);
        Self { mode, multi, finished: Arc::new(Mutex::new(Vec::new())) }
    }

    /// Starts a step.
    pub fn start(&self, name: &str) -> Step {
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new_spinner());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
                bar.set_style(style);
            }
            bar.set_message(name.to_string());
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        if self.mode == ProgressMode::Lines {
            progress_line(format_args!("... {name}"));
        }
        Step { name: name.to_string(), started: Instant::now(), bar, progress: self.clone() }
    }

    /// The steps finished so far, with their outcomes.
    pub fn finished(&self) -> Vec<(String, String)> {
        self.finished.lock().map(|f| f.clone()).unwrap_or_default()
    }
}

impl Step {
    /// Ends the step with an outcome (`created`, `unchanged`, `failed: …`).
    pub fn done(self, outcome: &str) {
        let elapsed = self.started.elapsed();
        match (&self.bar, self.progress.mode) {
            (Some(bar), _) => bar.finish_with_message(format!("✔ {} — {outcome}", self.name)),
            (None, ProgressMode::Lines) => {
                progress_line(format_args!("ok  {} — {outcome} ({} ms)", self.name, elapsed.as_millis()))
            }
            _ => {}
        }
        if let Ok(mut f) = self.progress.finished.lock() {
            f.push((self.name.clone(), outcome.to_string()));
        }
    }

    /// Ends the step as failed.
    pub fn fail(self, error: &str) {
        match (&self.bar, self.progress.mode) {
            (Some(bar), _) => bar.abandon_with_message(format!("✘ {} — {error}", self.name)),
            (None, ProgressMode::Lines) => progress_line(format_args!("ERR {} — {error}", self.name)),
            _ => {}
        }
        if let Ok(mut f) = self.progress.finished.lock() {
            f.push((self.name.clone(), format!("failed: {error}")));
        }
    }
}

/// Writes one progress line to standard error; a closed stderr loses the line instead of panicking (`eprintln!`
/// would).
fn progress_line(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}
