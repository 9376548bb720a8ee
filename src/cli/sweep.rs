//! Parameter sweeps: the scenario run at every point of a grid of field values,
//! every arm at every point, with the same trial seeds throughout (common random
//! numbers across points as well as arms).

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::anyhow;

use attrition::config::design::{self, Design, DesignProblem, LhsRange};
use attrition::config::overrides::{self, render_value};
use attrition::config::sweep::{Plan, describe};
use attrition::config::{self, Config, Override, SweepAxis};
use attrition::experiment::{self, ExperimentError, Point, PointTotals};
use attrition::locate::toml_key;
use attrition::output::manifest::{self, RunRecord};
use attrition::output::sweep::{self as sweep_output, SweepPoint, SweepTrialWriter};
use attrition::output::{OutputError, OutputKind, Outputs, Staging, charts};
use attrition::runner::RunError;
use attrition::shard::{self, ShardFile};

use super::guards::{bound_threads, check_sweep_memory, check_threads, interrupt_flag};
use super::progress::Progress;
use super::run::{replay_config, results_name};
use super::scenario::{apply_flags, parse_overrides};
use super::{Failure, RunArgs, SweepArgs, json};
use super::{output_failure, waiting_note};
use attrition::words::count;

/// A sweep's points, checked, and what its files are written from.
pub struct Planned {
    /// The points, in order; the first is the reference.
    pub points: Vec<Point>,
    /// The scenario, recording the sweep that ran (from the file or the command
    /// line; a design is recorded by its design.csv instead).
    pub base: Config,
    /// The swept fields (a design's columns).
    pub fields: Vec<String>,
    /// The design, and the file it came from, for `--design` and `--design-lhs`.
    design: Option<(Design, Option<PathBuf>)>,
}

/// The points of the sweep of `--sweep`, `--design` or `--design-lhs` (or, without
/// flags, the scenario's `[sweep]`), every one validated.
pub fn plan(args: &RunArgs, flags: &SweepArgs, base: &Config, text: &str) -> Result<Planned, Failure> {
    if args.events {
        // One event log per point would be a point's worth of events times the grid;
        // silently writing none would be worse.
        return Err(Failure::bad_input(anyhow!(
            "--events is not available with a sweep: run the point you want with --set FIELD=VALUE (or \
             --no-sweep) and --events"
        )));
    }
    let set = parse_overrides(&args.set)?;
    let design = design_of(flags, base)?;
    let (plan, axes) = match &design {
        Some((design, file)) => (plan_design(args, design, file.as_deref(), &set, base, text)?, Vec::new()),
        None => plan_grid(args, flags, &set, base, text)?,
    };
    // The file's own warnings (its [sweep]'s included) were printed when it was loaded.
    for warning in plan.warnings.iter().filter(|warning| !base.warnings.contains(warning)) {
        eprintln!("warning: {warning}");
    }
    let mut points = Vec::with_capacity(plan.points.len());
    for point in plan.points {
        let mut config = apply_flags(point.config, args.trials, args.seed)?;
        if let Some(trial) = args.replay_trial {
            config = replay_config(&config, trial)?;
        }
        points.push(Point { assignment: point.assignment, config });
    }
    let mut base = base.clone();
    base.sweep = axes.clone();
    let fields: Vec<String> = match &design {
        Some((design, _)) => design.fields.clone(),
        None => axes.iter().map(|axis| axis.field.clone()).collect(),
    };
    Ok(Planned { points, base, fields, design })
}

