//! The binary's subcommands, one file each.

mod bench;
mod check;
mod guards;
mod progress;
mod run;
mod scenario;
mod sweep;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Exit code of a run that failed after its input was accepted.
const EXIT_FAILURE: u8 = 1;
/// Exit code for bad input: a scenario that does not exist or does not validate.
const EXIT_BAD_INPUT: u8 = 2;
/// Exit code after Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

/// attrition: an agent-based Monte Carlo simulator of why organisations lose their
/// best people.
///
/// A scenario file (TOML, see scenarios/) describes an organisation and the named
/// arms (combinations of promotion policy and other levers) to compare. `run`
/// simulates every arm many times, with the same random draws for trial i of every
/// arm, and writes CSV files and a manifest to <out>/<scenario name>/.
#[derive(Debug, Parser)]
#[command(name = "attrition", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and write its results.
    Run(RunArgs),
    /// Run a scenario and test an expectations file against its results (for CI).
    Check(check::CheckArgs),
    /// Measure the engine's speed in agent-steps per second.
    Bench(bench::BenchArgs),
    /// Check scenario files without running them.
    Validate(validate::ValidateArgs),
}

/// Flags shared by `run` and `bench`.
#[derive(Debug, Args)]
struct RunArgs {
    /// The scenario file, e.g. scenarios/peter_principle.toml.
    scenario: PathBuf,
    /// Trials per arm (overrides simulation.trials; 1 to 1048576).
    #[arg(long)]
    trials: Option<u32>,
    /// Master seed (overrides simulation.seed). Trial 0 uses this seed itself; to
    /// replay one trial of a run, use --replay-trial with its index.
    #[arg(long)]
    seed: Option<u64>,
    /// Directory under which results go, as <out>/<scenario name>/.
    #[arg(long, default_value = "output")]
    out: PathBuf,
    /// Threads for the whole run: the simulation, the charts and the checksums
    /// (default: all cores, or RAYON_NUM_THREADS; at most 1024). Results do not
    /// depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar and no summary table; errors are still reported.
    #[arg(long, short)]
    quiet: bool,
    /// Replace <out>/<scenario name>/ even if it does not look like attrition output.
    #[arg(long)]
    force: bool,
    /// Override a scenario field, e.g. `--set simulation.steps=200` or
    /// `--set 'arms."best, Peter".promotion="random"'` (repeatable; validated like the file).
    #[arg(long, value_name = "FIELD=VALUE")]
    set: Vec<String>,
    /// Sweep a field over values, e.g. `--sweep workforce.dismissal_threshold=3,4,5`
    /// or a range from:to:step, e.g. `--sweep policy.best_probability=0:1:0.1` (end
    /// included); repeatable: the grid of all combinations. Writes sweep.csv,
    /// sweep_comparison.csv and a chart.
    #[arg(long, value_name = "FIELD=V1,V2,...")]
    sweep: Vec<String>,
    /// With a sweep, also write sweep_trials.csv: one row per point, trial and arm.
    #[arg(long)]
    sweep_trials: bool,
    /// Run a scenario that has a [sweep] once, at its own values, instead of sweeping.
    #[arg(long, conflicts_with = "sweep")]
    no_sweep: bool,
    /// Run only trial I of every arm, exactly as trial I of the full run (I as in
    /// trials.csv's `trial` column, 0-based, below the trial count), into
    /// <out>/<scenario name>-trial-I/, leaving the full run's results alone. Unlike a
    /// seed, an index survives spreadsheets, which round numbers above 2^53.
    #[arg(long, value_name = "I")]
    replay_trial: Option<u64>,
    /// Refuse to start a run estimated to need more memory than this many GiB
    /// (default: 90% of the memory available when the run starts, or 8 GiB where
    /// that is unknown).
    #[arg(long, value_name = "GIB")]
    max_memory: Option<f64>,
    /// Also write events.csv: one row per hire, promotion, grade advancement, quit
    /// (with its reason), dismissal and retirement, one per person employed at the
    /// start and one per person still employed at the end, for survival and
    /// promotion analysis. Large: about two rows per position per trial and arm.
    #[arg(long)]
    events: bool,
    /// Log events only for the first N trials (implies --events).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    events_trials: Option<u64>,
    /// Log events only for this arm (repeatable; implies --events).
    #[arg(long, value_name = "ARM")]
    events_arm: Vec<String>,
    /// Write the event log gzip-compressed, as events.csv.gz (implies --events).
    #[arg(long)]
    events_gzip: bool,
}

impl RunArgs {
    /// Whether these flags make a run of `config` a sweep.
    fn sweeps(&self, config: &attrition::config::Config) -> bool {
        !self.sweep.is_empty() || (!config.sweep.is_empty() && !self.no_sweep)
    }

    /// The single run these flags ask for.
    fn job<'a>(&'a self, config: &'a attrition::config::Config, scenario_text: &'a str) -> run::Job<'a> {
        run::Job {
            config,
            scenario_file: &self.scenario,
            scenario_text,
            out: &self.out,
            threads: self.threads,
            force: self.force,
            show_progress: !self.quiet,
            max_memory: self.max_memory,
            events: self.event_request(),
            replay_trial: self.replay_trial,
        }
    }

    /// The event log these flags ask for, if any: any `--events*` flag asks for one.
    fn event_request(&self) -> Option<run::EventRequest> {
        let wanted =
            self.events || self.events_trials.is_some() || !self.events_arm.is_empty() || self.events_gzip;
        wanted.then(|| run::EventRequest {
            first_trials: self.events_trials,
            arms: self.events_arm.clone(),
            gzip: self.events_gzip,
        })
    }
}

/// Parses the command line and runs the subcommand.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Check(args) => check::check(&args),
        Command::Bench(args) => bench::bench(&args),
        Command::Validate(args) => validate::validate(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // The library's messages already name their cause: `{}` prints each once.
            eprintln!("error: {}", failure.error);
            ExitCode::from(failure.code)
        }
    }
}

/// An error with the exit code it maps to.
struct Failure {
    error: anyhow::Error,
    code: u8,
}

impl Failure {
    fn bad_input(error: impl Into<anyhow::Error>) -> Self {
        Self { error: error.into(), code: EXIT_BAD_INPUT }
    }

    fn failed(error: impl Into<anyhow::Error>) -> Self {
        Self { error: error.into(), code: EXIT_FAILURE }
    }

    fn interrupted(error: impl Into<anyhow::Error>) -> Self {
        Self { error: error.into(), code: EXIT_INTERRUPTED }
    }
}
