//! `attrition run`: simulate a scenario and write its results.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::anyhow;

use attrition::config::Config;
use attrition::experiment::{self, Point};
use attrition::output::charts;
use attrition::output::manifest::{self, RunRecord};
use attrition::output::tables::{self, EventWriter, TrialWriter};
use attrition::output::{OutputError, OutputKind, Outputs, Staging};
use attrition::runner::{self, EventSelection, RunError, RunOptions, RunSummary, TrialOutcome};
use attrition::sensitivity::scenario::Output;
use attrition::shard::{self, ShardFile};

use super::guards::{bound_threads, check_memory, check_threads, interrupt_flag};
use super::progress::Progress;
use super::scenario::load_config;
use super::{Failure, RunArgs, RunCommand, json, output_failure, waiting_note};
use attrition::words::count;

/// What a finished run produced.
pub struct Report {
    /// The aggregated results.
    pub summary: RunSummary,
    /// The directory the files were written to.
    pub directory: PathBuf,
    /// Every file written.
    pub files: Vec<PathBuf>,
    /// Wall-clock seconds.
    pub elapsed: f64,
    /// Worker threads used.
    pub threads: usize,
}

/// One run to carry out: what to simulate and where to write it.
pub struct Job<'a> {
    /// The validated scenario, overrides applied.
    pub config: &'a Config,
    /// The scenario file, as named on the command line.
    pub scenario_file: &'a Path,
    /// Its text, for the manifest.
    pub scenario_text: &'a str,
    /// Directory under which `<name>/` is written.
    pub out: &'a Path,
    /// Worker threads; `None` for rayon's default.
    pub threads: Option<usize>,
    /// Replace a target directory that does not look like attrition output.
    pub force: bool,
    /// Draw the progress bar (when stderr is a terminal).
    pub show_progress: bool,
    /// Memory limit in GiB; `None` for the default.
    pub max_memory: Option<f64>,
    /// Write the event log, of these trials and arms.
    pub events: Option<EventRequest>,
    /// Run only this trial (by index) of the full run, into its own directory.
    pub replay_trial: Option<u64>,
    /// The tables only, or the charts too.
    pub outputs: Outputs,
    /// Merge these shards of the run instead of simulating its trials.
    pub shards: Option<&'a [ShardFile]>,
}

/// The configuration that replays trial `trial` of `config` alone: one trial,
/// started from that index by the runner. An index the full run does not have is
/// bad input.
pub fn replay_config(config: &Config, trial: u64) -> Result<Config, Failure> {
    if trial >= u64::from(config.trials) {
        return Err(Failure::bad_input(anyhow!(
            "--replay-trial {trial}: {} runs trials 0 to {} (the `trial` column of trials.csv)",
            config.name,
            config.trials - 1
        )));
    }
    config
        .clone()
        .with_trials(1)
        .map_err(|problems| Failure::bad_input(anyhow!("--replay-trial {trial}: {}", problems[0].message)))
}

/// The directory name of a run's results: the scenario's name, or for a replayed
/// trial `<name>-trial-<I>`, so a replay never replaces the full run's results.
pub fn results_name(name: &str, replay_trial: Option<u64>) -> String {
    match replay_trial {
        Some(trial) => format!("{name}-trial-{trial}"),
        None => name.to_owned(),
    }
}

/// The event log asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct EventRequest {
    /// Only the first this many trials.
    pub first_trials: Option<u64>,
    /// Only the arms of these names (every arm if empty).
    pub arms: Vec<String>,
    /// Compress it (`events.csv.gz`).
    pub gzip: bool,
}

impl EventRequest {
    /// The trials and arms to log in a run of `config`; an arm name the scenario
    /// does not have is bad input.
    fn selection(&self, config: &Config) -> Result<EventSelection, Failure> {
        let arms = if self.arms.is_empty() {
            None
        } else {
            let find = |name: &String| {
                config.arms.iter().position(|arm| &arm.name == name).ok_or_else(|| {
                    let known: Vec<&str> = config.arms.iter().map(|arm| arm.name.as_str()).collect();
                    Failure::bad_input(anyhow!(
                        "--events-arm: no arm is named {name:?}; the arms are {known:?}"
                    ))
                })
            };
            Some(self.arms.iter().map(find).collect::<Result<Vec<_>, _>>()?)
        };
        Ok(EventSelection { first_trials: self.first_trials, arms })
    }

