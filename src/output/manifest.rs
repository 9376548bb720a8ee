//! `manifest.json`: everything needed to reproduce a run exactly, and a checksum
//! of each file it wrote.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::Config;

use super::{MANIFEST, OutputError, Staging, io_error};

/// The contents of `manifest.json`.
#[derive(Debug, Serialize)]
pub struct Manifest<'a> {
    /// Always "attrition".
    pub program: &'static str,
    /// The crate version that produced the results.
    pub version: &'static str,
    /// The git commit the program was built from (`build.rs`), or "unknown".
    pub commit: &'static str,
    /// The command line that produced the results, program name first.
    pub command: Vec<String>,
    /// The scenario file as given on the command line.
    pub scenario_file: String,
    /// The scenario file's text, verbatim, so the run can be repeated from the
    /// manifest alone (with `trials` and `seed` below, which flags may override).
    pub scenario_text: String,
    /// The resolved scenario: every default filled in, overrides applied.
    pub scenario: &'a Config,
    /// Master seed.
    pub seed: u64,
    /// Trials per arm.
    pub trials: u32,
    /// For a replay of one trial (`--replay-trial`), that trial's index in the full
    /// run, which `trials` and `seed` alone do not give; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replayed_trial: Option<u64>,
    /// Worker threads used (results do not depend on it).
    pub threads: usize,
    /// Start of the run, UTC, RFC 3339.
    pub started: String,
    /// Wall-clock seconds of the simulation and writing.
    pub elapsed_seconds: f64,
    /// Positions × steps × trials × arms.
    pub agent_steps: u64,
    /// Agent-steps per wall-clock second.
    pub agent_steps_per_second: f64,
    /// The files besides the scenario the results were computed from (a
    /// calibration's targets file and HR export); absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<InputFile>,
    /// SHA-256 of each file written, by file name.
    pub files: Vec<FileChecksum>,
}

/// An input file of a run besides its scenario, as it was read.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    /// What the file was to the run: `targets` or `hr_export`.
    pub role: &'static str,
    /// The path as given on the command line.
    pub file: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Lower-case hex SHA-256 of its bytes.
    pub sha256: String,
    /// The name of its verbatim copy in the output directory, if one was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy: Option<String>,
}

impl InputFile {
    /// The record of `text`, read from `file` as `role`, copied to `copy` if given.
    pub fn of(role: &'static str, file: &Path, text: &str, copy: Option<&str>) -> Self {
        InputFile {
            role,
            file: file.display().to_string(),
            bytes: text.len() as u64,
            sha256: crate::shard::sha256_hex(text.as_bytes()),
            copy: copy.map(str::to_owned),
        }
    }
}

impl<'a> Manifest<'a> {
    /// The manifest of the run `record` describes, whose output is `files`.
    pub fn of(record: RunRecord<'a>, files: Vec<FileChecksum>) -> Self {
        Manifest {
            program: "attrition",
            version: env!("CARGO_PKG_VERSION"),
            commit: env!("ATTRITION_COMMIT"),
            command: record.command,
            scenario_file: record.scenario_file,
            scenario_text: record.scenario_text,
            scenario: record.scenario,
            seed: record.scenario.seed,
            trials: record.scenario.trials,
            replayed_trial: record.replayed_trial,
            threads: record.threads,
            started: rfc3339(record.started_at),
            elapsed_seconds: record.elapsed_seconds,
            agent_steps: record.agent_steps,
            agent_steps_per_second: record.agent_steps as f64 / record.elapsed_seconds,
            inputs: record.inputs,
            files,
        }
    }
}

/// One output file's checksum.
#[derive(Debug, Serialize)]
pub struct FileChecksum {
    /// File name within the output directory.
    pub file: String,
    /// Lower-case hex SHA-256 of its bytes.
    pub sha256: String,
}

/// What a manifest records about a run besides its files.
#[derive(Debug)]
pub struct RunRecord<'a> {
    /// The scenario file as given on the command line.
    pub scenario_file: String,
    /// Its text, verbatim.
    pub scenario_text: String,
    /// The resolved scenario.
    pub scenario: &'a Config,
    /// The trial of the full run replayed alone, if this run is a replay.
    pub replayed_trial: Option<u64>,
    /// The command line, program name first.
    pub command: Vec<String>,
    /// Worker threads used.
    pub threads: usize,
    /// Start of the run, Unix seconds.
    pub started_at: u64,
    /// Wall-clock seconds of the run and its writing.
    pub elapsed_seconds: f64,
    /// Agent-steps simulated.
    pub agent_steps: u64,
    /// Input files besides the scenario.
    pub inputs: Vec<InputFile>,
}

/// Finishes a run's output: checksums the files `written` into the staging
/// directory, writes the manifest beside them, and swaps the directory into place.
/// Returns the directory and the final path of every file, the manifest last.
pub fn seal(
    staging: Staging,
    mut written: Vec<String>,
    record: RunRecord<'_>,
) -> Result<(PathBuf, Vec<PathBuf>), OutputError> {
    let files =
        written.par_iter().map(|name| checksum(&staging.path(name))).collect::<Result<Vec<_>, _>>()?;
    let manifest = Manifest::of(record, files);
    write(&staging.path(MANIFEST), &manifest)?;
    written.push(MANIFEST.to_owned());
    let paths = written.iter().map(|name| staging.final_path(name)).collect();
    let directory = staging.commit()?;
    Ok((directory, paths))
}

/// The SHA-256 of a file.
pub fn checksum(path: &Path) -> Result<FileChecksum, OutputError> {
    let mut file = fs::File::open(path).map_err(io_error("reading", path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = file.read(&mut buffer).map_err(io_error("reading", path))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    let digest = hasher.finalize();
    Ok(FileChecksum {
        file: path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned(),
        sha256: digest.iter().map(|byte| format!("{byte:02x}")).collect(),
    })
}

/// Writes the manifest as pretty JSON.
pub fn write(path: &Path, manifest: &Manifest<'_>) -> Result<(), OutputError> {
    let json = serde_json::to_string_pretty(manifest).expect("a manifest always serialises");
    fs::write(path, json + "\n").map_err(io_error("writing", path))
}

/// Formats a Unix time as RFC 3339 UTC (civil-from-days, H. Hinnant's algorithm),
/// to avoid a date-time dependency for one timestamp.
pub fn rfc3339(unix_seconds: u64) -> String {
    let date = crate::calendar::days_to_date((unix_seconds / 86_400) as i64);
    let seconds_of_day = unix_seconds % 86_400;
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        seconds_of_day / 3600,
        seconds_of_day % 3600 / 60,
        seconds_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_305_600 + 3661), "2026-11-22T01:01:01Z");
    }
}
