//! Design tables through the real binary: `--design POINTS.csv` runs one point per
//! row exactly as `run --set` would, bad cells are placed at their row and column,
//! and `--design-lhs` draws a stratified Latin hypercube from the seed.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use common::{WorkDir, assert_success, scenario};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const ARM_FIELD: &str = r#"arms."random, Peter".promotion"#;

/// Every row of a design is the run `--set` makes of its values: the summary rows
/// of sweep.csv at row r are summary.csv of that run, cell for cell.
#[test]
fn a_design_row_equals_a_run_with_the_same_set_values() {
    let dir = WorkDir::new("design-rows");
    let peter = scenario("peter_principle.toml");
    // The header is CSV-quoted where a field path holds a comma; cells are bare
    // numbers and names or TOML literals ("worst").
    let design = dir.write(
        "points.csv",
        "workforce.dismissal_threshold,simulation.steps,\"arms.\"\"random, Peter\"\".promotion\"\n\
         3.5,6,random\n4,9,\"\"\"worst\"\"\"\n4.25,7,alternate\n",
    );
    let ran =
        dir.run(&["run", &peter, "--design", &design.display().to_string(), "--trials", "3", "--quiet"]);
    assert_success(&ran);
    let results = dir.path.join("output/peter_principle");
    let swept = common::csv_rows(&results.join("sweep.csv"));
    // More than one field: no chart, as the sweep chart needs a grid.
    assert!(!results.join("sweep_efficiency_gain.png").exists());
    let rerun = common::csv_rows(&results.join("design.csv"));
    assert_eq!(rerun.len(), 3);
    assert_eq!(rerun[1][ARM_FIELD], "worst");

    let mut matched = 0;
    for (row, (threshold, steps, promotion)) in
        [("3.5", "6", "random"), ("4", "9", "worst"), ("4.25", "7", "alternate")].into_iter().enumerate()
    {
        let out = format!("single-{row}");
        let single = dir.run(&[
            "run",
            &peter,
            "--trials",
            "3",
            "--set",
            &format!("workforce.dismissal_threshold={threshold}"),
            "--set",
            &format!("simulation.steps={steps}"),
            "--set",
            &format!("{ARM_FIELD}={promotion}"),
            "--out",
            &out,
            "--quiet",
        ]);
        assert_success(&single);
        let summary = common::csv_rows(&dir.path.join(&out).join("peter_principle/summary.csv"));
        let at_row: Vec<BTreeMap<String, String>> = swept
            .iter()
            .filter(|r| {
                r["workforce.dismissal_threshold"] == threshold
                    && r["simulation.steps"] == steps
                    && r[ARM_FIELD] == promotion
            })
            .map(|r| {
                r.iter()
                    .filter(|(column, _)| summary[0].contains_key(*column))
                    .map(|(c, v)| (c.clone(), v.clone()))
                    .collect()
            })
            .collect();
        assert_eq!(at_row.len(), summary.len(), "row {row}");
        matched += at_row.len();
        assert_eq!(at_row, summary, "row {row} differs from its run");
    }
    assert_eq!(matched, swept.len(), "every row of sweep.csv is one of the design's points");
    // The rows differ from each other, so the comparison above could fail.
    let mean = |threshold: &str| {
        swept.iter().find(|r| r["workforce.dismissal_threshold"] == threshold).unwrap()["mean"].clone()
    };
    assert_ne!(mean("3.5"), mean("4"));
}