    /// The file name of the log.
    fn file_name(&self) -> &'static str {
        if self.gzip { tables::EVENTS_GZIP } else { tables::EVENTS }
    }
}

/// Runs a job and writes its files to `<out>/<name>/`, atomically.
pub fn execute(job: &Job<'_>) -> Result<Report, Failure> {
    let Job {
        config,
        scenario_file,
        scenario_text,
        out,
        threads,
        force,
        show_progress,
        max_memory,
        ref events,
        replay_trial,
        outputs,
        shards,
    } = *job;
    let replayed;
    let config = match replay_trial {
        Some(trial) => {
            replayed = replay_config(config, trial)?;
            &replayed
        }
        None => config,
    };
    let selection = events.as_ref().map(|request| request.selection(config)).transpose()?;
    // 0, like no flag, means rayon's default.
    let threads_used = check_threads(threads)?;
    check_memory(config, threads_used, selection.as_ref(), max_memory)?;
    bound_threads(threads)?;
    let started_at = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let started = Instant::now();
    let target = out.join(results_name(&config.name, replay_trial));
    let stop = interrupt_flag();
    let staging =
        Staging::begin(&target, OutputKind::Run, force, &stop, |_| waiting_note(&target, show_progress))
            .map_err(|error| output_failure(error, &target))?;
    // Ctrl-C after the simulation stops the writing too, between one file and the next.
    let stopped = || match stop.load(Ordering::SeqCst) {
        true => Err(output_failure(OutputError::Interrupted, &target)),
        false => Ok(()),
    };
    let mut trial_writer =
        TrialWriter::create(staging.path(tables::TRIALS), config).map_err(Failure::failed)?;
    let mut event_writer = match events {
        Some(request) => Some(
            EventWriter::create(staging.path(request.file_name()), config, request.gzip)
                .map_err(Failure::failed)?,
        ),
        None => None,
    };
    let mut progress = Progress::new(show_progress);
    let options = RunOptions {
        threads,
        events: selection,
        first_trial: replay_trial.unwrap_or(0),
        ..RunOptions::default()
    };
    let on_trials = |batch: &[TrialOutcome]| {
        trial_writer.write(batch).map_err(|error| error.to_string())?;
        match &mut event_writer {
            Some(writer) => writer.write(batch).map_err(|error| error.to_string()),
            None => Ok(()),
        }
    };
    let update = |done, total| progress.update(done, total);
    let result = match shards {
        None => runner::run(config, options, &stop, on_trials, update).map_err(|error| match error {
            RunError::Interrupted { .. } => Failure::interrupted(anyhow!(
                "{error}; nothing was written and any previous results in {} are intact",
                target.display()
            )),
            other => Failure::failed(other),
        }),
        Some(files) => {
            let mut on_trials = on_trials;
            let point = [Point { assignment: Vec::new(), config: config.clone() }];
            shard::merge(
                files,
                &point,
                &experiment::Options::default(),
                &stop,
                |_, batch| on_trials(batch),
                update,
            )
            .map(|totals| totals[0].run.summarise())
            .map_err(|error| super::merge::failure(error, &target))
        }
    };
    progress.finish();
    let summary = result?;
    trial_writer.finish().map_err(Failure::failed)?;
    if let Some(writer) = event_writer {
        writer.finish().map_err(Failure::failed)?;
    }

    let write = |name: &str, writer: fn(&Path, &Config, &RunSummary) -> Result<(), _>| {
        stopped()?;
        writer(&staging.path(name), config, &summary).map_err(Failure::failed)
    };
    let write_tables = || {
        write(tables::TIMESERIES, tables::write_timeseries)?;
        write(tables::SUMMARY, tables::write_summary)?;
        write(tables::COMPARISON, tables::write_comparison)?;
        match summary.uncertainty.is_some() {
            true => write(tables::UNCERTAINTY, tables::write_uncertainty),
            false => Ok(()),
        }
    };
    let draw_charts = || {
        stopped()?;
        match outputs.charts() {
            true => charts::write_all(&staging.path(""), config, &summary, config.headline)
                .map_err(Failure::failed),
            false => Ok(Vec::new()),
        }
    };
    // Different files from the same summary: the tables and the charts are made
    // side by side (each of them parallel inside too).
    let (tables_written, charts) = rayon::join(write_tables, draw_charts);
    tables_written?;
    let charts = charts?;
    stopped()?;
    let mut written: Vec<String> =
        [tables::SUMMARY, tables::COMPARISON, tables::TIMESERIES, tables::TRIALS].map(String::from).to_vec();
    if summary.uncertainty.is_some() {
        written.push(tables::UNCERTAINTY.to_owned());
    }
    if let Some(request) = events {
        written.push(request.file_name().to_owned());
    }
    written.extend(charts.iter().filter_map(|path| path.file_name()?.to_str().map(String::from)));
    let elapsed = started.elapsed().as_secs_f64();
    let record = RunRecord {
        scenario_file: scenario_file.display().to_string(),
        scenario_text: scenario_text.to_owned(),
        scenario: config,
        command: std::env::args().collect(),
        replayed_trial: replay_trial,
        threads: threads_used,
        started_at,
        elapsed_seconds: elapsed,
        agent_steps: config.agent_steps(),
        inputs: Vec::new(),
    };
    let (directory, files) =
        manifest::seal(staging, written, record).map_err(|error| output_failure(error, &target))?;
    Ok(Report { summary, directory, files, elapsed, threads: threads_used })
}

