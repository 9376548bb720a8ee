//! Parameter sweeps: the scenario run at every point of a grid of field values,
//! every arm at every point, with the same trial seeds throughout (common random
//! numbers across points as well as arms).

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::anyhow;

use attrition::config::overrides::{self, render_value};
use attrition::config::{self, Config, Override, SweepAxis};
use attrition::output::manifest::{self, RunRecord};
use attrition::output::sweep::{self as sweep_output, SweepPoint};
use attrition::output::{OutputError, OutputKind, Staging, charts};
use attrition::runner::{self, RunError, RunOptions};

use super::guards::{bound_threads, check_memory, interrupt_flag};
use super::progress::Progress;
use super::run::{output_failure, waiting_note};
use super::scenario::{apply_flags, parse_overrides};
use super::{Failure, RunArgs};

/// Runs the sweep of `args.sweep` (or, without flags, the scenario's `[sweep]`).
pub fn sweep(args: &RunArgs, base: &Config, text: &str) -> Result<(), Failure> {
    let started = Instant::now();
    let started_at = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let axes: Vec<SweepAxis> = if args.sweep.is_empty() {
        base.sweep.clone()
    } else {
        args.sweep
            .iter()
            .map(|text| {
                overrides::parse_sweep(text)
                    .map(|(field, values)| SweepAxis { field, values })
                    .map_err(|message| Failure::bad_input(anyhow!("--sweep {message}")))
            })
            .collect::<Result<_, _>>()?
    };
    let set = parse_overrides(&args.set)?;
    check_axes(&axes, &set)?;

    // Validate every point before running any, so a bad value fails at once.
    let grid = grid(&axes);
    let threads = args.threads.filter(|&n| n > 0).unwrap_or_else(rayon::current_num_threads);
    let arm_names: Vec<&str> = base.arms.iter().map(|arm| arm.name.as_str()).collect();
    let mut points = Vec::with_capacity(grid.len());
    for assignment in &grid {
        let mut overrides = set.clone();
        overrides.extend(assignment.iter().cloned());
        let config = config::parse_point(text, &args.scenario, &overrides).map_err(Failure::bad_input)?;
        let config = apply_flags(config, args.trials, args.seed)?;
        let point_arms: Vec<&str> = config.arms.iter().map(|arm| arm.name.as_str()).collect();
        if point_arms != arm_names {
            return Err(Failure::bad_input(anyhow!(
                "at {}: the arms are {point_arms:?}, not the scenario's {arm_names:?}; a sweep may change an \
                 arm's levers but not which arms there are",
                describe(assignment)
            )));
        }
        check_memory(&config, threads, args.max_memory)?;
        points.push((assignment.clone(), config));
    }
    bound_threads(args.threads)?;
    // The manifest records the sweep that ran, from the file or the command line.
    let mut base = base.clone();
    base.sweep = axes.clone();
    let base = &base;

    let target = args.out.join(&base.name);
    let stop = interrupt_flag();
    let staging =
        Staging::begin(&target, OutputKind::Sweep, args.force, &stop, |_| waiting_note(&target, !args.quiet))
            .map_err(|error| output_failure(error, &target))?;
    let mut progress = Progress::new(!args.quiet);
    let total: u64 = points.iter().map(|(_, c)| u64::from(c.trials)).sum();
    let mut done_before = 0;
    let mut results = Vec::with_capacity(points.len());
    for (assignment, config) in &points {
        let summary = runner::run(
            config,
            RunOptions { threads: args.threads, events: None },
            &stop,
            |_| Ok(()),
            |done, _| progress.update(done_before + done, total),
        )
        .map_err(|error| match error {
            RunError::Interrupted { .. } => Failure::interrupted(anyhow!(
                "sweep interrupted at {}; nothing was written and any previous results in {} are intact",
                describe(assignment),
                args.out.join(&base.name).display()
            )),
            other => Failure::failed(other),
        })?;
        done_before += u64::from(config.trials);
        results.push(SweepPoint { values: assignment.iter().map(|o| o.value.clone()).collect(), summary });
    }
    progress.finish();
    // Ctrl-C after the last point stops the writing too.
    if stop.load(Ordering::SeqCst) {
        return Err(output_failure(OutputError::Interrupted, &target));
    }

    let fields: Vec<String> = axes.iter().map(|axis| axis.field.clone()).collect();
    let csv = staging.path(sweep_output::SWEEP);
    sweep_output::write(&csv, base, &fields, &results).map_err(Failure::failed)?;
    let mut written = vec![sweep_output::SWEEP.to_owned()];
    let chart_files = charts::write_sweep(&staging.path(""), base, &fields, &results, base.headline)
        .map_err(Failure::failed)?;
    written.extend(chart_files.iter().filter_map(|p| p.file_name()?.to_str().map(String::from)));
    let elapsed = started.elapsed().as_secs_f64();
    let record = RunRecord {
        scenario_file: args.scenario.display().to_string(),
        scenario_text: text.to_owned(),
        scenario: base,
        threads,
        started_at,
        elapsed_seconds: elapsed,
        agent_steps: points.iter().map(|(_, c)| c.agent_steps()).sum(),
    };
    let (directory, paths) =
        manifest::seal(staging, written, record).map_err(|error| output_failure(error, &target))?;
    if !args.quiet {
        print_sweep(base, &fields, &results, &directory, &paths, elapsed);
    }
    Ok(())
}

