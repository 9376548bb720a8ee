//! Writers: the run's CSV files and manifest, drawn from the aggregated summary.
//!
//! Nothing is written in place. A run writes into a hidden staging directory beside
//! its output directory and swaps it in only when every file is complete, so an
//! interrupted run never leaves a CSV that looks finished and the previous results
//! stay intact until the new ones are whole.

pub mod calibration;
pub mod calibration_chart;
pub mod charts;
pub mod manifest;
pub mod sensitivity;
pub mod sensitivity_charts;
pub mod sweep;
pub mod tables;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The file whose presence marks a directory as an attrition output directory.
pub const MANIFEST: &str = "manifest.json";
/// A calibration's fit table, `fit.csv`, whose presence marks a calibration's
/// results (here, so that telling the kinds of results apart needs no calibration
/// types; [`calibration::FIT`] is this).
pub const FIT: &str = "fit.csv";

/// Which files a run writes besides its CSV tables and manifest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Outputs {
    /// The tables and the manifest only: for a driver that reads the CSV files (or
    /// the JSON summary), drawing charts was most of a small run's fixed cost.
    Csv,
    /// The tables, the charts and the manifest.
    #[default]
    All,
}

impl Outputs {
    /// Whether the charts are drawn.
    pub fn charts(self) -> bool {
        self == Outputs::All
    }
}

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
    /// The target holds the other kind of results (a sweep's, or a single run's).
    #[error(
        "{path} holds the results of a {} of this scenario, which this {} would replace; choose another --out, or pass --force to replace them",
        existing.describe(),
        kind.describe()
    )]
    OtherKind {
        /// The target directory.
        path: PathBuf,
        /// What it holds.
        existing: OutputKind,
        /// What this run writes.
        kind: OutputKind,
    },
    /// The target holds files its manifest does not list, so attrition did not write them.
    #[error(
        "{} holds files attrition did not write ({}), which replacing the results would delete; move them elsewhere, or pass --force to delete them",
        path.display(),
        files.join(", ")
    )]
    Foreign {
        /// The target directory.
        path: PathBuf,
        /// The files and directories not in its manifest.
        files: Vec<String>,
    },
    /// Ctrl-C or SIGTERM came before the results were moved into place (while
    /// waiting for the lock, writing, or just before the swap).
    #[error("interrupted before the results were moved into place")]
    Interrupted,
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

/// Files made later from a directory's results (`attrition report`), which the
/// manifest cannot list and a new run replaces with the rest.
pub const DERIVED: [&str; 2] = ["report.html", "report.pdf"];

/// What a directory of results holds: one run's tables, a sweep's, or a calibration's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// A single run: `summary.csv`, `comparison.csv` and the rest.
    Run,
    /// A parameter sweep: `sweep.csv` and its chart.
    Sweep,
    /// A calibration: `fit.csv`, the fitted parameters and the calibrated scenario.
    Calibration,
    /// A sensitivity analysis: `sensitivity.csv` and its charts.
    Sensitivity,
}

impl OutputKind {
    /// The kind in words, for messages.
    fn describe(self) -> &'static str {
        match self {
            OutputKind::Run => "single run",
            OutputKind::Sweep => "sweep",
            OutputKind::Calibration => "calibration",
            OutputKind::Sensitivity => "sensitivity analysis",
        }
    }
}

/// A directory being filled, swapped into place by [`Staging::commit`]; dropped
/// without a commit, it is removed.
///
/// From [`Staging::begin`] to the end of the commit the target is locked
/// (`.<name>.lock` beside it, with `flock`), so runs into one directory take turns:
/// the swap of one cannot interleave with another's, and any staging directory of
/// this host found while holding the lock belongs to a run that is no longer going.
#[derive(Debug)]
pub struct Staging {
    staging: PathBuf,
    target: PathBuf,
    kind: OutputKind,
    force: bool,
    stop: Arc<AtomicBool>,
    committed: bool,
    // Dropped after the staging directory is dealt with (fields drop in order).
    _lock: TargetLock,
}

