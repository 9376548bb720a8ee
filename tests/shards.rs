//! Trial shards through the real binary: `run --shard I/K` for K shards in any
//! order, merged by `attrition merge`, give exactly the files of the whole run;
//! shards of another run, missing, repeated or damaged shards are refused by name;
//! a complete shard is not run twice.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{WorkDir, assert_success, scenario};

/// The manifest fields a merge writes anew: when and how fast it ran, on how many
/// threads (README, "Shards and merge").
const MERGE_OWN_FIELDS: [&str; 5] =
    ["threads", "started", "elapsed_seconds", "agent_steps_per_second", "command"];

/// splitmix64, from a seed that differs run to run (the clock) unless
/// `ATTRITION_SHARD_SEED` gives one; a failure's message names it, to repeat it.
struct Draws(u64);

impl Draws {
    fn new(test: u64) -> Self {
        let seed =
            std::env::var("ATTRITION_SHARD_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
            });
        eprintln!("ATTRITION_SHARD_SEED={seed}");
        Self(seed ^ test)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i as u64 + 1) as usize);
        }
    }
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Every file of a results directory, by name.
fn files(directory: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(directory)
        .unwrap_or_else(|e| panic!("{}: {e}", directory.display()))
        .map(|entry| {
            let entry = entry.unwrap();
            (entry.file_name().into_string().unwrap(), fs::read(entry.path()).unwrap())
        })
        .collect()
}

/// Asserts two results directories hold the same files, byte for byte, but for
/// the manifest's fields of the merge itself.
fn assert_same_results(whole: &Path, merged: &Path, context: &str) {
    let (whole, merged) = (files(whole), files(merged));
    assert_eq!(whole.keys().collect::<Vec<_>>(), merged.keys().collect::<Vec<_>>(), "{context}");
    for (name, bytes) in &whole {
        if name == "manifest.json" {
            let read = |bytes: &[u8]| {
                let mut value: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                for field in MERGE_OWN_FIELDS {
                    assert!(value.as_object_mut().unwrap().remove(field).is_some(), "{field}");
                }
                value
            };
            assert_eq!(read(bytes), read(&merged[name]), "{context}: manifest.json");
        } else {
            assert!(bytes == &merged[name], "{context}: {name} differs");
        }
    }
}

/// Runs `args` whole into `whole/`, then as K shards in the order `order` into
/// `shards/`, merges them (given in another order) into `merged/`, and compares.
fn shard_and_merge(dir: &WorkDir, args: &[&str], name: &str, draws: &mut Draws, trials: u64) {
    let out = |sub: &str| dir.path.join(sub).display().to_string();
    let whole = out("whole");
    let mut full: Vec<&str> = args.to_vec();
    full.extend(["--out", &whole, "-q"]);
    assert_success(&dir.run(&full));
    let shards = draws.below(7.min(trials)) + 1;
    let mut order: Vec<u64> = (0..shards).collect();
    draws.shuffle(&mut order);
    let context = format!(
        "{name}: K = {shards}, shards run in the order {order:?} (repeat with the ATTRITION_SHARD_SEED printed \
         on stderr)"
    );
    let shard_dir = out("shards");
    for &index in &order {
        let spec = format!("{index}/{shards}");
        let mut shard: Vec<&str> = args.to_vec();
        shard.extend(["--out", &shard_dir, "-q", "--shard", &spec]);
        assert_success(&dir.run(&shard));
    }
    let directory = dir.path.join("shards").join(format!("{name}.shards"));
    let mut given: Vec<String> =
        fs::read_dir(&directory).unwrap().map(|entry| entry.unwrap().path().display().to_string()).collect();
    assert_eq!(given.len() as u64, shards, "{context}: one file per shard, no leftovers");
    draws.shuffle(&mut given);
    let merged = out("merged");
    let mut merge = vec!["merge", "--out", &merged, "-q"];
    merge.extend(given.iter().map(String::as_str));
    assert_success(&dir.run(&merge));
    assert_same_results(&dir.path.join("whole").join(name), &dir.path.join("merged").join(name), &context);
}

#[test]
fn the_merged_shards_of_the_peter_scenario_are_the_whole_run() {
    let dir = WorkDir::new("shards-peter");
    let mut draws = Draws::new(1);
    let peter = scenario("ci/peter_principle.toml");
    shard_and_merge(&dir, &["run", &peter, "--trials", "9"], "ci_peter_principle", &mut draws, 9);
}

