//! The binary's subcommands, one file each.

mod bench;
mod calibrate;
mod check;
mod guards;
mod json;
mod merge;
mod progress;
mod report;
mod run;
mod scenario;
mod sensitivity;
mod serve;
mod shard;
mod sweep;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use attrition::output::OutputError;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit code of a run that failed after its input was accepted; for `check`, of an
/// expectation that does not hold.
const EXIT_FAILURE: u8 = 1;
/// Exit code for bad input: a scenario that does not exist or does not validate.
const EXIT_BAD_INPUT: u8 = 2;
/// Exit code of `check` when the tool itself failed (the run, its output directory or
/// the JUnit report), so CI can tell a broken job from a failed claim.
const EXIT_TOOL_FAILED: u8 = 3;
/// Exit code after Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

/// The exit codes, as `--help` states them.
const EXIT_CODES: &str = "Exit codes: 0 success; 1 the run failed (for check: an expectation does not hold); 2 bad \
input (a scenario, expectations file or flag that is missing, malformed or invalid); 3 (check only) the tool \
failed: the run, its output directory or the JUnit report, so there is no verdict; 130 interrupted (Ctrl-C or \
SIGTERM).";

/// attrition: an agent-based Monte Carlo simulator of why organisations lose their
/// best people.
///
/// A scenario file (TOML, see scenarios/) describes an organisation and the named
/// arms (combinations of promotion policy and other levers) to compare. `run`
/// simulates every arm many times, with the same random draws for trial i of every
/// arm, and writes CSV files and a manifest to <out>/<scenario name>/.
#[derive(Debug, Parser)]
// clap's own `help` subcommand refuses `help --help`; ours is an ordinary subcommand.
#[command(name = "attrition", version, about, long_about, after_help = EXIT_CODES, disable_help_subcommand = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and write its results.
    Run(RunCommand),
    /// Run a scenario and test an expectations file against its results (for CI).
    #[command(after_help = check::EXIT_CODES)]
    Check(check::CheckArgs),
    /// Measure the engine's speed in agent-steps per second.
    #[command(after_help = bench::EXIT_CODES)]
    Bench(bench::BenchArgs),
    /// Check scenario files (and expectations files) without running them.
    Validate(validate::ValidateArgs),
    /// Fit a scenario's parameters to target moments (simulated method of moments)
    /// and write the fit and a calibrated scenario.
    Calibrate(calibrate::CalibrateArgs),
    /// Which parameters a scenario's output depends on: one at a time, Morris or Sobol.
    Sensitivity(sensitivity::SensitivityArgs),
    /// Merge the shards of a run (`run --shard I/K`) into the files the whole run writes.
    Merge(merge::MergeArgs),
    /// Write report.html, a self-contained page for a client, from a run's results directory.
    Report(report::ReportArgs),
    /// Serve a live what-if page: move a scenario's [controls] and watch the answer update.
    Serve(serve::ServeArgs),
    /// Print the help of attrition or of one of its subcommands.
    Help(HelpArgs),
}

/// Flags of `help`.
#[derive(Debug, Args)]
struct HelpArgs {
    /// The subcommand to explain, e.g. `run`; none for attrition's own help.
    command: Option<String>,
}

/// `attrition help [COMMAND]`: the same text as `--help`.
fn help(args: &HelpArgs) -> Result<(), Failure> {
    let mut cli = <Cli as clap::CommandFactory>::command();
    // Built, so a subcommand's usage line names the program ("attrition check").
    cli.build();
    let shown = match &args.command {
        None => cli.print_long_help(),
        Some(name) => match cli.find_subcommand_mut(name) {
            Some(command) => command.print_long_help(),
            None => {
                let known: Vec<String> = cli.get_subcommands().map(|c| c.get_name().to_owned()).collect();
                return Err(Failure::bad_input(anyhow::anyhow!(
                    "help: there is no subcommand {name:?}; the subcommands are {}",
                    known.join(", ")
                )));
            }
        },
    };
    shown.map_err(Failure::failed)
}

/// Flags of `run`: those of one run, and a sweep's.
#[derive(Debug, Args)]
struct RunCommand {
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    sweep: SweepArgs,
    /// Print the run's summary (or the sweep's, point by point) as one JSON document
    /// on stdout, for a program driving attrition, instead of the table; progress
    /// and warnings stay on stderr. The schema is in the README.
    #[arg(long)]
    json: bool,
    /// Run until the headline contrast's paired 95% interval has a half-width below
    /// H (in the headline metric's units): 10 trials, then twice as many each time,
    /// up to --trials (default: simulation.trials). Reports the trials used.
    #[arg(long, value_name = "H", conflicts_with_all = ["sweep", "design", "design_lhs", "replay_trial", "shard"])]
    precision: Option<f64>,
    /// Run only shard I of K (0-based) of the trials, at every point of a sweep,
    /// into <out>/<scenario name>.shards/shard-<I>-of-<K>.shard, for `attrition
    /// merge` to fold with the others into exactly the whole run's files; skipped if
    /// that shard is already complete. Each shard is a contiguous range of trials,
    /// with the seeds they have in the whole run.
    #[arg(
        long,
        value_name = "I/K",
        value_parser = shard::parse_spec,
        conflicts_with_all = [
            "json", "replay_trial", "events", "events_trials", "events_arm", "events_gzip", "report", "pdf"
        ]
    )]
    shard: Option<shard::ShardSpec>,
    /// Also write report.html into the results directory: one self-contained page
    /// (the question, the ranked arms, the key charts, the assumptions and how to
    /// reproduce the run) to send a client. Single runs only.
    #[arg(long)]
    report: bool,
    /// With --report, also print it to report.pdf through headless Chromium.
    #[arg(long, requires = "report")]
    pdf: bool,
}