impl Staging {
    /// Prepares to write `target` (e.g. `output/peter_principle`) with results of
    /// `kind`. Unless `force`, refuses a target that is not attrition's, that holds
    /// the other kind of results, or that holds files attrition did not write.
    /// Waits while another run holds the target, calling `waiting` once first.
    ///
    /// Once `stop` is set (Ctrl-C) waiting and [`Staging::commit`] give up with
    /// [`OutputError::Interrupted`], so an interrupt at any moment before the swap
    /// leaves the previous results.
    pub fn begin(
        target: &Path,
        kind: OutputKind,
        force: bool,
        stop: &Arc<AtomicBool>,
        waiting: impl FnOnce(&Path),
    ) -> Result<Self, OutputError> {
        let (parent, name) = parent_and_name(target);
        fs::create_dir_all(parent).map_err(io_error("creating", parent))?;
        let lock = TargetLock::beside(target, stop, waiting)?;
        recover_abandoned(parent, name, target);
        if !force {
            check_replaceable(target, kind)?;
        }
        // An unpredictable name, created atomically and private (0700): nothing
        // planted beforehand can be followed or written through.
        let staging = private_dir()
            .prefix(&format!(".{name}.partial-{}-", host_and_pid()))
            .tempdir_in(parent)
            .map_err(io_error("creating a staging directory in", parent))?
            .keep();
        Ok(Self {
            staging,
            target: target.to_owned(),
            kind,
            force,
            stop: Arc::clone(stop),
            committed: false,
            _lock: lock,
        })
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
    /// after the new ones are in place. Refuses if the stop flag is set, or (without
    /// force) if files attrition did not write have appeared in the target meanwhile.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        if self.stop.load(Ordering::SeqCst) {
            return Err(OutputError::Interrupted);
        }
        if !self.force {
            check_replaceable(&self.target, self.kind)?;
        }
        let parent = self.staging.parent().unwrap_or(Path::new(".")).to_owned();
        let name = parent_and_name(&self.target).1.to_owned();
        // The staging directory was private while it was filled; the results get
        // the mode a directory made now would have.
        set_public_mode(&self.staging)?;
        // The previous results go into a fresh directory of unpredictable name, so
        // no earlier leftover and nothing planted can be in the way.
        let old = match fs::symlink_metadata(&self.target) {
            Ok(_) => {
                let aside = private_dir()
                    .prefix(&format!(".{name}.old-{}-", host_and_pid()))
                    .tempdir_in(&parent)
                    .map_err(io_error("creating a directory in", &parent))?
                    .keep();
                let moved = aside.join(&name);
                if let Err(source) = fs::rename(&self.target, &moved) {
                    let _ = fs::remove_dir(&aside);
                    return Err(OutputError::Io {
                        action: "moving aside",
                        path: self.target.clone(),
                        source,
                    });
                }
                Some((aside, moved))
            }
            Err(_) => None,
        };
        if let Err(source) = fs::rename(&self.staging, &self.target) {
            if let Some((aside, moved)) = &old {
                let _ = fs::rename(moved, &self.target);
                let _ = fs::remove_dir(aside);
            }
            return Err(OutputError::Io { action: "moving into place", path: self.target.clone(), source });
        }
        self.committed = true;
        // The new results are in place; what was there before (a directory, or with
        // --force possibly a file or a link, removed itself and not followed) goes.
        // Failing to remove it loses nothing, so it is not an error; the next run of
        // this host removes the hidden `.old-` directory.
        if let Some((aside, _)) = old {
            let _ = fs::remove_dir_all(aside);
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

/// A builder of directories of unpredictable name, created atomically and
/// accessible to this user only (0700): nothing planted in the parent beforehand
/// can be followed or written through, and nobody else can write into them.
pub fn private_dir() -> tempfile::Builder<'static, 'static> {
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o700));
    }
    builder
}

/// The directory a target is in and its name, which name its lock and staging
/// directories.
fn parent_and_name(target: &Path) -> (&Path, &str) {
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    (parent, target.file_name().and_then(|n| n.to_str()).unwrap_or("output"))
}