/// Runs the sweep of `--sweep`, `--design` or `--design-lhs` (or, without flags,
/// the scenario's `[sweep]`), or merges its shards (`shards`); with `json`, prints
/// its summary as one JSON document instead of the table.
pub fn sweep(
    args: &RunArgs,
    flags: &SweepArgs,
    json: bool,
    base: &Config,
    text: &str,
    shards: Option<&[ShardFile]>,
) -> Result<(), Failure> {
    let started = Instant::now();
    let started_at = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let Planned { points, base, fields, design } = plan(args, flags, base, text)?;
    let base = &base;
    let threads = check_threads(args.threads)?;
    let configs: Vec<&Config> = points.iter().map(|point| &point.config).collect();
    check_sweep_memory(&configs, threads, args.max_memory)?;
    bound_threads(args.threads)?;

    let target = args.out.join(results_name(&base.name, args.replay_trial));
    let stop = interrupt_flag();
    let staging =
        Staging::begin(&target, OutputKind::Sweep, args.force, &stop, |_| waiting_note(&target, !args.quiet))
            .map_err(|error| output_failure(error, &target))?;
    let mut progress = Progress::new(!args.quiet);
    let mut trial_writer = match flags.sweep_trials {
        true => Some(
            SweepTrialWriter::create(staging.path(sweep_output::SWEEP_TRIALS), base, &fields)
                .map_err(Failure::failed)?,
        ),
        false => None,
    };
    let values: Vec<Vec<toml::Value>> =
        points.iter().map(|point| point.assignment.iter().map(|o| o.value.clone()).collect()).collect();
    // The first point is the reference the others are paired with, trial by trial.
    let reference_label = describe(&points[0].assignment);
    let options = experiment::Options {
        threads: args.threads,
        first_trial: args.replay_trial.unwrap_or(0),
        pair_with_reference: true,
        spill: Some(staging.path(REFERENCE_SPILL)),
        events: None,
    };
    let on_trials = |point: usize, outcomes: &[_]| match trial_writer.as_mut() {
        Some(writer) => writer.write(&values[point], outcomes).map_err(|e| e.to_string()),
        None => Ok(()),
    };
    let progress_update = |done, total| progress.update(done, total);
    let results = match shards {
        None => experiment::evaluate(&points, &options, &stop, on_trials, progress_update).map_err(|error| {
            match error {
                ExperimentError::Run { point, source: RunError::Interrupted { .. } } => {
                    Failure::interrupted(anyhow!(
                        "sweep interrupted at {}; nothing was written and any previous results in {} are intact",
                        describe(&points[point].assignment),
                        target.display()
                    ))
                }
                ExperimentError::Run { source, .. } => Failure::failed(source),
                other => Failure::failed(other),
            }
        })?,
        Some(files) => shard::merge(files, &points, &options, &stop, on_trials, progress_update)
            .map_err(|error| super::merge::failure(error, &target))?
            .iter()
            .map(PointTotals::summarise)
            .collect(),
    };
    progress.finish();
    // Ctrl-C after the last point stops the writing too.
    if stop.load(Ordering::SeqCst) {
        return Err(output_failure(OutputError::Interrupted, &target));
    }

    let mut written = vec![sweep_output::SWEEP.to_owned(), sweep_output::SWEEP_COMPARISON.to_owned()];
    sweep_output::write(&staging.path(sweep_output::SWEEP), base, &fields, &results)
        .map_err(Failure::failed)?;
    sweep_output::write_comparison(
        &staging.path(sweep_output::SWEEP_COMPARISON),
        base,
        &fields,
        &reference_label,
        &results,
    )
    .map_err(Failure::failed)?;
    if let Some(writer) = trial_writer {
        writer.finish().map_err(Failure::failed)?;
        written.push(sweep_output::SWEEP_TRIALS.to_owned());
    }
    if let Some((design, _)) = &design {
        sweep_output::write_design(&staging.path(sweep_output::DESIGN), design).map_err(Failure::failed)?;
        written.push(sweep_output::DESIGN.to_owned());
    }
    let chart_files = match (&design, fields.len()) {
        _ if !Outputs::from(args.outputs).charts() => Ok(Vec::new()),
        (None, _) => charts::write_sweep(&staging.path(""), base, &fields, &results, base.headline),
        // The chart draws a line along the first field per value of the others, which
        // a design's scattered points do not have; one field is drawn in its order.
        (Some(_), 1) => {
            let mut ordered = results.clone();
            ordered.sort_by(|a, b| number(&a.values[0]).total_cmp(&number(&b.values[0])));
            charts::write_sweep(&staging.path(""), base, &fields, &ordered, base.headline)
        }
        (Some(_), _) => Ok(Vec::new()),
    }
    .map_err(Failure::failed)?;
    written.extend(chart_files.iter().filter_map(|p| p.file_name()?.to_str().map(String::from)));
    let elapsed = started.elapsed().as_secs_f64();
    let record = RunRecord {
        scenario_file: args.scenario.display().to_string(),
        scenario_text: text.to_owned(),
        scenario: base,
        command: std::env::args().collect(),
        replayed_trial: args.replay_trial,
        threads,
        started_at,
        elapsed_seconds: elapsed,
        agent_steps: points.iter().map(|point| point.config.agent_steps()).sum(),
        inputs: Vec::new(),
    };
    let (directory, paths) =
        manifest::seal(staging, written, record).map_err(|error| output_failure(error, &target))?;
    if json {
        let written = json::Written { directory: &directory, files: &paths, elapsed };
        let document = json::sweep_document(
            base,
            &args.scenario,
            args.replay_trial,
            &fields,
            &reference_label,
            &results,
            &written,
        );
        json::print(&document)?;
    } else if !args.quiet {
        print_sweep(base, &fields, &results, &directory, &paths, elapsed);
    }
    Ok(())
}

