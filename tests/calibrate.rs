//! `attrition calibrate` end to end, on the small `scenarios/calibration/recovery.toml`:
//! it recovers parameters it knows from two starts, its standard errors (from the
//! moments' full covariance) cover the truth in independent parts of the shipped HR
//! export, its calibrated scenario does not depend on the thread count and runs as it
//! is, and what it cannot do (a target out of reach, a parameter the targets do not
//! move, a malformed targets file) is said.

mod common;

use std::path::Path;

use common::{WorkDir, assert_success, csv_rows, scenario};

const RECOVERY: &str = "calibration/recovery.toml";
/// The values the synthetic targets are made at.
const TRUE_BASE_RATE: f64 = 0.22;
const TRUE_LOAD: f64 = 0.16;

/// The baseline's mean of `metric` in a run's summary.csv.
fn mean(results: &Path, metric: &str) -> f64 {
    let rows = csv_rows(&results.join("summary.csv"));
    let row = rows.iter().find(|row| row["metric"] == metric).unwrap_or_else(|| panic!("no {metric}"));
    row["mean"].parse().unwrap()
}

/// A targets file for `recovery` made by the engine itself at the true values:
/// voluntary attrition (moved by the base rate) and the other ICs' overhead
/// (moved by the load), each with a stated tolerance.
fn synthetic_targets(dir: &WorkDir) -> std::path::PathBuf {
    let output = dir.run(&[
        "run",
        &scenario(RECOVERY),
        "--set",
        &format!("dynamics.quits.base_rate={TRUE_BASE_RATE}"),
        "--set",
        &format!("dynamics.overhead.load={TRUE_LOAD}"),
        "--outputs",
        "csv",
        "--out",
        "truth",
        "-q",
    ]);
    assert_success(&output);
    let results = dir.path.join("truth/recovery");
    let attrition = mean(&results, "voluntary_attrition");
    let overhead = mean(&results, "mean_overhead_rest");
    dir.write(
        "recovery.targets.toml",
        &format!(
            "[[target]]\nmoment = \"voluntary_attrition\"\nvalue = {attrition}\ntolerance = 0.005\n\n\
             [[target]]\nmoment = \"mean_overhead_rest\"\nvalue = {overhead}\ntolerance = 0.002\n\n\
             [[fit]]\nfield = \"dynamics.quits.base_rate\"\nlow = 0.02\nhigh = 0.6\n\n\
             [[fit]]\nfield = \"dynamics.overhead.load\"\nlow = 0.02\nhigh = 0.4\n"
        ),
    )
}

fn calibrate(dir: &WorkDir, out: &str, extra: &[&str]) -> std::process::Output {
    let mut args =
        vec!["calibrate", RECOVERY_PATH.as_str(), "--targets", "recovery.targets.toml", "--out", out, "-q"];
    args.extend_from_slice(extra);
    dir.run(&args)
}

static RECOVERY_PATH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| scenario(RECOVERY));

/// field → (value, se, se_independent), from parameters.csv.
fn parameters_with_independent(results: &Path) -> std::collections::BTreeMap<String, (f64, f64, f64)> {
    csv_rows(&results.join("parameters.csv"))
        .into_iter()
        .map(|row| {
            let number = |column: &str| row[column].parse::<f64>().unwrap();
            (row["field"].clone(), (number("value"), number("se"), number("se_independent")))
        })
        .collect()
}

/// field → (value, se), from parameters.csv.
fn parameters(results: &Path) -> std::collections::BTreeMap<String, (f64, f64)> {
    csv_rows(&results.join("parameters.csv"))
        .into_iter()
        .map(|row| (row["field"].clone(), (row["value"].parse().unwrap(), row["se"].parse().unwrap())))
        .collect()
}

