//! `report.html`: one self-contained page a consultant can send a client, made from
//! a run's results directory (its manifest and CSV tables, see [`results`]), so a
//! report made later by `attrition report DIR` and one made by `run --report` are
//! the same page, and neither can disagree with the CSV files beside it.
//!
//! Everything is inline (CSS, SVG charts; system fonts), nothing is fetched.

mod page;
mod reference;
pub mod results;

use std::path::{Path, PathBuf};

use thiserror::Error;

pub use results::Results;

/// The report's file name within a results directory.
pub const REPORT: &str = "report.html";
/// The PDF rendering of the report (`--pdf`).
pub const REPORT_PDF: &str = "report.pdf";

/// Why a report could not be made.
#[derive(Debug, Error)]
pub enum ReportError {
    /// A file of the results directory is missing or malformed.
    #[error("reading {}: {why}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// Writing the report failed.
    #[error(transparent)]
    Write(#[from] crate::output::OutputError),
}

/// The headless Chromium to print and test with: the program ATTRITION_CHROMIUM
/// names, else the first of `chromium`, `chromium-browser` and `google-chrome` on
/// PATH. Both `--pdf` and the browser tests use it, so they find the same browser.
pub fn chromium() -> Option<PathBuf> {
    if let Some(named) = std::env::var_os("ATTRITION_CHROMIUM").filter(|name| !name.is_empty()) {
        return Some(PathBuf::from(named));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The report of the results in `directory`, as HTML text.
pub fn render(directory: &Path) -> Result<String, ReportError> {
    let results = Results::read(directory)?;
    Ok(page::page(&results).into_string())
}

/// The report of `results` (read from a directory or made in memory), as HTML text.
pub fn render_results(results: &Results) -> String {
    page::page(results).into_string()
}

/// The sections of a run's report that its levers change (the ranking, the arms,
/// the key charts, the outcomes for people), as HTML text, for a live page.
pub fn render_live(results: &Results) -> String {
    page::live(results).into_string()
}

pub use page::Frame;

/// Writes `report.html` into `directory` (atomically) from the results there;
/// returns its path.
pub fn write(directory: &Path) -> Result<PathBuf, ReportError> {
    let html = render(directory)?;
    let path = directory.join(REPORT);
    crate::output::write_atomically(&path, html.as_bytes())?;
    Ok(path)
}