/// `attrition run`.
pub fn run(command: &RunCommand) -> Result<(), Failure> {
    let args = &command.run;
    let (config, text) = load_config(&args.scenario, args.trials, args.seed, &args.set)?;
    refuse_an_uncertain_sweep(command, &config)?;
    if let Some(spec) = command.shard {
        return super::shard::run_shard(command, spec, &config, &text);
    }
    run_or_merge(command, &config, &text, None)
}

/// Refuses a sweep of a scenario with `[uncertainty]`, before anything runs (a
/// shard of one too, which `merge` could not fold).
fn refuse_an_uncertain_sweep(command: &RunCommand, config: &Config) -> Result<(), Failure> {
    let args = &command.run;
    let sweeps = command.sweep.asks_for_points() || args.sweeps_from_file(config);
    if sweeps && config.uncertainty.is_some() {
        return Err(Failure::bad_input(anyhow!(
            "{}: a sweep with [uncertainty] is not supported (its tables have no place for the spread \
             across parameter draws); run with --no-sweep, or sweep a copy without [uncertainty]",
            args.scenario.display()
        )));
    }
    Ok(())
}

/// Runs what `command` asks for, a run or a sweep of `config`, or merges its
/// `shards`: the same files either way.
pub fn run_or_merge(
    command: &RunCommand,
    config: &Config,
    text: &str,
    shards: Option<&[ShardFile]>,
) -> Result<(), Failure> {
    let args = &command.run;
    if command.sweep.asks_for_points() || args.sweeps_from_file(config) {
        refuse_an_uncertain_sweep(command, config)?;
        super::sweep::sweep(args, &command.sweep, command.json, config, text, shards)?;
        if command.report {
            // A sweep's report has its own section, made from the sweep's directory.
            let directory = args.out.join(results_name(&config.name, args.replay_trial));
            let files = super::report::write(&directory, command.pdf, args.quiet)?;
            if !args.quiet && !command.json {
                for file in files {
                    println!("wrote {}", file.display());
                }
            }
        }
        return Ok(());
    }
    if command.sweep.sweep_trials {
        return Err(Failure::bad_input(anyhow!(
            "--sweep-trials writes a sweep's per-trial rows, and this run does not sweep (its trials.csv has \
             them)"
        )));
    }
    let precise_config;
    let mut precision = None;
    let (config, mut report) = match command.precision {
        // Shards are merged as they were run; --precision is refused with --shard.
        Some(target) if shards.is_none() => {
            let (batch, report, half_width) = precise(args, config, text, target)?;
            if !args.quiet && !command.json {
                let verdict = match half_width < target {
                    true => format!("below {target}"),
                    false => format!("not below {target}: stopped at the --trials cap"),
                };
                write_stdout(&format!(
                    "precision: the headline contrast's 95% half-width is {half_width:.6}, {verdict}, after {}\n",
                    count(batch.trials, "trial", "trials")
                ))?;
            }
            precision = Some(json::Precision {
                target,
                half_width,
                reached: half_width < target,
                trials: batch.trials,
            });
            precise_config = batch;
            (&precise_config, report)
        }
        _ => {
            let mut job = args.job(config, text);
            job.shards = shards;
            (config, execute(&job)?)
        }
    };
    if command.report {
        report.files.extend(super::report::write(&report.directory, command.pdf, args.quiet)?);
    }
    if command.json {
        let mut document = json::run_document(config, &args.scenario, args.replay_trial, &report);
        document.precision = precision;
        json::print(&document)?;
    } else if !args.quiet {
        print_report(config, &report)?;
    }
    Ok(())
}

