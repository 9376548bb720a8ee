//! `attrition sensitivity`: which parameters a scenario's output depends on, by
//! one-at-a-time effects, Morris elementary effects or Sobol indices; or the same
//! analysis of the Ishigami test function (`--function ishigami`).

use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::anyhow;
use clap::{Args, ValueEnum};

use attrition::config::Config;
use attrition::config::design::parse_range;
use attrition::experiment;
use attrition::metrics::TrialMetric;
use attrition::output::manifest::{self, RunRecord};
use attrition::output::sensitivity::{self as table, SENSITIVITY};
use attrition::output::sensitivity_charts::{self, Labels};
use attrition::output::{OutputKind, Staging};
use attrition::sensitivity::ishigami::Ishigami;
use attrition::sensitivity::scenario::{Output, ScenarioModel, SensitivityError};
use attrition::sensitivity::{Analysis, IndexKind, Method, Parameter, Settings, analyse};
use attrition::words::count;

use super::guards::{bound_threads, check_memory, check_threads, interrupt_flag};
use super::progress::Progress;
use super::scenario::{load_config, parse_overrides};
use super::{Failure, OutputsArg};
use super::{output_failure, waiting_note};

/// Flags of `sensitivity`.
#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// The scenario file (not with --function).
    #[arg(required_unless_present = "function", conflicts_with = "function")]
    scenario: Option<PathBuf>,
    /// Analyse a built-in test function instead of a scenario, to check the
    /// estimators against known indices; prints sensitivity.csv on stdout.
    #[arg(long, value_enum)]
    function: Option<FunctionArg>,
    /// The method: `oat` (one at a time, a tornado chart), `morris` (elementary
    /// effects) or `sobol` (first- and total-order indices).
    #[arg(long, value_enum, default_value_t = MethodArg::Oat)]
    method: MethodArg,
    /// A parameter and its range, e.g. `--range dynamics.quits.engagement_sensitivity=2:6`
    /// (repeatable; floats). Adds to, or replaces, the scenario's [sensitivity] table.
    #[arg(long, value_name = "FIELD=LOW:HIGH")]
    range: Vec<String>,
    /// Morris: trajectories (default 20); Sobol: rows N of each base matrix (default
    /// 256). The design has N (k + 1) or N (k + 2) points for k parameters.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(2..=100_000))]
    samples: Option<u64>,
    /// Bootstrap resamples for the Morris and Sobol intervals.
    #[arg(long, value_name = "B", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    resamples: u64,
    /// The trial metric measured (default: the scenario's headline).
    #[arg(long, value_name = "METRIC")]
    metric: Option<String>,
    /// Measure this arm (default: the headline contrast's arm, the last arm that
    /// is not the baseline); without --versus, the arm's metric alone.
    #[arg(long, value_name = "ARM")]
    arm: Option<String>,
    /// Measure the arm's paired difference to this arm (default, without --arm:
    /// the baseline, the headline contrast).
    #[arg(long, value_name = "ARM")]
    versus: Option<String>,
    /// Trials per design point (overrides simulation.trials; every point runs the
    /// same trials).
    #[arg(long)]
    trials: Option<u32>,
    /// Master seed: the trials, the design and the bootstrap draw from it.
    #[arg(long)]
    seed: Option<u64>,
    /// Override a scenario field at every point, as `run --set` does (repeatable).
    #[arg(long, value_name = "FIELD=VALUE")]
    set: Vec<String>,
    /// Directory under which results go, as <out>/<scenario name>_sensitivity/.
    #[arg(long, default_value = "output")]
    out: PathBuf,
    /// Threads (default: all cores); results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar and no table.
    #[arg(long, short)]
    quiet: bool,
    /// Replace the target directory even if it does not look like attrition output.
    #[arg(long)]
    force: bool,
    /// `all` (sensitivity.csv, the chart and the manifest) or `csv` (no chart).
    #[arg(long, value_enum, default_value_t = OutputsArg::All)]
    outputs: OutputsArg,
}

/// The values of `--method`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum MethodArg {
    Oat,
    Morris,
    Sobol,
}

impl From<MethodArg> for Method {
    fn from(value: MethodArg) -> Self {
        match value {
            MethodArg::Oat => Method::Oat,
            MethodArg::Morris => Method::Morris,
            MethodArg::Sobol => Method::Sobol,
        }
    }
}