#[test]
fn the_merged_shards_of_a_behavioural_scenario_are_the_whole_run() {
    let dir = WorkDir::new("shards-behaviour");
    let mut draws = Draws::new(2);
    let tech = scenario("ci/tech_org.toml");
    let args = ["run", &tech, "--trials", "6", "--outputs", "csv"];
    shard_and_merge(&dir, &args, "ci_tech_org", &mut draws, 6);
}

/// Under a shared burn-in (every arm going on from the baseline's), the shards
/// merge into the whole run, and one thread gives the whole run too.
#[test]
fn the_merged_shards_of_a_shared_burn_in_are_the_whole_run_on_any_threads() {
    let dir = WorkDir::new("shards-shared-burn-in");
    let mut draws = Draws::new(4);
    let tech = scenario("ci/tech_org.toml");
    let shared = [
        "run",
        &tech,
        "--trials",
        "5",
        "--outputs",
        "csv",
        "--set",
        "simulation.burn_in=2",
        "--set",
        "simulation.burn_in_levers=baseline",
    ];
    let mut two = shared.to_vec();
    two.extend(["--threads", "2"]);
    shard_and_merge(&dir, &two, "ci_tech_org", &mut draws, 5);
    let one = dir.path.join("one").display().to_string();
    let mut single = shared.to_vec();
    single.extend(["--threads", "1", "--out", &one, "-q"]);
    assert_success(&dir.run(&single));
    let whole = dir.path.join("whole").join("ci_tech_org");
    assert_same_results(&whole, &dir.path.join("one").join("ci_tech_org"), "one thread against two");
    // The baseline arm's rows are those of the run whose arms burn in under their own levers.
    let own = dir.path.join("own").display().to_string();
    let mut own_args = shared[..shared.len() - 2].to_vec();
    own_args.extend(["--threads", "2", "--out", &own, "-q"]);
    assert_success(&dir.run(&own_args));
    let rows = |path: &Path, arm: &str| -> Vec<String> {
        let text = fs::read_to_string(path.join("summary.csv")).unwrap();
        text.lines().filter(|line| line.starts_with(&format!("{arm},"))).map(str::to_owned).collect()
    };
    let own_dir = dir.path.join("own").join("ci_tech_org");
    assert_eq!(rows(&whole, "common practice"), rows(&own_dir, "common practice"));
    assert_ne!(rows(&whole, "assessed leaders"), rows(&own_dir, "assessed leaders"));
}

/// With `[uncertainty]` (two trials per draw, so a shard boundary may split a
/// draw), the shards' per-draw totals merge into the whole run's uncertainty.csv.
#[test]
fn the_merged_shards_of_an_uncertain_scenario_are_the_whole_run() {
    let dir = WorkDir::new("shards-uncertainty");
    let mut draws = Draws::new(4);
    let text = fs::read_to_string(scenario("ci/tech_org.toml")).unwrap().replacen(
        "[simulation]\n",
        "[simulation]\nreplications = 2\n",
        1,
    ) + "\n[uncertainty]\n\"dynamics.overhead.load\" = { normal = [0.15, 0.03] }\n";
    let path = dir.write("uncertain.toml", &text).display().to_string();
    let args = [
        "run",
        &path,
        "--trials",
        "7",
        "--outputs",
        "csv",
        "--set",
        "simulation.burn_in=1",
        "--set",
        "simulation.steps=6",
    ];
    shard_and_merge(&dir, &args, "ci_tech_org", &mut draws, 7);
    assert!(dir.path.join("merged/ci_tech_org/uncertainty.csv").exists());
}

#[test]
fn the_merged_shards_of_a_sweep_are_the_whole_sweep() {
    let dir = WorkDir::new("shards-sweep");
    let mut draws = Draws::new(3);
    let peter = scenario("ci/peter_principle.toml");
    let args = [
        "run",
        &peter,
        "--trials",
        "8",
        "--sweep",
        "workforce.dismissal_threshold=3,5",
        "--sweep-trials",
        "--set",
        "simulation.steps=120",
    ];
    shard_and_merge(&dir, &args, "ci_peter_principle", &mut draws, 8);
}

/// Runs shards `indices` of K of the CI Peter scenario (`extra` flags added) into
/// `out`, returning their files.
fn peter_shards(dir: &WorkDir, out: &str, shards: u64, indices: &[u64], extra: &[&str]) -> Vec<PathBuf> {
    let peter = scenario("ci/peter_principle.toml");
    indices
        .iter()
        .map(|index| {
            let spec = format!("{index}/{shards}");
            let mut args = vec!["run", &peter, "--trials", "6", "--set", "simulation.steps=40", "--out", out];
            args.extend(["-q", "--outputs", "csv", "--shard", &spec]);
            args.extend(extra);
            assert_success(&dir.run(&args));
            let name = format!("shard-{index}-of-{shards}.shard");
            dir.path.join(out).join("ci_peter_principle.shards").join(name)
        })
        .collect()
}

