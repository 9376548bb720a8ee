//! `attrition check`: run a scenario and test the statements of an expectations
//! file against its results, for CI pipelines.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::anyhow;
use clap::Args;

use attrition::expect;

use super::run::execute;
use super::scenario::load_config;
use super::{EXIT_FAILURE, EXIT_TOOL_FAILED, Failure, RunArgs};
use attrition::words::count;

/// `check`'s exit codes, as its `--help` states them: CI tells a claim that does not
/// hold (1) from a job that could not decide (3).
pub const EXIT_CODES: &str = "Exit codes: 0 every expectation holds; 1 an expectation does not hold; 2 bad input \
(the scenario, the expectations file or a flag is missing, malformed or invalid); 3 the tool failed (the run, its \
output directory or the JUnit report could not be written), so there is no verdict; 130 interrupted (Ctrl-C or \
SIGTERM).";

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

/// Runs the scenario, tests every statement, and fails with exit 1 if any does not
/// hold, or with exit 3 if the tool itself failed.
pub fn check(args: &CheckArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let run = &args.run;
    let (config, text) = load_config(&run.scenario, run.trials, run.seed, &run.set)?;
    if run.sweeps_from_file(&config) {
        return Err(Failure::bad_input(anyhow!(
            "check tests one run, and {} would sweep; pass --no-sweep to check it at its own values, or --set a value",
            run.scenario.display()
        )));
    }
    let expectations = expect::load(&args.expect, &config).map_err(Failure::bad_input)?;
    let report = execute(&run.job(&config, &text)).map_err(tool_failure)?;
    let verdicts = expect::evaluate(&config, &report.summary, &expectations);
    for verdict in &verdicts {
        println!("{}  {}: {}", if verdict.holds { "PASS" } else { "FAIL" }, verdict.name, verdict.detail);
    }
    let failed = verdicts.iter().filter(|v| !v.holds).count();
    // A replay tests its one trial: say so, rather than the full run's count.
    let replayed = run.replay_trial.map(|trial| format!(", trial {trial} replayed")).unwrap_or_default();
    println!(
        "{} ({}, {} per arm{replayed}, seed {})",
        tally(verdicts.len() - failed, verdicts.len(), "holds", "hold"),
        config.name,
        count(report.summary.trials, "trial", "trials"),
        config.seed
    );
    if let Some(path) = &args.junit {
        let xml = expect::junit(&config.name, &verdicts, started.elapsed().as_secs_f64());
        attrition::output::write_atomically(path, xml.as_bytes()).map_err(|error| Failure {
            error: anyhow!(
                "the JUnit report was not written ({}): {error}",
                tally(verdicts.len() - failed, verdicts.len(), "holds", "hold")
            ),
            code: EXIT_TOOL_FAILED,
        })?;
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(Failure {
            error: anyhow!("{}", tally(failed, verdicts.len(), "does not hold", "do not hold")),
            code: EXIT_FAILURE,
        })
    }
}

/// "2 of 3 expectations hold", "1 of 1 expectation holds": the verb agrees with the
/// count of expectations.
fn tally(some: usize, all: usize, singular_verb: &str, plural_verb: &str) -> String {
    let verb = if all == 1 { singular_verb } else { plural_verb };
    format!("{some} of {} {verb}", count(all as u64, "expectation", "expectations"))
}

/// A failure of the run itself: for `check`, exit 3 rather than the 1 of a claim that
/// does not hold; bad input and an interrupt keep their codes.
fn tool_failure(failure: Failure) -> Failure {
    match failure.code {
        EXIT_FAILURE => Failure { code: EXIT_TOOL_FAILED, ..failure },
        _ => failure,
    }
}
