//! `attrition check`: run a scenario and test the statements of an expectations
//! file against its results, for CI pipelines.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::anyhow;
use clap::Args;

use attrition::expect;

use super::run::execute;
use super::scenario::load_config;
use super::{EXIT_FAILURE, Failure, RunArgs};

/// Flags of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    run: RunArgs,
    /// The expectations file (TOML, one [[expect]] table per statement).
    #[arg(long, value_name = "FILE")]
    expect: PathBuf,
    /// Also write a JUnit XML report here, one test case per statement.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

/// Runs the scenario, tests every statement, and fails (exit 1) if any does not hold.
pub fn check(args: &CheckArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let run = &args.run;
    let (config, text) = load_config(&run.scenario, run.trials, run.seed, &run.set)?;
    if run.sweeps(&config) {
        return Err(Failure::bad_input(anyhow!(
            "check tests one run, and {} would sweep; pass --no-sweep to check it at its own values, or --set a value",
            run.scenario.display()
        )));
    }
    if run.sweep_trials {
        return Err(Failure::bad_input(anyhow!(
            "--sweep-trials writes a sweep's per-trial rows, and check does not sweep"
        )));
    }
    let expectations = expect::load(&args.expect, &config).map_err(Failure::bad_input)?;
    let report = execute(&run.job(&config, &text))?;
    let verdicts = expect::evaluate(&config, &report.summary, &expectations);
    for verdict in &verdicts {
        println!("{}  {}: {}", if verdict.holds { "PASS" } else { "FAIL" }, verdict.name, verdict.detail);
    }
    let failed = verdicts.iter().filter(|v| !v.holds).count();
    println!(
        "{} of {} expectations hold ({}, {} trials per arm, seed {})",
        verdicts.len() - failed,
        verdicts.len(),
        config.name,
        config.trials,
        config.seed
    );
    if let Some(path) = &args.junit {
        let xml = expect::junit(&config.name, &verdicts, started.elapsed().as_secs_f64());
        attrition::output::write_atomically(path, xml.as_bytes()).map_err(Failure::failed)?;
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure {
            error: anyhow!("{failed} of {} expectations do not hold", verdicts.len()),
            code: EXIT_FAILURE,
        })
    }
}
