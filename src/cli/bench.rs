//! `attrition bench`: the engine's speed on standard workloads, in agent-steps per
//! second (positions × steps × trials × arms / wall seconds), for the whole run
//! including writing every output file.

use std::path::PathBuf;

use clap::Args;

use attrition::config;

use super::Failure;
use super::run::{Job, execute, load_config};

/// The bundled Peter-principle scenario, so `attrition bench` works from anywhere.
const PETER_PRINCIPLE: &str = include_str!("../../scenarios/peter_principle.toml");

/// Flags of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Scenario to measure (default: the bundled Peter-principle benchmark).
    scenario: Option<PathBuf>,
    /// Trials per arm (default 2000 for the bundled benchmark, else the scenario's).
    #[arg(long)]
    trials: Option<u32>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs the workload, writing its output to a temporary directory, and reports the
/// throughput.
pub fn bench(args: &BenchArgs) -> Result<(), Failure> {
    let (config, scenario_file, text) = match &args.scenario {
        Some(path) => {
            let config = load_config(path, args.trials, None, &[])?;
            let text = std::fs::read_to_string(path).unwrap_or_default();
            (config, path.clone(), text)
        }
        None => {
            let path = PathBuf::from("scenarios/peter_principle.toml");
            let config = config::parse(PETER_PRINCIPLE, &path)
                .map_err(Failure::failed)?
                .with_trials(args.trials.unwrap_or(2000))
                .map_err(|p| Failure::bad_input(anyhow::anyhow!("--trials: {}", p[0].message)))?;
            (config, path, PETER_PRINCIPLE.to_owned())
        }
    };
    let out = std::env::temp_dir().join(format!("attrition-bench-{}", std::process::id()));
    let report = execute(&Job {
        config: &config,
        scenario_file: &scenario_file,
        scenario_text: &text,
        out: &out,
        threads: args.threads,
        force: true,
        show_progress: !args.json,
        max_memory: None,
    });
    let _ = std::fs::remove_dir_all(&out);
    let report = report?;
    let agent_steps = config.agent_steps();
    let rate = agent_steps as f64 / report.elapsed;
    let peak_memory = peak_memory_bytes();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "scenario": config.name,
                "positions": config.positions(),
                "steps": config.steps,
                "trials": config.trials,
                "arms": config.arms.len(),
                "threads": report.threads,
                "seconds": report.elapsed,
                "agent_steps": agent_steps,
                "agent_steps_per_second": rate,
                "trials_per_second": f64::from(config.trials) / report.elapsed,
                "peak_memory_bytes": peak_memory,
            })
        );
    } else {
        println!(
            "{}: {} positions x {} steps x {} trials x {} arms = {} agent-steps",
            config.name,
            config.positions(),
            config.steps,
            config.trials,
            config.arms.len(),
            agent_steps
        );
        println!(
            "  {:.2} s on {} threads: {:.1} million agent-steps/s, {:.0} trials/s{}",
            report.elapsed,
            report.threads,
            rate / 1e6,
            f64::from(config.trials) / report.elapsed,
            peak_memory.map(|b| format!(", peak memory {:.0} MiB", b as f64 / 1048576.0)).unwrap_or_default()
        );
    }
    Ok(())
}

/// Peak resident memory of this process, where the OS reports it (Linux).
fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
