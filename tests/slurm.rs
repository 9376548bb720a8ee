//! The README's Slurm job array, for real: a local single-node Slurm started by
//! `scripts/slurm/local-cluster.sh`, a 4-task array of shards and the dependent
//! merge submitted by `scripts/slurm/submit.sh`, and the merged results compared
//! with one `attrition run` of the same scenario, file by file, byte by byte.
//!
//! Skipped, with a message, only where Slurm is not installed and cannot be (no
//! apt-get); `.ci/run` installs it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::{WorkDir, assert_success, scenario};

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm")
}

fn installed() -> bool {
    ["slurmctld", "slurmd", "sbatch", "munged"].iter().all(|tool| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// The local cluster, stopped by its daemons' PIDs when dropped.
struct Cluster {
    directory: PathBuf,
}

impl Cluster {
    fn up(directory: PathBuf) -> Self {
        let output = Command::new(scripts().join("local-cluster.sh"))
            .arg("up")
            .arg(&directory)
            .output()
            .expect("local-cluster.sh runs");
        let cluster = Self { directory };
        assert_success(&output);
        cluster
    }

    fn conf(&self) -> PathBuf {
        self.directory.join("slurm.conf")
    }

    /// A Slurm client command, bounded in time (a client can hang when a daemon
    /// is unwell).
    fn client(&self, tool: &str, args: &[&str]) -> Output {
        Command::new("timeout")
            .arg("10")
            .arg(tool)
            .args(args)
            .env("SLURM_CONF", self.conf())
            .output()
            .expect("the Slurm client runs")
    }

    /// Waits until none of `jobs` is queued or running; fails if a dependency can
    /// never be met (a shard failed) or after `limit`.
    fn wait(&self, jobs: &[&str], limit: Duration) {
        let started = Instant::now();
        let list = jobs.join(",");
        loop {
            let queue = self.client("squeue", &["-h", "-j", &list, "-o", "%i %T %r"]);
            let text = String::from_utf8_lossy(&queue.stdout).into_owned();
            if text.trim().is_empty() {
                return;
            }
            assert!(!text.contains("DependencyNeverSatisfied"), "a shard failed:\n{text}\n{}", self.logs());
            assert!(started.elapsed() < limit, "jobs still queued after {limit:?}:\n{text}\n{}", self.logs());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The states a finished job's tasks ended in.
    fn states(&self, job: &str) -> Vec<String> {
        let shown = self.client("scontrol", &["show", "job", job]);
        String::from_utf8_lossy(&shown.stdout)
            .split_whitespace()
            .filter_map(|word| word.strip_prefix("JobState=").map(str::to_owned))
            .collect()
    }

    fn logs(&self) -> String {
        let mut text = String::new();
        for name in ["slurmctld.log", "slurmd.log"] {
            let log = std::fs::read_to_string(self.directory.join("log").join(name)).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            text.push_str(&format!(
                "--- {name}\n{}\n",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            ));
        }
        text
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(scripts().join("local-cluster.sh")).arg("down").arg(&self.directory).output();
    }
}

/// Every file under `directory`, relative to it, sorted.
fn files(directory: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(directory).unwrap().to_path_buf());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn a_slurm_job_array_and_its_merge_write_what_one_run_writes() {
    if !installed() {
        let apt =
            Command::new("sh").args(["-c", "command -v apt-get"]).output().is_ok_and(|o| o.status.success());
        if !apt {
            eprintln!("skipped: Slurm is not installed and apt-get is not available to install it");
            return;
        }
        let install = Command::new(scripts().join("local-cluster.sh")).arg("install").output().unwrap();
        assert_success(&install);
    }
    let work = WorkDir::new("slurm");
    let state = work.path.join("cluster");
    std::fs::create_dir_all(&state).unwrap();
    let cluster = Cluster::up(state);

    // A sweep, so every point's trials are sharded too.
    let scenario = scenario("ci/peter_principle.toml");
    let flags = ["--trials", "24", "--sweep", "workforce.dismissal_threshold=4,5", "--outputs", "all"];
    let mut submit = Command::new(scripts().join("submit.sh"));
    submit
        .args(["4", &scenario, "study"])
        .args(flags)
        .current_dir(&work.path)
        .env("SLURM_CONF", cluster.conf())
        .env("ATTRITION", env!("CARGO_BIN_EXE_attrition"))
        .env("CPUS_PER_TASK", "1");
    let submitted = submit.output().unwrap();
    assert_success(&submitted);
    let ids = String::from_utf8_lossy(&submitted.stdout).into_owned();
    let ids: Vec<&str> = ids.split_whitespace().collect();
    assert_eq!(ids.len(), 2, "submit.sh prints the array's and the merge's job IDs: {ids:?}");
    cluster.wait(&ids, Duration::from_secs(240));
    let array_states = cluster.states(ids[0]);
    assert_eq!(array_states.len(), 4, "four array tasks: {array_states:?}\n{}", cluster.logs());
    assert!(array_states.iter().all(|s| s == "COMPLETED"), "{array_states:?}");
    assert_eq!(cluster.states(ids[1]), ["COMPLETED"], "the merge ran after the array\n{}", cluster.logs());

    let mut args = vec!["run", scenario.as_str(), "--out", "single"];
    args.extend(flags);
    assert_success(&work.run(&args));
    let single = work.path.join("single");
    let merged = work.path.join("study");
    let single_files: Vec<PathBuf> = files(&single);
    let merged_files: Vec<PathBuf> =
        files(&merged).into_iter().filter(|path| !path.starts_with("shards")).collect();
    assert_eq!(single_files, merged_files, "the merge writes the files one run writes");
    let mut compared = 0;
    for file in &single_files {
        // The manifest records when and how the results were made.
        if file.file_name().is_some_and(|name| name == "manifest.json") {
            continue;
        }
        let (one, other) =
            (std::fs::read(single.join(file)).unwrap(), std::fs::read(merged.join(file)).unwrap());
        assert!(one == other, "{} differs between the single run and the merged shards", file.display());
        compared += 1;
    }
    assert!(compared >= 4, "compared {compared} files");
}