/// Trials of the first batch of `--precision`.
const PRECISION_FIRST_BATCH: u32 = 10;

/// `run --precision H`: runs 10 trials, then twice as many, until the headline
/// contrast's half-width is below `target` or the cap (`--trials`, else the
/// scenario's trials) is reached. Each batch reruns trials 0 to n − 1, so the count
/// and the results are a function of the scenario, seed and target alone.
fn precise(
    args: &RunArgs,
    config: &Config,
    text: &str,
    target: f64,
) -> Result<(Config, Report, f64), Failure> {
    if !(target.is_finite() && target > 0.0) {
        return Err(Failure::bad_input(anyhow!("--precision {target}: give a half-width above 0")));
    }
    let cap = config.trials;
    let mut trials = PRECISION_FIRST_BATCH.min(cap);
    loop {
        let batch = config
            .clone()
            .with_trials(trials)
            .map_err(|problems| Failure::bad_input(anyhow!("--precision: {}", problems[0].message)))?;
        let report = execute(&args.job(&batch, text))?;
        let half_width = headline_half_width(&batch, &report.summary);
        if half_width < target || trials == cap {
            return Ok((batch, report, half_width));
        }
        trials = trials.saturating_mul(2).min(cap);
    }
}

/// Half the width of the headline contrast's paired 95% interval (of the headline
/// metric's mean with one arm); infinite while it has none (one trial).
pub fn headline_half_width(config: &Config, summary: &RunSummary) -> f64 {
    let summary_of = match Output::headline(config) {
        Output::Contrast { arm, versus, metric } => {
            summary.pairs[arm][versus].as_ref().map(|pair| pair[metric as usize].difference.clone())
        }
        Output::Metric { arm, metric } => Some(summary.arms[arm][metric as usize].clone()),
    };
    match summary_of {
        Some(s) if s.ci_high.is_finite() && s.ci_low.is_finite() => (s.ci_high - s.ci_low) / 2.0,
        _ => f64::INFINITY,
    }
}

