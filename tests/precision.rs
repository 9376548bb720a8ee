//! `run --precision H`: trials added in deterministic batches until the headline
//! contrast's paired interval is narrow enough; the same count and results for any
//! thread count.

mod common;

use std::fs;

use common::{WorkDir, assert_success, scenario};

/// The half-width and trial count `--precision` reports.
fn reported(stdout: &str) -> (f64, u32) {
    let line = stdout.lines().find(|line| line.starts_with("precision: ")).expect("a precision line");
    let half_width = line.split("half-width is ").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
    let trials = line.split("after ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    (half_width, trials)
}

#[test]
fn precision_stops_below_the_target_with_the_same_trials_for_any_thread_count() {
    let dir = WorkDir::new("precision");
    let tech = scenario("ci/tech_org.toml");
    let target = 0.005;
    let mut runs = Vec::new();
    for threads in ["1", "2"] {
        let ran = dir.run(&[
            "run",
            &tech,
            "--set",
            "simulation.burn_in=2",
            "--set",
            "simulation.steps=12",
            "--trials",
            "80",
            "--precision",
            &target.to_string(),
            "--threads",
            threads,
            "--out",
            threads,
        ]);
        assert_success(&ran);
        let (half_width, trials) = reported(&String::from_utf8_lossy(&ran.stdout));
        assert!(half_width < target, "{half_width} not below {target}");
        // More than the first batch of 10, and within the cap.
        assert!(trials > 10 && trials <= 80, "{trials}");
        let summary = fs::read(dir.path.join(threads).join("ci_tech_org/summary.csv")).unwrap();
        let rows = common::csv_rows(&dir.path.join(threads).join("ci_tech_org/trials.csv"));
        let arms = 6;
        assert_eq!(rows.len(), trials as usize * arms);
        runs.push((half_width, trials, summary));
    }
    assert_eq!(runs[0], runs[1]);
}

#[test]
fn an_unreachable_precision_stops_at_the_cap_and_says_so() {
    let dir = WorkDir::new("precision-cap");
    let tech = scenario("ci/tech_org.toml");
    let capped = [
        "run",
        tech.as_str(),
        "--set",
        "simulation.burn_in=2",
        "--set",
        "simulation.steps=12",
        "--trials",
        "15",
        "--precision",
        "0.0001",
    ];
    let ran = dir.run(&capped);
    assert_success(&ran);
    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert_eq!(reported(&stdout).1, 15);
    assert!(stdout.contains("stopped at the --trials cap"), "{stdout}");
    // --json reports what --precision reached.
    let json = dir.run(&[&capped[..], &["--json", "--out", "json"]].concat());
    assert_success(&json);
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let precision = &document["precision"];
    assert_eq!(precision["trials"], 15, "{document}");
    assert_eq!(precision["target"], 0.0001);
    assert_eq!(precision["reached"], false);
    assert!(precision["half_width"].as_f64().unwrap() > 0.0001, "{precision}");
    let refused = dir.run(&["run", &tech, "--precision", "0"]);
    assert_eq!(refused.status.code(), Some(2));
}