/// A point of the grid in words.
fn describe(assignment: &[Override]) -> String {
    assignment.iter().map(Override::to_string).collect::<Vec<_>>().join(", ")
}

/// Refuses a field swept twice, or both swept and set: one value would silently win.
fn check_axes(axes: &[SweepAxis], set: &[Override]) -> Result<(), Failure> {
    for (index, axis) in axes.iter().enumerate() {
        if axes[..index].iter().any(|other| other.field == axis.field) {
            return Err(Failure::bad_input(anyhow!("{} is swept twice", axis.field)));
        }
        if set.iter().any(|over| over.field == axis.field) {
            return Err(Failure::bad_input(anyhow!("{} is both swept and set with --set", axis.field)));
        }
        if axis.field == "simulation.trials" || axis.field == "simulation.seed" {
            return Err(Failure::bad_input(anyhow!(
                "{}: sweep a model parameter; trials and seed are not parameters of the model",
                axis.field
            )));
        }
    }
    Ok(())
}

/// Every combination of the axes' values, the first axis varying slowest.
fn grid(axes: &[SweepAxis]) -> Vec<Vec<Override>> {
    axes.iter().fold(vec![Vec::new()], |points, axis| {
        points
            .iter()
            .flat_map(|point| {
                axis.values.iter().map(move |value| {
                    let mut point = point.clone();
                    point.push(Override { field: axis.field.clone(), value: value.clone() });
                    point
                })
            })
            .collect()
    })
}

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
        "{} sweep — {} points x {} arms, {} trials each ({elapsed:.1} s); {} ({}), mean [95% CI]",
        config.name,
        results.len(),
        config.arms.len(),
        results.first().map_or(0, |p| p.summary.trials),
        metric.name(),
        metric.unit()
    );
    for point in results {
        let label: Vec<String> =
            fields.iter().zip(&point.values).map(|(f, v)| format!("{f}={}", render_value(v))).collect();
        println!("  {}", label.join(", "));
        for (arm, summaries) in config.arms.iter().zip(&point.summary.arms) {
            let s = &summaries[metric as usize];
            println!("    {:<28} {:>9.3} [{:.3}, {:.3}]", arm.name, s.mean, s.ci_low, s.ci_high);
        }
    }
    println!("wrote {}:", directory.display());
    for file in files {
        println!("  {}", file.display());
    }
}
