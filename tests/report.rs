//! `attrition report` and `run --report`: a self-contained page made from a run's
//! results directory, for every bundled scenario.

mod common;

use std::path::Path;

use common::{WorkDir, assert_success, csv_rows, scenario, scenarios};

/// The bundled scenarios, run briefly: two trials each, tables only.
fn bundled() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(scenarios())
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    names
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_bundled_scenario_gets_a_report_with_no_external_reference() {
    let work = WorkDir::new("report-bundled");
    for name in bundled() {
        let file = scenario(&name);
        let output = work.run(&[
            "run",
            &file,
            "--trials",
            "2",
            "--outputs",
            "csv",
            "--quiet",
            "--no-sweep",
            "--report",
        ]);
        assert_success(&output);
        let stem = name.trim_end_matches(".toml");
        let directory = work.path.join("output").join(stem);
        let html = read(&directory.join("report.html"));
        assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
        assert!(!html.contains("http"), "{name}: the report names a URL");
        assert!(!html.contains(" src="), "{name}: the report loads something");
        let arms = csv_rows(&directory.join("summary.csv"))
            .into_iter()
            .map(|row| row["arm"].clone())
            .collect::<std::collections::BTreeSet<_>>();
        assert_eq!(html.matches("class=\"arm-row").count(), arms.len(), "{name}: a ranked row per arm");
        assert!(html.matches("<svg").count() >= 1, "{name}: charts");
    }
}

#[test]
fn a_report_shows_the_numbers_of_the_csv_files_and_how_to_reproduce_them() {
    let work = WorkDir::new("report-numbers");
    assert_success(&work.run(&[
        "run",
        &scenario("tech_org.toml"),
        "--trials",
        "3",
        "--outputs",
        "csv",
        "--quiet",
    ]));
    let directory = work.path.join("output/tech_org");
    assert!(!directory.join("report.html").exists());
    let output = work.run(&["report", "output/tech_org"]);
    assert_success(&output);
    let html = read(&directory.join("report.html"));
    let manifest: serde_json::Value = serde_json::from_str(&read(&directory.join("manifest.json"))).unwrap();
    let headline = manifest["scenario"]["headline"].as_str().unwrap().to_owned();
    for row in csv_rows(&directory.join("summary.csv")).iter().filter(|row| row["metric"] == headline) {
        // Regretted attrition is a yearly rate, shown as a percentage of positions.
        let shown = format!("{:.2}", row["mean"].parse::<f64>().unwrap() * 100.0);
        assert!(html.contains(&format!(">{shown}<")), "the mean {shown} of {} is in the report", row["arm"]);
    }
    assert!(html.contains(manifest["commit"].as_str().unwrap()), "the commit");
    assert!(html.contains("--trials 3"), "the command");
    assert!(html.contains(&manifest["seed"].to_string()), "the seed");
    assert!(html.contains("Pluchino"), "the assumptions cite their sources");
    // The report is attrition's own: running again replaces the directory without --force.
    assert_success(&work.run(&[
        "run",
        &scenario("tech_org.toml"),
        "--trials",
        "2",
        "--outputs",
        "csv",
        "--quiet",
    ]));
    assert!(!directory.join("report.html").exists(), "the old report went with the old results");
}

#[test]
fn a_directory_that_is_not_a_runs_results_is_bad_input() {
    let work = WorkDir::new("report-bad");
    std::fs::create_dir_all(work.path.join("empty")).unwrap();
    let output = work.run(&["report", "empty"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("manifest.json") && stderr.contains("results directory"), "{stderr}");
    assert!(!work.path.join("empty/report.html").exists(), "nothing is written");
}

#[test]
fn pdf_without_chromium_says_what_to_do() {
    let work = WorkDir::new("report-nopdf");
    assert_success(&work.run(&[
        "run",
        &scenario("ci/peter_principle.toml"),
        "--trials",
        "2",
        "--outputs",
        "csv",
        "--quiet",
    ]));
    let output = work
        .command(&["report", "output/ci_peter_principle", "--pdf"])
        .env("PATH", "")
        .env_remove("ATTRITION_CHROMIUM")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("needs headless Chromium") && stderr.contains("apt-get install chromium"),
        "{stderr}"
    );
    assert!(
        work.path.join("output/ci_peter_principle/report.html").exists(),
        "the HTML report is still written"
    );
}
