//! Parameter sweeps through the real binary: what may be swept, ranges, the
//! paired comparisons between points, and the messages of `--set` and `--sweep`.

mod common;

use std::collections::BTreeMap;
use std::fs;

use common::{WorkDir, assert_success, scenario};

/// The bundled Peter-principle scenario with a `[sweep]` entry appended.
fn with_sweep(dir: &WorkDir, entry: &str) -> String {
    let text = fs::read_to_string(scenario("peter_principle.toml")).unwrap();
    dir.write("swept.toml", &format!("{text}\n[sweep]\n{entry}\n")).display().to_string()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every one of these sweeps used to pass `validate`, and most ran (identical
/// points, or failing only at run time); now `validate` and `run` refuse each, the
/// same way, at the `[sweep]` line.
#[test]
fn validate_and_run_refuse_the_same_sweeps() {
    let dir = WorkDir::new("sweep-refused");
    let line = fs::read_to_string(scenario("peter_principle.toml")).unwrap().lines().count() + 3;
    let cases = [
        (r#""sweep.x" = [1, 2]"#, "the sweep itself cannot be swept"),
        (r#""sweep" = [1, 2]"#, "the sweep itself cannot be swept"),
        (r#""simulation.trials" = [2, 3]"#, "trials and seed are not parameters"),
        (r#""name" = ["a", "b"]"#, "name labels the scenario"),
        (r#""description" = ["a", "b"]"#, "description labels the scenario"),
        (r#""headline" = ["final_efficiency", "mean_efficiency"]"#, "headline labels the scenario"),
        (r#""workforce.dismissal_threshold" = [3, 4, 3.0]"#, "3.0 is listed twice"),
        // Every arm of the scenario sets its own promotion policy.
        (r#""policy.promotion" = ["best", "random"]"#, "sweeping policy.promotion changes nothing"),
        (r#""workforce.dismissal_threshold" = "4:3:1""#, "from (4) is above to (3)"),
    ];
    for (entry, why) in cases {
        let path = with_sweep(&dir, entry);
        let validated = dir.run(&["validate", &path]);
        assert_eq!(validated.status.code(), Some(2), "validate accepted {entry}");
        let validate_error = stderr(&validated);
        assert!(validate_error.contains(why), "{entry}: {validate_error}");
        assert!(validate_error.contains(&format!("swept.toml:{line}:1: ")), "{entry}: {validate_error}");
        let ran = dir.run(&["run", &path, "--trials", "2", "--quiet"]);
        assert_eq!(ran.status.code(), Some(2), "run accepted {entry}");
        assert!(stderr(&ran).contains(why), "{entry}: {}", stderr(&ran));
    }
    assert!(!dir.path.join("output").exists());
    // A range in the file validates and runs its points.
    let path = with_sweep(&dir, r#""workforce.dismissal_threshold" = { from = 3, to = 4, step = 0.5 }"#);
    assert_success(&dir.run(&["validate", &path]));
}

#[test]
fn bad_sweep_flags_are_refused_with_the_flag_named_once() {
    let dir = WorkDir::new("sweep-flags");
    let cases: [(&str, &[&str], &str); 7] = [
        (
            "peter_principle.toml",
            &["--sweep", "workforce.dismissal_threshold="],
            "error: --sweep workforce.dismissal_threshold: no values",
        ),
        ("peter_principle.toml", &["--sweep", "workforce.dismissal_threshold=3,,4"], "value 2 of 3 is empty"),
        ("peter_principle.toml", &["--sweep", "workforce.dismissal_threshold=3,4,3"], "3 is listed twice"),
        ("peter_principle.toml", &["--sweep", "sweep.x=1,2"], "the sweep itself cannot be"),
        // Every arm of career_tracks sets its own promotion policy.
        (
            "career_tracks.toml",
            &["--sweep", "policy.promotion=best,dual_track"],
            "sweeping policy.promotion changes nothing",
        ),
        (
            "peter_principle.toml",
            &["--sweep", "workforce.dismissal_threshold=3,4", "--events"],
            "--events is not available with a sweep",
        ),
        (
            "peter_principle.toml",
            &["--sweep", "simulation.steps=10,abc"],
            "error: --sweep simulation.steps: wrong type: at simulation.steps=\"abc\"",
        ),
    ];
    for (file, flags, why) in cases {
        let path = scenario(file);
        let mut args = vec!["run", path.as_str(), "--trials", "2", "--quiet"];
        args.extend(flags);
        let output = dir.run(&args);
        assert_eq!(output.status.code(), Some(2), "{flags:?}");
        let message = stderr(&output);
        assert!(message.contains(why), "{flags:?}: {message}");
        assert!(
            !message.contains("--sweep --sweep")
                && !message.contains("--set #")
                && !message.contains("(with "),
            "{flags:?}: {message}"
        );
    }
    assert!(!dir.path.join("output").exists());
}

#[test]
fn set_errors_name_the_flag_and_its_position() {
    let dir = WorkDir::new("set-messages");
    let path = scenario("peter_principle.toml");
    let output =
        dir.run(&["run", &path, "--set", "simulation.steps=40", "--set", "simulation.steps_per_year=abc"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains(
            "peter_principle.toml: wrong type: simulation.steps_per_year: invalid type: string \"abc\""
        ) && message.contains("(from --set #2 simulation.steps_per_year=\"abc\")"),
        "{message}"
    );
    assert!(!message.contains("--set #1"), "only the culprit is named: {message}");
}

/// `tech_org`'s arm is "common practice": a misspelling used to add a seventh arm.
#[test]
fn set_into_a_misspelt_arm_is_refused_with_a_suggestion() {
    let dir = WorkDir::new("set-arm");
    let output = dir.run(&[
        "run",
        &scenario("tech_org.toml"),
        "--trials",
        "2",
        "--set",
        r#"arms."common practise".credit_accuracy=0.9"#,
    ]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains(r#"no arm "common practise"; did you mean "common practice"?"#)
            && message.contains("cannot add an arm"),
        "{message}"
    );
    assert!(!dir.path.join("output").exists());
}

/// The swept `[policy]` lever reaches four of `tech_org`'s arms; the two that set
/// their own are named, and their points are identical, draw for draw.
#[test]
fn a_policy_sweep_names_the_arms_it_does_not_reach() {
    let dir = WorkDir::new("sweep-reach");
    let output = dir.run(&[
        "run",
        &scenario("tech_org.toml"),
        "--trials",
        "2",
        "--set",
        "simulation.steps=6",
        "--sweep",
        "policy.credit_accuracy=0.5,0.9",
        "--quiet",
    ]);
    assert_success(&output);
    let message = stderr(&output);
    assert!(
        message.contains(
            r#"warning: the sweep of policy.credit_accuracy does not reach the arms ["accurate credit", "all three"]"#
        ),
        "{message}"
    );
}

fn number(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column].parse().unwrap_or_else(|_| panic!("{column} = {:?}", row[column]))
}

/// The paired comparisons of `sweep_comparison.csv` are the means of the trial-by-
/// trial differences of `sweep_trials.csv`: between arms at a point, between a
/// point and the reference point, and between the baseline differences of the two.
#[test]
fn sweep_comparisons_are_paired_trial_by_trial() {
    let dir = WorkDir::new("sweep-paired");
    let output = dir.run(&[
        "run",
        &scenario("tech_org.toml"),
        "--trials",
        "5",
        "--set",
        "simulation.steps=12",
        "--sweep",
        "dynamics.overhead.load=0.1:0.3:0.1",
        "--sweep-trials",
        "--threads",
        "2",
        "--quiet",
    ]);
    assert_success(&output);
    let results = dir.path.join("output/tech_org");
    let trials = common::csv_rows(&results.join("sweep_trials.csv"));
    let comparisons = common::csv_rows(&results.join("sweep_comparison.csv"));
    let field = "dynamics.overhead.load";
    // The range gives three points, rounded to the decimals it was written with.
    let points: Vec<&str> = ["0.1", "0.2", "0.3"].to_vec();
    let seen: std::collections::BTreeSet<&str> = trials.iter().map(|row| row[field].as_str()).collect();
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), points);
    assert_eq!(trials.len(), 3 * 6 * 5);

    let metric = "efficiency_gain";
    let value = |point: &str, arm: &str, trial: usize| -> f64 {
        let row = trials
            .iter()
            .find(|row| row[field] == point && row["arm"] == arm && row["trial"] == trial.to_string())
            .unwrap();
        number(row, metric)
    };
    let mean = |f: &dyn Fn(usize) -> f64| (0..5).map(f).sum::<f64>() / 5.0;
    let row = |point: &str, arm: &str, kind: &str| -> f64 {
        let found: Vec<_> = comparisons
            .iter()
            .filter(|row| {
                row[field] == point
                    && row["arm"] == arm
                    && row["metric"] == metric
                    && row["comparison"] == kind
            })
            .collect();
        assert_eq!(found.len(), 1, "{point} {arm} {kind}");
        assert_eq!(found[0]["trials"], "5");
        let against = if kind == "baseline" { "common practice" } else { "dynamics.overhead.load=0.1" };
        assert_eq!(found[0]["against"], against);
        number(found[0], "mean")
    };
    // trials.csv rounds to six significant digits; allow for it.
    let close = |a: f64, b: f64| (a - b).abs() < 1e-4 * (1.0 + a.abs()) + 1e-4;
    let (baseline, arm) = ("common practice", "dual track");
    let at_point = mean(&|t| value("0.3", arm, t) - value("0.3", baseline, t));
    assert!(close(row("0.3", arm, "baseline"), at_point), "{} vs {at_point}", row("0.3", arm, "baseline"));
    let to_reference = mean(&|t| value("0.3", arm, t) - value("0.1", arm, t));
    assert!(close(row("0.3", arm, "reference"), to_reference));
    let change = mean(&|t| {
        (value("0.3", arm, t) - value("0.3", baseline, t))
            - (value("0.1", arm, t) - value("0.1", baseline, t))
    });
    assert!(
        close(row("0.3", arm, "baseline_change"), change),
        "{} vs {change}",
        row("0.3", arm, "baseline_change")
    );
    assert_ne!(to_reference, 0.0, "the swept load changes the arm");
    // The reference point is not compared with itself, nor the baseline with itself.
    assert!(!comparisons.iter().any(|r| r[field] == "0.1" && r["comparison"] != "baseline"));
    assert!(!comparisons.iter().any(|r| r["arm"] == baseline && r["comparison"] != "reference"));
    // The scratch file of the reference point's trials is gone.
    let names: Vec<String> = fs::read_dir(&results)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|name| !name.starts_with('.')), "{names:?}");
    assert!(fs::read_to_string(results.join("manifest.json")).unwrap().contains("sweep_comparison.csv"));

    // Byte-identical on one thread.
    let again = dir.run(&[
        "run",
        &scenario("tech_org.toml"),
        "--trials",
        "5",
        "--set",
        "simulation.steps=12",
        "--sweep",
        "dynamics.overhead.load=0.1:0.3:0.1",
        "--sweep-trials",
        "--threads",
        "1",
        "--out",
        "one",
        "--quiet",
    ]);
    assert_success(&again);
    for file in ["sweep.csv", "sweep_comparison.csv", "sweep_trials.csv"] {
        let read = |root: &std::path::Path| fs::read(root.join(file)).unwrap();
        assert!(read(&results) == read(&dir.path.join("one/tech_org")), "{file} differs");
    }
}

#[test]
fn sweep_trials_without_a_sweep_is_refused() {
    let dir = WorkDir::new("sweep-trials-alone");
    let output = dir.run(&["run", &scenario("peter_principle.toml"), "--trials", "2", "--sweep-trials"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("this run does not sweep"));
    let expect = scenario("ci/peter_principle.expect.toml");
    let output =
        dir.run(&["check", &scenario("ci/peter_principle.toml"), "--expect", &expect, "--sweep-trials"]);
    // check has no sweep flags at all (they are run's alone).
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unexpected argument '--sweep-trials'"), "{}", stderr(&output));
}
