//! `attrition check` and parameter sweeps, through the real binary.

mod common;

use std::fs;

use common::{WorkDir, assert_success, scenario, scenarios};

/// Every CI scenario passes its expectations, and the JUnit report is XML with one
/// test case per statement.
#[test]
fn every_ci_scenario_meets_its_expectations() {
    let dir = WorkDir::new("check-ci");
    let ci = scenarios().join("ci");
    let mut checked = 0;
    for entry in fs::read_dir(&ci).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".toml") || name.ends_with(".expect.toml") {
            continue;
        }
        let expect = ci.join(name.replace(".toml", ".expect.toml"));
        assert!(expect.exists(), "{name} has no expectations file");
        let junit = dir.path.join(format!("{name}.xml"));
        let output = dir.run(&[
            "check",
            path.to_str().unwrap(),
            "--expect",
            expect.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
            "--quiet",
        ]);
        assert_success(&output);
        let statements = fs::read_to_string(&expect).unwrap().matches("[[expect]]").count();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(stdout.lines().filter(|l| l.starts_with("PASS")).count(), statements, "{stdout}");

        let xml = fs::read_to_string(&junit).unwrap();
        let document = roxmltree::Document::parse(&xml).expect("the JUnit report is XML");
        let cases = document.descendants().filter(|n| n.has_tag_name("testcase")).count();
        assert_eq!(cases, statements);
        assert_eq!(document.root_element().attribute("failures"), Some("0"));
        checked += 1;
    }
    assert!(checked > 0, "no CI scenarios found");
}

#[test]
fn a_false_expectation_fails_with_its_measured_value() {
    let dir = WorkDir::new("check-false");
    let expect = dir.write(
        "false.expect.toml",
        "[[expect]]\narm = \"best, Peter\"\nmetric = \"efficiency_gain\"\nhigher_than = \"random, Peter\"\n\n\
         [[expect]]\narm = \"random, Peter\"\nmetric = \"efficiency_gain\"\nhigher_than = \"best, Peter\"\n",
    );
    let (output, junit) = check_with_junit(&dir, "ci/peter_principle.toml", &expect, 8);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("FAIL  efficiency_gain: best, Peter higher than random, Peter"), "{stdout}");
    assert!(stdout.contains("PASS  efficiency_gain: random, Peter higher than best, Peter"), "{stdout}");
    assert!(stdout.contains("1 of 2 expectations hold"), "{stdout}");
    let xml = fs::read_to_string(&junit).unwrap();
    let document = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(document.descendants().filter(|n| n.has_tag_name("testcase")).count(), 2);
    assert_eq!(document.descendants().filter(|n| n.has_tag_name("failure")).count(), 1);
}

/// CI tells a broken job from a failed claim: an unwritable JUnit report or output
/// directory exits 3 (the tool failed), a claim that does not hold exits 1.
#[test]
fn tool_failures_exit_3_and_failed_claims_exit_1() {
    let dir = WorkDir::new("check-exit-codes");
    let holds = dir.write(
        "holds.expect.toml",
        "[[expect]]\narm = \"random, Peter\"\nmetric = \"efficiency_gain\"\nhigher_than = \"best, Peter\"\n",
    );
    let fails = dir.write(
        "fails.expect.toml",
        "[[expect]]\narm = \"best, Peter\"\nmetric = \"efficiency_gain\"\nhigher_than = \"random, Peter\"\n",
    );
    // A regular file where a directory must be: unwritable even for root.
    dir.write("blocker", "not a directory\n");
    let check = |expect: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["check", "--trials", "8", "--quiet", "--expect", expect.to_str().unwrap()];
        let scenario_file = scenario("ci/peter_principle.toml");
        args.push(&scenario_file);
        args.extend(extra);
        dir.run(&args)
    };
    let code = |output: &std::process::Output| output.status.code();

    let unwritable_junit = check(&holds, &["--junit", "blocker/report.xml"]);
    assert_eq!(code(&unwritable_junit), Some(3), "{}", String::from_utf8_lossy(&unwritable_junit.stderr));
    let stderr = String::from_utf8_lossy(&unwritable_junit.stderr);
    assert!(stderr.contains("JUnit report") && stderr.contains("blocker"), "{stderr}");
    // Even when a claim fails, a report that cannot be written is the tool's failure.
    assert_eq!(code(&check(&fails, &["--junit", "blocker/report.xml"])), Some(3));

    let unwritable_out = check(&holds, &["--out", "blocker"]);
    assert_eq!(code(&unwritable_out), Some(3), "{}", String::from_utf8_lossy(&unwritable_out.stderr));

    let failed_claim = check(&fails, &["--junit", "report.xml"]);
    assert_eq!(code(&failed_claim), Some(1), "{}", String::from_utf8_lossy(&failed_claim.stderr));
    assert!(dir.path.join("report.xml").is_file(), "a failed claim still writes its report");
    assert_eq!(code(&check(&holds, &[])), Some(0));

    // Both codes are documented where CI authors look.
    let help = dir.run(&["check", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("1 an expectation does not hold") && help.contains("3 the tool failed"), "{help}");
}