/// A value's place on a chart's axis (names, which have none, first).
fn number(value: &toml::Value) -> f64 {
    value.as_float().or(value.as_integer().map(|i| i as f64)).unwrap_or(f64::NEG_INFINITY)
}

/// The grid of `--sweep` (or, without flags, the scenario's `[sweep]`), checked
/// point by point; and its axes.
fn plan_grid(
    args: &RunArgs,
    flags: &SweepArgs,
    set: &[Override],
    base: &Config,
    text: &str,
) -> Result<(Plan, Vec<SweepAxis>), Failure> {
    let from_flags = !flags.sweep.is_empty();
    let axes: Vec<SweepAxis> = if from_flags {
        flags
            .sweep
            .iter()
            .map(|text| {
                overrides::parse_sweep(text)
                    .map(|(field, values)| SweepAxis { field, values })
                    .map_err(|message| Failure::bad_input(anyhow!("--sweep {message}")))
            })
            .collect::<Result<_, _>>()?
    } else {
        base.sweep.clone()
    };
    // Validate every point before running any, so a bad value fails at once.
    let plan = config::sweep::plan(text, &args.scenario, &axes, set, base).map_err(|problem| {
        let culprit = match (problem.axis, from_flags) {
            (Some(index), true) => format!("--sweep {}", axes[index].field),
            (Some(index), false) => {
                format!("{}: sweep.{}", args.scenario.display(), toml_key(&axes[index].field))
            }
            (None, true) => "--sweep".to_owned(),
            (None, false) => format!("{}: [sweep]", args.scenario.display()),
        };
        Failure::bad_input(anyhow!("{culprit}: {}: {}", problem.kind.name(), problem.message))
    })?;
    Ok((plan, axes))
}

/// The design of `--design` (read from its file, which is named) or of
/// `--design-lhs` (drawn from the master seed), if either is given.
fn design_of(flags: &SweepArgs, base: &Config) -> Result<Option<(Design, Option<PathBuf>)>, Failure> {
    if let Some(file) = &flags.design {
        let text = design_text(flags)?.unwrap_or_default();
        let design = design::read_table(&text)
            .map_err(|problem| Failure::bad_input(located(&problem, &problem_fields(&text), Some(file))))?;
        return Ok(Some((design, Some(file.clone()))));
    }
    let Some(points) = flags.design_lhs else { return Ok(None) };
    let ranges: Vec<LhsRange> = flags
        .range
        .iter()
        .map(|text| {
            design::parse_range(text).map_err(|message| Failure::bad_input(anyhow!("--range {message}")))
        })
        .collect::<Result<_, _>>()?;
    for (index, range) in ranges.iter().enumerate() {
        if ranges[..index].iter().any(|earlier| earlier.field == range.field) {
            return Err(Failure::bad_input(anyhow!("--range {}: the field has two ranges", range.field)));
        }
    }
    Ok(Some((design::latin_hypercube(points as usize, &ranges, base.seed), None)))
}