/// A bad value is reported at its file, line and column (with the field's name),
/// with the validation's own message, before anything runs.
#[test]
fn a_bad_cell_is_placed_at_its_row_and_column() {
    let dir = WorkDir::new("design-bad");
    let peter = scenario("peter_principle.toml");
    let cases = [
        // Out of range, on the second data row (line 3), second column.
        (
            "workforce.dismissal_threshold,simulation.steps\n3.5,6\n4,-3\n",
            "bad.csv:3: column 2 (simulation.steps): ",
        ),
        // An empty cell.
        (
            "workforce.dismissal_threshold,simulation.steps\n3.5,6\n,6\n",
            "bad.csv:3: column 1 (workforce.dismissal_threshold): missing field",
        ),
        // A field the scenario format does not have.
        (
            "simulation.steps,workforce.dismisal_threshold\n6,3\n",
            "bad.csv:2: column 2 (workforce.dismisal_threshold): unknown field",
        ),
        // A quoted field path holding a comma still names its own column.
        (
            "\"arms.\"\"best, Peter\"\".common_sense_change\",workforce.dismissal_threshold\n0.6,\n",
            "bad.csv:2: column 2 (workforce.dismissal_threshold): missing field",
        ),
        // An arm the scenario does not have, as --set refuses it.
        ("arms.nobody.promotion\nbest\n", "bad.csv:2: column 1 (arms.nobody.promotion): unknown field"),
        // Not a parameter, in the header.
        (
            "simulation.steps,simulation.seed\n6,1\n",
            "bad.csv:1: column 2 (simulation.seed): inconsistent: trials and seed",
        ),
    ];
    for (table, expected) in cases {
        let file = dir.write("bad.csv", table);
        let ran =
            dir.run(&["run", &peter, "--design", &file.display().to_string(), "--trials", "2", "--quiet"]);
        assert_eq!(ran.status.code(), Some(2), "{table}");
        assert!(stderr(&ran).contains(expected), "{table}: {}", stderr(&ran));
    }
    assert!(!dir.path.join("output").exists(), "nothing runs before every row is valid");
    // A field also set with --set is refused, like a swept one.
    let file = dir.write("both.csv", "simulation.steps\n6\n7\n");
    let both = dir.run(&[
        "run",
        &peter,
        "--design",
        &file.display().to_string(),
        "--set",
        "simulation.steps=5",
        "--quiet",
    ]);
    assert_eq!(both.status.code(), Some(2));
    assert!(stderr(&both).contains("both a column of the design and set with --set"), "{}", stderr(&both));
}

/// A column that no arm sees is refused as a sweep of it is.
#[test]
fn a_design_field_that_no_arm_sees_is_refused_like_a_sweep() {
    let dir = WorkDir::new("design-reach");
    let file = dir.write("reach.csv", "simulation.steps,policy.promotion\n6,best\n6,random\n");
    let ran = dir.run(&[
        "run",
        &scenario("peter_principle.toml"),
        "--design",
        &file.display().to_string(),
        "--trials",
        "2",
        "--quiet",
    ]);
    assert_eq!(ran.status.code(), Some(2));
    let message = stderr(&ran);
    assert!(
        message.contains(
            "reach.csv:1: column 2 (policy.promotion): inconsistent: sweeping policy.promotion changes nothing"
        ),
        "{message}"
    );
    let swept = dir.run(&[
        "run",
        &scenario("peter_principle.toml"),
        "--sweep",
        "policy.promotion=best,random",
        "--trials",
        "2",
        "--quiet",
    ]);
    assert!(stderr(&swept).contains("sweeping policy.promotion changes nothing"), "{}", stderr(&swept));
}

