//! Writers: the run's CSV files and manifest, drawn from the aggregated summary.
//!
//! Nothing is written in place. A run writes into a hidden staging directory beside
//! its output directory and swaps it in only when every file is complete, so an
//! interrupted run never leaves a CSV that looks finished and the previous results
//! stay intact until the new ones are whole.

pub mod charts;
pub mod manifest;
pub mod sweep;
pub mod tables;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The file whose presence marks a directory as an attrition output directory.
pub const MANIFEST: &str = "manifest.json";

/// Why output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// An I/O operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The target exists and does not look like an attrition output directory.
    #[error(
        "{0} exists but holds no {MANIFEST}, so it may not be an attrition output directory; choose another --out or pass --force to replace it"
    )]
    NotOurs(PathBuf),
    /// A chart could not be drawn or written.
    #[error("drawing {path}: {message}")]
    Chart {
        /// The chart file.
        path: PathBuf,
        /// The plotting library's message.
        message: String,
    },
    /// A CSV record could not be written.
    #[error("writing {path}: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The csv error.
        source: csv::Error,
    },
}

/// Attaches the action and path to an I/O error.
pub fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> OutputError {
    let path = path.to_owned();
    move |source| OutputError::Io { action, path, source }
}

/// A directory being filled, swapped into place by [`Staging::commit`]; dropped
/// without a commit, it is removed.
#[derive(Debug)]
pub struct Staging {
    staging: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staging {
    /// Prepares to write `target` (e.g. `output/peter_principle`). Refuses a target
    /// that exists and is not an attrition output directory, unless `force`.
    pub fn begin(target: &Path, force: bool) -> Result<Self, OutputError> {
        if target.exists() && !force && !is_output_dir(target) {
            return Err(OutputError::NotOurs(target.to_owned()));
        }
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io_error("creating", parent))?;
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("output");
        remove_abandoned_staging(parent, name);
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io_error("clearing", &staging))?;
        }
        fs::create_dir(&staging).map_err(io_error("creating", &staging))?;
        Ok(Self { staging, target: target.to_owned(), committed: false })
    }

    /// Where a file of this run is written while the run is in progress.
    pub fn path(&self, file: &str) -> PathBuf {
        self.staging.join(file)
    }

    /// The final path of a file once committed.
    pub fn final_path(&self, file: &str) -> PathBuf {
        self.target.join(file)
    }

    /// Swaps the staged directory into place; the previous results are removed only
    /// after the new ones are in place.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let parent = self.staging.parent().unwrap_or(Path::new(".")).to_owned();
        let name = self.target.file_name().and_then(|n| n.to_str()).unwrap_or("output");
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        let had_old = self.target.exists();
        if had_old {
            fs::rename(&self.target, &old).map_err(io_error("moving aside", &self.target))?;
        }
        if let Err(source) = fs::rename(&self.staging, &self.target) {
            if had_old {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(OutputError::Io { action: "moving into place", path: self.target.clone(), source });
        }
        self.committed = true;
        // The new results are in place; what was there before (a directory, or with
        // --force possibly a file) goes. Failing to remove it loses nothing, so it is
        // not an error: the hidden `.old-` entry is left for the user.
        if had_old {
            let _ = if old.is_dir() { fs::remove_dir_all(&old) } else { fs::remove_file(&old) };
        }
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Removes staging directories of this target left by runs that were killed outright
/// (a process that stopped normally removes its own). Only where the OS shows which
/// processes are alive (`/proc`); a directory of a run still going is left alone.
fn remove_abandoned_staging(parent: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(parent) else { return };
    let prefix = format!(".{name}.partial-");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else { continue };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn is_output_dir(path: &Path) -> bool {
    path.join(MANIFEST).is_file()
        || fs::read_dir(path).map(|mut entries| entries.next().is_none()).unwrap_or(false)
}

/// Formats a number for CSV: integers plainly, others with 6 significant digits,
/// `NaN` where a statistic is undefined. Deterministic, so files compare byte for byte.
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return "NaN".to_owned();
    }
    if value == value.trunc() && value.abs() < 1e15 {
        return format!("{}", value as i64);
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (5 - magnitude).clamp(0, 12) as usize;
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { &text };
    if text == "-0" { "0".to_owned() } else { text.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(format_number(160.0), "160");
        assert_eq!(format_number(67.34567891), "67.3457");
        assert_eq!(format_number(0.000123456789), "0.000123457");
        assert_eq!(format_number(-2.5), "-2.5");
        assert_eq!(format_number(-0.0000001), "-0.0000001");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(f64::NAN), "NaN");
    }

    #[test]
    fn staging_replaces_old_results_only_on_commit() {
        let root = std::env::temp_dir().join(format!("attrition-staging-{}", std::process::id()));
        let target = root.join("scenario");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join(MANIFEST), "old").unwrap();

        let abandoned = Staging::begin(&target, false).unwrap();
        fs::write(abandoned.path("a.csv"), "partial").unwrap();
        drop(abandoned);
        assert_eq!(fs::read_to_string(target.join(MANIFEST)).unwrap(), "old");
        assert_eq!(fs::read_dir(&root).unwrap().count(), 1, "the staging directory is removed");

        let staging = Staging::begin(&target, false).unwrap();
        fs::write(staging.path(MANIFEST), "new").unwrap();
        staging.commit().unwrap();
        assert_eq!(fs::read_to_string(target.join(MANIFEST)).unwrap(), "new");
        assert_eq!(fs::read_dir(&root).unwrap().count(), 1);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_foreign_directory_is_refused_without_force() {
        let root = std::env::temp_dir().join(format!("attrition-foreign-{}", std::process::id()));
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("thesis.tex"), "precious").unwrap();
        assert!(matches!(Staging::begin(&root, false), Err(OutputError::NotOurs(_))));
        assert!(Staging::begin(&root, true).is_ok());
        fs::remove_dir_all(&root).unwrap();
    }
}