/// The values of `--function`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum FunctionArg {
    /// Ishigami and Homma (1990) with a = 7, b = 0.1 on [−π, π]³.
    Ishigami,
}

impl SensitivityArgs {
    fn settings(&self, seed: u64) -> Settings {
        let method = Method::from(self.method);
        let samples = self.samples.map_or(Settings::default_samples(method), |n| n as usize);
        Settings { method, samples, resamples: self.resamples as usize, seed }
    }
}

/// `attrition sensitivity`.
pub fn sensitivity(args: &SensitivityArgs) -> Result<(), Failure> {
    match (&args.function, &args.scenario) {
        (Some(FunctionArg::Ishigami), _) => ishigami(args),
        (None, Some(path)) => scenario(args, path),
        (None, None) => Err(Failure::bad_input(anyhow!("name a scenario file, or --function ishigami"))),
    }
}

/// The Ishigami function through the same analysis; its table goes to stdout.
fn ishigami(args: &SensitivityArgs) -> Result<(), Failure> {
    let parameters = Ishigami::parameters();
    let settings = args.settings(args.seed.unwrap_or(0));
    let Ok(analysis) = analyse(&mut Ishigami::default(), &parameters, &settings);
    table::write_to(std::io::stdout().lock(), &parameters, "ishigami", &analysis).map_err(Failure::failed)
}

/// The parameters: the scenario's [sensitivity] table, then --range (which
/// replaces a field's range from the table).
fn parameters(args: &SensitivityArgs, config: &Config) -> Result<Vec<Parameter>, Failure> {
    let mut parameters: Vec<Parameter> = config.sensitivity.clone();
    let mut given: Vec<String> = Vec::new();
    for text in &args.range {
        let range = parse_range(text).map_err(|message| Failure::bad_input(anyhow!("--range {message}")))?;
        if given.contains(&range.field) {
            return Err(Failure::bad_input(anyhow!("--range {}: the field has two ranges", range.field)));
        }
        given.push(range.field.clone());
        match parameters.iter_mut().find(|p| p.field == range.field) {
            Some(existing) => *existing = range,
            None => parameters.push(range),
        }
    }
    if parameters.is_empty() {
        return Err(Failure::bad_input(anyhow!(
            "no parameters to vary: give --range FIELD=LOW:HIGH, or a [sensitivity] table in the scenario"
        )));
    }
    Ok(parameters)
}

/// The arm called `name`, for `flag`.
fn arm_named(config: &Config, flag: &str, name: &str) -> Result<usize, Failure> {
    config.arms.iter().position(|arm| arm.name == name).ok_or_else(|| {
        let known: Vec<&str> = config.arms.iter().map(|arm| arm.name.as_str()).collect();
        Failure::bad_input(anyhow!("{flag}: no arm is named {name:?}; the arms are {known:?}"))
    })
}

/// What is measured, from --metric, --arm and --versus.
fn output(args: &SensitivityArgs, config: &Config) -> Result<Output, Failure> {
    let metric = match &args.metric {
        None => config.headline,
        Some(name) => {
            let known = config.trial_metrics();
            TrialMetric::from_name(name).filter(|m| known.contains(m)).ok_or_else(|| {
                let names: Vec<&str> = known.iter().map(|m| m.name()).collect();
                Failure::bad_input(anyhow!(
                    "--metric {name:?} is not a trial metric of this scenario; choose one of {names:?}"
                ))
            })?
        }
    };
    let headline = Output::headline(config);
    let (default_arm, default_versus) = match headline {
        Output::Contrast { arm, versus, .. } => (arm, Some(versus)),
        Output::Metric { arm, .. } => (arm, None),
    };
    let arm = args.arm.as_deref().map(|name| arm_named(config, "--arm", name)).transpose()?;
    let versus = args.versus.as_deref().map(|name| arm_named(config, "--versus", name)).transpose()?;
    let (arm, versus) = match (arm, versus) {
        (None, None) => (default_arm, default_versus),
        (Some(arm), None) => (arm, None),
        (arm, Some(versus)) => (arm.unwrap_or(default_arm), Some(versus)),
    };
    match versus {
        Some(versus) if versus == arm => {
            Err(Failure::bad_input(anyhow!("--versus: an arm's difference to itself is always 0")))
        }
        Some(versus) => Ok(Output::Contrast { arm, versus, metric }),
        None => Ok(Output::Metric { arm, metric }),
    }
}