#[test]
fn calibrate_recovers_known_parameters_from_two_starts() {
    let dir = WorkDir::new("calibrate-recovery");
    synthetic_targets(&dir);
    let from_file = calibrate(&dir, "a", &["--max-evaluations", "150"]);
    assert_success(&from_file);
    let elsewhere = calibrate(
        &dir,
        "b",
        &[
            "--max-evaluations",
            "80",
            "--set",
            "dynamics.quits.base_rate=0.45",
            "--set",
            "dynamics.overhead.load=0.05",
        ],
    );
    assert_success(&elsewhere);
    for out in ["a", "b"] {
        let found = parameters(&dir.path.join(out).join("recovery_calibration"));
        for (field, truth) in
            [("dynamics.quits.base_rate", TRUE_BASE_RATE), ("dynamics.overhead.load", TRUE_LOAD)]
        {
            let (value, se) = found[field];
            assert!(se.is_finite() && se > 0.0, "{out}: {field} has no standard error ({se})");
            // Within two reported standard errors (a 95% interval).
            assert!(
                (value - truth).abs() <= 2.0 * se,
                "{out}: {field} = {value} (se {se}) does not recover {truth}"
            );
        }
        let fit = csv_rows(&dir.path.join(out).join("recovery_calibration/fit.csv"));
        assert!(fit.iter().all(|row| row["reached"] == "true"), "{out}: {fit:?}");
    }
}

#[test]
fn the_calibrated_scenario_is_the_same_for_one_and_two_threads_and_runs_as_it_is() {
    let dir = WorkDir::new("calibrate-threads");
    synthetic_targets(&dir);
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let output = calibrate(&dir, threads, &["--max-evaluations", "20", "--threads", threads]);
        assert_success(&output);
        let results = dir.path.join(threads).join("recovery_calibration");
        files.push((
            std::fs::read(results.join("recovery.calibrated.toml")).unwrap(),
            std::fs::read(results.join("fit.csv")).unwrap(),
            std::fs::read(results.join("evaluations.csv")).unwrap(),
        ));
    }
    assert!(files[0] == files[1], "the thread count changed the calibration");
    let calibrated = dir.path.join("1/recovery_calibration/recovery.calibrated.toml");
    let text = std::fs::read_to_string(&calibrated).unwrap();
    assert!(text.contains("# the value calibrate starts from"), "the file's comments are kept:\n{text}");
    let fitted = parameters(&dir.path.join("1/recovery_calibration"));
    let table: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(
        table["dynamics"]["quits"]["base_rate"].as_float(),
        Some(fitted["dynamics.quits.base_rate"].0)
    );
    let output = dir.run(&["run", calibrated.to_str().unwrap(), "--out", "run", "--outputs", "csv", "-q"]);
    assert_success(&output);
}

#[test]
fn a_target_out_of_reach_is_reported() {
    let dir = WorkDir::new("calibrate-unreached");
    dir.write(
        "recovery.targets.toml",
        "[[target]]\nmoment = \"voluntary_attrition\"\nvalue = 0.9\nse = 0.01\n\n\
         [[target]]\nmoment = \"mean_overhead_rest\"\nvalue = 0.08\nse = 0.005\n",
    );
    let output =
        calibrate(&dir, "out", &["--fit", "dynamics.overhead.load=0.02:0.4", "--max-evaluations", "12"]);
    assert_success(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("does not reach voluntary_attrition"), "{stderr}");
    // Two targets, one parameter: one degree of freedom left to test the model with.
    assert!(stderr.contains("the targets reject the model at the fit"), "{stderr}");
    let calibrated =
        std::fs::read_to_string(dir.path.join("out/recovery_calibration/recovery.calibrated.toml")).unwrap();
    assert!(calibrated.contains("overidentification: J = "), "{calibrated}");
    assert!(calibrated.contains("on 1 degree of freedom"), "{calibrated}");
    let test = csv_rows(&dir.path.join("out/recovery_calibration/overidentification.csv"));
    assert_eq!(
        (test[0]["degrees_of_freedom"].as_str(), test[0]["rejected"].as_str()),
        ("1", "true"),
        "{test:?}"
    );
    let fit = csv_rows(&dir.path.join("out/recovery_calibration/fit.csv"));
    let row = fit.iter().find(|row| row["moment"] == "voluntary_attrition").unwrap();
    assert_eq!(row["reached"], "false");
    assert!(row["residual"].parse::<f64>().unwrap().abs() > 3.0, "{row:?}");
}

