//! `attrition bench`: the engine's speed on standard workloads, in agent-steps per
//! second (positions × steps × trials × arms / wall seconds), for the whole run
//! including writing every output file. `--json` prints a [`BenchRecord`];
//! `--compare OLD.json` sets this run's rates against one.

mod compare;
mod record;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::anyhow;
use clap::Args;

use attrition::config::{self, Config};

use record::{BenchRecord, WorkloadResult};

use super::Failure;
use super::run::{Job, execute};
use super::scenario::{load_config, parse_overrides};

/// A standard workload: a bundled scenario, compiled in so `attrition bench` works
/// from any directory, and its trial count.
struct Workload {
    name: &'static str,
    file: &'static str,
    text: &'static str,
    trials: u32,
}

/// The standard workloads, in the order they run.
const WORKLOADS: [Workload; 3] = [
    Workload {
        name: "peter_principle",
        file: "scenarios/peter_principle.toml",
        text: include_str!("../../scenarios/peter_principle.toml"),
        trials: 2000,
    },
    Workload {
        name: "large_org",
        file: "scenarios/large_org.toml",
        text: include_str!("../../scenarios/large_org.toml"),
        trials: 8,
    },
    Workload {
        name: "tech_org",
        file: "scenarios/tech_org.toml",
        text: include_str!("../../scenarios/tech_org.toml"),
        trials: 1000,
    },
];

/// The exit codes of `bench`, as `--help` states them.
pub const EXIT_CODES: &str = "Exit codes: 0 success; 1 a run failed, or with --fail-below a workload ran below \
that ratio of the old record's rate; 2 bad input: a scenario or flag that is invalid, or an old record that \
cannot be compared with (unreadable, not JSON, another schema version, a workload this run does not measure or \
of other work); 130 interrupted.";

/// Flags of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Scenario to measure (default: every standard workload, each in its own
    /// process so that each peak memory is its own).
    scenario: Option<PathBuf>,
    /// One standard workload only: peter_principle (160 positions x 1000 steps x
    /// 2000 trials x 8 arms), large_org (100,000 positions x 100 steps x 8 trials
    /// x 2 arms) or tech_org (357 positions x 60 steps after 480 of burn-in x 1000
    /// trials x 6 arms, every behavioural mechanism on).
    #[arg(long, conflicts_with = "scenario")]
    workload: Option<String>,
    /// Trials per arm (default: the workload's, or the scenario's).
    #[arg(long)]
    trials: Option<u32>,
    /// Threads for each measured run (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Runs of each workload (1 to 100), each in its own process; the median time
    /// is reported.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    repeat: u32,
    /// Print one JSON record (schema version, program version, commit, CPU model,
    /// cores, threads and each workload's rate) instead of a table.
    #[arg(long)]
    json: bool,
    /// Compare each workload's agent-steps per second with a record written by
    /// `bench --json`, printing new/old per workload. The old record's workloads must
    /// all be in this run, with the same work (same --trials and --set).
    #[arg(long, value_name = "OLD.json")]
    compare: Option<PathBuf>,
    /// With --compare: exit 1 when any workload's new/old ratio is below R (e.g. 0.9).
    #[arg(long, value_name = "R", requires = "compare", value_parser = positive_ratio)]
    fail_below: Option<f64>,
    /// Override a field of the scenario or workload, as for `run` (repeatable):
    /// e.g. `--workload tech_org --set dynamics.quits.enabled=false` measures
    /// what voluntary quits cost. Needs a scenario or --workload.
    #[arg(long, value_name = "FIELD=VALUE")]
    set: Vec<String>,
}

/// A `--fail-below` ratio: a positive finite number.
fn positive_ratio(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(ratio) if ratio.is_finite() && ratio > 0.0 => Ok(ratio),
        _ => Err(format!("{text:?} is not a positive number")),
    }
}

/// A workload this run will measure.
struct Planned {
    name: String,
    /// How a child process of this program is told to run it.
    source: Source,
    config: Config,
    scenario_file: PathBuf,
    text: String,
}

