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
fn a_report_waits_while_a_run_holds_its_results_directory() {
    let work = WorkDir::new("report-lock");
    assert_success(&work.run(&["run", &scenario("ci/peter_principle.toml"), "--outputs", "csv", "--quiet"]));
    let results = work.path.join("output/ci_peter_principle");
    std::os::unix::fs::symlink(&results, work.path.join("link")).unwrap();
    // However the directory is named, the report takes the lock a run into
    // output/ci_peter_principle holds from its start to its swap.
    for (directory, from) in [
        ("output/ci_peter_principle", work.path.clone()),
        ("output/ci_peter_principle/", work.path.clone()),
        (".", results.clone()),
        ("link", work.path.clone()),
    ] {
        let _ = std::fs::remove_file(results.join("report.html"));
        let lock = std::fs::File::create(work.path.join("output/.ci_peter_principle.lock")).unwrap();
        lock.lock().unwrap();
        let mut report = work
            .command(&["report", directory])
            .current_dir(&from)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1000));
        assert!(report.try_wait().unwrap().is_none(), "report {directory} waits for the run");
        assert!(!results.join("report.html").exists(), "nothing written while it waits");
        lock.unlock().unwrap();
        let output = report.wait_with_output().unwrap();
        assert_success(&output);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("waiting for another attrition run"), "{stderr}");
        assert!(results.join("report.html").exists());
        // No lock file left in the results, where the next run would refuse it.
        let hidden: Vec<_> = std::fs::read_dir(&results)
            .unwrap()
            .flatten()
            .filter(|entry| entry.file_name().to_string_lossy().starts_with('.'))
            .map(|entry| entry.file_name())
            .collect();
        assert!(hidden.is_empty(), "report {directory} left {hidden:?}");
    }
}

/// A user who may write the results but not the directory they are in cannot
/// create the lock file beside them; the report is written all the same. Needs
/// root, to make such a user's files (`runuser -u nobody`); skipped otherwise.
#[test]
fn a_report_goes_without_the_lock_where_it_cannot_create_it() {
    use std::os::unix::fs::PermissionsExt;
    let binary = env!("CARGO_BIN_EXE_attrition");
    let as_nobody = |args: &[&str]| {
        std::process::Command::new("runuser").args(["-u", "nobody", "--", binary]).args(args).output()
    };
    if !as_nobody(&["--version"]).is_ok_and(|output| output.status.success()) {
        eprintln!("skipped: cannot run the binary as nobody (needs root and runuser)");
        return;
    }
    let work = WorkDir::new("report-unlockable");
    assert_success(&work.run(&["run", &scenario("ci/peter_principle.toml"), "--outputs", "csv", "--quiet"]));
    let results = work.path.join("output/ci_peter_principle");
    let chown = std::process::Command::new("chown").args(["-R", "nobody"]).arg(&results).status().unwrap();
    assert!(chown.success());
    let parent = work.path.join("output");
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = as_nobody(&["report", results.to_str().unwrap()]).unwrap();
    assert_success(&output);
    assert!(results.join("report.html").exists());
    assert!(!parent.join(".ci_peter_principle.lock").exists());
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

/// The CI Peter-principle scenario with labels for an arm and the headline, and
/// the charts it asks for.
fn labelled_peter(work: &WorkDir, extra: &str) -> std::path::PathBuf {
    let text = read(Path::new(&scenario("ci/peter_principle.toml")));
    let text = text.replacen(
        "[arms.\"best, common sense\"]",
        "[arms.\"best, common sense\"]\nlabel = \"Promote the best (common sense)\"",
        1,
    );
    // Top-level keys first, the new table last, so neither captures the other's keys.
    let text = format!("{extra}\n{text}\n[labels]\nefficiency_gain = \"Gain in efficiency\"\n");
    work.write("labelled.toml", &text)
}

#[test]
fn labels_reach_the_terminal_table_the_charts_and_the_report() {
    let work = WorkDir::new("report-labels");
    let file = labelled_peter(&work, "charts = [\"headcount\", \"comparison\"]");
    let output = work.run(&["run", file.to_str().unwrap(), "--trials", "2", "--report"]);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Promote the best (common sense)"), "the arm's label in the table:\n{stdout}");
    assert!(stdout.contains("ranked by Gain in efficiency"), "the metric's label in the table:\n{stdout}");
    let directory = work.path.join("output/ci_peter_principle");
    let charts: Vec<String> = std::fs::read_dir(&directory)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".svg"))
        .collect();
    let mut charts = charts;
    charts.sort();
    assert_eq!(
        charts,
        ["comparison_efficiency_gain.svg", "timeseries_headcount.svg"],
        "only the charts asked for"
    );
    let comparison = read(&directory.join("comparison_efficiency_gain.svg"));
    for text in ["Promote the best (common sense)", "Gain in efficiency", "higher is better", "baseline"] {
        assert!(comparison.contains(text), "the comparison chart shows {text:?}");
    }
    let html = read(&directory.join("report.html"));
    assert!(html.contains("Promote the best (common sense)") && html.contains("Gain in efficiency"));
}

