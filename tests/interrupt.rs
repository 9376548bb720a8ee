//! Interrupted runs lose nothing: a run stopped by SIGINT or SIGTERM, or killed
//! outright, never leaves a CSV that looks finished, and the previous results of the
//! same scenario stay intact.

#![cfg(unix)]

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use common::{WorkDir, assert_success, scenario};

/// Starts a long run, waits until it is writing, sends `signal`, and returns the
/// exit code and stderr.
fn interrupt(dir: &WorkDir, signal: &str) -> (Option<i32>, String) {
    let child = dir
        .command(&["run", &scenario("peter_principle.toml"), "--trials", "200000", "--quiet"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = dir.path.join("output");
    let started = Instant::now();
    // Wait for the staging directory: the run has begun writing.
    while !fs::read_dir(&output)
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().contains(".partial-"))
    {
        assert!(started.elapsed() < Duration::from_secs(30), "the run never started writing");
        sleep(Duration::from_millis(20));
    }
    sleep(Duration::from_millis(500));
    let status = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let result = child.wait_with_output().unwrap();
    (result.status.code(), String::from_utf8_lossy(&result.stderr).into_owned())
}

fn snapshot(results: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(results)
        .unwrap()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

fn leftovers(dir: &WorkDir) -> Vec<String> {
    fs::read_dir(dir.path.join("output"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "peter_principle")
        .collect()
}

#[test]
fn sigint_and_sigterm_stop_the_run_and_keep_the_previous_results() {
    let dir = WorkDir::new("interrupt");
    assert_success(&dir.run(&["run", &scenario("peter_principle.toml"), "--trials", "2", "--quiet"]));
    let results = dir.path.join("output/peter_principle");
    let before = snapshot(&results);

    for signal in ["-INT", "-TERM"] {
        let (code, stderr) = interrupt(&dir, signal);
        assert_eq!(code, Some(130), "{signal}: {stderr}");
        assert!(stderr.contains("interrupted") && stderr.contains("intact"), "{signal}: {stderr}");
        assert!(snapshot(&results) == before, "{signal}: the previous results changed");
        assert!(leftovers(&dir).is_empty(), "{signal}: left behind {:?}", leftovers(&dir));
    }
}

#[test]
fn a_killed_run_leaves_no_finished_looking_output_and_is_cleaned_up_later() {
    let dir = WorkDir::new("killed");
    assert_success(&dir.run(&["run", &scenario("peter_principle.toml"), "--trials", "2", "--quiet"]));
    let results = dir.path.join("output/peter_principle");
    let before = snapshot(&results);

    let (code, _) = interrupt(&dir, "-KILL");
    assert_eq!(code, None, "SIGKILL ends the process without an exit code");
    assert!(snapshot(&results) == before, "the previous results changed");
    // What the killed run wrote stays in its hidden staging directory only, beside
    // its lock file (no longer locked: the lock went with the process).
    let left = leftovers(&dir);
    assert!(
        left.iter()
            .all(|name| name.starts_with(".peter_principle.partial-") || name == ".peter_principle.lock"),
        "{left:?}"
    );

    // The next run removes the abandoned staging directory.
    assert_success(&dir.run(&["run", &scenario("peter_principle.toml"), "--trials", "2", "--quiet"]));
    assert!(leftovers(&dir).is_empty(), "left behind {:?}", leftovers(&dir));
}
