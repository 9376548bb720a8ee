//! `--outputs csv` and `--json`: what a program driving many runs needs. A csv run
//! writes the very tables of a full run and a manifest that lists only them; the
//! JSON document on stdout carries the tables' numbers, and nothing else is on stdout.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use attrition::output::format_number;
use common::{WorkDir, assert_success, scenario};
use serde_json::Value;

/// A small, quick run of the CI Peter scenario: 4 trials of 40 years.
const SMALL: [&str; 4] = ["--trials", "4", "--set", "simulation.steps=40"];

fn run(dir: &WorkDir, extra: &[&str]) -> std::process::Output {
    let peter = scenario("ci/peter_principle.toml");
    let mut args = vec!["run", peter.as_str()];
    args.extend(SMALL);
    args.extend(extra);
    let output = dir.run(&args);
    assert_success(&output);
    output
}

/// The files in a directory, by name, with their bytes.
fn files(directory: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(directory)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (entry.file_name().to_string_lossy().into_owned(), fs::read(entry.path()).unwrap())
        })
        .collect()
}

/// The file names a manifest lists, with their checksums.
fn manifest_files(directory: &Path) -> BTreeMap<String, String> {
    let manifest: Value =
        serde_json::from_slice(&fs::read(directory.join("manifest.json")).unwrap()).unwrap();
    manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (entry["file"].as_str().unwrap().to_owned(), entry["sha256"].as_str().unwrap().to_owned())
        })
        .collect()
}

fn is_chart(name: &str) -> bool {
    name.ends_with(".png") || name.ends_with(".svg")
}

/// Parses stdout as exactly one JSON document on one line.
fn document(output: &std::process::Output) -> Value {
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert_eq!(stdout.lines().count(), 1, "stdout is one line of JSON:\n{stdout}");
    serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{stdout}"))
}

/// A JSON number as the CSV tables write it; `null` is their `NaN`.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => "NaN".to_owned(),
        other => format_number(other.as_f64().unwrap_or_else(|| panic!("{other} is a number"))),
    }
}

const STATISTICS: [&str; 8] = ["trials", "mean", "sd", "ci_low", "ci_high", "p5", "p50", "p95"];

#[test]
fn csv_writes_the_full_runs_tables_and_no_charts() {
    let full = WorkDir::new("outputs-full");
    let csv = WorkDir::new("outputs-csv");
    run(&full, &["-q"]);
    run(&csv, &["-q", "--outputs", "csv"]);
    let full_files = files(&full.path.join("output/ci_peter_principle"));
    let csv_files = files(&csv.path.join("output/ci_peter_principle"));

    assert!(
        full_files.keys().any(|name| is_chart(name)),
        "the full run draws charts: {:?}",
        full_files.keys()
    );
    assert!(!csv_files.keys().any(|name| is_chart(name)), "a csv run draws none: {:?}", csv_files.keys());
    let tables: Vec<&String> = csv_files.keys().filter(|name| name.ends_with(".csv")).collect();
    assert_eq!(tables.len(), 4, "summary, comparison, timeseries and trials: {tables:?}");
    for name in tables {
        assert!(csv_files[name] == full_files[name], "{name} differs from the full run's");
    }

    // The manifest lists exactly the files written, with the full run's checksums.
    let listed = manifest_files(&csv.path.join("output/ci_peter_principle"));
    let written: Vec<&String> = csv_files.keys().filter(|name| *name != "manifest.json").collect();
    assert_eq!(listed.keys().collect::<Vec<_>>(), written);
    let full_listed = manifest_files(&full.path.join("output/ci_peter_principle"));
    for (name, checksum) in &listed {
        assert_eq!(&full_listed[name], checksum, "{name}");
    }
}

#[test]
fn a_csv_run_and_a_full_run_replace_each_other() {
    let dir = WorkDir::new("outputs-replace");
    let target = dir.path.join("output/ci_peter_principle");
    run(&dir, &["-q", "--outputs", "csv"]);
    run(&dir, &["-q"]);
    let names = files(&target);
    assert!(names.keys().any(|name| is_chart(name)), "charts are back: {:?}", names.keys());
    assert_eq!(manifest_files(&target).len() + 1, names.len(), "the manifest lists every file but itself");
    run(&dir, &["-q", "--outputs", "csv"]);
    assert!(!files(&target).keys().any(|name| is_chart(name)), "the charts of the full run are gone");
}

#[test]
fn check_with_csv_outputs_draws_no_charts() {
    let dir = WorkDir::new("outputs-check");
    let peter = scenario("ci/peter_principle.toml");
    let expect = scenario("ci/peter_principle.expect.toml");
    let output = dir.run(&["check", &peter, "--expect", &expect, "--trials", "4", "--outputs", "csv"]);
    // Four trials may not support every claim; the run and its files are what is tested.
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&output.stderr));
    let names = files(&dir.path.join("output/ci_peter_principle"));
    assert!(names.contains_key("summary.csv"));
    assert!(!names.keys().any(|name| is_chart(name)), "{:?}", names.keys());
}

