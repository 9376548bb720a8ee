//! The progress line on stderr: trials done, rate and time left. Shown only when
//! stderr is a terminal, so piped and CI output stays clean.

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Draws a one-line progress bar, redrawn in place.
pub struct Progress {
    started: Instant,
    enabled: bool,
}

impl Progress {
    /// A progress line, shown when `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> Self {
        Self { started: Instant::now(), enabled: wanted && std::io::stderr().is_terminal() }
    }

    /// Redraws the line for `done` of `total` trials.
    pub fn update(&mut self, done: u64, total: u64) {
        if !self.enabled {
            return;
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = done as f64 / elapsed.max(1e-9);
        let left = (total - done) as f64 / rate.max(1e-9);
        let width = 30;
        let filled = (width as u64 * done / total.max(1)) as usize;
        let bar: String = "#".repeat(filled) + &"-".repeat(width - filled);
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r[{bar}] {done}/{total} trials  {rate:.1}/s  {left:.0}s left  ");
        let _ = stderr.flush();
    }

    /// Redraws the line for `done` of at most `total` evaluations of a fit, with the
    /// best distance so far.
    pub fn evaluations(&mut self, done: u64, total: u64, best: f64) {
        if !self.enabled {
            return;
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        let each = elapsed / done.max(1) as f64;
        let width = 30;
        let filled = (width as u64 * done.min(total) / total.max(1)) as usize;
        let bar: String = "#".repeat(filled) + &"-".repeat(width - filled);
        let mut stderr = std::io::stderr().lock();
        let _ = write!(
            stderr,
            "\r[{bar}] {done}/{total} evaluations  best distance {best:.4}  {each:.1}s each  "
        );
        let _ = stderr.flush();
    }

    /// Clears the line.
    pub fn finish(&mut self) {
        if self.enabled {
            let _ = write!(std::io::stderr(), "\r{}\r", " ".repeat(72));
        }
    }
}
