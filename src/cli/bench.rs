//! `attrition bench`: the engine's speed on standard workloads, in agent-steps per
//! second (positions × steps × trials × arms / wall seconds), for the whole run
//! including writing every output file.

use std::path::PathBuf;
use std::process::Command;

use anyhow::anyhow;
use clap::Args;
use serde_json::{Value, json};

use attrition::config::{self, Config};

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

/// Flags of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Scenario to measure (default: every standard workload, each in its own
    /// process so that each peak memory is its own).
    scenario: Option<PathBuf>,
    /// One standard workload only: peter_principle (160 positions x 1000 steps x
    /// 2000 trials x 8 arms), large_org (100,000 positions x 100 steps x 8 trials
    /// x 2 arms) or tech_org (357 positions x 60 steps x 1000 trials x 6 arms,
    /// every behavioural mechanism on).
    #[arg(long, conflicts_with = "scenario")]
    workload: Option<String>,
    /// Trials per arm (default: the workload's, or the scenario's).
    #[arg(long)]
    trials: Option<u32>,
    /// Threads for each measured run (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Override a field of the scenario or workload, as for `run` (repeatable):
    /// e.g. `--workload tech_org --set dynamics.quits.enabled=false` measures
    /// what voluntary quits cost. Needs a scenario or --workload.
    #[arg(long, value_name = "FIELD=VALUE")]
    set: Vec<String>,
}

/// Runs the workloads and reports their throughput.
pub fn bench(args: &BenchArgs) -> Result<(), Failure> {
    if args.scenario.is_none() && args.workload.is_none() {
        if !args.set.is_empty() {
            return Err(Failure::bad_input(anyhow!("--set needs a scenario or --workload")));
        }
        return bench_all(args);
    }
    let (config, scenario_file, text) = match (&args.scenario, &args.workload) {
        (Some(path), _) => {
            let (config, text) = load_config(path, args.trials, None, &args.set)?;
            (config, path.clone(), text)
        }
        (None, Some(name)) => {
            let workload = WORKLOADS.iter().find(|w| w.name == name).ok_or_else(|| {
                let names: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
                Failure::bad_input(anyhow!("no workload {name:?}; the workloads are {names:?}"))
            })?;
            let path = PathBuf::from(workload.file);
            let overrides = parse_overrides(&args.set)?;
            let config = config::parse_with(workload.text, &path, &overrides)
                .map_err(Failure::bad_input)?
                .with_trials(args.trials.unwrap_or(workload.trials))
                .map_err(|p| Failure::bad_input(anyhow!("--trials: {}", p[0].message)))?;
            (config, path, workload.text.to_owned())
        }
        (None, None) => unreachable!("handled above"),
    };
    let measurement = measure(&config, &scenario_file, &text, args.threads, !args.json)?;
    if args.json {
        println!("{measurement}");
    } else {
        print_table(&[measurement]);
    }
    Ok(())
}

/// Runs one configuration, writing its output to a fresh temporary directory.
fn measure(
    config: &Config,
    scenario_file: &std::path::Path,
    text: &str,
    threads: Option<usize>,
    show_progress: bool,
) -> Result<Value, Failure> {
    // A private directory (0700) of unpredictable name, created atomically, so
    // nothing planted in the shared temporary directory can be followed; removed
    // (without following links) when `out` drops.
    let out = attrition::output::private_dir()
        .prefix("attrition-bench-")
        .tempdir()
        .map_err(|e| Failure::failed(anyhow!("cannot create a temporary directory: {e}")))?;
    let report = execute(&Job {
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
    })?;
    let agent_steps = config.agent_steps();
    Ok(json!({
        "scenario": config.name,
        "positions": config.positions(),
        "steps": config.steps,
        "trials": config.trials,
        "arms": config.arms.len(),
        "threads": report.threads,
        "seconds": report.elapsed,
        "agent_steps": agent_steps,
        "agent_steps_per_second": agent_steps as f64 / report.elapsed,
        "trials_per_second": f64::from(config.trials) / report.elapsed,
        "peak_memory_bytes": peak_memory_bytes(),
    }))
}

/// Every standard workload, each in a child process of this program.
fn bench_all(args: &BenchArgs) -> Result<(), Failure> {
    let program =
        std::env::current_exe().map_err(|e| Failure::failed(anyhow!("cannot find this program: {e}")))?;
    let mut results = Vec::new();
    for workload in &WORKLOADS {
        let mut command = Command::new(&program);
        command.args(["bench", "--workload", workload.name, "--json"]);
        if let Some(threads) = args.threads {
            command.args(["--threads", &threads.to_string()]);
        }
        if let Some(trials) = args.trials {
            command.args(["--trials", &trials.to_string()]);
        }
        let output =
            command.output().map_err(|e| Failure::failed(anyhow!("cannot run {}: {e}", workload.name)))?;
        if !output.status.success() {
            return Err(Failure::failed(anyhow!(
                "workload {} failed: {}",
                workload.name,
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        let result: Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| Failure::failed(anyhow!("workload {} printed no result: {e}", workload.name)))?;
        results.push(result);
    }
    if args.json {
        println!(
            "{}",
            json!({ "program": "attrition", "version": env!("CARGO_PKG_VERSION"), "workloads": results })
        );
    } else {
        print_table(&results);
    }
    Ok(())
}

fn print_table(results: &[Value]) {
    println!(
        "{:<18} {:>9} {:>6} {:>7} {:>5} {:>14} {:>8} {:>18} {:>10} {:>9}",
        "workload",
        "positions",
        "steps",
        "trials",
        "arms",
        "agent-steps",
        "seconds",
        "agent-steps/s",
        "trials/s",
        "peak MiB"
    );
    for r in results {
        let number = |key: &str| r[key].as_f64().unwrap_or(f64::NAN);
        println!(
            "{:<18} {:>9} {:>6} {:>7} {:>5} {:>14} {:>8.2} {:>16.1} M {:>10.1} {:>9.0}",
            r["scenario"].as_str().unwrap_or("?"),
            number("positions"),
            number("steps"),
            number("trials"),
            number("arms"),
            number("agent_steps"),
            number("seconds"),
            number("agent_steps_per_second") / 1e6,
            number("trials_per_second"),
            number("peak_memory_bytes") / 1048576.0
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
