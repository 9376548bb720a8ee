//! `--replay-trial I` runs trial I of the full run alone: its rows in trials.csv are
//! the full run's rows of trial I, byte for byte, whatever its seed (most seeds are
//! above 2^53, which spreadsheets cannot hold).

mod common;

use std::path::Path;

use common::{WorkDir, assert_success, scenario};

/// The rows of trials.csv (header first) in `directory`.
fn trial_rows(directory: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(directory.join("trials.csv")).expect("trials.csv");
    text.lines().map(str::to_owned).collect()
}

/// Field `index` of one CSV line (arm names may hold quoted commas).
fn field(line: &str, index: usize) -> String {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
    let record = reader.records().next().expect("a record").expect("valid CSV");
    record[index].to_owned()
}

/// The index of `column` in a CSV header.
fn column(header: &str, column: &str) -> usize {
    (0..).find(|&index| field(header, index) == column).unwrap_or_else(|| panic!("no {column} in {header}"))
}

#[test]
fn a_replayed_trial_writes_the_full_runs_rows_of_that_trial() {
    let dir = WorkDir::new("replay-trial");
    let tech = scenario("tech_org.toml");
    let common = ["--trials", "24", "--set", "simulation.steps=24", "--quiet", "--threads", "2"];
    let mut full = vec!["run", tech.as_str(), "--out", "full"];
    full.extend(common);
    assert_success(&dir.run(&full));
    let full_rows = trial_rows(&dir.path.join("full/tech_org"));
    let header = &full_rows[0];
    let (trial_column, seed_column) = (column(header, "trial"), column(header, "seed"));

    for index in [0u64, 17, 23] {
        let index_text = index.to_string();
        let mut replay = vec!["run", tech.as_str(), "--out", "full", "--replay-trial", index_text.as_str()];
        replay.extend(common);
        assert_success(&dir.run(&replay));
        let replayed = trial_rows(&dir.path.join(format!("full/tech_org-trial-{index}")));
        assert_eq!(&replayed[0], header);
        let expected: Vec<&String> =
            full_rows[1..].iter().filter(|row| field(row, trial_column) == index_text).collect();
        assert_eq!(expected.len(), 6, "one row per arm of tech_org");
        assert_eq!(replayed[1..].iter().collect::<Vec<_>>(), expected, "trial {index}");
        let manifest: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path.join(format!("full/tech_org-trial-{index}/manifest.json")))
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            (manifest["replayed_trial"].as_u64(), manifest["trials"].as_u64()),
            (Some(index), Some(1))
        );
        if index == 17 {
            // The case the flag exists for: a seed no double holds exactly.
            let seed: u64 = field(&replayed[1], seed_column).parse().unwrap();
            assert!(seed > 1 << 53, "{seed}");
        }
    }
    // The full run's results are still there, untouched, and its manifest names no replay.
    assert_eq!(trial_rows(&dir.path.join("full/tech_org")), full_rows);
    let manifest = std::fs::read_to_string(dir.path.join("full/tech_org/manifest.json")).unwrap();
    assert!(!manifest.contains("replayed_trial"), "{manifest}");
}

#[test]
fn a_replayed_trial_beyond_the_run_is_refused() {
    let dir = WorkDir::new("replay-trial-beyond");
    let peter = scenario("peter_principle.toml");
    let output = dir.run(&["run", &peter, "--trials", "5", "--replay-trial", "5", "--quiet"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--replay-trial 5") && stderr.contains("trials 0 to 4"), "{stderr}");
    assert!(!dir.path.join("output").exists(), "nothing is written");
}

/// In a sweep every point replays the same trial: the per-trial rows of the replay
/// are the full sweep's rows of that trial, at every point.
#[test]
fn a_replayed_trial_of_a_sweep_is_that_trial_at_every_point() {
    let dir = WorkDir::new("replay-trial-sweep");
    let peter = scenario("peter_principle.toml");
    let common = [
        "--trials",
        "12",
        "--set",
        "simulation.steps=40",
        "--sweep",
        "workforce.dismissal_threshold=3,5",
        "--sweep-trials",
        "--quiet",
    ];
    let mut full = vec!["run", peter.as_str()];
    full.extend(common);
    assert_success(&dir.run(&full));
    let read = |name: &str| -> Vec<String> {
        std::fs::read_to_string(dir.path.join("output").join(name).join("sweep_trials.csv"))
            .expect("sweep_trials.csv")
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let full_rows = read("peter_principle");
    let trial_column = column(&full_rows[0], "trial");
    let mut replay = vec!["run", peter.as_str(), "--replay-trial", "7"];
    replay.extend(common);
    assert_success(&dir.run(&replay));
    let replayed = read("peter_principle-trial-7");
    let expected: Vec<&String> =
        full_rows[1..].iter().filter(|row| field(row, trial_column) == "7").collect();
    assert_eq!(expected.len(), 2 * 8, "two points of eight arms");
    assert_eq!(replayed[1..].iter().collect::<Vec<_>>(), expected);
}

/// `check --replay-trial` tests one trial and says so, not the full run's count.
#[test]
fn a_replayed_check_names_its_one_trial() {
    let dir = WorkDir::new("replay-check");
    let ci = common::scenarios().join("ci");
    let scenario = ci.join("peter_principle.toml").display().to_string();
    let expect = ci.join("peter_principle.expect.toml").display().to_string();
    let output = dir.run(&["check", &scenario, "--expect", &expect, "--replay-trial", "2", "--quiet"]);
    // One trial has no intervals, so paired claims fail (exit 1); the tool itself must not.
    assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("1 trial per arm, trial 2 replayed"), "{stdout}");
}
