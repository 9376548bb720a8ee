//! Helpers for the integration tests: the real binary, run from a fresh directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh, empty working directory under the target directory, removed on drop.
pub struct WorkDir {
    pub path: PathBuf,
}

impl WorkDir {
    pub fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("attrition-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self { path }
    }

    /// Runs `attrition` with `args` in this directory.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the binary runs")
    }

    /// A command for `attrition` with `args` in this directory.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_attrition"));
        command.args(args).current_dir(&self.path);
        command
    }

    /// Writes a file into the directory and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The repository's `scenarios/` directory.
pub fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// A bundled scenario's path as a string.
pub fn scenario(name: &str) -> String {
    scenarios().join(name).display().to_string()
}

/// Asserts a command succeeded, showing its output otherwise.
pub fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A CSV file's rows, each a map from column to cell.
pub fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|record| header.iter().cloned().zip(record.unwrap().iter().map(String::from)).collect())
        .collect()
}

/// A CSV file's header and records.
pub fn records(path: &Path) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader.headers().unwrap().clone();
    (header, reader.records().map(Result::unwrap).collect())
}

/// The index of column `name` in `header`.
pub fn column(header: &csv::StringRecord, name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
}

/// The README, and whether `ATTRITION_WRITE_TABLES=1` asks the table tests to
/// rewrite it rather than check it.
pub fn readme() -> (PathBuf, String, bool) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let write = std::env::var_os("ATTRITION_WRITE_TABLES").is_some_and(|v| v == "1");
    (path, text, write)
}

/// The text between a README table's markers, `<!-- table:NAME -->` and
/// `<!-- /table:NAME -->`: its byte range.
pub fn marked_table(readme: &str, name: &str) -> Option<(usize, usize)> {
    let open = format!("<!-- table:{name} -->");
    let close = format!("<!-- /table:{name} -->");
    let start = readme.find(&open)? + open.len();
    let end = start + readme[start..].find(&close)?;
    Some((start, end))
}
