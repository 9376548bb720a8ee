//! Nothing is written outside the output directory, and no results are lost: the
//! real binary against planted links, interrupts while writing, sweeps and runs
//! into one directory, files of the user's, and concurrent runs.

#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::{WorkDir, assert_success, scenario};

/// A short run of the Peter-principle scenario into `output/peter_principle/`.
const QUICK: [&str; 5] = ["--trials", "2", "--set", "simulation.steps=20", "--quiet"];

fn quick_run(dir: &WorkDir, extra: &[&str]) -> std::process::Output {
    let path = scenario("peter_principle.toml");
    let mut args = vec!["run", path.as_str()];
    args.extend(QUICK);
    args.extend(extra);
    dir.run(&args)
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn snapshot(results: &Path) -> Vec<(String, Vec<u8>)> {
    names(results).into_iter().map(|name| (name.clone(), fs::read(results.join(&name)).unwrap())).collect()
}

/// `bench` stages in a fresh private directory: a link planted at the name the old
/// code used (`$TMPDIR/attrition-bench-<pid>`) is neither followed nor removed.
#[test]
fn bench_never_writes_through_a_link_planted_in_the_temporary_directory() {
    let dir = WorkDir::new("bench-link");
    let tmp = dir.path.join("tmp");
    let victim = dir.path.join("victim");
    fs::create_dir_all(victim.join("ci_peter_principle")).unwrap();
    fs::write(victim.join("ci_peter_principle/precious.txt"), "precious").unwrap();
    fs::create_dir_all(&tmp).unwrap();

    let mut child = dir
        .command(&["bench", &scenario("ci/peter_principle.toml"), "--trials", "2", "--json"])
        .env("TMPDIR", &tmp)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // The child reads and validates its scenario before it chooses a directory, so
    // the link is in place long before (the old code followed it).
    let planted = tmp.join(format!("attrition-bench-{}", child.id()));
    symlink(&victim, &planted).unwrap();
    assert!(child.wait().unwrap().success());

    assert_eq!(names(&victim), ["ci_peter_principle"]);
    assert_eq!(names(&victim.join("ci_peter_principle")), ["precious.txt"], "the link was followed");
    assert_eq!(names(&tmp), [planted.file_name().unwrap().to_string_lossy()], "bench left files behind");
}

/// The JUnit report is staged under a fresh name: a link planted at the old staging
/// name (`R.xml.partial`) is not written through, and `R.xml` ends a regular file.
#[test]
fn the_junit_report_is_never_written_through_a_planted_link() {
    let dir = WorkDir::new("junit-link");
    let victim = dir.write("victim.txt", "precious");
    symlink(&victim, dir.path.join("R.xml.partial")).unwrap();
    let check = |report: &str| {
        dir.run(&[
            "check",
            &scenario("ci/peter_principle.toml"),
            "--expect",
            &scenario("ci/peter_principle.expect.toml"),
            "--trials",
            "2",
            "--quiet",
            "--junit",
            report,
        ])
    };
    check("R.xml");
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    let report = dir.path.join("R.xml");
    assert!(fs::symlink_metadata(&report).unwrap().is_file(), "R.xml is a link");
    assert!(fs::read_to_string(&report).unwrap().contains("<testsuite"));

    // A directory named as the report is an error that leaves nothing partial.
    fs::create_dir(dir.path.join("DIR")).unwrap();
    let output = check("DIR");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DIR") && stderr.contains("is a directory"), "{stderr}");
    assert_eq!(names(&dir.path), ["DIR", "R.xml", "R.xml.partial", "output", "victim.txt"]);
    assert!(names(&dir.path.join("DIR")).is_empty());
}

/// Starts a run with a long output phase, signals it as soon as `timeseries.csv`
/// appears in its staging directory, and returns the exit code and stderr.
fn interrupt_while_writing(dir: &WorkDir, signal: &str) -> (Option<i32>, String) {
    let path = scenario("peter_principle.toml");
    let mut child = dir
        .command(&["run", &path, "--trials", "2", "--set", "simulation.steps=20000", "--quiet"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = dir.path.join("output");
    let started = Instant::now();
    let writing = || {
        fs::read_dir(&output).unwrap().flatten().any(|entry| {
            entry.file_name().to_string_lossy().starts_with(".peter_principle.partial-")
                && entry.path().join("timeseries.csv").exists()
        })
    };
    while !writing() {
        assert!(started.elapsed() < Duration::from_secs(300), "the run never started writing");
        // Writing 20,000 steps of time series takes far longer than a poll.
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it was seen writing");
        sleep(Duration::from_millis(2));
    }
    assert!(Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap().success());
    let result = child.wait_with_output().unwrap();
    (result.status.code(), String::from_utf8_lossy(&result.stderr).into_owned())
}

#[test]
fn an_interrupt_while_the_outputs_are_written_exits_130_and_keeps_the_previous_results() {
    let dir = WorkDir::new("interrupt-writing");
    assert_success(&quick_run(&dir, &[]));
    let results = dir.path.join("output/peter_principle");
    let before = snapshot(&results);
    for signal in ["-INT", "-TERM"] {
        let (code, stderr) = interrupt_while_writing(&dir, signal);
        assert_eq!(code, Some(130), "{signal}: {stderr}");
        assert!(stderr.contains("interrupted") && stderr.contains("intact"), "{signal}: {stderr}");
        assert!(snapshot(&results) == before, "{signal}: the previous results changed");
        assert_eq!(names(&dir.path.join("output")), ["peter_principle"], "{signal}: left behind");
    }
}

/// A sweep refuses to replace a run's results and a run a sweep's, without --force.
#[test]
fn a_sweep_and_a_run_do_not_destroy_each_others_results() {
    let dir = WorkDir::new("sweep-vs-run");
    assert_success(&quick_run(&dir, &[]));
    let results = dir.path.join("output/peter_principle");
    let run_results = snapshot(&results);
    let output = quick_run(&dir, &["--sweep", "workforce.dismissal_threshold=3,4"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("holds the results of a single run") && stderr.contains("--force"), "{stderr}");
    assert!(snapshot(&results) == run_results, "the sweep replaced the run's results");

    assert_success(&quick_run(&dir, &["--sweep", "workforce.dismissal_threshold=3,4", "--force"]));
    assert!(results.join("sweep.csv").is_file());
    let sweep_results = snapshot(&results);
    let output = quick_run(&dir, &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("holds the results of a sweep"), "{stderr}");
    assert!(snapshot(&results) == sweep_results, "the run replaced the sweep's results");
    // A sweep replaces a sweep, as a run replaces a run.
    assert_success(&quick_run(&dir, &["--sweep", "workforce.dismissal_threshold=3,5"]));
}

/// Re-running does not delete a file the user put beside the results, unless --force.
#[test]
fn files_attrition_did_not_write_are_kept_unless_forced() {
    let dir = WorkDir::new("user-files");
    assert_success(&quick_run(&dir, &[]));
    let results = dir.path.join("output/peter_principle");
    fs::write(results.join("notes.txt"), "my notes").unwrap();
    let before = snapshot(&results);
    let output = quick_run(&dir, &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("attrition did not write (notes.txt)") && stderr.contains("--force"), "{stderr}");
    assert!(snapshot(&results) == before);

    assert_success(&quick_run(&dir, &["--force"]));
    assert!(!results.join("notes.txt").exists());
    assert!(results.join("summary.csv").is_file());
}

/// Runs into one directory at once take turns: every one succeeds, the results are
/// one run's, whole, and nothing is left behind, except what may be a live run of
/// another host (a staging directory named by PID alone), which is not touched.
#[test]
fn concurrent_runs_into_one_directory_all_succeed_and_leave_nothing_behind() {
    let dir = WorkDir::new("concurrent");
    let output = dir.path.join("output");
    let elsewhere = output.join(".peter_principle.partial-4000000");
    fs::create_dir_all(&elsewhere).unwrap();
    fs::write(elsewhere.join("trials.csv"), "being written").unwrap();

    let path = scenario("peter_principle.toml");
    let children: Vec<_> = (0..6)
        .map(|_| {
            let mut args = vec!["run", path.as_str()];
            args.extend(QUICK);
            dir.command(&args).stderr(Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for child in children {
        assert_success(&child.wait_with_output().unwrap());
    }
    assert_eq!(names(&output), [".peter_principle.partial-4000000", "peter_principle"]);
    assert_eq!(fs::read_to_string(elsewhere.join("trials.csv")).unwrap(), "being written");
    let results = output.join("peter_principle");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(results.join("manifest.json")).unwrap()).unwrap();
    let mut listed: Vec<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_owned())
        .collect();
    listed.push("manifest.json".to_owned());
    listed.sort();
    assert_eq!(names(&results), listed, "the results are exactly one run's files");
}