/// A scenario's analysis, written to `<out>/<name>_sensitivity/`.
fn scenario(args: &SensitivityArgs, path: &std::path::Path) -> Result<(), Failure> {
    let started = Instant::now();
    let started_at = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (config, text) = load_config(path, args.trials, args.seed, &args.set)?;
    let fixed = parse_overrides(&args.set)?;
    let parameters = parameters(args, &config)?;
    let output = output(args, &config)?;
    let settings = args.settings(config.seed);
    let threads = check_threads(args.threads)?;
    // Points run one after another, so one point's run is what must fit.
    check_memory(&config, threads, None, None)?;
    bound_threads(args.threads)?;
    let stop = interrupt_flag();
    let mut progress = Progress::new(!args.quiet);
    let mut model = ScenarioModel {
        text: &text,
        path,
        fixed: &fixed,
        fields: parameters.iter().map(|p| p.field.clone()).collect(),
        trials: config.trials,
        seed: config.seed,
        output,
        options: experiment::Options { threads: args.threads, ..Default::default() },
        stop: &stop,
        progress: |done, total| progress.update(done, total),
    };
    let analysis = analyse(&mut model, &parameters, &settings);
    progress.finish();
    let analysis = analysis.map_err(|error| match error {
        SensitivityError::Invalid { .. } => Failure::bad_input(error),
        SensitivityError::Experiment(ref inner) if inner.interrupted() => {
            Failure::interrupted(anyhow!("{error}; nothing was written"))
        }
        other => Failure::failed(other),
    })?;

    let target = args.out.join(format!("{}_sensitivity", config.name));
    let staging = Staging::begin(&target, OutputKind::Sensitivity, args.force, &stop, |_| {
        waiting_note(&target, !args.quiet)
    })
    .map_err(|error| output_failure(error, &target))?;
    let described = output.describe(&config);
    table::write(&staging.path(SENSITIVITY), &parameters, &described, &analysis).map_err(Failure::failed)?;
    let mut written = vec![SENSITIVITY.to_owned()];
    if matches!(args.outputs, OutputsArg::All) {
        let labels = Labels { subject: &config.name, output: &described, unit: output.metric().unit() };
        let charts = sensitivity_charts::write(&staging.path(""), labels, &parameters, &analysis)
            .map_err(Failure::failed)?;
        written.extend(charts.iter().filter_map(|p| p.file_name()?.to_str().map(String::from)));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let record = RunRecord {
        scenario_file: path.display().to_string(),
        scenario_text: text.clone(),
        scenario: &config,
        command: std::env::args().collect(),
        replayed_trial: None,
        threads,
        started_at,
        elapsed_seconds: elapsed,
        agent_steps: config.agent_steps() * analysis.points as u64,
        inputs: Vec::new(),
    };
    let (directory, files) =
        manifest::seal(staging, written, record).map_err(|error| output_failure(error, &target))?;
    if !args.quiet {
        print_analysis(&config, &described, &parameters, &analysis, elapsed);
        println!("wrote {}:", directory.display());
        for file in &files {
            println!("  {}", file.display());
        }
    }
    Ok(())
}

/// The indices as a table, parameter by parameter.
fn print_analysis(
    config: &Config,
    output: &str,
    parameters: &[Parameter],
    analysis: &Analysis,
    elapsed: f64,
) {
    println!(
        "{} — {} sensitivity of {output}: {}, {} each ({elapsed:.1} s)",
        config.name,
        analysis.method,
        count(analysis.points as u64, "point", "points"),
        count(config.trials, "trial", "trials"),
    );
    let width = parameters.iter().map(|p| p.field.len()).max().unwrap_or(9).max(9);
    println!("  {:<width$}  {:>7}  {:>32}", "parameter", "index", "estimate [95% CI]");
    for index in &analysis.indices {
        let p = if matches!(index.kind, IndexKind::FirstOrder | IndexKind::TotalOrder) { 3 } else { 4 };
        println!(
            "  {:<width$}  {:>7}  {:>32}",
            parameters[index.parameter].field,
            index.kind.name(),
            format!("{:.p$} [{:.p$}, {:.p$}]", index.estimate, index.ci_low, index.ci_high)
        );
    }
}