/// Flags of one run, shared by `run` and `check`.
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
    /// Run a scenario that has a [sweep] once, at its own values, instead of sweeping.
    #[arg(long)]
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
    /// Which files to write: `all` (the CSV tables, the charts and the manifest) or
    /// `csv` (the tables and the manifest, without charts: what a program driving
    /// many runs reads, at a fraction of a small run's fixed cost).
    #[arg(long, value_enum, default_value_t = OutputsArg::All)]
    outputs: OutputsArg,
}

/// The values of `--outputs`.
#[derive(Debug, Clone, Copy, PartialEq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum OutputsArg {
    /// The CSV tables and the manifest.
    Csv,
    /// The tables, the charts and the manifest.
    All,
}

impl From<OutputsArg> for attrition::output::Outputs {
    fn from(value: OutputsArg) -> Self {
        match value {
            OutputsArg::Csv => Self::Csv,
            OutputsArg::All => Self::All,
        }
    }
}

/// The sweep flags, only of `run` (`check` tests one run).
#[derive(Debug, Args)]
struct SweepArgs {
    /// Sweep a field over values, e.g. `--sweep workforce.dismissal_threshold=3,4,5`
    /// or a range from:to:step, e.g. `--sweep policy.best_probability=0:1:0.1` (end
    /// included); repeatable: the grid of all combinations. Writes sweep.csv,
    /// sweep_comparison.csv and a chart.
    #[arg(long, value_name = "FIELD=V1,V2,...", conflicts_with = "no_sweep")]
    sweep: Vec<String>,
    /// With a sweep, also write sweep_trials.csv: one row per point, trial and arm.
    #[arg(long)]
    sweep_trials: bool,
    /// Run one point per row of a design table: a CSV whose header names field paths
    /// (any field --set takes) and whose cells are their values, e.g. from SALib or R.
    /// Every row is validated first; writes the sweep's files and design.csv.
    #[arg(long, value_name = "POINTS.csv", conflicts_with_all = ["no_sweep", "sweep", "design_lhs"])]
    design: Option<PathBuf>,
    /// Run a Latin hypercube of N points (1 to 10000) over the --range intervals,
    /// drawn from the master seed; written to design.csv for re-running with --design.
    #[arg(
        long,
        value_name = "N",
        requires = "range",
        conflicts_with_all = ["no_sweep", "sweep"],
        value_parser = clap::value_parser!(u64).range(1..=10_000)
    )]
    design_lhs: Option<u64>,
    /// A dimension of --design-lhs: a field and the interval its values span, e.g.
    /// `--range policy.best_probability=0:1` (repeatable; floats).
    #[arg(long, value_name = "FIELD=LOW:HIGH", requires = "design_lhs")]
    range: Vec<String>,
    /// The `--design` table's text when it comes from a shard, not from its file.
    #[arg(skip)]
    design_text: Option<String>,
}

impl SweepArgs {
    /// Whether these flags ask for points (a grid or a design) of their own.
    fn asks_for_points(&self) -> bool {
        !self.sweep.is_empty() || self.design.is_some() || self.design_lhs.is_some()
    }
}

impl RunArgs {
    /// Whether the scenario's own `[sweep]` runs (the command line's is `SweepArgs`).
    fn sweeps_from_file(&self, config: &attrition::config::Config) -> bool {
        !config.sweep.is_empty() && !self.no_sweep
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
            outputs: self.outputs.into(),
            shards: None,
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
        Command::Calibrate(args) => calibrate::calibrate(&args),
        Command::Sensitivity(args) => sensitivity::sensitivity(&args),
        Command::Merge(args) => merge::merge(&args),
        Command::Report(args) => report::report(&args),
        Command::Serve(args) => serve::serve(&args),
        Command::Help(args) => help(&args),
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

/// Says, unless quiet, that another run holds the target and this one waits its turn.
fn waiting_note(target: &std::path::Path, show: bool) {
    if show {
        eprintln!("waiting for another attrition run writing {} to finish", target.display());
    }
}

/// An output error as a failure: an interrupt (exit 130) leaves the previous results.
fn output_failure(error: OutputError, target: &std::path::Path) -> Failure {
    match error {
        OutputError::Interrupted => Failure::interrupted(anyhow::anyhow!(
            "interrupted before the results were moved into place; any previous results in {} are intact",
            target.display()
        )),
        other => Failure::failed(other),
    }
}