fn merge(dir: &WorkDir, shards: &[PathBuf]) -> std::process::Output {
    let mut args = vec!["merge".to_owned(), "--out".to_owned(), "merged".to_owned(), "-q".to_owned()];
    args.extend(shards.iter().map(|path| path.display().to_string()));
    dir.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Asserts a merge is refused as bad input, with every one of `parts` in its message.
fn assert_refused(output: &std::process::Output, parts: &[&str]) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    for part in parts {
        assert!(stderr(output).contains(part), "{part:?} not in: {}", stderr(output));
    }
}

#[test]
fn merge_names_missing_and_repeated_shards_and_refuses_other_runs() {
    let dir = WorkDir::new("shards-refused");
    let shards = peter_shards(&dir, "a", 4, &[0, 1, 2, 3], &[]);
    let missing = merge(&dir, &[shards[0].clone(), shards[2].clone()]);
    assert_refused(&missing, &["2 of 4 shards missing: 1, 3", "shard-1-of-4.shard"]);
    let repeated = merge(&dir, &[shards[0].clone(), shards[1].clone(), shards[1].clone(), shards[2].clone()]);
    assert_refused(&repeated, &["shard 1/4 is given 2 times"]);
    assert!(!dir.path.join("merged").exists(), "nothing is written");

    // Another K.
    let three = peter_shards(&dir, "b", 3, &[1], &[]);
    let other_k = merge(&dir, &[shards[0].clone(), three[0].clone()]);
    assert_refused(&other_k, &["K =", "3", "4", "only the shards of one run merge"]);
    // Other flags (another seed).
    let seeded = peter_shards(&dir, "c", 4, &[1], &["--seed", "99"]);
    let other_flags = merge(&dir, &[shards[0].clone(), seeded[0].clone()]);
    assert_refused(&other_flags, &["a run with other flags", "99"]);
    // Another scenario.
    let tech = scenario("ci/tech_org.toml");
    assert_success(&dir.run(&[
        "run",
        &tech,
        "--trials",
        "4",
        "--set",
        "simulation.steps=10",
        "--out",
        "d",
        "-q",
        "--outputs",
        "csv",
        "--shard",
        "1/4",
    ]));
    let other = dir.path.join("d/ci_tech_org.shards/shard-1-of-4.shard");
    let other_scenario = merge(&dir, &[shards[0].clone(), other]);
    assert_refused(&other_scenario, &["another scenario", "ci_tech_org", "ci_peter_principle"]);

    // Another version of attrition: the same bytes but for the version in the manifest.
    let bytes = fs::read(&shards[1]).unwrap();
    let ours = format!("\"version\":\"{}\"", env!("CARGO_PKG_VERSION"));
    let theirs = format!("\"version\":\"{}\"", "9".repeat(env!("CARGO_PKG_VERSION").len()));
    let at = bytes.windows(ours.len()).position(|w| w == ours.as_bytes()).expect("the version is recorded");
    let mut edited = bytes.clone();
    edited[at..at + ours.len()].copy_from_slice(theirs.as_bytes());
    let old = dir.write("old.shard", "");
    fs::write(&old, &edited).unwrap();
    let other_version = merge(&dir, &[shards[0].clone(), old, shards[2].clone(), shards[3].clone()]);
    assert_refused(
        &other_version,
        &["was written by attrition 9", "merge shards with the version that wrote them"],
    );

    // Not a shard at all.
    let text = dir.write("notes.shard", "some notes");
    assert_refused(&merge(&dir, &[text]), &["notes.shard: not an attrition shard file"]);
}

#[test]
fn merge_refuses_a_corrupt_or_truncated_shard_by_name() {
    let dir = WorkDir::new("shards-corrupt");
    let shards = peter_shards(&dir, "a", 2, &[0, 1], &[]);
    let bytes = fs::read(&shards[1]).unwrap();
    let damaged = dir.path.join("damaged.shard");
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    fs::write(&damaged, &flipped).unwrap();
    let corrupt = merge(&dir, &[shards[0].clone(), damaged.clone()]);
    assert_refused(
        &corrupt,
        &["damaged.shard: shard 1/2 is incomplete or corrupt", "checksum", "run it again"],
    );
    fs::write(&damaged, &bytes[..bytes.len() - 1000]).unwrap();
    let truncated = merge(&dir, &[shards[0].clone(), damaged]);
    assert_refused(&truncated, &["damaged.shard: shard 1/2 is incomplete or corrupt"]);
    // The intact pair merges.
    assert_success(&merge(&dir, &shards));
}

