//! `attrition sensitivity` through the real binary: the same indices for any
//! thread count, ranges from the scenario's [sensitivity] table or --range, every
//! method's chart, the Ishigami check, and bad input refused before anything runs.

mod common;

use std::fs;

use common::{WorkDir, assert_success, scenario};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A short run of the CI tech_org scenario.
const SHORT: [&str; 6] = ["--trials", "3", "--set", "simulation.burn_in=2", "--set", "simulation.steps=12"];

fn analyse(dir: &WorkDir, extra: &[&str]) -> std::process::Output {
    let tech = scenario("ci/tech_org.toml");
    let mut args = vec!["sensitivity", tech.as_str(), "--quiet"];
    args.extend(SHORT);
    args.extend(extra);
    dir.run(&args)
}

#[test]
fn sensitivity_csv_is_byte_identical_for_one_and_two_threads() {
    let dir = WorkDir::new("sensitivity-threads");
    let ranges = [
        "--method",
        "morris",
        "--samples",
        "3",
        "--range",
        "dynamics.overhead.load=0.05:0.2",
        "--range",
        "dynamics.quits.engagement_sensitivity=2:6",
        "--outputs",
        "csv",
    ];
    let mut tables = Vec::new();
    for threads in ["1", "2"] {
        let mut args = ranges.to_vec();
        args.extend(["--threads", threads, "--out", threads]);
        assert_success(&analyse(&dir, &args));
        tables
            .push(fs::read(dir.path.join(threads).join("ci_tech_org_sensitivity/sensitivity.csv")).unwrap());
    }
    assert_eq!(tables[0], tables[1]);
    let rows = common::csv_rows(&dir.path.join("1/ci_tech_org_sensitivity/sensitivity.csv"));
    // Two parameters, three Morris statistics each, on the headline contrast.
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|row| row["method"] == "morris"
        && row["output"] == "regretted_attrition[all three - common practice]"));
}

#[test]
fn the_scenario_table_gives_the_ranges_and_every_method_draws_its_chart() {
    let dir = WorkDir::new("sensitivity-table");
    let text = fs::read_to_string(scenario("ci/tech_org.toml")).unwrap();
    let file =
        dir.write("tech.toml", &format!("{text}\n[sensitivity]\n\"dynamics.overhead.load\" = [0.05, 0.2]\n"));
    let file = file.display().to_string();
    for (method, indices) in [("oat", ["low", "high"].as_slice()), ("sobol", ["S1", "ST"].as_slice())] {
        let mut args = vec!["sensitivity", file.as_str(), "--quiet", "--method", method, "--samples", "3"];
        args.extend(SHORT);
        assert_success(&dir.run(&args));
        let results = dir.path.join("output/ci_tech_org_sensitivity");
        let rows = common::csv_rows(&results.join("sensitivity.csv"));
        let found: Vec<&str> = rows.iter().map(|row| row["index"].as_str()).collect();
        assert_eq!(found, indices, "{method}");
        assert!(rows.iter().all(|row| row["parameter"] == "dynamics.overhead.load"));
        assert!(results.join(format!("sensitivity_{method}.png")).exists());
        assert!(results.join("manifest.json").exists());
    }
}

#[test]
fn a_bad_sensitivity_table_is_located_in_the_file() {
    let dir = WorkDir::new("sensitivity-bad-table");
    let file = dir.write(
        "bad.toml",
        &format!(
            "{}\n[sensitivity]\n\"dynamics.overhead.load\" = [0.3, 0.1]\n",
            fs::read_to_string(scenario("ci/tech_org.toml")).unwrap()
        ),
    );
    let ran = dir.run(&["sensitivity", &file.display().to_string(), "--quiet"]);
    assert_eq!(ran.status.code(), Some(2), "{}", stderr(&ran));
    let message = stderr(&ran);
    let line = fs::read_to_string(&file).unwrap().lines().count();
    assert!(message.contains(&format!("bad.toml:{line}:")), "{message}");
    assert!(message.contains("not an interval"), "{message}");
}

#[test]
fn a_value_the_field_refuses_is_bad_input_and_writes_nothing() {
    let dir = WorkDir::new("sensitivity-bad-range");
    let ran = analyse(&dir, &["--range", "workforce.leadership_correlation=0:3"]);
    assert_eq!(ran.status.code(), Some(2), "{}", stderr(&ran));
    assert!(stderr(&ran).contains("workforce.leadership_correlation"), "{}", stderr(&ran));
    assert!(!dir.path.join("output").exists());
    let none = analyse(&dir, &[]);
    assert_eq!(none.status.code(), Some(2));
    assert!(stderr(&none).contains("no parameters to vary"), "{}", stderr(&none));
    let arm = analyse(&dir, &["--range", "dynamics.overhead.load=0.05:0.2", "--versus", "nobody"]);
    assert_eq!(arm.status.code(), Some(2));
    assert!(stderr(&arm).contains("no arm is named \"nobody\""), "{}", stderr(&arm));
}

/// The built-in Ishigami function goes through the same analysis and table.
#[test]
fn ishigami_through_the_binary_recovers_its_indices() {
    let dir = WorkDir::new("sensitivity-ishigami");
    let ran = dir.run(&["sensitivity", "--function", "ishigami", "--method", "sobol", "--samples", "4096"]);
    assert_success(&ran);
    let text = String::from_utf8(ran.stdout).unwrap();
    let path = dir.write("ishigami.csv", &text);
    let rows = common::csv_rows(&path);
    let exact = [("x1", "S1", 0.314), ("x2", "S1", 0.442), ("x3", "ST", 0.244), ("x1", "ST", 0.558)];
    for (parameter, index, value) in exact {
        let row = rows.iter().find(|r| r["parameter"] == parameter && r["index"] == index).unwrap();
        let estimate: f64 = row["estimate"].parse().unwrap();
        assert!((estimate - value).abs() < 0.05, "{parameter} {index}: {estimate}, exact {value}");
    }
}