/// `--design-lhs` is a function of the seed, stratified in every dimension, and
/// its design.csv re-run with `--design` gives the same results.
#[test]
fn a_latin_hypercube_is_stratified_deterministic_and_rerunnable() {
    let dir = WorkDir::new("design-lhs");
    let peter = scenario("peter_principle.toml");
    let lhs = |out: &str, seed: &str| {
        let ran = dir.run(&[
            "run",
            &peter,
            "--design-lhs",
            "5",
            "--range",
            "workforce.dismissal_threshold=3:5",
            "--range",
            "workforce.retirement_age=60:66",
            "--trials",
            "2",
            "--seed",
            seed,
            "--set",
            "simulation.steps=5",
            "--out",
            out,
            "--quiet",
        ]);
        assert_success(&ran);
        dir.path.join(out).join("peter_principle")
    };
    let first = lhs("a", "11");
    let design = fs::read_to_string(first.join("design.csv")).unwrap();
    assert_eq!(design, fs::read_to_string(lhs("b", "11").join("design.csv")).unwrap());
    assert_ne!(design, fs::read_to_string(lhs("c", "12").join("design.csv")).unwrap());

    let rows = common::csv_rows(&first.join("design.csv"));
    assert_eq!(rows.len(), 5);
    for (field, low, high) in
        [("workforce.dismissal_threshold", 3.0, 5.0), ("workforce.retirement_age", 60.0, 66.0)]
    {
        let mut bins: Vec<usize> = rows
            .iter()
            .map(|row| {
                let x: f64 = row[field].parse().unwrap();
                assert!((low..high).contains(&x), "{field} = {x}");
                ((x - low) / (high - low) * 5.0).floor() as usize
            })
            .collect();
        bins.sort_unstable();
        assert_eq!(bins, [0, 1, 2, 3, 4], "{field}: one point per bin");
    }

    let again = dir.run(&[
        "run",
        &peter,
        "--design",
        &first.join("design.csv").display().to_string(),
        "--trials",
        "2",
        "--seed",
        "11",
        "--set",
        "simulation.steps=5",
        "--out",
        "rerun",
        "--quiet",
    ]);
    assert_success(&again);
    for file in ["sweep.csv", "sweep_comparison.csv", "design.csv"] {
        let read = |root: &Path| fs::read(root.join(file)).unwrap();
        assert!(read(&first) == read(&dir.path.join("rerun/peter_principle")), "{file} differs");
    }
}

/// One field: the chart is drawn, its points in the field's order.
#[test]
fn a_design_of_one_field_is_charted_and_ranges_are_checked() {
    let dir = WorkDir::new("design-one");
    let peter = scenario("peter_principle.toml");
    // A sampler may repeat a point: allowed, and said.
    let file = dir.write("one.csv", "workforce.dismissal_threshold\n4.5\n3.5\n4.5\n");
    let ran = dir.run(&[
        "run",
        &peter,
        "--design",
        &file.display().to_string(),
        "--trials",
        "2",
        "--set",
        "simulation.steps=5",
        "--quiet",
    ]);
    assert_success(&ran);
    assert!(stderr(&ran).contains("rows on lines 2 and 4 are the same point"), "{}", stderr(&ran));
    assert!(dir.path.join("output/peter_principle/sweep_efficiency_gain.png").exists());

    for (flags, why) in [
        (&["--design-lhs", "3", "--range", "workforce.dismissal_threshold=5:3"][..], "runs upwards"),
        (&["--design-lhs", "3", "--range", "workforce.dismissal_threshold=3"][..], "low:high"),
        (&["--range", "workforce.dismissal_threshold=3:5"][..], "--design-lhs"),
        (&["--design-lhs", "3", "--range", "a.b=0:1", "--range", "a.b=1:2"][..], "two ranges"),
        (&["--design", "one.csv", "--sweep", "simulation.steps=5,6"][..], "cannot be used with"),
    ] {
        let mut args = vec!["run", peter.as_str(), "--trials", "2", "--quiet", "--out", "never"];
        args.extend(flags);
        let refused = dir.run(&args);
        assert_eq!(refused.status.code(), Some(2), "{flags:?}");
        assert!(stderr(&refused).contains(why), "{flags:?}: {}", stderr(&refused));
    }
    assert!(!dir.path.join("never").exists());
}

/// `--outputs csv` skips a design's chart as it skips a sweep's.
#[test]
fn a_design_with_csv_outputs_draws_no_chart() {
    let dir = WorkDir::new("design-csv");
    let peter = scenario("peter_principle.toml");
    let file = dir.write("one.csv", "workforce.dismissal_threshold\n3.5\n4.5\n");
    let path = file.display().to_string();
    let common =
        ["run", &peter, "--design", &path, "--trials", "2", "--set", "simulation.steps=5", "--quiet"];
    assert_success(&dir.run(&[&common[..], &["--outputs", "csv"]].concat()));
    let results = dir.path.join("output/peter_principle");
    let names: Vec<String> = fs::read_dir(&results)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n == "sweep.csv"), "{names:?}");
    assert!(!names.iter().any(|n| n.ends_with(".png") || n.ends_with(".svg")), "{names:?}");
    assert_success(&dir.run(&common));
    let drawn =
        fs::read_dir(&results).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".png"));
    assert!(drawn, "the default outputs draw the one-field design's chart");
}
