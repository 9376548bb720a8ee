//! `attrition report DIR` (and `run --report`): the HTML report of a results
//! directory, and with `--pdf` its rendering by headless Chromium.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, anyhow};
use clap::Args;

use attrition::output::{OutputError, ResultsLock};
use attrition::report::{self, REPORT_PDF};

use super::Failure;
use super::guards::interrupt_flag;
use super::waiting_note;

/// Flags of `report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A single run's results directory, e.g. output/tech_org (what `run` wrote:
    /// the report is made from its manifest and CSV tables, not by running again).
    pub directory: PathBuf,
    /// Also print the report to report.pdf through headless Chromium (`chromium`,
    /// `chromium-browser` or `google-chrome` on PATH, or the program ATTRITION_CHROMIUM names).
    #[arg(long)]
    pub pdf: bool,
    /// No list of files written.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `attrition report`.
pub fn report(args: &ReportArgs) -> Result<(), Failure> {
    let files = write(&args.directory, args.pdf, args.quiet)?;
    if !args.quiet {
        for file in files {
            println!("wrote {}", file.display());
        }
    }
    Ok(())
}

/// Writes the report of `directory` (and its PDF); returns the files written. A
/// directory that is not a run's results is bad input; a PDF without Chromium fails.
pub fn write(directory: &Path, pdf: bool, quiet: bool) -> Result<Vec<PathBuf>, Failure> {
    // Held while the tables are read and the report (and PDF) written: a run into
    // the same directory waits, rather than swapping in tables the report did not read.
    // (Not a directory: nothing to lock, and the report says why it is no results.)
    let stop = interrupt_flag();
    let _lock = match directory.is_dir() {
        true => lock(directory, &stop, quiet)?,
        false => None,
    };
    let html = report::write(directory).map_err(|error| match error {
        report::ReportError::Read { .. } => Failure::bad_input(error),
        other => Failure::failed(other),
    })?;
    let mut files = vec![html.clone()];
    if pdf {
        files.push(print_pdf(&html).map_err(Failure::failed)?);
    }
    Ok(files)
}

/// The results directory's lock, or none where this user may not create the lock
/// file beside it (a parent they cannot write, a read-only file system): no run of
/// theirs can write there either, and the report is written into the directory as
/// before.
fn lock(directory: &Path, stop: &AtomicBool, quiet: bool) -> Result<Option<ResultsLock>, Failure> {
    match ResultsLock::acquire(directory, stop, |_| waiting_note(directory, !quiet)) {
        Ok(lock) => Ok(Some(lock)),
        Err(OutputError::Io { source, .. })
            if matches!(source.kind(), ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem) =>
        {
            Ok(None)
        }
        Err(OutputError::Interrupted) => Err(Failure::interrupted(anyhow!(
            "interrupted while waiting for a run writing {} to finish; no report was written",
            directory.display()
        ))),
        Err(other) => Err(Failure::failed(other)),
    }
}

/// Prints `report.html` to `report.pdf` beside it with headless Chromium, through a
/// temporary file, so a failed print leaves any previous PDF.
fn print_pdf(html: &Path) -> anyhow::Result<PathBuf> {
    let browser = report::chromium().ok_or_else(|| {
        anyhow!(
            "--pdf needs headless Chromium, and none was found (looked for chromium, chromium-browser and \
             google-chrome on PATH, and ATTRITION_CHROMIUM); install it (Debian: apt-get install chromium) or open \
             {} in a browser and print it to PDF",
            html.display()
        )
    })?;
    let directory = html.parent().unwrap_or(Path::new("."));
    let absolute = std::fs::canonicalize(html).with_context(|| format!("reading {}", html.display()))?;
    let profile = tempfile::tempdir().context("creating a temporary browser profile")?;
    let staged = tempfile::Builder::new()
        .prefix(".report.pdf.")
        .suffix(".partial")
        .tempfile_in(directory)
        .with_context(|| format!("creating a file in {}", directory.display()))?;
    let output = Command::new(&browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", staged.path().display()))
        .arg(format!("file://{}", absolute.display()))
        .output()
        .with_context(|| format!("starting {}", browser.display()))?;
    let size = std::fs::metadata(staged.path()).map(|m| m.len()).unwrap_or(0);
    if !output.status.success() || size == 0 {
        return Err(anyhow!(
            "{} did not print {} to PDF ({}): {}",
            browser.display(),
            html.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let target = directory.join(REPORT_PDF);
    staged.persist(&target).with_context(|| format!("writing {}", target.display()))?;
    Ok(target)
}