/// The lock a run holds on its results directory while it writes and swaps it
/// ([`Staging`]), taken to write a file into existing results (a report, its PDF):
/// so a run cannot replace the directory between the report reading its tables and
/// writing the report in, and a report always describes the tables beside it.
#[derive(Debug)]
pub struct ResultsLock {
    _lock: TargetLock,
}

impl ResultsLock {
    /// Takes the lock on `directory`, waiting while a run holds it (after calling
    /// `waiting` once) until it lets go or `stop` is set ([`OutputError::Interrupted`]).
    /// The directory is resolved first (`.`, `..`, symbolic links), so the lock is
    /// the one a run into it takes, beside it in its real parent, whatever path
    /// names it.
    pub fn acquire(
        directory: &Path,
        stop: &AtomicBool,
        waiting: impl FnOnce(&Path),
    ) -> Result<Self, OutputError> {
        let resolved = fs::canonicalize(directory).map_err(io_error("resolving", directory))?;
        Ok(Self { _lock: TargetLock::beside(&resolved, stop, waiting)? })
    }
}

/// An exclusive `flock` on `.<name>.lock` beside a target, removed when released.
#[derive(Debug)]
struct TargetLock {
    path: PathBuf,
    file: fs::File,
}

impl TargetLock {
    /// [`TargetLock::acquire`] of the lock of `target`: `.<name>.lock` beside it.
    fn beside(target: &Path, stop: &AtomicBool, waiting: impl FnOnce(&Path)) -> Result<Self, OutputError> {
        let (parent, name) = parent_and_name(target);
        Self::acquire(&parent.join(format!(".{name}.lock")), stop, waiting)
    }

    /// Takes the lock, waiting for another holder (after calling `waiting`) until
    /// it lets go or `stop` is set.
    fn acquire(path: &Path, stop: &AtomicBool, waiting: impl FnOnce(&Path)) -> Result<Self, OutputError> {
        let mut waiting = Some(waiting);
        loop {
            let file = open_lock_file(path)?;
            // Polled rather than blocking, so that Ctrl-C can end the wait.
            loop {
                match file.try_lock() {
                    Ok(()) => break,
                    Err(fs::TryLockError::WouldBlock) => {
                        if let Some(waiting) = waiting.take() {
                            waiting(path);
                        }
                        if stop.load(Ordering::SeqCst) {
                            return Err(OutputError::Interrupted);
                        }
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    Err(fs::TryLockError::Error(source)) => {
                        return Err(OutputError::Io { action: "locking", path: path.to_owned(), source });
                    }
                }
            }
            // The previous holder removes the file before it lets go, so a lock won
            // on a file no longer at the path guards nothing: open the path again.
            if still_at(path, &file) {
                return Ok(Self { path: path.to_owned(), file });
            }
        }
    }
}

impl Drop for TargetLock {
    fn drop(&mut self) {
        // Removed while still held (the file closes after this), see `acquire`; only
        // if it is still ours, should someone have removed and another run remade it.
        if still_at(&self.path, &self.file) {
            let _ = fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// Opens (creating) a lock file, never through a symbolic link.
fn open_lock_file(path: &Path) -> Result<fs::File, OutputError> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW).mode(0o600);
    }
    options.open(path).map_err(io_error("opening the lock", path))
}

/// Whether `file` is the file at `path` (not one removed from it since).
fn still_at(path: &Path, file: &fs::File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::symlink_metadata(path), file.metadata()) {
            (Ok(at_path), Ok(held)) => at_path.dev() == held.dev() && at_path.ino() == held.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, file);
        true
    }
}

