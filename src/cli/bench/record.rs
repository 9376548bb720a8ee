//! The benchmark record `attrition bench --json` prints and `--compare` reads back:
//! one schema, naming the program, the commit and the machine it was measured on.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Version of the record's layout. Raised when a field changes meaning or goes, so
/// that `--compare` never reads a number as something it is not.
pub const SCHEMA_VERSION: u64 = 1;

/// What one `attrition bench` measured, and where.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchRecord {
    /// [`SCHEMA_VERSION`] of the program that wrote it.
    pub schema_version: u64,
    /// Always "attrition".
    pub program: String,
    /// The program's version (Cargo.toml).
    pub version: String,
    /// The git commit the program was built from, or "unknown".
    pub commit: String,
    /// "release", or "debug" for a build with debug assertions, whose speed is not
    /// a release's.
    pub profile: String,
    /// The processor's model name (Linux's /proc/cpuinfo), or "unknown".
    pub cpu_model: String,
    /// Logical cores available to the program.
    pub logical_cores: usize,
    /// Threads the measured runs used.
    pub threads: usize,
    /// One result per workload, in the order they ran.
    pub workloads: Vec<WorkloadResult>,
    /// With `--compare`: each workload's rate against the old record's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Vec<Ratio>>,
}

/// One workload's measurement: the whole run, output files included.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkloadResult {
    /// The standard workload's name, or the scenario's for a scenario file.
    pub workload: String,
    /// The scenario's `name`.
    pub scenario: String,
    pub positions: u64,
    /// Measured steps of each trial.
    pub steps: u32,
    /// Steps run before measuring (the burn-in), which count in `agent_steps`;
    /// 0 in records written before this field.
    #[serde(default)]
    pub burn_in_steps: u32,
    pub trials: u32,
    pub arms: usize,
    /// Threads the run used.
    pub threads: usize,
    /// How many times the run was repeated (`--repeat`).
    pub repetitions: usize,
    /// Wall seconds of each repetition, in the order they ran.
    pub seconds_each: Vec<f64>,
    /// Their median.
    pub seconds: f64,
    /// Positions × (steps + burn-in) × trials × arms.
    pub agent_steps: u64,
    /// `agent_steps / seconds`.
    pub agent_steps_per_second: f64,
    /// `trials / seconds`.
    pub trials_per_second: f64,
    /// Peak resident memory of the process, where the OS reports it.
    pub peak_memory_bytes: Option<u64>,
}

/// One workload's rate now against an old record's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ratio {
    pub workload: String,
    /// Agent-steps per second in the old record; None for a workload it lacks.
    pub old_agent_steps_per_second: Option<f64>,
    pub new_agent_steps_per_second: f64,
    /// New over old: below 1 is slower.
    pub ratio: Option<f64>,
}

impl BenchRecord {
    /// A record of `workloads` measured by this program on this machine.
    pub fn new(workloads: Vec<WorkloadResult>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            program: "attrition".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            commit: env!("ATTRITION_COMMIT").to_owned(),
            profile: if cfg!(debug_assertions) { "debug" } else { "release" }.to_owned(),
            cpu_model: cpu_model().unwrap_or_else(|| "unknown".to_owned()),
            logical_cores: std::thread::available_parallelism().map_or(0, usize::from),
            threads: workloads.iter().map(|w| w.threads).max().unwrap_or(0),
            workloads,
            comparison: None,
        }
    }
}

/// Why an old record cannot be compared with.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot read {path}: {source}")]
    Unreadable { path: String, source: std::io::Error },
    #[error("{path} is not JSON: {source}")]
    NotJson { path: String, source: serde_json::Error },
    #[error("{path} is not an attrition bench record (no \"program\": \"attrition\")")]
    OtherProgram { path: String },
    #[error(
        "{path} has schema_version {found}, this program reads {SCHEMA_VERSION}: re-measure the baseline with \
         this program's `attrition bench --json`"
    )]
    OtherSchema { path: String, found: String },
    #[error("{path} does not follow bench schema {SCHEMA_VERSION}: {source}")]
    Malformed { path: String, source: serde_json::Error },
}

/// Reads a record written by `attrition bench --json`, refusing one of another
/// program or schema version before looking at its fields.
pub fn read(path: &Path) -> Result<BenchRecord, RecordError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|source| RecordError::Unreadable { path: shown.clone(), source })?;
    let value: Value =
        serde_json::from_str(&text).map_err(|source| RecordError::NotJson { path: shown.clone(), source })?;
    if value.get("program").and_then(Value::as_str) != Some("attrition") {
        return Err(RecordError::OtherProgram { path: shown });
    }
    match value.get("schema_version") {
        Some(found) if found.as_u64() == Some(SCHEMA_VERSION) => {}
        found => {
            let found = found.map_or_else(|| "none".to_owned(), Value::to_string);
            return Err(RecordError::OtherSchema { path: shown, found });
        }
    }
    serde_json::from_value(value).map_err(|source| RecordError::Malformed { path: shown, source })
}

/// The processor's model name, where Linux reports it.
fn cpu_model() -> Option<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, model)| model.trim().to_owned())
        .filter(|model| !model.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let record = BenchRecord::new(Vec::new());
        let file = written(&serde_json::to_string(&record).unwrap());
        let read = read(file.path()).unwrap();
        assert_eq!(read.commit, record.commit);
        assert_eq!(read.cpu_model, record.cpu_model);
    }

    #[test]
    fn another_schema_version_is_refused_before_its_fields_are_read() {
        let file = written(r#"{"program": "attrition", "schema_version": 2, "rates": []}"#);
        assert!(matches!(read(file.path()), Err(RecordError::OtherSchema { found, .. }) if found == "2"));
        let file = written(r#"{"program": "attrition", "workloads": []}"#);
        assert!(matches!(read(file.path()), Err(RecordError::OtherSchema { found, .. }) if found == "none"));
    }

    #[test]
    fn a_record_of_another_program_or_no_json_is_refused() {
        let file = written(r#"{"schema_version": 1}"#);
        assert!(matches!(read(file.path()), Err(RecordError::OtherProgram { .. })));
        let file = written("{\"program\": \"attrition\", ");
        assert!(matches!(read(file.path()), Err(RecordError::NotJson { .. })));
    }
}