/// The essays' claims on the tech_org department hold at the benchmark's own trial
/// count, and the JUnit report names every one of them as passed.
#[test]
fn the_essays_claims_hold_in_the_tech_org_benchmark() {
    let dir = WorkDir::new("check-tech-org");
    let expect = scenarios().join("ci/tech_org.expect.toml");
    let junit = dir.path.join("tech_org.xml");
    let output = dir.run(&[
        "check",
        &scenario("ci/tech_org.toml"),
        "--expect",
        expect.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--quiet",
    ]);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("6 of 6 expectations hold"), "{stdout}");

    let statements: toml::Table = toml::from_str(&fs::read_to_string(&expect).unwrap()).unwrap();
    let names: Vec<&str> = statements["expect"]
        .as_array()
        .unwrap()
        .iter()
        .map(|statement| statement["name"].as_str().expect("every claim is named"))
        .collect();
    assert_eq!(names.len(), 6, "one statement per claim");
    let xml = fs::read_to_string(&junit).unwrap();
    let document = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(document.root_element().attribute("tests"), Some("6"));
    assert_eq!(document.root_element().attribute("failures"), Some("0"));
    let cases: Vec<_> = document.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), names.len());
    for name in names {
        let case = cases
            .iter()
            .find(|case| case.attribute("name") == Some(name))
            .unwrap_or_else(|| panic!("{name:?} is not in the report:\n{xml}"));
        assert!(!case.children().any(|n| n.has_tag_name("failure")), "{name:?} failed:\n{xml}");
        assert!(case.children().any(|n| n.has_tag_name("system-out")), "{name:?} has no measurement");
        assert!(stdout.contains(&format!("PASS  {name}: ")), "{stdout}");
    }
}

/// A claim the essays would reject (common practice loses fewer of the best than a
/// rota) fails, and `check` exits 1 naming it and what was measured.
#[test]
fn a_false_claim_about_tech_org_fails_the_check() {
    let dir = WorkDir::new("check-tech-org-false");
    let expect = dir.write(
        "false.expect.toml",
        "[[expect]]\nname = \"Giving the overhead to the most reliable keeps the best\"\n\
         arm = \"common practice\"\nmetric = \"regretted_attrition\"\nlower_than = \"overhead rota\"\n",
    );
    let (output, junit) = check_with_junit(&dir, "ci/tech_org.toml", &expect, 30);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "FAIL  Giving the overhead to the most reliable keeps the best: common practice − overhead rota: +"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("0 of 1 expectation holds"), "{stdout}");
    let xml = fs::read_to_string(&junit).unwrap();
    let document = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(document.root_element().attribute("failures"), Some("1"));
    let case = document.descendants().find(|n| n.has_tag_name("testcase")).unwrap();
    assert_eq!(case.attribute("name"), Some("Giving the overhead to the most reliable keeps the best"));
    assert!(case.children().any(|n| n.has_tag_name("failure")), "{xml}");
}