/// Where a planned workload comes from.
enum Source {
    Scenario(PathBuf),
    Standard(&'static str),
}

/// Runs the workloads and reports their throughput.
pub fn bench(args: &BenchArgs) -> Result<(), Failure> {
    let planned = plan(args)?;
    let old = match &args.compare {
        Some(path) => {
            let old = record::read(path).map_err(Failure::bad_input)?;
            let work: Vec<(String, u64)> =
                planned.iter().map(|p| (p.name.clone(), p.config.agent_steps())).collect();
            compare::check_comparable(&old, &work).map_err(|mismatch| {
                Failure::bad_input(anyhow!("cannot compare with {}: {mismatch}", path.display()))
            })?;
            Some(old)
        }
        None => None,
    };
    // The global thread pool is sized once per process, and each peak memory
    // should be its own: several runs each get a process.
    let results = match planned.as_slice() {
        [single] if args.repeat == 1 => vec![measure(single, args.threads, !args.json)?],
        _ => planned.iter().map(|workload| measure_in_children(workload, args)).collect::<Result<_, _>>()?,
    };
    let mut record = BenchRecord::new(results);
    let Some(old) = old else {
        print(&record, args.json);
        return Ok(());
    };
    for warning in compare::warnings(&old, &record) {
        eprintln!("warning: {warning}: the ratios compare machines as well as code");
    }
    let ratios = compare::ratios(&old, &record.workloads);
    let slow = args.fail_below.map(|threshold| (threshold, compare::below(&ratios, threshold)));
    record.comparison = Some(ratios);
    print(&record, args.json);
    match slow {
        Some((threshold, slow)) if !slow.is_empty() => {
            Err(Failure::failed(anyhow!("below {threshold} of the old record's rate: {}", slow.join(", "))))
        }
        _ => Ok(()),
    }
}

/// The workloads the flags ask for, parsed, so that a comparison is checked before
/// anything runs.
fn plan(args: &BenchArgs) -> Result<Vec<Planned>, Failure> {
    match (&args.scenario, &args.workload) {
        (Some(path), _) => {
            let (config, text) = load_config(path, args.trials, None, &args.set)?;
            Ok(vec![Planned {
                name: config.name.clone(),
                source: Source::Scenario(path.clone()),
                config,
                scenario_file: path.clone(),
                text,
            }])
        }
        (None, Some(name)) => {
            let workload = WORKLOADS.iter().find(|w| w.name == name).ok_or_else(|| {
                let names: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
                Failure::bad_input(anyhow!("no workload {name:?}; the workloads are {names:?}"))
            })?;
            Ok(vec![standard(workload, args)?])
        }
        (None, None) => {
            if !args.set.is_empty() {
                return Err(Failure::bad_input(anyhow!("--set needs a scenario or --workload")));
            }
            WORKLOADS.iter().map(|workload| standard(workload, args)).collect()
        }
    }
}

/// A standard workload with the flags' trials and overrides.
fn standard(workload: &Workload, args: &BenchArgs) -> Result<Planned, Failure> {
    let path = PathBuf::from(workload.file);
    let overrides = parse_overrides(&args.set)?;
    let config = config::parse_with(workload.text, &path, &overrides)
        .map_err(Failure::bad_input)?
        .with_trials(args.trials.unwrap_or(workload.trials))
        .map_err(|p| Failure::bad_input(anyhow!("--trials: {}", p[0].message)))?;
    Ok(Planned {
        name: workload.name.to_owned(),
        source: Source::Standard(workload.name),
        config,
        scenario_file: path,
        text: workload.text.to_owned(),
    })
}

fn print(record: &BenchRecord, json: bool) {
    if json {
        println!("{}", serde_json::to_string(record).expect("a bench record serialises"));
        return;
    }
    print_table(&record.workloads);
    if let Some(ratios) = &record.comparison {
        println!();
        compare::print_table(ratios);
    }
}

/// Runs one workload once in this process.
fn measure(
    planned: &Planned,
    threads: Option<usize>,
    show_progress: bool,
) -> Result<WorkloadResult, Failure> {
    let config = &planned.config;
    let report = execute_once(config, &planned.scenario_file, &planned.text, threads, show_progress)?;
    let agent_steps = config.agent_steps();
    Ok(WorkloadResult {
        workload: planned.name.clone(),
        scenario: config.name.clone(),
        positions: config.positions(),
        steps: config.steps,
        burn_in_steps: config.burn_in_steps,
        trials: config.trials,
        arms: config.arms.len(),
        threads: report.threads,
        repetitions: 1,
        seconds_each: vec![report.elapsed],
        seconds: report.elapsed,
        agent_steps,
        agent_steps_per_second: agent_steps as f64 / report.elapsed,
        trials_per_second: f64::from(config.trials) / report.elapsed,
        peak_memory_bytes: peak_memory_bytes(),
    })
}

/// One whole run into a fresh temporary directory.
fn execute_once(
    config: &Config,
    scenario_file: &Path,
    text: &str,
    threads: Option<usize>,
    show_progress: bool,
) -> Result<super::run::Report, Failure> {
    // A private directory (0700) of unpredictable name, created atomically, so
    // nothing planted in the shared temporary directory can be followed; removed
    // (without following links) when `out` drops.
    let out = attrition::output::private_dir()
        .prefix("attrition-bench-")
        .tempdir()
        .map_err(|e| Failure::failed(anyhow!("cannot create a temporary directory: {e}")))?;
    execute(&Job {
        config,
        scenario_file,
        scenario_text: text,
        out: out.path(),
        threads,
        force: false,
        show_progress,
        max_memory: None,
        events: None,
        replay_trial: None,
        // The benchmark times a whole run as a user meets it, charts included.
        outputs: attrition::output::Outputs::All,
        shards: None,
    })
}

/// The middle value (the mean of the middle two for an even count): one slow run
/// on a busy machine does not move it.
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) { (sorted[middle - 1] + sorted[middle]) / 2.0 } else { sorted[middle] }
}