#[test]
fn a_misspelt_chart_or_label_is_refused_at_its_line_with_the_nearest_name() {
    let work = WorkDir::new("report-badlabels");
    let file = labelled_peter(&work, "charts = [\"headcuont\"]");
    let output = work.run(&["validate", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("labelled.toml:1:"), "located at line 1: {stderr}");
    assert!(stderr.contains("charts[0]") && stderr.contains("did you mean \"headcount\""), "{stderr}");
}

#[test]
fn a_sweeps_directory_gets_a_report_with_its_own_section() {
    let work = WorkDir::new("report-sweep");
    let output = work.run(&[
        "run",
        &scenario("ci/peter_principle.toml"),
        "--trials",
        "2",
        "--sweep",
        "workforce.dismissal_threshold=3,4,5",
        "--quiet",
        "--report",
    ]);
    assert_success(&output);
    let html = read(&work.path.join("output/ci_peter_principle/report.html"));
    assert!(html.contains("<section id=\"sweep\""), "a sweep section");
    assert!(!html.contains("id=\"answer\""), "no single run's ranking");
    assert!(!html.contains("http"), "no URL");
    assert_eq!(html.matches("<svg class=\"chart wide\"").count(), 1, "the sweep's chart");
    let rows = html.matches("<tr>").count();
    // Three points, eight arms: a row each, in the sweep's table.
    assert!(rows >= 24, "{rows} rows");
    for value in ["3", "4", "5"] {
        assert!(html.contains(&format!("<td class=\"num\">{value}</td>")), "the point {value}");
    }
}

#[test]
fn a_sensitivity_analysis_gets_a_report_of_its_indices() {
    let work = WorkDir::new("report-sensitivity");
    let text = read(Path::new(&scenario("ci/tech_org.toml")));
    let file = work
        .write("tech.toml", &format!("{text}\n[sensitivity]\n\"dynamics.overhead.load\" = [0.05, 0.2]\n"));
    let file = file.to_str().unwrap();
    let short = ["--trials", "2", "--set", "simulation.burn_in=2", "--set", "simulation.steps=12"];
    let mut args = vec!["sensitivity", file, "--quiet", "--method", "oat"];
    args.extend(short);
    assert_success(&work.run(&args));
    assert_success(&work.run(&["report", "output/ci_tech_org_sensitivity", "--quiet"]));
    let html = read(&work.path.join("output/ci_tech_org_sensitivity/report.html"));
    assert!(html.contains("<section id=\"sensitivity\""), "a sensitivity section");
    assert!(!html.contains("http"), "no URL");
    let rows = html.matches("<code>dynamics.overhead.load</code>").count();
    assert!(rows >= 2, "a row per index (low and high): {rows}");
}

/// The report says which question the arms answer: their own steady states, or,
/// under a shared burn-in, the years after a change from the baseline's.
#[test]
fn a_report_says_whether_the_arms_start_from_the_baseline_s_organisation() {
    let work = WorkDir::new("report-shared-burn-in");
    let tech = scenario("ci/tech_org.toml");
    let page = |levers: &str| {
        let set = format!("simulation.burn_in_levers={levers}");
        let args = ["run", &tech, "--trials", "2", "--set", "simulation.burn_in=2", "--set", &set];
        assert_success(&work.run(&[&args[..], &["--report", "--quiet"]].concat()));
        read(&work.path.join("output/ci_tech_org/report.html"))
    };
    let shared = page("baseline");
    assert!(shared.contains("warm-up under the baseline's policy"), "the shared burn-in is named");
    assert!(shared.contains("the years after a change"));
    let own = page("own");
    assert!(own.contains("2 years of warm-up that are not measured"));
    assert!(!own.contains("the years after a change"));
}