#[test]
fn json_carries_the_tables_numbers_and_is_all_of_stdout() {
    let dir = WorkDir::new("outputs-json");
    let output = run(&dir, &["--json", "--outputs", "csv"]);
    let json = document(&output);
    let directory = dir.path.join("output/ci_peter_principle");

    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["kind"], "run");
    assert_eq!(json["scenario"], "ci_peter_principle");
    assert_eq!(json["trials"], 4);
    assert_eq!(json["steps"], 40);
    assert_eq!(json["seed"], 20100309);
    assert_eq!(json["directory"], "output/ci_peter_principle");
    let files: Vec<&str> = json["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert!(files.contains(&"output/ci_peter_principle/summary.csv"), "{files:?}");

    let arms = json["arms"].as_array().unwrap();
    let summary = common::csv_rows(&directory.join("summary.csv"));
    assert_eq!(
        summary.len(),
        arms.iter().map(|arm| arm["metrics"].as_object().unwrap().len()).sum::<usize>()
    );
    for row in &summary {
        let arm = arms.iter().find(|arm| arm["name"] == row["arm"].as_str()).unwrap();
        let metric = &arm["metrics"][&row["metric"]];
        assert_eq!(metric["unit"], row["unit"].as_str());
        for column in STATISTICS {
            assert_eq!(cell(&metric[column]), row[column], "{} {} {column}", row["arm"], row["metric"]);
        }
    }

    let comparison = common::csv_rows(&directory.join("comparison.csv"));
    let baseline = json["baseline"].as_str().unwrap();
    for arm in arms {
        assert_eq!(arm["vs_baseline"].is_null(), arm["name"] == baseline, "only the baseline has none");
    }
    assert!(!comparison.is_empty());
    for row in &comparison {
        let arm = arms.iter().find(|arm| arm["name"] == row["arm"].as_str()).unwrap();
        let difference = &arm["vs_baseline"][&row["metric"]];
        for column in STATISTICS.iter().chain(&["share_higher", "share_lower"]) {
            assert_eq!(cell(&difference[column]), row[*column], "{} {} {column}", row["arm"], row["metric"]);
        }
    }
}

#[test]
fn json_replaces_the_table_even_without_quiet() {
    let dir = WorkDir::new("outputs-json-table");
    let table = run(&dir, &[]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("mean [95% CI]"), "the table, by default");
    let json = run(&dir, &["--json"]);
    document(&json);
    let quiet = run(&dir, &["--json", "-q"]);
    document(&quiet);
}

#[test]
fn a_single_trial_has_null_where_the_tables_have_nan() {
    let dir = WorkDir::new("outputs-json-replay");
    let output = run(&dir, &["--json", "--outputs", "csv", "--replay-trial", "2"]);
    let json = document(&output);
    assert_eq!(json["trials"], 1);
    assert_eq!(json["replayed_trial"], 2);
    assert_eq!(json["directory"], "output/ci_peter_principle-trial-2");
    let metric = &json["arms"][0]["metrics"]["efficiency_gain"];
    assert!(metric["mean"].is_f64(), "{metric}");
    assert!(metric["sd"].is_null() && metric["ci_low"].is_null(), "{metric}");
}

#[test]
fn a_sweep_is_one_document_with_a_point_per_grid_point() {
    let dir = WorkDir::new("outputs-json-sweep");
    let output = run(&dir, &["--json", "--outputs", "csv", "--sweep", "workforce.dismissal_threshold=3,4,5"]);
    let json = document(&output);
    let directory = dir.path.join("output/ci_peter_principle");
    assert!(!files(&directory).keys().any(|name| is_chart(name)), "a csv sweep draws no chart");
    assert_eq!(json["kind"], "sweep");
    assert_eq!(json["fields"], serde_json::json!(["workforce.dismissal_threshold"]));
    assert_eq!(json["reference"], "workforce.dismissal_threshold=3");
    let points = json["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);

    let sweep = common::csv_rows(&directory.join("sweep.csv"));
    let arm_count = points[0]["arms"].as_array().unwrap().len();
    let metric_count = points[0]["arms"][0]["metrics"].as_object().unwrap().len();
    assert_eq!(sweep.len(), points.len() * arm_count * metric_count);
    for row in &sweep {
        let threshold: i64 = row["workforce.dismissal_threshold"].parse().unwrap();
        let point =
            points.iter().find(|p| p["values"]["workforce.dismissal_threshold"] == threshold).unwrap();
        let arm =
            point["arms"].as_array().unwrap().iter().find(|a| a["name"] == row["arm"].as_str()).unwrap();
        for column in STATISTICS {
            assert_eq!(cell(&arm["metrics"][&row["metric"]][column]), row[column], "{threshold} {column}");
        }
    }

    // The reference point has nothing to be compared with; the others do, but the
    // baseline has no change of its difference to itself.
    let baseline = json["baseline"].as_str().unwrap();
    for (index, point) in points.iter().enumerate() {
        for arm in point["arms"].as_array().unwrap() {
            assert_eq!(arm["vs_reference"].is_null(), index == 0, "{index} {}", arm["name"]);
            assert_eq!(arm["baseline_change"].is_null(), index == 0 || arm["name"] == baseline);
        }
    }
    let comparison = common::csv_rows(&directory.join("sweep_comparison.csv"));
    let row = comparison.iter().find(|row| row["comparison"] == "reference").unwrap();
    let threshold: i64 = row["workforce.dismissal_threshold"].parse().unwrap();
    let point = points.iter().find(|p| p["values"]["workforce.dismissal_threshold"] == threshold).unwrap();
    let arm = point["arms"].as_array().unwrap().iter().find(|a| a["name"] == row["arm"].as_str()).unwrap();
    assert_eq!(cell(&arm["vs_reference"][&row["metric"]]["mean"]), row["mean"]);
}