/// Runs one workload `--repeat` times, each in a child process of this program,
/// and reports the median time and the highest peak memory.
fn measure_in_children(planned: &Planned, args: &BenchArgs) -> Result<WorkloadResult, Failure> {
    let program =
        std::env::current_exe().map_err(|e| Failure::failed(anyhow!("cannot find this program: {e}")))?;
    let name = &planned.name;
    let mut runs = Vec::new();
    for _ in 0..args.repeat {
        let mut command = Command::new(&program);
        command.arg("bench");
        match &planned.source {
            Source::Scenario(path) => command.arg(path),
            Source::Standard(workload) => command.args(["--workload", workload]),
        };
        command.arg("--json");
        if let Some(threads) = args.threads {
            command.args(["--threads", &threads.to_string()]);
        }
        if let Some(trials) = args.trials {
            command.args(["--trials", &trials.to_string()]);
        }
        for set in &args.set {
            command.args(["--set", set]);
        }
        let output = command.output().map_err(|e| Failure::failed(anyhow!("cannot run {name}: {e}")))?;
        if !output.status.success() {
            return Err(Failure::failed(anyhow!(
                "workload {name} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        let child: BenchRecord = serde_json::from_slice(&output.stdout)
            .map_err(|e| Failure::failed(anyhow!("workload {name} printed no result: {e}")))?;
        runs.extend(child.workloads);
    }
    combine(runs).ok_or_else(|| Failure::failed(anyhow!("workload {name} was not measured")))
}

/// One result from several runs of the same workload: the median time, and the
/// highest peak memory.
fn combine(runs: Vec<WorkloadResult>) -> Option<WorkloadResult> {
    let seconds_each: Vec<f64> = runs.iter().flat_map(|run| run.seconds_each.iter().copied()).collect();
    let peak_memory_bytes = runs.iter().filter_map(|run| run.peak_memory_bytes).max();
    let mut result = runs.into_iter().next()?;
    let seconds = median(&seconds_each);
    result.repetitions = seconds_each.len();
    result.seconds = seconds;
    result.seconds_each = seconds_each;
    result.agent_steps_per_second = result.agent_steps as f64 / seconds;
    result.trials_per_second = f64::from(result.trials) / seconds;
    result.peak_memory_bytes = peak_memory_bytes;
    Some(result)
}

fn print_table(results: &[WorkloadResult]) {
    println!(
        "{:<18} {:>9} {:>6} {:>7} {:>7} {:>5} {:>14} {:>8} {:>18} {:>10} {:>9}",
        "workload",
        "positions",
        "steps",
        "burn-in",
        "trials",
        "arms",
        "agent-steps",
        "seconds",
        "agent-steps/s",
        "trials/s",
        "peak MiB"
    );
    for r in results {
        let peak_mib = r.peak_memory_bytes.map_or(f64::NAN, |bytes| bytes as f64 / 1048576.0);
        println!(
            "{:<18} {:>9} {:>6} {:>7} {:>7} {:>5} {:>14} {:>8.2} {:>16.1} M {:>10.1} {:>9.0}",
            r.workload,
            r.positions,
            r.steps,
            r.burn_in_steps,
            r.trials,
            r.arms,
            r.agent_steps,
            r.seconds,
            r.agent_steps_per_second / 1e6,
            r.trials_per_second,
            peak_mib
        );
    }
}

/// Peak resident memory of this process, where the OS reports it (Linux).
fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::{combine, median, record::WorkloadResult};

    fn run(seconds: f64, peak: Option<u64>) -> WorkloadResult {
        WorkloadResult {
            workload: "w".to_owned(),
            scenario: "w".to_owned(),
            positions: 10,
            steps: 10,
            burn_in_steps: 0,
            trials: 4,
            arms: 1,
            threads: 1,
            repetitions: 1,
            seconds_each: vec![seconds],
            seconds,
            agent_steps: 400,
            agent_steps_per_second: 400.0 / seconds,
            trials_per_second: 4.0 / seconds,
            peak_memory_bytes: peak,
        }
    }

    #[test]
    fn repeated_runs_report_the_median_time_and_the_highest_peak() {
        let combined = combine(vec![run(2.0, Some(5)), run(8.0, Some(9)), run(4.0, None)]).unwrap();
        assert_eq!(combined.repetitions, 3);
        assert_eq!(combined.seconds_each, [2.0, 8.0, 4.0]);
        assert_eq!(combined.seconds, 4.0);
        assert_eq!(combined.agent_steps_per_second, 100.0);
        assert_eq!(combined.trials_per_second, 1.0);
        assert_eq!(combined.peak_memory_bytes, Some(9));
        assert!(combine(Vec::new()).is_none());
    }

    #[test]
    fn the_median_ignores_one_slow_run() {
        assert_eq!(median(&[1.0]), 1.0);
        assert_eq!(median(&[1.0, 9.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 100.0]), 3.0);
    }
}