/// A correlation the targets file states moves the standard errors and nothing
/// else: the search minimises the diagonal distance, so the same seed finds the
/// same values, and the errors of independent moments stay as they were.
#[test]
fn a_stated_correlation_between_targets_changes_the_standard_errors_only() {
    let dir = WorkDir::new("calibrate-correlated");
    synthetic_targets(&dir);
    let fit = ["--max-evaluations", "16"];
    assert_success(&calibrate(&dir, "independent", &fit));
    let plain = std::fs::read_to_string(dir.path.join("recovery.targets.toml")).unwrap();
    dir.write(
        "recovery.targets.toml",
        &format!(
            "{plain}\n[[correlation]]\nbetween = [\"voluntary_attrition\", \"mean_overhead_rest\"]\nrho = 0.8\n"
        ),
    );
    assert_success(&calibrate(&dir, "correlated", &fit));
    let independent = parameters_with_independent(&dir.path.join("independent/recovery_calibration"));
    let correlated = parameters_with_independent(&dir.path.join("correlated/recovery_calibration"));
    for (field, &(value, se, se_independent)) in &independent {
        let (value_c, se_c, se_independent_c) = correlated[field];
        assert_eq!(value, value_c, "{field}: the correlation moved the fit");
        assert_eq!(se_independent, se_independent_c, "{field}: the diagonal's standard error moved");
        assert!(se.is_finite() && se_c.is_finite(), "{field}: {se}, {se_c}");
        assert!(
            (se - se_c).abs() > 0.01 * se,
            "{field}: a correlation of 0.8 left the standard error at {se} ({se_c})"
        );
    }
}

#[test]
fn a_parameter_the_targets_do_not_move_is_not_identified() {
    let dir = WorkDir::new("calibrate-unidentified");
    dir.write(
        "recovery.targets.toml",
        "[[target]]\nmoment = \"mean_overhead_rest\"\nvalue = 0.08\nse = 0.005\n",
    );
    // Growth switched off: its rate changes nothing.
    let output = calibrate(
        &dir,
        "out",
        &[
            "--set",
            "dynamics.growth.enabled=false",
            "--set",
            "dynamics.growth.rate=0.5",
            "--fit",
            "dynamics.overhead.load=0.02:0.4,dynamics.growth.rate=0.1:0.9",
            "--max-evaluations",
            "12",
        ],
    );
    assert_success(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("dynamics.growth.rate is not identified"), "{stderr}");
    let found = csv_rows(&dir.path.join("out/recovery_calibration/parameters.csv"));
    let growth = found.iter().find(|row| row["field"] == "dynamics.growth.rate").unwrap();
    assert_eq!(growth["identified"], "false");
    assert_eq!(growth["se"], "NaN");
}