/// The arms ranked by the headline metric, with intervals and paired differences to
/// the baseline, then the files written.
pub fn print_report(config: &Config, report: &Report) -> Result<(), Failure> {
    let mut out = String::new();
    macro_rules! println {
        ($($arg:tt)*) => {{
            out.push_str(&format!($($arg)*));
            out.push('\n');
        }};
    }
    let headline = config.headline;
    let metric = headline as usize;
    let summary = &report.summary;
    let mut order: Vec<usize> = (0..config.arms.len()).collect();
    order.sort_by(|&a, &b| summary.arms[b][metric].mean.total_cmp(&summary.arms[a][metric].mean));
    let name_width =
        config.arms.iter().map(|arm| arm.display_name().chars().count()).max().unwrap_or(3).max(3);
    // About three significant digits for the largest mean: rates of a few
    // hundredths need more decimals than efficiencies of tens of percent.
    let largest = summary.arms.iter().map(|arm| arm[metric].mean.abs()).fold(0.0, f64::max);
    let p = if largest > 0.0 { (2.0 - largest.log10().floor()).clamp(2.0, 6.0) as usize } else { 2 };
    println!(
        "{} — {} per arm, {}, seed {} ({:.1} s, {})",
        config.name,
        count(config.trials, "trial", "trials"),
        count(config.steps, "step", "steps"),
        config.seed,
        report.elapsed,
        count(report.threads as u64, "thread", "threads")
    );
    println!(
        "ranked by {} ({}), mean [95% CI]; difference to baseline \"{}\" paired by trial",
        // A scenario's own label for the headline, else its CSV name.
        config.metric_label(headline.name(), headline.name()),
        headline.unit(),
        config.arms[config.baseline].display_name()
    );
    println!(
        "  {:<name_width$}  {:>24}  {:>24}  {:>8}",
        "arm", "mean [95% CI]", "vs baseline [95% CI]", "higher"
    );
    for arm in order {
        let own = &summary.arms[arm][metric];
        let (difference, higher) = match &summary.comparisons[arm] {
            Some(comparisons) => {
                let c = &comparisons[metric];
                (
                    format!(
                        "{:+.p$} [{:+.p$}, {:+.p$}]",
                        c.difference.mean, c.difference.ci_low, c.difference.ci_high
                    ),
                    format!("{:.0}%", 100.0 * c.share_higher),
                )
            }
            None => ("baseline".to_owned(), String::new()),
        };
        let row = format!(
            "  {:<name_width$}  {:>24}  {:>24}  {:>8}",
            config.arms[arm].display_name(),
            format!("{:.p$} [{:.p$}, {:.p$}]", own.mean, own.ci_low, own.ci_high),
            difference,
            higher
        );
        // The baseline's empty `higher` cell would leave trailing blanks.
        println!("{}", row.trim_end());
    }
    if let Some(spread) = &summary.uncertainty {
        out.push_str(&uncertainty_table(config, summary, spread, p));
    }
    println!("wrote {}:", report.directory.display());
    for file in &report.files {
        println!("  {}", file.display());
    }
    write_stdout(&out)
}

/// The spread across parameter draws, beside the Monte Carlo intervals above, and
/// whether each arm's ranking against the baseline survives it, in words.
fn uncertainty_table(
    config: &Config,
    summary: &RunSummary,
    spread: &attrition::uncertainty::UncertaintySummary,
    p: usize,
) -> String {
    let Some(uncertainty) = &config.uncertainty else { return String::new() };
    let metric = spread.metric as usize;
    let name_width = config.arms.iter().map(|arm| arm.name.len()).max().unwrap_or(3).max(3);
    let mut out = format!(
        "parameter uncertainty: {} × {} of {}\n",
        count(spread.draws, "draw", "draws"),
        count(spread.replications, "trial", "trials"),
        uncertainty
            .parameters
            .iter()
            .map(|p| format!("{} ~ {}", p.field, p.distribution.describe()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out.push_str(&format!(
        "  {:<name_width$}  {:>24}  {:>26}  ranking\n",
        "arm", "vs baseline [95% CI]", "across draws [5%, 95%]"
    ));
    for (arm, arm_spread) in spread.arms.iter().enumerate() {
        let (Some(difference), Some(comparisons)) = (&arm_spread.difference, &summary.comparisons[arm])
        else {
            continue;
        };
        let c = &comparisons[metric].difference;
        let d = &difference.spread;
        out.push_str(&format!(
            "  {:<name_width$}  {:>24}  {:>26}  {}\n",
            config.arms[arm].name,
            format!("{:+.p$} [{:+.p$}, {:+.p$}]", c.mean, c.ci_low, c.ci_high),
            format!("{:+.p$} [{:+.p$}, {:+.p$}]", d.p50, d.p5, d.p95),
            difference.verdict(spread.metric.direction(), spread.draws),
        ));
        if let (Some(parameters), Some(noise)) = (d.parameter_sd, d.monte_carlo_sd) {
            out.push_str(&format!(
                "  {:<name_width$}  sd across draws {:.p$}: parameters {:.p$}, Monte Carlo noise of a draw's mean {:.p$}\n",
                "", d.between_draws_sd, parameters, noise
            ));
        }
    }
    if spread.replications == 1 {
        out.push_str(
            "  (one trial per draw: each draw's value carries its trial's Monte Carlo noise, which widens the \
             spread and pulls the shares towards 50%; set simulation.replications to separate the two)\n",
        );
    }
    out
}

/// Writes the terminal output. A reader that went away (`attrition run ... |
/// head -1`) ends it quietly: the results are written already.
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::failed(anyhow!("writing to stdout: {error}")))
        }
        _ => Ok(()),
    }
}
