//! `attrition bench --json` and `bench --compare OLD.json`: the record's schema, the
//! ratio per workload, the regression gate and the refusal of records that cannot
//! be compared with. Tiny workloads: these test the plumbing, not the speed.

mod common;

use std::process::Output;

use common::{WorkDir, assert_success, scenario};
use serde_json::Value;

/// `bench --json` with `args` on the CI Peter-principle scenario at 2 trials.
fn small_bench(dir: &WorkDir, args: &[&str]) -> Output {
    let path = scenario("ci/peter_principle.toml");
    let mut all = vec!["bench", path.as_str(), "--trials", "2", "--threads", "2"];
    all.extend_from_slice(args);
    dir.run(&all)
}

fn record(output: &Output) -> Value {
    assert_success(output);
    serde_json::from_slice(&output.stdout).expect("bench --json prints one JSON document")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_json_record_names_the_program_commit_machine_and_each_workloads_rate() {
    let dir = WorkDir::new("bench-json");
    // Repetitions run in child processes, which must be given the same --set.
    let record = record(&small_bench(
        &dir,
        &["--json", "--repeat", "3", "--set", "simulation.steps=100", "--set", "simulation.burn_in=2"],
    ));
    assert_eq!(record["schema_version"], 1);
    assert_eq!(record["program"], "attrition");
    assert_eq!(record["version"], env!("CARGO_PKG_VERSION"));
    assert!(["debug", "release"].contains(&record["profile"].as_str().unwrap()));
    assert!(!record["cpu_model"].as_str().unwrap().is_empty());
    assert!(record["logical_cores"].as_u64().unwrap() >= 1);
    assert_eq!(record["threads"], 2);
    assert!(record.get("comparison").is_none(), "no comparison was asked for");

    let commit = record["commit"].as_str().unwrap();
    let git = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    match git {
        // The build embeds HEAD and is rebuilt when it moves, so it is HEAD now.
        Ok(git) if git.status.success() && std::env::var_os("ATTRITION_COMMIT").is_none() => {
            assert_eq!(commit, String::from_utf8_lossy(&git.stdout).trim());
        }
        _ => assert!(!commit.is_empty()),
    }

    let workloads = record["workloads"].as_array().unwrap();
    assert_eq!(workloads.len(), 1);
    let workload = &workloads[0];
    assert_eq!(workload["workload"], "ci_peter_principle");
    // Yearly steps: a burn-in of 2 years is 2 steps, run and counted as work.
    assert_eq!(workload["steps"], 100);
    assert_eq!(workload["burn_in_steps"], 2);
    assert_eq!(workload["agent_steps"], 160 * 102 * 2 * 8);
    assert_eq!(workload["threads"], 2);
    assert_eq!(workload["repetitions"], 3);
    let mut each: Vec<f64> =
        workload["seconds_each"].as_array().unwrap().iter().map(|s| s.as_f64().unwrap()).collect();
    assert_eq!(each.len(), 3);
    each.sort_by(f64::total_cmp);
    let seconds = workload["seconds"].as_f64().unwrap();
    assert_eq!(seconds, each[1], "seconds is the median of the repetitions");
    let rate = workload["agent_steps_per_second"].as_f64().unwrap();
    assert!((rate - 261_120.0 / seconds).abs() <= 1e-9 * rate, "rate {rate} is not agent-steps / seconds");
    assert!(workload["trials_per_second"].as_f64().unwrap() > 0.0);
}

/// Every standard workload (at one trial each) is compared: one ratio per workload.
#[test]
fn compare_prints_a_ratio_per_standard_workload() {
    let dir = WorkDir::new("bench-compare-all");
    let old = dir.run(&["bench", "--trials", "1", "--threads", "2", "--json"]);
    let names: Vec<String> = record(&old)["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["workload"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["peter_principle", "large_org", "tech_org"]);
    let old_path = dir.write("old.json", &String::from_utf8_lossy(&old.stdout));

    let output =
        dir.run(&["bench", "--trials", "1", "--threads", "2", "--compare", old_path.to_str().unwrap()]);
    assert_success(&output);
    let text = String::from_utf8_lossy(&output.stdout);
    let table = text.split("new/old").nth(1).expect("a comparison table with a new/old column");
    for name in &names {
        let row = table.lines().find(|line| line.starts_with(name.as_str())).unwrap_or_else(|| {
            panic!("no comparison row for {name}:\n{text}");
        });
        let ratio: f64 = row.split_whitespace().last().unwrap().parse().unwrap();
        assert!(ratio > 0.0 && ratio.is_finite(), "{row}");
    }
}

/// With --json the comparison is in the record: old is the old file's rate, and the
/// ratio is new over old. A record of another processor is compared, with a warning.
#[test]
fn compare_with_json_records_new_over_old() {
    let dir = WorkDir::new("bench-compare-json");
    let mut old = record(&small_bench(&dir, &["--json"]));
    let old_rate = old["workloads"][0]["agent_steps_per_second"].as_f64().unwrap();
    old["cpu_model"] = "Another Processor 9000".into();
    let old_path = dir.write("old.json", &old.to_string());

    let output = small_bench(&dir, &["--json", "--compare", old_path.to_str().unwrap()]);
    assert!(
        stderr(&output).contains("warning: the CPU model differs: Another Processor 9000"),
        "{}",
        stderr(&output)
    );
    let new = record(&output);
    let comparison = new["comparison"].as_array().expect("a comparison");
    assert_eq!(comparison.len(), 1);
    let row = &comparison[0];
    assert_eq!(row["workload"], "ci_peter_principle");
    // serde_json's default parser may land one ulp off the printed shortest form, so
    // numbers read back are compared to a relative 1e-12, not bit for bit.
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
    let read = |key: &str| row[key].as_f64().unwrap();
    assert!(close(read("old_agent_steps_per_second"), old_rate), "{row}");
    let new_rate = new["workloads"][0]["agent_steps_per_second"].as_f64().unwrap();
    assert!(close(read("new_agent_steps_per_second"), new_rate), "{row}");
    assert!(close(read("ratio"), new_rate / old_rate), "{row} against {}", new_rate / old_rate);
}

#[test]
fn fail_below_exits_1_naming_the_slow_workload_and_passes_a_low_bar() {
    let dir = WorkDir::new("bench-fail-below");
    let old = small_bench(&dir, &["--json"]);
    assert_success(&old);
    let old_path = dir.write("old.json", &String::from_utf8_lossy(&old.stdout));
    let old_path = old_path.to_str().unwrap();

    let output = small_bench(&dir, &["--compare", old_path, "--fail-below", "1e9"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("ci_peter_principle"), "{}", stderr(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("new/old"),
        "the table is printed before failing"
    );

    let output = small_bench(&dir, &["--compare", old_path, "--fail-below", "1e-9"]);
    assert_success(&output);

    let output = small_bench(&dir, &["--compare", old_path, "--fail-below", "-1"]);
    assert_eq!(output.status.code(), Some(2), "a negative ratio is bad input");
    let output = small_bench(&dir, &["--fail-below", "0.9"]);
    assert_eq!(output.status.code(), Some(2), "--fail-below needs --compare");
}

/// A record that cannot be compared with is refused with its reason (exit 2) before
/// anything is measured.
#[test]
fn a_record_that_cannot_be_compared_with_is_refused_with_the_reason() {
    let dir = WorkDir::new("bench-refuse");
    let good = record(&small_bench(&dir, &["--json"]));
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut old = good.clone();
        edit(&mut old);
        old.to_string()
    };
    let cases: [(&str, String, &str); 6] = [
        ("corrupt", "{\"program\": \"attrition\", \"work".to_owned(), "is not JSON"),
        ("other_schema", with(&|old| old["schema_version"] = 99.into()), "schema_version 99"),
        (
            "no_schema",
            with(&|old| drop(old.as_object_mut().unwrap().remove("schema_version"))),
            "schema_version none",
        ),
        ("other_program", with(&|old| old["program"] = "other".into()), "not an attrition bench record"),
        ("other_workload", with(&|old| old["workloads"][0]["workload"] = "gone".into()), "\"gone\""),
        ("other_work", with(&|old| old["workloads"][0]["agent_steps"] = 5.into()), "--trials and --set"),
    ];
    for (name, text, reason) in cases {
        let path = dir.write(&format!("{name}.json"), &text);
        let output = small_bench(&dir, &["--compare", path.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{name}: {}", stderr(&output));
        assert!(stderr(&output).contains(reason), "{name}: {}", stderr(&output));
        assert!(output.stdout.is_empty(), "{name}: something was measured");
    }
    let output = small_bench(&dir, &["--compare", "missing.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read missing.json"), "{}", stderr(&output));
}