#[test]
fn a_malformed_targets_file_is_located_and_nothing_is_written() {
    let dir = WorkDir::new("calibrate-malformed");
    dir.write(
        "recovery.targets.toml",
        "[[target]]\nmoment = \"voluntary_attriton\"\nvalue = 0.1\nse = 0.01\n\n[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\n",
    );
    let output = calibrate(&dir, "out", &["--fit", "dynamics.overhead.load=0.02:0.4"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("recovery.targets.toml:2:1: unknown value: target[0].moment"), "{stderr}");
    assert!(stderr.contains("did you mean \"voluntary_attrition\""), "{stderr}");
    assert!(stderr.contains("recovery.targets.toml:6:1: missing field: target[1]"), "{stderr}");
    assert!(!dir.path.join("out").exists(), "nothing is written for bad input");
}

#[test]
fn bad_fit_flags_are_refused_before_anything_runs() {
    let dir = WorkDir::new("calibrate-flags");
    dir.write(
        "recovery.targets.toml",
        "[[target]]\nmoment = \"voluntary_attrition\"\nvalue = 0.1\nse = 0.01\n",
    );
    let cases: [(&str, &str); 5] = [
        ("dynamics.quits.base_rate", "no bounds"),
        ("dynamics.quits.base_rate=0.5:0.1", "above the low one"),
        ("dynamics.quits.base_rate=0.3:0.5", "outside its bounds"),
        ("dynamics.quits.base_rate=-1:0.5", "does not validate"),
        ("dynamics.quits.base_rat=0:1", "no such numeric field"),
    ];
    for (flag, why) in cases {
        let output = calibrate(&dir, "out", &["--fit", flag]);
        assert_eq!(output.status.code(), Some(2), "{flag}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(why), "--fit {flag}: {stderr}");
        assert!(!dir.path.join("out").exists(), "--fit {flag} wrote results");
    }
    // One trial shows no simulation noise for the standard errors to take in.
    let output = calibrate(&dir, "out", &["--fit", "dynamics.quits.base_rate=0.02:0.6", "--trials", "1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 2 trials"), "{output:?}");
    assert!(!dir.path.join("out").exists());
}

/// The export's moments the recovery fits: those that do not count the same quits
/// twice, with the spells' promotion rate and span of control. The standard errors
/// account for the moments' correlations (a bootstrap over the export's
/// employees), but the regretted share and the bands are not quite the engine's
/// measurements (README, "Recovery"); the coverage test below fits every moment.
const HR_MOMENTS: &str = "voluntary_attrition,dismissal_rate,retirement_rate,hire_rate,median_tenure,\
                          short_tenure_share,promotion_rate.level.engineer,span_of_control";

/// The shipped synthetic HR export (made by the engine at known values, README
/// "Calibration") and the overhead target of the same run.
fn hr_calibrate(dir: &WorkDir, out: &str, extra: &[&str]) -> std::process::Output {
    let export = scenario("calibration/recovery.hr_export.csv");
    let targets = scenario("calibration/recovery.targets.toml");
    let mut args = vec![
        "calibrate",
        RECOVERY_PATH.as_str(),
        "--hr-export",
        export.as_str(),
        "--window",
        "2020-01-01:2021-12-31",
        "--targets",
        targets.as_str(),
        "--out",
        out,
        "-q",
    ];
    args.extend_from_slice(extra);
    dir.run(&args)
}

#[test]
fn calibrate_recovers_the_values_behind_the_shipped_hr_export_from_two_starts() {
    let dir = WorkDir::new("calibrate-hr-recovery");
    for (out, starts) in [
        ("a", ["dynamics.quits.base_rate=0.12", "dynamics.overhead.load=0.10"]),
        ("b", ["dynamics.quits.base_rate=0.45", "dynamics.overhead.load=0.05"]),
    ] {
        let output = hr_calibrate(
            &dir,
            out,
            &["--max-evaluations", "150", "--hr-moments", HR_MOMENTS, "--set", starts[0], "--set", starts[1]],
        );
        assert_success(&output);
        let results = dir.path.join(out).join("recovery_calibration");
        // The export was made by the model: its targets should not reject it (a
        // correct J test fails this 1% of the time).
        let test = csv_rows(&results.join("overidentification.csv"));
        assert_eq!(test.len(), 1, "{out}: no J test");
        assert_eq!(test[0]["rejected"], "false", "{out}: {test:?}");
        let found = parameters(&results);
        for (field, truth) in
            [("dynamics.quits.base_rate", TRUE_BASE_RATE), ("dynamics.overhead.load", TRUE_LOAD)]
        {
            let (value, se) = found[field];
            assert!(
                se.is_finite() && (value - truth).abs() <= 2.0 * se,
                "{out}: {field} = {value} (se {se}) does not recover {truth}"
            );
        }
        // The export's moments, with their sampling standard errors, are written.
        let moments = csv_rows(&results.join("hr_moments.csv"));
        let attrition = moments.iter().find(|row| row["moment"] == "voluntary_attrition").unwrap();
        assert!(attrition["se"].parse::<f64>().unwrap() > 0.0);
        assert!(attrition["count"].parse::<u64>().unwrap() > 100);
        // Every moment of spells is measured (the export has promotions, birth
        // years, ratings and managers); only those chosen are fitted.
        for name in [
            "voluntary_attrition.level.engineer",
            "voluntary_attrition.tenure.<1",
            "voluntary_attrition.age.35-45",
            "promotion_rate.level.lead",
            "span_of_control",
            "regretted_share",
        ] {
            let row = moments.iter().find(|row| row["moment"] == name).unwrap_or_else(|| panic!("no {name}"));
            assert!(row["se"].parse::<f64>().unwrap() > 0.0, "{row:?}");
        }
        let fitted: Vec<String> =
            csv_rows(&results.join("fit.csv")).into_iter().map(|row| row["moment"].clone()).collect();
        assert_eq!(fitted.len(), 1 + HR_MOMENTS.split(',').count(), "{fitted:?}");
        // The model's span of control is its layout's: 76 positions in teams of 3, 4 and 5.
        let span =
            csv_rows(&results.join("fit.csv")).into_iter().find(|row| row["moment"] == "span_of_control");
        assert_eq!(span.unwrap()["simulated"], "4.76");
    }
    let wrong = hr_calibrate(&dir, "c", &["--hr-moments", "voluntary_attrition.level.enginer"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&wrong.stderr)
            .contains("did you mean \"voluntary_attrition.level.engineer\""),
        "{wrong:?}"
    );
}

#[test]
fn a_malformed_hr_export_is_refused_with_its_line_and_column() {
    let dir = WorkDir::new("calibrate-hr-malformed");
    dir.write(
        "export.csv",
        "employee_id,level,hire_date,exit_date,exit_reason\n\
         E1,engineer,2019-01-01,,\n\
         E2,engineer,2019-02-30,,\n\
         E3,janitor,2019-01-01,2018-01-01,voluntary\n",
    );
    let output = dir.run(&[
        "calibrate",
        RECOVERY_PATH.as_str(),
        "--hr-export",
        "export.csv",
        "--window",
        "2020-01-01:2021-12-31",
        "--fit",
        "dynamics.quits.base_rate=0.02:0.6",
        "--out",
        "out",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("export.csv:3: column hire_date: \"2019-02-30\": 2019-02 has no day 30"),
        "{stderr}"
    );
    assert!(stderr.contains("export.csv:4: column level: \"janitor\" is not a level"), "{stderr}");
    assert!(
        stderr.contains("export.csv:4: column exit_date: 2018-01-01 is before the hire date"),
        "{stderr}"
    );
    assert!(!dir.path.join("out").exists());
    let window = dir.run(&[
        "calibrate",
        RECOVERY_PATH.as_str(),
        "--hr-export",
        "export.csv",
        "--window",
        "2021-12-31:2020-01-01",
        "--fit",
        "dynamics.quits.base_rate=0.02:0.6",
    ]);
    assert_eq!(window.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&window.stderr).contains("--window"), "{window:?}");
}

/// `--restarts 3`: the first search from the scenario's values, the others from the
/// Halton design's first points in the bounds; every evaluation is in
/// evaluations.csv with its search, the fit is the best of all, and nothing depends
/// on the thread count.
#[test]
fn restarts_are_deterministic_independent_of_threads_and_keep_the_best() {
    let dir = WorkDir::new("calibrate-restarts");
    synthetic_targets(&dir);
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let extra = ["--restarts", "3", "--max-evaluations", "6", "--trials", "4", "--threads", threads];
        assert_success(&calibrate(&dir, threads, &extra));
        let results = dir.path.join(threads).join("recovery_calibration");
        files.push(
            [
                "recovery.calibrated.toml",
                "parameters.csv",
                "evaluations.csv",
                "fit.csv",
                "overidentification.csv",
            ]
            .map(|name| std::fs::read(results.join(name)).unwrap()),
        );
    }
    assert!(files[0] == files[1], "the thread count changed the calibration");
    let results = dir.path.join("1/recovery_calibration");
    let rows = csv_rows(&results.join("evaluations.csv"));
    let number = |row: &std::collections::BTreeMap<String, String>, column: &str| -> f64 {
        row[column].parse().unwrap()
    };
    let restarts: std::collections::BTreeSet<&str> = rows.iter().map(|row| row["restart"].as_str()).collect();
    assert_eq!(restarts.into_iter().collect::<Vec<_>>(), ["0", "1", "2"]);
    // Each search starts where it should: the scenario's 0.12 and 0.10, then the
    // Halton points (1/2, 1/3) and (1/4, 2/3) of the bounds [0.02, 0.6] × [0.02, 0.4].
    let starts =
        [(0.12, 0.10), (0.02 + 0.58 / 2.0, 0.02 + 0.38 / 3.0), (0.02 + 0.58 / 4.0, 0.02 + 0.38 * 2.0 / 3.0)];
    for (restart, (rate, load)) in starts.iter().enumerate() {
        let first = rows.iter().find(|row| row["restart"] == restart.to_string()).unwrap();
        assert!((number(first, "dynamics.quits.base_rate") - rate).abs() < 1e-12, "{first:?}");
        assert!((number(first, "dynamics.overhead.load") - load).abs() < 1e-12, "{first:?}");
        let used = rows.iter().filter(|row| row["restart"] == restart.to_string()).count();
        assert!(used <= 6, "search {restart} used {used} of its 6 evaluations");
    }
    let best: Vec<_> = rows.iter().filter(|row| row["best"] == "true").collect();
    assert_eq!(best.len(), 1, "one evaluation is the fit");
    let lowest = rows.iter().map(|row| number(row, "distance")).fold(f64::INFINITY, f64::min);
    assert_eq!(number(best[0], "distance"), lowest, "the fit is the best of every search");
    let fitted = parameters(&results);
    assert_eq!(fitted["dynamics.quits.base_rate"].0, number(best[0], "dynamics.quits.base_rate"));
    assert_eq!(fitted["dynamics.overhead.load"].0, number(best[0], "dynamics.overhead.load"));
}

#[test]
fn validate_checks_targets_files_against_their_scenario() {
    let dir = WorkDir::new("calibrate-validate");
    let shipped = scenario("calibration/tech_org.targets.toml");
    let output =
        dir.run(&["validate", shipped.as_str(), scenario("calibration/recovery.targets.toml").as_str()]);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("tech_org.targets.toml (5 targets, 5 fitted fields, of"), "{stdout}");
    let bad = "[[target]]\nmoment = \"voluntary_attrition.level.enginer\"\nvalue = 0.1\nse = 0.01\n\n\
               [[target]]\nmoment = \"span_of_control\"\nvalue = 4\nse = 0\n";
    // By its name, beside its scenario, and by --targets with --scenario.
    std::fs::copy(RECOVERY_PATH.as_str(), dir.path.join("dept.toml")).unwrap();
    dir.write("dept.targets.toml", bad);
    dir.write("anything.toml", bad);
    for args in [
        vec!["validate", "dept.targets.toml"],
        vec!["validate", "--targets", "anything.toml", "--scenario", RECOVERY_PATH.as_str()],
    ] {
        let output = dir.run(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let file = if args[1] == "--targets" { "anything.toml" } else { "dept.targets.toml" };
        assert!(stderr.contains(&format!("{file}:2:1: unknown value: target[0].moment")), "{stderr}");
        assert!(stderr.contains("did you mean \"voluntary_attrition.level.engineer\""), "{stderr}");
        assert!(stderr.contains(&format!("{file}:9:1: out of range: target[1].se")), "{stderr}");
    }
    let orphan = dir.run(&["validate", "--targets", "anything.toml"]);
    assert_eq!(orphan.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&orphan.stderr).contains("--scenario"), "{orphan:?}");
}