#[test]
fn a_complete_shard_is_skipped_and_a_damaged_one_run_again() {
    let dir = WorkDir::new("shards-resume");
    let shard = peter_shards(&dir, "a", 3, &[2], &[]).remove(0);
    let written = fs::read(&shard).unwrap();
    let peter = scenario("ci/peter_principle.toml");
    let again = [
        "run",
        &peter,
        "--trials",
        "6",
        "--set",
        "simulation.steps=40",
        "--out",
        "a",
        "--outputs",
        "csv",
        "--shard",
        "2/3",
    ];
    let skipped = dir.run(&again);
    assert_success(&skipped);
    assert!(
        stderr(&skipped).contains("already complete") && stderr(&skipped).contains("skipping"),
        "{}",
        stderr(&skipped)
    );
    assert_eq!(fs::read(&shard).unwrap(), written);
    // Cut short (a job killed while the file was copied, say): run again, whole.
    fs::write(&shard, &written[..written.len() / 2]).unwrap();
    let rerun = dir.run(&again);
    assert_success(&rerun);
    assert!(stderr(&rerun).contains("running it again"), "{}", stderr(&rerun));
    assert_eq!(fs::read(&shard).unwrap(), written, "the shard is the same, byte for byte");
    // A shard of other flags at that name is replaced, not kept.
    let seeded = dir.run(&[&again[..], &["--seed", "5"]].concat());
    assert_success(&seeded);
    assert!(stderr(&seeded).contains("another run"), "{}", stderr(&seeded));
    assert_ne!(fs::read(&shard).unwrap(), written);
}

#[test]
fn a_shard_is_refused_what_it_cannot_split() {
    let dir = WorkDir::new("shards-flags");
    let peter = scenario("ci/peter_principle.toml");
    let too_many = dir.run(&["run", &peter, "--trials", "3", "--shard", "0/4"]);
    assert_eq!(too_many.status.code(), Some(2));
    assert!(stderr(&too_many).contains("K = 4 is more than the run's 3 trials"), "{}", stderr(&too_many));
    let events = dir.run(&["run", &peter, "--events", "--shard", "0/2"]);
    assert_eq!(events.status.code(), Some(2));
    assert!(stderr(&events).contains("--events"), "{}", stderr(&events));
    let beyond = dir.run(&["run", &peter, "--shard", "2/2"]);
    assert_eq!(beyond.status.code(), Some(2));
    assert!(stderr(&beyond).contains("must be below K"), "{}", stderr(&beyond));
    assert!(!dir.path.join("output").exists(), "nothing was written");
}

/// A design's shards keep its table: the merge needs neither the table's file nor
/// the scenario's, and writes the design's files as the whole run does.
#[test]
fn the_merged_shards_of_a_design_need_neither_its_table_nor_the_scenario_file() {
    let dir = WorkDir::new("shards-design");
    let peter = fs::read_to_string(scenario("ci/peter_principle.toml")).unwrap();
    dir.write("peter.toml", &peter);
    dir.write("points.csv", "workforce.dismissal_threshold\n5\n3\n");
    let run = |out: &str, extra: &[&str]| {
        let mut args =
            vec!["run", "peter.toml", "--design", "points.csv", "--trials", "5", "-q", "--out", out];
        args.extend(["--set", "simulation.steps=40"]);
        args.extend(extra);
        dir.run(&args)
    };
    assert_success(&run("whole", &[]));
    for spec in ["1/2", "0/2"] {
        assert_success(&run("shards", &["--shard", spec]));
    }
    fs::remove_file(dir.path.join("points.csv")).unwrap();
    fs::remove_file(dir.path.join("peter.toml")).unwrap();
    assert_success(&dir.run(&["merge", "shards/ci_peter_principle.shards", "--out", "merged", "-q"]));
    let name = "ci_peter_principle";
    let context = "a design of two points in two shards";
    assert_same_results(&dir.path.join("whole").join(name), &dir.path.join("merged").join(name), context);
    assert!(dir.path.join("merged").join(name).join("design.csv").exists());
}