#[test]
fn a_malformed_expectations_file_exits_2_with_the_line_at_fault() {
    let dir = WorkDir::new("check-malformed");
    let expect = dir.write(
        "bad.expect.toml",
        "[[expect]]\narm = \"best, Peter\"\nmetric = \"efficiency_gain\"\nhigher_than = \"random, Peter\"\n\n\
         [[expect]]\narm = \"random, Peter\"\nmetrc = \"efficiency_gain\"\n",
    );
    let output =
        dir.run(&["check", &scenario("ci/peter_principle.toml"), "--expect", expect.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.expect.toml:8:") && stderr.contains("metrc"), "{stderr}");
    assert!(!dir.path.join("output").exists(), "nothing runs for a bad file");

    let unknown_arm = dir.write(
        "arm.expect.toml",
        "[[expect]]\narm = \"best, Petre\"\nmetric = \"efficiency_gain\"\nbetween = [0.0, 1.0]\n",
    );
    let output =
        dir.run(&["check", &scenario("ci/peter_principle.toml"), "--expect", unknown_arm.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("arm.expect.toml:2:") && stderr.contains("expect[0].arm"), "{stderr}");
}

/// A sweep point gives exactly the numbers of the same scenario run with `--set`
/// at that value (common random numbers across points as well as arms).
#[test]
fn a_sweep_point_equals_the_run_with_that_value_set() {
    let dir = WorkDir::new("sweep");
    let path = scenario("peter_principle.toml");
    let common = ["--trials", "6", "--set", "simulation.steps=60", "--quiet"];
    let mut sweep_args =
        vec!["run", path.as_str(), "--sweep", "workforce.dismissal_threshold=3,4.5", "--out", "swept"];
    sweep_args.extend(common);
    assert_success(&dir.run(&sweep_args));
    let mut set_args =
        vec!["run", path.as_str(), "--set", "workforce.dismissal_threshold=4.5", "--out", "set"];
    set_args.extend(common);
    assert_success(&dir.run(&set_args));

    let swept = fs::read_to_string(dir.path.join("swept/peter_principle/sweep.csv")).unwrap();
    let summary = fs::read_to_string(dir.path.join("set/peter_principle/summary.csv")).unwrap();
    let rows_at = |value: &str| -> Vec<String> {
        swept
            .lines()
            .skip(1)
            .filter(|line| line.starts_with(&format!("{value},")))
            .map(|line| line.split_once(',').unwrap().1.to_owned())
            .collect()
    };
    let at_set_value = rows_at("4.5");
    assert_eq!(at_set_value, summary.lines().skip(1).map(str::to_owned).collect::<Vec<_>>());
    let other = rows_at("3");
    assert_eq!(other.len(), at_set_value.len());
    assert_ne!(at_set_value, other, "the swept value changes the results");
    assert!(swept.starts_with("workforce.dismissal_threshold,arm,metric,unit,trials,mean"));
    for file in ["sweep_efficiency_gain.png", "sweep_efficiency_gain.svg", "manifest.json"] {
        assert!(dir.path.join("swept/peter_principle").join(file).is_file(), "{file} missing");
    }
}

/// The bundled sweep scenario runs its own [sweep] and draws its chart.
#[test]
fn the_bundled_sweep_runs_from_its_file() {
    let dir = WorkDir::new("sweep-file");
    let output =
        dir.run(&["run", &scenario("peter_mixed.toml"), "--trials", "3", "--set", "simulation.steps=30"]);
    assert_success(&output);
    let swept = fs::read_to_string(dir.path.join("output/peter_mixed/sweep.csv")).unwrap();
    // 11 values x 2 arms x every trial metric, plus the header.
    let metrics = attrition::metrics::TrialMetric::reported(false).len();
    assert_eq!(swept.lines().count(), 11 * 2 * metrics + 1);
    assert!(String::from_utf8_lossy(&output.stdout).contains("policy.best_probability=0.5"));
    // --no-sweep runs it once, at the file's own values.
    let output = dir.run(&[
        "run",
        &scenario("peter_mixed.toml"),
        "--no-sweep",
        "--trials",
        "3",
        "--out",
        "plain",
        "--quiet",
    ]);
    assert_success(&output);
    assert!(dir.path.join("plain/peter_mixed/summary.csv").is_file());
    assert!(!dir.path.join("plain/peter_mixed/sweep.csv").exists());
}

/// A plain run with `--set` gives the same numbers as a one-point sweep at that value.
#[test]
fn set_overrides_a_field_like_the_file_would() {
    let dir = WorkDir::new("set");
    let path = scenario("peter_principle.toml");
    let common = ["--trials", "4", "--quiet"];
    let mut with_flag = vec!["run", path.as_str(), "--set", "simulation.steps=40", "--out", "flag"];
    with_flag.extend(common);
    assert_success(&dir.run(&with_flag));
    let edited = fs::read_to_string(&path).unwrap().replace("steps = 1000", "steps = 40");
    let file = dir.write("peter_principle.toml", &edited);
    let mut with_file = vec!["run", file.to_str().unwrap(), "--out", "file"];
    with_file.extend(common);
    assert_success(&dir.run(&with_file));
    for csv in ["summary.csv", "comparison.csv", "timeseries.csv", "trials.csv"] {
        let read = |out: &str| fs::read(dir.path.join(out).join("peter_principle").join(csv)).unwrap();
        assert!(read("flag") == read("file"), "{csv} differs");
    }
    // A bad override is refused like a bad file.
    let output = dir.run(&["run", path.as_str(), "--set", "simulation.stepz=40"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("did you mean `steps`?"));
}

#[test]
fn statements_that_cannot_be_tested_are_refused_before_running() {
    let dir = WorkDir::new("check-refused");
    let cases = [
        (
            "self.expect.toml",
            "[[expect]]\narm = \"best, Peter\"\nmetric = \"efficiency_gain\"\nhigher_than = \"best, Peter\"\n",
            "compared with itself",
        ),
        (
            "three.expect.toml",
            "[[expect]]\narm = \"best, Peter\"\nmetric = \"efficiency_gain\"\nbetween = [1.0, 2.0, 3.0]\n",
            "exactly two numbers",
        ),
    ];
    for (name, text, why) in cases {
        let expect = dir.write(name, text);
        let output =
            dir.run(&["check", &scenario("ci/peter_principle.toml"), "--expect", expect.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{name}");
        assert!(String::from_utf8_lossy(&output.stderr).contains(why), "{name}");
    }
    assert!(!dir.path.join("output").exists());
}

#[test]
fn a_sweep_may_not_change_which_arms_there_are() {
    let dir = WorkDir::new("sweep-arms");
    let output = dir.run(&[
        "run",
        &scenario("peter_principle.toml"),
        "--sweep",
        r#"arms={"best, common sense"={}}"#,
        "--trials",
        "2",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not which arms there are"));
    // A path into an arm the scenario lacks is refused before that.
    let output = dir.run(&[
        "run",
        &scenario("peter_principle.toml"),
        "--sweep",
        "arms.extra.promotion=best,random",
        "--trials",
        "2",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("has no arm \"extra\""));
    let output = dir.run(&[
        "run",
        &scenario("peter_principle.toml"),
        "--sweep",
        "workforce.dismissal_threshold=3,4",
        "--set",
        "workforce.dismissal_threshold=5",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("both swept and set"));
}

/// The README's credit sweep: the arm that takes its accuracy from `[policy]` lands,
/// at each swept value, exactly on the fixed arm with that accuracy (every point and
/// every arm run on the same draws).
#[test]
fn the_credit_sweep_crosses_each_fixed_arm_at_its_value() {
    let dir = WorkDir::new("sweep-credit");
    let output = dir.run(&[
        "run",
        &scenario("credit.toml"),
        "--trials",
        "4",
        "--set",
        "simulation.steps=12",
        "--sweep",
        "policy.credit_accuracy=0.5,1.0",
        "--quiet",
    ]);
    assert_success(&output);
    let swept = fs::read_to_string(dir.path.join("output/credit/sweep.csv")).unwrap();
    let row = |value: &str, arm: &str| -> String {
        let prefix = format!("{value},{arm},regretted_attrition,");
        let line = swept.lines().find(|line| line.starts_with(&prefix)).unwrap_or_else(|| panic!("{prefix}"));
        line[prefix.len()..].to_owned()
    };
    for (value, arm) in [("0.5", "accuracy 0.5"), ("1", "accuracy 1.0")] {
        assert_eq!(row(value, "swept"), row(value, arm), "at {value}");
    }
    assert_ne!(row("0.5", "swept"), row("1", "swept"), "the sweep moves the swept arm");
}

/// Runs `attrition check` on a bundled scenario with an expectations file and a
/// JUnit report in the work directory; returns the output and the report's path.
fn check_with_junit(
    dir: &WorkDir,
    scenario_file: &str,
    expect: &std::path::Path,
    trials: u32,
) -> (std::process::Output, std::path::PathBuf) {
    let junit = dir.path.join("report.xml");
    let output = dir.run(&[
        "check",
        &scenario(scenario_file),
        "--expect",
        expect.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--trials",
        &trials.to_string(),
        "--quiet",
    ]);
    (output, junit)
}

/// `validate` takes the CI directory whole: each `x.expect.toml` is checked against
/// the scenario `x.toml` beside it, and a problem in one is reported like a
/// scenario's.
#[test]
fn validate_checks_expectations_files_against_their_scenarios() {
    let dir = WorkDir::new("validate-expect");
    let ci = scenarios().join("ci");
    let mut args = vec!["validate".to_owned()];
    for entry in fs::read_dir(&ci).unwrap() {
        args.push(entry.unwrap().path().display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = dir.run(&args);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("peter_principle.expect.toml (8 expectations, of "), "{stdout}");

    // Beside a copy of the scenario, a bad statement is found without running.
    let scenario_text = fs::read_to_string(ci.join("peter_principle.toml")).unwrap();
    dir.write("mine.toml", &scenario_text);
    let bad = dir.write(
        "mine.expect.toml",
        "[[expect]]\narm = \"best, Peter\"\nmetric = \"efficiency_gain\"\nat_least = { of = \"random, Petr\", difference = 1 }\n",
    );
    let output = dir.run(&["validate", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mine.expect.toml:4:") && stderr.contains("expect[0].at_least.of"), "{stderr}");
    assert!(stderr.contains("did you mean \"random, Peter\"?"), "{stderr}");

    // Without a scenario beside it, --scenario names one; without either it is refused.
    let claims = dir.write(
        "claims.toml",
        "[[expect]]\narm = \"best, Peter\"\nmetric = \"efficiency_gain\"\nbetween = [-50, 50]\n",
    );
    let output = dir.run(&["validate", claims.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--scenario"));
    let output = dir.run(&["validate", "--scenario", "mine.toml", claims.to_str().unwrap()]);
    assert_success(&output);
    assert!(String::from_utf8_lossy(&output.stdout).contains("(1 expectation, of mine.toml)"));
}

#[test]
fn a_missing_expectations_file_is_named_as_one() {
    let dir = WorkDir::new("check-missing-expect");
    let output = dir.run(&["check", &scenario("ci/peter_principle.toml"), "--expect", "absent.expect.toml"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot read expectations file absent.expect.toml"), "{stderr}");
    assert!(!stderr.contains("scenario"), "{stderr}");
    let output = dir.run(&["validate", "absent.expect.toml"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot read expectations file absent.expect.toml"), "{stderr}");
}

/// "At least X ahead": the lower end of the paired interval against the threshold,
/// in the check's line, its exit code and the JUnit report.
#[test]
fn at_least_and_at_most_test_the_ends_of_the_paired_interval() {
    let dir = WorkDir::new("check-at-least");
    // Random beats best by about 10 points under the Peter hypothesis (README).
    let expect = dir.write(
        "gap.expect.toml",
        "[[expect]]\nname = \"ahead by 2\"\narm = \"random, Peter\"\nmetric = \"efficiency_gain\"\n\
         at_least = { of = \"best, Peter\", difference = 2 }\n\n\
         [[expect]]\nname = \"not ahead by 100\"\narm = \"random, Peter\"\nmetric = \"efficiency_gain\"\n\
         at_most = { of = \"best, Peter\", difference = 100 }\n",
    );
    let (output, junit) = check_with_junit(&dir, "ci/peter_principle.toml", &expect, 16);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("PASS  ahead by 2: random, Peter − best, Peter: +"), "{stdout}");
    assert!(stdout.contains("16 trials; needs the lower end at least 2)"), "{stdout}");
    assert!(stdout.contains("needs the upper end at most 100)"), "{stdout}");
    let xml = fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("name=\"ahead by 2\"") && xml.contains("failures=\"0\""), "{xml}");

    let too_much = dir.write(
        "too_much.expect.toml",
        "[[expect]]\nname = \"ahead by 100\"\narm = \"random, Peter\"\nmetric = \"efficiency_gain\"\n\
         at_least = { of = \"best, Peter\", difference = 100 }\n\n\
         [[expect]]\nname = \"at most 2 ahead\"\narm = \"random, Peter\"\nmetric = \"efficiency_gain\"\n\
         at_most = { of = \"best, Peter\", difference = 2 }\n",
    );
    let (output, junit) = check_with_junit(&dir, "ci/peter_principle.toml", &too_much, 16);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("FAIL  ahead by 100") && stdout.contains("FAIL  at most 2 ahead"), "{stdout}");
    let xml = fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"2\""), "{xml}");
}

/// A `within` line says how many paired trials its interval rests on.
#[test]
fn a_within_line_gives_the_trial_count() {
    let dir = WorkDir::new("check-within");
    let expect = dir.write(
        "within.expect.toml",
        "[[expect]]\narm = \"random, Peter\"\nmetric = \"final_efficiency\"\nwithin = { of = \"alternate, Peter\", relative = 0.5 }\n",
    );
    let (output, _) = check_with_junit(&dir, "ci/peter_principle.toml", &expect, 6);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("(paired 95% CI, 6 trials; needs it inside ±"), "{stdout}");
}