/// The README's catalogue table names every moment of spells the code knows, and
/// every band.
#[test]
fn the_readme_catalogue_names_every_moment_of_spells() {
    use attrition::calibrate::catalogue::{AGE_BANDS, SpellMoment, TENURE_BANDS};
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let levels = ["<level>"; 3];
    for moment in SpellMoment::all(levels.len(), true) {
        let name = moment.name(&levels);
        let generic = match name.split_once(".tenure.").or_else(|| name.split_once(".age.")) {
            Some((measure, _)) => {
                format!("`{measure}.{}.<band>`", if name.contains(".age.") { "age" } else { "tenure" })
            }
            None => format!("`{name}`"),
        };
        assert!(readme.contains(&generic), "the README's catalogue lacks {generic}");
    }
    for (_, _, band) in TENURE_BANDS.iter().chain(&AGE_BANDS) {
        assert!(readme.contains(&format!("`{band}`")), "the README's catalogue lacks the band {band}");
    }
}

/// The shipped export split into `parts` exports of consecutive firms: each trial of
/// the run that made it is a firm, its employees' ids prefixed `t<trial>-`
/// (scripts/hr_export.py), managers within the firm, so the parts are independent
/// samples of the same organisation.
fn split_export(dir: &WorkDir, parts: usize) -> Vec<std::path::PathBuf> {
    let text = std::fs::read_to_string(scenario("calibration/recovery.hr_export.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let firm = |line: &str| -> usize {
        let id = line.split(',').next().unwrap();
        id.strip_prefix('t').and_then(|rest| rest.split_once('-')).unwrap().0.parse().unwrap()
    };
    let rows: Vec<&str> = lines.filter(|line| !line.is_empty()).collect();
    let firms = rows.iter().map(|line| firm(line)).max().unwrap() + 1;
    assert!(firms >= 2 * parts, "{firms} firms for {parts} parts");
    (0..parts)
        .map(|part| {
            let mut export = format!("{header}\n");
            for line in rows.iter().filter(|line| firm(line) * parts / firms == part) {
                export.push_str(line);
                export.push('\n');
            }
            dir.write(&format!("part{part}.csv"), &export)
        })
        .collect()
}

/// Fits `quits.base_rate` alone (the load at its true value) to each of 4
/// independent parts of the shipped export (4 firms each), with the moments
/// `moments` (`None`: every one the part measures), `trials` an evaluation;
/// `(value, se, se_independent)`
/// per part.
fn fit_parts(dir: &WorkDir, moments: Option<&str>, trials: &str) -> Vec<(f64, f64, f64)> {
    split_export(dir, 4)
        .iter()
        .enumerate()
        .map(|(part, export)| {
            let out = format!("part{part}");
            let load = format!("dynamics.overhead.load={TRUE_LOAD}");
            let mut args = vec![
                "calibrate",
                RECOVERY_PATH.as_str(),
                "--hr-export",
                export.to_str().unwrap(),
                "--window",
                "2020-01-01:2021-12-31",
                "--fit",
                "dynamics.quits.base_rate=0.02:0.6",
                "--set",
                &load,
                "--max-evaluations",
                "40",
                "--trials",
                trials,
                "--out",
                &out,
                "-q",
            ];
            if let Some(moments) = moments {
                args.extend(["--hr-moments", moments]);
            }
            assert_success(&dir.run(&args));
            let fit = parameters_with_independent(&dir.path.join(&out).join("recovery_calibration"))
                ["dynamics.quits.base_rate"];
            // For the README's account (`--nocapture`).
            eprintln!(
                "{}, part {part}: base_rate {:.4} (se {:.4}; independent {:.4}), {:.1} se from the truth",
                moments.map_or("every moment", |_| "chosen moments"),
                fit.0,
                fit.1,
                fit.2,
                (fit.0 - TRUE_BASE_RATE).abs() / fit.1
            );
            fit
        })
        .collect()
}

/// The parts whose fit misses the truth by more than `tolerance` reported standard
/// errors, and any whose se is below the independent moments' (the quit moments
/// correlate positively, so their full covariance can only widen it).
fn misses(fits: &[(f64, f64, f64)], tolerance: f64) -> Vec<String> {
    let mut misses = Vec::new();
    for (part, &(value, se, independent)) in fits.iter().enumerate() {
        assert!(se.is_finite() && se > 0.0, "part {part}: no standard error ({se})");
        let off = (value - TRUE_BASE_RATE).abs() / se;
        if off > tolerance || se < independent {
            misses.push(format!(
                "part {part}: base_rate {value} is {off:.1} se ({se}; independent {independent}) from \
                 {TRUE_BASE_RATE}"
            ));
        }
    }
    misses
}

/// Coverage with the README's moments that do not count the same quits twice
/// ([`HR_MOMENTS`], chosen before this test): in each of 4 independent parts of the
/// shipped export, the truth within 3 reported standard errors (a 99.7% interval
/// each, so a correct se fails this about 1% of the time; the tolerance was fixed
/// before the results were seen), and the full covariance's se not below the
/// independent one.
#[test]
fn the_standard_error_of_a_fit_to_non_overlapping_moments_covers_the_truth_in_independent_exports() {
    let dir = WorkDir::new("calibrate-coverage-chosen");
    let misses = misses(&fit_parts(&dir, Some(HR_MOMENTS), "16"), 3.0);
    assert!(misses.is_empty(), "{misses:#?}");
}

/// Coverage with every moment of each part, the same tolerance, at 64 trials an
/// evaluation. At the scenario's 16 it fails (parts 2 and 3 at 4.0 and 4.2
/// standard errors, base_rate 0.138): there the distance is too rough in
/// base_rate for the search (part 2: 19.3 at 0.12, 29.6 at 0.14, 14.1 at 0.16),
/// and the search stops in a well of simulation noise. It failed at 64 trials too
/// before the model's moments of spells became pooled ratios and the export's
/// count errors were taken at the model's rates (see `catalogue::Pooled` and
/// `Precision::Poisson`); the trial count was raised after that was seen, so this
/// checks the fix at a trial count where the search works, not at the default.
#[test]
fn the_standard_error_of_a_fit_to_every_moment_covers_the_truth_in_independent_exports() {
    let dir = WorkDir::new("calibrate-coverage");
    let misses = misses(&fit_parts(&dir, None, "64"), 3.0);
    assert!(misses.is_empty(), "{misses:#?}");
}

/// The bootstrap behind the export's correlations is seeded from the calibration's
/// seed and does not depend on the thread count: every file is the same.
#[test]
fn a_fit_to_an_hr_export_is_the_same_for_one_and_two_threads() {
    let dir = WorkDir::new("calibrate-hr-threads");
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let output = hr_calibrate(&dir, threads, &["--max-evaluations", "8", "--threads", threads]);
        assert_success(&output);
        let results = dir.path.join(threads).join("recovery_calibration");
        files.push(
            [
                "recovery.calibrated.toml",
                "parameters.csv",
                "evaluations.csv",
                "fit.csv",
                "overidentification.csv",
                "hr_moments.csv",
            ]
            .map(|name| std::fs::read(results.join(name)).unwrap()),
        );
    }
    assert!(files[0] == files[1], "the thread count changed the calibration");
    // Another seed resamples (and simulates) otherwise.
    let output = hr_calibrate(&dir, "seed", &["--max-evaluations", "8", "--seed", "5"]);
    assert_success(&output);
    let other = std::fs::read(dir.path.join("seed/recovery_calibration/parameters.csv")).unwrap();
    assert_ne!(other, files[0][1]);
}

