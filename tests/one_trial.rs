//! A run of one trial has no intervals (a variance needs two trials): it must still
//! write every table and chart, not panic drawing an infinite error bar.

mod common;

use common::{WorkDir, assert_success, scenario};

#[test]
fn a_single_trial_run_writes_its_charts() {
    let dir = WorkDir::new("one-trial");
    let file = scenario("peter_principle.toml");
    let output = dir.run(&["run", &file, "--trials", "1", "--set", "simulation.steps=20", "--quiet"]);
    assert_success(&output);
    let results = dir.path.join("output/peter_principle");
    let charts: Vec<_> = std::fs::read_dir(&results)
        .unwrap()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "png" || ext == "svg"))
        .collect();
    assert!(!charts.is_empty(), "no chart in {}", results.display());
    assert!(results.join("comparison.csv").exists());
}