/// Gives a directory the mode `mkdir` would give it under the process's umask.
fn set_public_mode(dir: &Path) -> Result<(), OutputError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Linux reports the umask without changing it; elsewhere assume the usual.
        let umask = fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                let line = status.lines().find(|line| line.starts_with("Umask:"))?;
                u32::from_str_radix(line.split_whitespace().nth(1)?, 8).ok()
            })
            .unwrap_or(0o022);
        fs::set_permissions(dir, fs::Permissions::from_mode(0o777 & !umask))
            .map_err(io_error("setting the mode of", dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// This host's name and this process's id, as staging names carry them: a run
/// cleans up only the leftovers of its own host, never those of a run on another
/// host sharing the file system.
fn host_and_pid() -> String {
    format!("{}-{}", host_name(), std::process::id())
}

/// The host name, with anything but letters, digits, `-` and `.` replaced by `_`.
fn host_name() -> String {
    #[cfg(unix)]
    let name = {
        let mut buffer = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname writes at most that.
        let status = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
        let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
        if status == 0 { String::from_utf8_lossy(&buffer[..end]).into_owned() } else { String::new() }
    };
    #[cfg(not(unix))]
    let name = std::env::var("COMPUTERNAME").unwrap_or_default();
    let name: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
        .collect();
    if name.is_empty() { "localhost".to_owned() } else { name }
}

/// With the target's lock held, no run of this target is between its start and its
/// swap, so this host's staging directories of it are those of killed runs: removed.
/// A `.old-` directory is the previous results of a run killed during its swap:
/// put back if the target is missing, else removed. Leftovers named by another host
/// (or by an older version, without a host) are left alone.
fn recover_abandoned(parent: &Path, name: &str, target: &Path) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    let host = host_name();
    let partial = format!(".{name}.partial-");
    let old = format!(".{name}.old-");
    // `<host>-<pid>-<random>`: the random part has no `-`, the host may.
    let ours = |rest: &str| {
        let mut parts = rest.rsplitn(3, '-');
        let (_, pid, named) = (parts.next(), parts.next(), parts.next());
        named == Some(host.as_str()) && pid.is_some_and(|pid| pid.parse::<u32>().is_ok())
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else { continue };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if !is_dir {
            continue;
        }
        if file_name.strip_prefix(&partial).is_some_and(ours) {
            let _ = fs::remove_dir_all(entry.path());
        } else if file_name.strip_prefix(&old).is_some_and(ours) {
            let previous = entry.path().join(name);
            if fs::symlink_metadata(target).is_err() && fs::symlink_metadata(&previous).is_ok() {
                let _ = fs::rename(&previous, target);
            }
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Refuses to replace a target that is not an attrition output directory of this
/// kind, or that holds files its manifest does not list (which attrition did not
/// write, and must not delete without --force). An empty directory or none is fine.
fn check_replaceable(target: &Path, kind: OutputKind) -> Result<(), OutputError> {
    let metadata = match fs::symlink_metadata(target) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(OutputError::Io { action: "reading", path: target.to_owned(), source }),
    };
    if !metadata.is_dir() {
        return Err(OutputError::NotOurs(target.to_owned()));
    }
    let mut present: Vec<String> = fs::read_dir(target)
        .map_err(io_error("reading", target))?
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    if present.is_empty() {
        return Ok(());
    }
    let Some(listed) = manifest_files(&target.join(MANIFEST)) else {
        return Err(OutputError::NotOurs(target.to_owned()));
    };
    let existing = if listed.iter().any(|file| file == sweep::SWEEP) {
        OutputKind::Sweep
    } else if listed.iter().any(|file| file == FIT) {
        OutputKind::Calibration
    } else if listed.iter().any(|file| file == sensitivity::SENSITIVITY) {
        OutputKind::Sensitivity
    } else {
        OutputKind::Run
    };
    if existing != kind {
        return Err(OutputError::OtherKind { path: target.to_owned(), existing, kind });
    }
    present.retain(|file| {
        file != MANIFEST
            && !DERIVED.contains(&file.as_str())
            && !listed.contains(file)
            && !is_left_partial(file)
    });
    if !present.is_empty() {
        present.sort();
        return Err(OutputError::Foreign { path: target.to_owned(), files: present });
    }
    Ok(())
}

/// Whether `file` is what a report's [`write_atomically`] leaves when the process
/// is killed before the rename (`.report.html.<random>.partial`): attrition's own,
/// replaced with the rest.
fn is_left_partial(file: &str) -> bool {
    DERIVED.iter().any(|derived| {
        file.strip_prefix('.')
            .and_then(|rest| rest.strip_prefix(derived))
            .is_some_and(|rest| rest.starts_with('.') && rest.ends_with(".partial"))
    })
}

/// The files a manifest lists, or `None` if it is missing, not a regular file or
/// not a manifest.
fn manifest_files(path: &Path) -> Option<Vec<String>> {
    if !fs::symlink_metadata(path).ok()?.is_file() {
        return None;
    }
    let manifest: serde_json::Value = serde_json::from_str(&fs::read_to_string(path).ok()?).ok()?;
    if manifest["program"] != "attrition" {
        return None;
    }
    manifest["files"].as_array()?.iter().map(|entry| entry["file"].as_str().map(String::from)).collect()
}

/// Writes `contents` to `path` atomically: into a new file of unpredictable name
/// beside it (created exclusively, so never through a planted link), then renamed
/// over `path` (replacing a link there, not writing through it). A failure leaves
/// no partial file behind.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), OutputError> {
    if fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(OutputError::Io {
            action: "writing",
            path: path.to_owned(),
            source: io::Error::new(io::ErrorKind::IsADirectory, "is a directory; name a file"),
        });
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("report");
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".partial");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A report for others to read, like any file created under the umask.
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut file = builder.tempfile_in(parent).map_err(io_error("creating a file in", parent))?;
    file.write_all(contents).map_err(io_error("writing", file.path()))?;
    file.persist(path).map_err(|error| OutputError::Io {
        action: "writing",
        path: path.to_owned(),
        source: error.error,
    })?;
    Ok(())
}

/// Formats a number for CSV: integers plainly, others with 6 significant digits,
/// `NaN` where a statistic is undefined. Deterministic, so files compare byte for byte.
pub fn format_number(value: f64) -> String {
    let mut text = String::with_capacity(24);
    push_number(&mut text, value);
    text
}

/// Appends `value` to `text` exactly as [`format_number`] writes it, without
/// allocating: the tables write hundreds of thousands of numbers, and formatting
/// them was most of a small run's time.
pub fn push_number(text: &mut String, value: f64) {
    use std::fmt::Write;
    if !value.is_finite() {
        text.push_str("NaN");
        return;
    }
    if value == value.trunc() && value.abs() < 1e15 {
        let _ = write!(text, "{}", value as i64);
        return;
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (5 - magnitude).clamp(0, 12) as usize;
    if !push_rounded(text, value, decimals) {
        let start = text.len();
        let _ = write!(text, "{value:.decimals$}");
        trim_fraction(text, start);
    }
}

/// Powers of ten exact in an f64, up to the 12 decimals a number may keep.
const POWERS_OF_TEN: [f64; 13] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];

/// Appends `value` rounded to `decimals` places (trailing zeros trimmed) when
/// integer arithmetic rounds it as exactly as `format!("{value:.decimals$}")`
/// does, and returns whether it did. The scaled value carries a relative error of
/// at most 2⁻⁵³ (the power of ten is exact), so unless it lies within that error
/// of a rounding midpoint, where the exact decimal expansion decides, its nearest
/// integer is the correctly rounded result.
fn push_rounded(text: &mut String, value: f64, decimals: usize) -> bool {
    use std::fmt::Write;
    let scaled = value.abs() * POWERS_OF_TEN[decimals];
    if scaled >= 4e15 {
        return false;
    }
    let floor = scaled.floor();
    let fraction = scaled - floor;
    if (fraction - 0.5).abs() <= scaled * 4e-16 + 1e-300 {
        return false;
    }
    let rounded = floor as u64 + u64::from(fraction > 0.5);
    // A value that rounds to zero prints as "0", not "-0" (as format_number trims).
    if rounded == 0 {
        text.push('0');
        return true;
    }
    if value < 0.0 {
        text.push('-');
    }
    let scale = 10u64.pow(decimals as u32);
    let whole = rounded / scale;
    let _ = write!(text, "{whole}");
    let mut fraction = rounded % scale;
    if fraction == 0 {
        return true;
    }
    let mut places = decimals;
    while fraction.is_multiple_of(10) {
        fraction /= 10;
        places -= 1;
    }
    let _ = write!(text, ".{fraction:0places$}");
    true
}

/// Trims the trailing zeros of the fraction written from `start` (and a bare
/// point), and turns "-0" into "0".
fn trim_fraction(text: &mut String, start: usize) {
    if text[start..].contains('.') {
        let kept = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(kept);
    }
    if &text[start..] == "-0" {
        text.truncate(start);
        text.push('0');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The formatting `format_number` had before its integer fast path.
    fn reference_format(value: f64) -> String {
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

    /// The fast path writes exactly what exact decimal rounding writes: random
    /// bit patterns, values of every magnitude, and values at and beside rounding
    /// midpoints, where a scaled product could round the wrong way.
    #[test]
    fn the_fast_path_formats_every_number_as_exact_rounding_does() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut values = Vec::new();
        for _ in 0..200_000 {
            values.push(f64::from_bits(next()));
            let magnitude = (next() % 40) as i32 - 20;
            let mantissa = (next() >> 11) as f64 / (1u64 << 53) as f64;
            values.push((mantissa + 0.1) * 10f64.powi(magnitude) * if next() % 2 == 0 { 1.0 } else { -1.0 });
            // Midpoints of the grid the number is rounded to, and their neighbours.
            let decimals = (next() % 13) as i32;
            let midpoint = ((next() % 2_000_000) as f64 + 0.5) / 10f64.powi(decimals);
            values.extend([midpoint, midpoint.next_up(), midpoint.next_down(), -midpoint]);
        }
        values.extend([0.5, 1.5, 2.5, 0.125, 0.0000005, 0.00000049999, 1e-13, -1e-13, 999999.5, 0.9999995]);
        for value in values {
            assert_eq!(format_number(value), reference_format(value), "{value:e} ({:#x})", value.to_bits());
        }
    }

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

    /// A fresh directory for one test, removed by the caller.
    fn scratch(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("attrition-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).unwrap();
        root
    }

    /// A results directory as attrition leaves it: the listed files and a manifest.
    fn results(target: &Path, files: &[&str]) {
        fs::create_dir_all(target).unwrap();
        for file in files {
            fs::write(target.join(file), "old").unwrap();
        }
        let listed: Vec<_> = files.iter().map(|f| serde_json::json!({ "file": f, "sha256": "" })).collect();
        let manifest = serde_json::json!({ "program": "attrition", "files": listed });
        fs::write(target.join(MANIFEST), manifest.to_string()).unwrap();
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn begin(target: &Path, kind: OutputKind, force: bool) -> Result<Staging, OutputError> {
        let stop = Arc::new(AtomicBool::new(false));
        Staging::begin(target, kind, force, &stop, |_| panic!("nothing else holds the lock"))
    }

    #[test]
    fn staging_replaces_old_results_only_on_commit() {
        let root = scratch("staging");
        let target = root.join("scenario");
        results(&target, &["summary.csv"]);

        let abandoned = begin(&target, OutputKind::Run, false).unwrap();
        fs::write(abandoned.path("a.csv"), "partial").unwrap();
        drop(abandoned);
        assert_eq!(fs::read_to_string(target.join("summary.csv")).unwrap(), "old");
        assert_eq!(names(&root), ["scenario"], "the staging directory and the lock are removed");

        let staging = begin(&target, OutputKind::Run, false).unwrap();
        fs::write(staging.path("summary.csv"), "new").unwrap();
        fs::write(staging.path(MANIFEST), "new").unwrap();
        staging.commit().unwrap();
        assert_eq!(fs::read_to_string(target.join("summary.csv")).unwrap(), "new");
        assert_eq!(names(&root), ["scenario"]);
        fs::remove_dir_all(&root).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn staging_is_private_while_filled_and_the_results_are_not() {
        use std::os::unix::fs::PermissionsExt;
        let root = scratch("modes");
        let staging = begin(&root.join("scenario"), OutputKind::Run, false).unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&staging.path("")), 0o700);
        let name = staging.path("").file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(&format!(".scenario.partial-{}-", host_and_pid())), "{name}");
        let target = staging.commit().unwrap();
        let probe = root.join("probe");
        fs::create_dir(&probe).unwrap();
        assert_eq!(mode(&target), mode(&probe), "the results get the mode any new directory gets");
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_foreign_directory_is_refused_without_force() {
        let root = scratch("foreign");
        fs::write(root.join("thesis.tex"), "precious").unwrap();
        assert!(matches!(begin(&root, OutputKind::Run, false), Err(OutputError::NotOurs(_))));
        assert!(begin(&root, OutputKind::Run, true).is_ok());
        fs::remove_dir_all(&root).unwrap();
    }

    /// What a report killed before its rename leaves is attrition's own: the next
    /// run replaces it with the rest; a file that only looks alike is not.
    #[test]
    fn a_report_left_partial_by_a_kill_does_not_block_the_next_run() {
        let root = scratch("left-partial");
        let target = root.join("scenario");
        results(&target, &["summary.csv"]);
        fs::write(target.join(".report.html.a1B2c3.partial"), "half a report").unwrap();
        let staging = begin(&target, OutputKind::Run, false).unwrap();
        staging.commit().unwrap();
        assert!(!target.join(".report.html.a1B2c3.partial").exists());
        results(&target, &["summary.csv"]);
        for foreign in [".report.html.partial.txt", ".notes.partial", "report.html.x.partial"] {
            fs::write(target.join(foreign), "mine").unwrap();
            let error = begin(&target, OutputKind::Run, false).unwrap_err();
            assert!(matches!(&error, OutputError::Foreign { files, .. } if files == &[foreign]), "{error}");
            fs::remove_file(target.join(foreign)).unwrap();
        }
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn files_attrition_did_not_write_are_not_deleted_without_force() {
        let root = scratch("user-files");
        let target = root.join("scenario");
        results(&target, &["summary.csv"]);
        fs::write(target.join("notes.txt"), "mine").unwrap();
        let error = begin(&target, OutputKind::Run, false).unwrap_err();
        assert!(matches!(&error, OutputError::Foreign { files, .. } if files == &["notes.txt"]), "{error}");
        assert!(error.to_string().contains("notes.txt") && error.to_string().contains("--force"), "{error}");

        // A file put there while the run is going is caught at the swap.
        fs::remove_file(target.join("notes.txt")).unwrap();
        let staging = begin(&target, OutputKind::Run, false).unwrap();
        fs::write(target.join("late.txt"), "mine").unwrap();
        assert!(matches!(staging.commit(), Err(OutputError::Foreign { .. })));
        assert!(target.join("late.txt").is_file() && target.join("summary.csv").is_file());

        let forced = begin(&target, OutputKind::Run, true).unwrap();
        forced.commit().unwrap();
        assert!(names(&target).is_empty());
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_sweep_and_a_run_do_not_replace_each_other() {
        let root = scratch("kinds");
        let run = root.join("run");
        results(&run, &["summary.csv"]);
        let swept = root.join("swept");
        results(&swept, &[sweep::SWEEP]);
        let error = begin(&run, OutputKind::Sweep, false).unwrap_err();
        assert!(error.to_string().contains("holds the results of a single run"), "{error}");
        let error = begin(&swept, OutputKind::Run, false).unwrap_err();
        assert!(error.to_string().contains("holds the results of a sweep"), "{error}");
        assert!(begin(&swept, OutputKind::Sweep, false).is_ok());
        assert!(begin(&run, OutputKind::Run, false).is_ok());
        assert!(begin(&run, OutputKind::Sweep, true).is_ok());
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn an_interrupt_before_the_swap_keeps_the_previous_results() {
        let root = scratch("stop");
        let target = root.join("scenario");
        results(&target, &["summary.csv"]);
        let stop = Arc::new(AtomicBool::new(false));
        let staging = Staging::begin(&target, OutputKind::Run, false, &stop, |_| ()).unwrap();
        fs::write(staging.path("summary.csv"), "new").unwrap();
        stop.store(true, Ordering::SeqCst);
        assert!(matches!(staging.commit(), Err(OutputError::Interrupted)));
        assert_eq!(fs::read_to_string(target.join("summary.csv")).unwrap(), "old");
        assert_eq!(names(&root), ["scenario"]);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_second_run_waits_for_the_first_to_swap() {
        let root = scratch("lock");
        let target = root.join("scenario");
        let first = begin(&target, OutputKind::Run, false).unwrap();
        let (told, waited) = std::sync::mpsc::channel();
        let second = {
            let target = target.clone();
            std::thread::spawn(move || {
                let stop = Arc::new(AtomicBool::new(false));
                let staging =
                    Staging::begin(&target, OutputKind::Run, false, &stop, |_| told.send(()).unwrap())
                        .unwrap();
                fs::write(staging.path("summary.csv"), "second").unwrap();
                fs::write(
                    staging.path(MANIFEST),
                    r#"{"program":"attrition","files":[{"file":"summary.csv"}]}"#,
                )
                .unwrap();
                staging.commit().unwrap();
            })
        };
        waited.recv_timeout(std::time::Duration::from_secs(30)).expect("the second run waits");
        fs::write(first.path("summary.csv"), "first").unwrap();
        fs::write(first.path(MANIFEST), r#"{"program":"attrition","files":[{"file":"summary.csv"}]}"#)
            .unwrap();
        first.commit().unwrap();
        second.join().unwrap();
        assert_eq!(fs::read_to_string(target.join("summary.csv")).unwrap(), "second");
        assert_eq!(names(&root), ["scenario"], "no lock, staging or old directory is left");

        // Ctrl-C ends the wait.
        let holder = begin(&target, OutputKind::Run, false).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let waiter =
            Staging::begin(&target, OutputKind::Run, false, &stop, |_| stop.store(true, Ordering::SeqCst));
        assert!(matches!(waiter, Err(OutputError::Interrupted)), "{waiter:?}");
        drop(holder);
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn only_this_hosts_leftovers_are_cleaned_and_a_broken_swap_is_repaired() {
        let root = scratch("leftovers");
        let target = root.join("scenario");
        let host = host_name();
        // A run of this host killed while staging, and one killed mid-swap (its
        // previous results moved aside, the new ones not yet in place).
        fs::create_dir_all(root.join(format!(".scenario.partial-{host}-1-aaaaaa"))).unwrap();
        results(&root.join(format!(".scenario.old-{host}-1-bbbbbb/scenario")), &["summary.csv"]);
        // What may be live runs elsewhere: another host's, and an older version's
        // (named by PID alone, so its host is unknown).
        let mut expected = vec![
            ".scenario.partial-elsewhere.example-1-cccccc".to_owned(),
            // A host whose name begins with this one's.
            format!(".scenario.partial-{host}-x-1-dddddd"),
            ".scenario.partial-4000000".to_owned(),
            "scenario".to_owned(),
        ];
        for left in &expected[..3] {
            fs::create_dir_all(root.join(left)).unwrap();
        }

        drop(begin(&target, OutputKind::Run, false).unwrap());
        assert_eq!(fs::read_to_string(target.join("summary.csv")).unwrap(), "old", "the swap is undone");
        expected.sort();
        assert_eq!(names(&root), expected);
        fs::remove_dir_all(&root).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_report_replaces_a_link_at_its_path_and_never_writes_through_one() {
        let root = scratch("report");
        let victim = root.join("victim.txt");
        fs::write(&victim, "precious").unwrap();
        let report = root.join("R.xml");
        std::os::unix::fs::symlink(&victim, &report).unwrap();
        write_atomically(&report, b"<xml/>").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert!(fs::symlink_metadata(&report).unwrap().is_file());
        assert_eq!(fs::read_to_string(&report).unwrap(), "<xml/>");

        let dir = root.join("DIR");
        fs::create_dir(&dir).unwrap();
        let error = write_atomically(&dir, b"<xml/>").unwrap_err();
        assert!(error.to_string().contains("is a directory"), "{error}");
        assert_eq!(names(&root), ["DIR", "R.xml", "victim.txt"], "nothing partial is left");
        fs::remove_dir_all(&root).unwrap();
    }
}