/// A calibration's output says what it was fitted to: the targets file copied
/// verbatim beside the results, and the manifest's `inputs` naming the targets
/// file and the HR export with the SHA-256 of the bytes read (the export, an
/// organisation's data about people, is not copied).
#[test]
fn a_calibration_records_its_targets_file_and_hr_export() {
    let dir = WorkDir::new("calibrate-inputs");
    let output = hr_calibrate(&dir, "out", &["--max-evaluations", "4", "--outputs", "csv"]);
    assert_success(&output);
    let results = dir.path.join("out/recovery_calibration");
    let targets = std::fs::read(scenario("calibration/recovery.targets.toml")).unwrap();
    assert_eq!(std::fs::read(results.join("targets.toml")).unwrap(), targets, "copied verbatim");
    assert!(!results.join("recovery.hr_export.csv").exists());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(results.join("manifest.json")).unwrap()).unwrap();
    let inputs = manifest["inputs"].as_array().expect("an inputs list");
    let input = |role: &str| inputs.iter().find(|i| i["role"] == role).unwrap_or_else(|| panic!("no {role}"));
    let sha256 = |bytes: &[u8]| -> String {
        use sha2::Digest;
        sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
    };
    assert_eq!(input("targets")["sha256"], sha256(&targets));
    assert_eq!(input("targets")["bytes"], targets.len());
    assert_eq!(input("targets")["copy"], "targets.toml");
    let copied = manifest["files"].as_array().unwrap().iter().find(|f| f["file"] == "targets.toml");
    assert_eq!(copied.expect("the copy is checksummed")["sha256"], sha256(&targets));
    let export = std::fs::read(scenario("calibration/recovery.hr_export.csv")).unwrap();
    assert_eq!(input("hr_export")["sha256"], sha256(&export));
    assert!(input("hr_export").get("copy").is_none());
    assert!(input("hr_export")["file"].as_str().unwrap().ends_with("recovery.hr_export.csv"));
    // A run has no inputs besides its scenario, and says nothing of them.
    let output = dir.run(&["run", &scenario(RECOVERY), "--out", "run", "--outputs", "csv", "-q"]);
    assert_success(&output);
    let manifest = std::fs::read_to_string(dir.path.join("run/recovery/manifest.json")).unwrap();
    assert!(!manifest.contains("\"inputs\""));
}

/// The J test's chi-squared reference holds at an interior, converged fit: one
/// from a search that ran out of budget (or at a bound) says its p-value is only
/// indicative; an interior converged fit does not.
#[test]
fn an_overidentification_test_of_an_unconverged_fit_is_flagged() {
    let dir = WorkDir::new("calibrate-j-unconverged");
    synthetic_targets(&dir);
    let flag = "the overidentification test assumes an interior, converged fit";
    let fit = ["--fit", "dynamics.quits.base_rate=0.02:0.6"];
    let cut = calibrate(&dir, "cut", &[fit[0], fit[1], "--max-evaluations", "3"]);
    assert_success(&cut);
    let stderr = String::from_utf8_lossy(&cut.stderr);
    assert!(stderr.contains(flag) && stderr.contains("the search did not converge"), "{stderr}");
    let inside = calibrate(&dir, "inside", &fit);
    assert_success(&inside);
    let stderr = String::from_utf8_lossy(&inside.stderr);
    assert!(!stderr.contains("without converging"), "the one-field search converges: {stderr}");
    assert!(!stderr.contains(flag), "{stderr}");
}