/// The text of the `--design` table: as read from its file, or as a shard kept it.
pub fn design_text(flags: &SweepArgs) -> Result<Option<String>, Failure> {
    match (&flags.design, &flags.design_text) {
        (_, Some(text)) => Ok(Some(text.clone())),
        (Some(file), None) => config::read_text(file)
            .map(Some)
            .map_err(|error| Failure::bad_input(anyhow!("--design {}: {error}", file.display()))),
        (None, None) => Ok(None),
    }
}

/// The header's fields, to name a column of a table that did not read.
fn problem_fields(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut header = csv::StringRecord::new();
    match reader.read_record(&mut header) {
        Ok(true) => header.iter().map(|field| field.trim().to_owned()).collect(),
        _ => Vec::new(),
    }
}

/// A design's problem placed where it is: the file, line and column (with its
/// field) of a table; the `--range` of a Latin hypercube.
fn located(problem: &DesignProblem, fields: &[String], file: Option<&Path>) -> anyhow::Error {
    let field = problem.column.and_then(|column| fields.get(column).map(|field| (column, field)));
    let place = match (file, problem.line, field) {
        (Some(file), Some(line), Some((column, field))) => {
            format!("{}:{line}: column {} ({field})", file.display(), column + 1)
        }
        (Some(file), Some(line), None) => format!("{}:{line}", file.display()),
        (Some(file), None, _) => format!("--design {}", file.display()),
        (None, _, Some((_, field))) => format!("--range {field}"),
        (None, _, None) => "--design-lhs".to_owned(),
    };
    anyhow!("{place}: {}: {}", problem.kind.name(), problem.message)
}

/// Checks every row of a design before any runs.
fn plan_design(
    args: &RunArgs,
    design: &Design,
    file: Option<&Path>,
    set: &[Override],
    base: &Config,
    text: &str,
) -> Result<Plan, Failure> {
    design::plan(text, &args.scenario, design, set, base)
        .map_err(|problem| Failure::bad_input(located(&problem, &design.fields, file)))
}

/// The reference point's per-trial rows while the sweep runs (removed before the
/// results are sealed); inside the private staging directory.
const REFERENCE_SPILL: &str = ".reference_trials.bin";

fn print_sweep(
    config: &Config,
    fields: &[String],
    results: &[SweepPoint],
    directory: &Path,
    files: &[std::path::PathBuf],
    elapsed: f64,
) {
    let metric = config.headline;
    println!(
        "{} sweep — {} x {}, {} each ({elapsed:.1} s); {} ({}), mean [95% CI]",
        config.name,
        count(results.len() as u64, "point", "points"),
        count(config.arms.len() as u64, "arm", "arms"),
        count(results.first().map_or(0, |p| p.summary.trials), "trial", "trials"),
        metric.name(),
        metric.unit()
    );
    for point in results {
        let label: Vec<String> =
            fields.iter().zip(&point.values).map(|(f, v)| format!("{f}={}", render_value(v))).collect();
        println!("  {}", label.join(", "));
        for (arm, summaries) in config.arms.iter().zip(&point.summary.arms) {
            let s = &summaries[metric as usize];
            println!("    {:<28} {:>9.3} [{:.3}, {:.3}]", arm.display_name(), s.mean, s.ci_low, s.ci_high);
        }
    }
    println!("wrote {}:", directory.display());
    for file in files {
        println!("  {}", file.display());
    }
}
