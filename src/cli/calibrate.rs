//! `attrition calibrate`: fits a scenario's parameters to the moments of a targets
//! file (simulated method of moments) and writes the fit, the parameters with their
//! standard errors and the calibrated scenario to `<out>/<name>_calibration/`.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::anyhow;
use clap::Args;

use attrition::calibrate::fit::{self, Calibration, FitError, Overidentification, Problem};
use attrition::calibrate::targets::{self, Bound, TargetsFile};
use attrition::calibrate::{bootstrap, edit, hr_export};
use attrition::config::{self, Config, Override};
use attrition::locate::{Segment, parse_path};
use attrition::output::manifest::{self, InputFile, RunRecord};
use attrition::output::{OutputError, OutputKind, Outputs, Staging, calibration, calibration_chart};

use super::guards::{bound_threads, check_memory, check_threads, interrupt_flag};
use super::progress::Progress;
use super::scenario::{load_config, parse_overrides};
use super::{Failure, OutputsArg};
use super::{output_failure, waiting_note};

/// Flags of `calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// The scenario to calibrate, e.g. scenarios/tech_org.toml.
    scenario: PathBuf,
    /// The targets file: the moments to match (see README, "Calibration").
    #[arg(long, value_name = "T.toml", required_unless_present = "hr_export")]
    targets: Option<PathBuf>,
    /// An organisation's HR export (CSV, one row per employment spell; see README,
    /// "Calibration"), whose moments over --window become targets, each weighted by
    /// its sampling standard error.
    #[arg(long, value_name = "FILE.csv", requires = "window")]
    hr_export: Option<PathBuf>,
    /// The HR export's observation window, START:END as YYYY-MM-DD dates.
    #[arg(long, value_name = "START:END", requires = "hr_export")]
    window: Option<String>,
    /// Which of the HR export's moments become targets, comma-separated (default:
    /// every one it measures). Moments that count the same people (overall, by
    /// level, by tenure, by age) are correlated; the standard errors take it into
    /// account with correlations from a bootstrap over the export's employees (200
    /// resamples, seeded from --seed), and parameters.csv's se_independent shows
    /// what treating them as independent would claim.
    #[arg(long, value_name = "MOMENT,...", requires = "hr_export", value_delimiter = ',')]
    hr_moments: Vec<String>,
    /// The fields to fit, comma-separated, each with its bounds unless the targets
    /// file's [[fit]] gives them: `--fit dynamics.quits.base_rate=0.02:0.5,...`
    /// (repeatable). Without --fit, every [[fit]] of the targets file.
    #[arg(long, value_name = "FIELD[=LOW:HIGH],...")]
    fit: Vec<String>,
    /// Most evaluations of the distance the search may use (each runs every trial;
    /// the standard errors take two per fitted field more).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    max_evaluations: u32,
    /// Searches, each with its own --max-evaluations: the first from the scenario's
    /// values, the others from a Halton design inside the bounds; the best fit is
    /// kept (the distance is rough, so one search can stop in a local minimum).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    restarts: u32,
    /// Trials per evaluation (overrides simulation.trials).
    #[arg(long)]
    trials: Option<u32>,
    /// Master seed of every evaluation (overrides simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Override a scenario field before the fit (repeatable; the calibrated scenario
    /// keeps it); a fitted field starts from the value set here.
    #[arg(long, value_name = "FIELD=VALUE")]
    set: Vec<String>,
    /// Directory under which results go, as <out>/<scenario name>_calibration/.
    #[arg(long, default_value = "output")]
    out: PathBuf,
    /// Threads (default: all cores); results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// No progress line and no summary; errors and warnings are still reported.
    #[arg(long, short)]
    quiet: bool,
    /// Replace the results directory even if it does not look like attrition output.
    #[arg(long)]
    force: bool,
    /// Which files to write: `all` (with the chart) or `csv`.
    #[arg(long, value_enum, default_value_t = OutputsArg::All)]
    outputs: OutputsArg,
}

/// The calibrated scenario's file name.
fn calibrated_name(name: &str) -> String {
    format!("{name}.calibrated.toml")
}

/// `attrition calibrate`.
pub fn calibrate(args: &CalibrateArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let started_at = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (base, text) = load_config(&args.scenario, args.trials, args.seed, &args.set)?;
    // Before anything runs; `fit::fit` refuses it too.
    if base.trials < fit::MIN_TRIALS {
        let error = FitError::TooFewTrials { trials: base.trials };
        return Err(Failure::bad_input(anyhow!("{}: {error}", args.scenario.display())));
    }
    if base.uncertainty.is_some() {
        return Err(Failure::bad_input(anyhow!(
            "{}: calibrate fits parameters at fixed values, and this scenario draws some from [uncertainty]; \
             calibrate a copy without the [uncertainty] table",
            args.scenario.display()
        )));
    }
    let set = parse_overrides(&args.set)?;
    let (mut file, targets_text) = match &args.targets {
        Some(path) => {
            let (file, text) = targets::load(path, &base).map_err(Failure::bad_input)?;
            (file, Some(text))
        }
        None => (TargetsFile::default(), None),
    };
    // The targets file's targets are published figures, independent of each other
    // (but for the correlations it states) and of the export's.
    let published = file.targets.len();
    let export = match (&args.hr_export, &args.window) {
        (Some(export), Some(window)) => Some(hr_targets(export, window, &args.hr_moments, &base, &mut file)?),
        _ => None,
    };
    let measured = export.as_ref().map(|export| &export.measured);
    if let (Some(measured), false) = (measured, args.quiet) {
        eprintln!("HR export moments (value, sampling se, from how many):");
        for m in measured {
            eprintln!("  {:<24} {:>10.4} {:>10.4}  {}", m.moment.name(), m.value, m.standard_error, m.count);
        }
    }
    let bounds = bounds(&args.fit, &file)?;
    let start =
        bounds.iter().map(|bound| start_value(&text, &set, &base, bound)).collect::<Result<Vec<_>, _>>()?;
    let problem = Problem {
        text: &text,
        path: &args.scenario,
        set: &set,
        trials: base.trials,
        seed: base.seed,
        targets: &file.targets,
        correlation: &[],
        bounds: &bounds,
        start: start.clone(),
    };
    // Every corner the search can reach along one field validates, so a bound
    // the scenario refuses fails now, not an hour in.
    for (index, bound) in bounds.iter().enumerate() {
        for end in [bound.low, bound.high] {
            let mut point = start.clone();
            point[index] = end;
            problem.config(&point).map_err(|error| {
                Failure::bad_input(anyhow!(
                    "--fit {}: its bound {end} does not validate: {error}",
                    bound.field
                ))
            })?;
        }
    }
    let threads = check_threads(args.threads)?;
    // One evaluation at a time runs; the standard errors' few summaries are small.
    let first = problem.config(&start).map_err(Failure::bad_input)?;
    check_memory(&first, threads, None, None)?;
    bound_threads(args.threads)?;
    // After the thread pool is bounded: the bootstrap runs on it.
    let correlations = correlations(export.as_ref(), &file, published, base.seed);
    let problem = Problem { correlation: &correlations, ..problem };

    let target = args.out.join(format!("{}_calibration", base.name));
    let stop = interrupt_flag();
    let staging = Staging::begin(&target, OutputKind::Calibration, args.force, &stop, |_| {
        waiting_note(&target, !args.quiet)
    })
    .map_err(|error| output_failure(error, &target))?;
    let mut progress = Progress::new(!args.quiet);
    let total = args.max_evaluations * args.restarts + 2 * bounds.len() as u32;
    let options = fit::Options {
        threads: args.threads,
        max_evaluations: args.max_evaluations,
        restarts: args.restarts,
    };
    let calibration = fit::fit(&problem, options, &stop, &mut |done, best| {
        progress.evaluations(u64::from(done), u64::from(total), best)
    })
    .map_err(|error| match error {
        FitError::Run(error) if error.interrupted() => Failure::interrupted(anyhow!(
            "calibration interrupted; nothing was written and any previous results in {} are intact",
            target.display()
        )),
        FitError::Point { .. } | FitError::Unmeasured { .. } | FitError::TooFewTrials { .. } => {
            Failure::bad_input(error)
        }
        other => Failure::failed(other),
    })?;
    progress.finish();
    if stop.load(Ordering::SeqCst) {
        return Err(output_failure(OutputError::Interrupted, &target));
    }
    for warning in &calibration.warnings {
        eprintln!("warning: {warning}");
    }

    let fitted: Vec<Override> = bounds
        .iter()
        .zip(&calibration.estimates)
        .map(|(b, e)| Override { field: b.field.clone(), value: toml::Value::Float(e.value) })
        .collect();
    let calibrated = calibrated_text(args, &text, &set, &fitted, &calibration)?;
    let calibrated_file = calibrated_name(&base.name);
    // What the calibrated file says is what `run` will read: check it before writing.
    config::parse(&calibrated, Path::new(&calibrated_file)).map_err(|error| {
        Failure::failed(anyhow!("the calibrated scenario does not validate (a bug): {error}"))
    })?;
    attrition::output::write_atomically(&staging.path(&calibrated_file), calibrated.as_bytes())
        .map_err(Failure::failed)?;
    let mut written = Vec::new();
    let mut inputs = Vec::new();
    if let (Some(path), Some(text)) = (&args.targets, &targets_text) {
        // The targets as read, so the fit can be repeated from the output alone.
        attrition::output::write_atomically(&staging.path(calibration::TARGETS_COPY), text.as_bytes())
            .map_err(Failure::failed)?;
        written.push(calibration::TARGETS_COPY.to_owned());
        inputs.push(InputFile::of("targets", path, text, Some(calibration::TARGETS_COPY)));
    }
    inputs.extend(export.as_ref().map(|export| export.input.clone()));
    if let Some(measured) = &measured {
        calibration::write_hr_moments(&staging.path(calibration::HR_MOMENTS), measured)
            .map_err(Failure::failed)?;
        written.push(calibration::HR_MOMENTS.to_owned());
    }
    written.extend([
        calibration::FIT.to_owned(),
        calibration::PARAMETERS.to_owned(),
        calibration::EVALUATIONS.to_owned(),
        calibration::OVERIDENTIFICATION.to_owned(),
        calibrated_file,
    ]);
    calibration::write_fit(&staging.path(calibration::FIT), &file.targets, &calibration)
        .map_err(Failure::failed)?;
    calibration::write_parameters(&staging.path(calibration::PARAMETERS), &bounds, &calibration)
        .map_err(Failure::failed)?;
    calibration::write_evaluations(&staging.path(calibration::EVALUATIONS), &bounds, &calibration)
        .map_err(Failure::failed)?;
    calibration::write_overidentification(&staging.path(calibration::OVERIDENTIFICATION), &calibration)
        .map_err(Failure::failed)?;
    if Outputs::from(args.outputs).charts() {
        let charts = calibration_chart::write_fit(&staging.path(""), &base.name, &file.targets, &calibration)
            .map_err(Failure::failed)?;
        written.extend(charts.iter().filter_map(|p| p.file_name()?.to_str().map(String::from)));
    }
    let evaluations = calibration.trace.len() as u64 + u64::from(calibration.curvature_evaluations);
    let record = RunRecord {
        scenario_file: args.scenario.display().to_string(),
        scenario_text: text.clone(),
        scenario: &base,
        command: std::env::args().collect(),
        replayed_trial: None,
        threads,
        started_at,
        elapsed_seconds: started.elapsed().as_secs_f64(),
        agent_steps: calibration.config.agent_steps() * evaluations,
        inputs,
    };
    let (directory, paths) =
        manifest::seal(staging, written, record).map_err(|error| output_failure(error, &target))?;
    if !args.quiet {
        print_calibration(
            &base,
            &file,
            &bounds,
            &calibration,
            &directory,
            &paths,
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(())
}

/// An HR export read and measured.
struct Export<'c> {
    spells: Vec<hr_export::Spell>,
    window: hr_export::Window,
    measured: Vec<hr_export::Measured>,
    config: &'c Config,
    /// Its checksum for the manifest (the export itself is not copied: it is an
    /// organisation's data about people, and it may be large).
    input: InputFile,
}

/// The correlation of the targets' errors: the published targets (the first
/// `published`) as the file states them, the export's as its bootstrap over employees gives
/// them, seeded from `seed` (the calibration's).
fn correlations(
    export: Option<&Export<'_>>,
    file: &TargetsFile,
    published: usize,
    seed: u64,
) -> Vec<Vec<f64>> {
    // The published targets' stated correlations; the export's targets come after
    // them, independent of them.
    let mut correlations = file.correlation();
    let Some(export) = export else { return correlations };
    let measured = &export.measured;
    let correlation = bootstrap::correlation(
        &export.spells,
        export.window,
        export.config,
        measured,
        seed,
        bootstrap::REPLICATES,
    );
    let index = |target: &targets::Target| {
        measured.iter().position(|m| m.moment == target.moment).expect("an export's target is measured")
    };
    for (i, a) in file.targets.iter().enumerate().skip(published) {
        for (j, b) in file.targets.iter().enumerate().skip(published) {
            correlations[i][j] = correlation[index(a)][index(b)];
        }
    }
    correlations
}

/// The moments of an HR export over its window, added to the targets (a moment in
/// both is refused: which one to match would be a guess).
fn hr_targets<'c>(
    export: &Path,
    window: &str,
    chosen: &[String],
    config: &'c Config,
    file: &mut TargetsFile,
) -> Result<Export<'c>, Failure> {
    let window =
        hr_export::parse_window(window).map_err(|why| Failure::bad_input(anyhow!("--window {why}")))?;
    let catalogue = targets::Moment::catalogue(config);
    for name in chosen {
        if !catalogue.iter().any(|moment| moment.name() == name.trim()) {
            let hint = attrition::locate::did_you_mean(name.trim(), catalogue.iter().map(|m| m.name()))
                .map_or(String::new(), |near| format!("; did you mean {near:?}?"));
            return Err(Failure::bad_input(anyhow!(
                "--hr-moments {name}: not a moment of the catalogue this scenario measures{hint}"
            )));
        }
    }
    let (spells, text) = hr_export::load(export, config).map_err(Failure::bad_input)?;
    let measured = hr_export::moments(&spells, window, config)
        .map_err(|why| Failure::bad_input(anyhow!("{}: {why}", export.display())))?;
    for name in chosen {
        if !measured.iter().any(|m| m.moment.name() == name.trim()) {
            return Err(Failure::bad_input(anyhow!(
                "--hr-moments {name}: the export does not measure it (a column it needs is missing, or nobody is \
                 in its group during the window)"
            )));
        }
    }
    let source = format!("HR export {}", export.display());
    let targets = hr_export::as_targets(&measured, config, &source);
    let targets = targets
        .into_iter()
        .filter(|t| chosen.is_empty() || chosen.iter().any(|c| c.trim() == t.moment.name()));
    for target in targets {
        if file.targets.iter().any(|t| t.moment == target.moment) {
            return Err(Failure::bad_input(anyhow!(
                "{} is both in the targets file and measured in the HR export: remove it from the targets file to \
                 fit the export's",
                target.moment.name()
            )));
        }
        file.targets.push(target);
    }
    let input = InputFile::of("hr_export", export, &text, None);
    Ok(Export { spells, window, measured, config, input })
}

/// The fitted fields and their bounds: `--fit`'s, each bounded by the flag or by
/// the targets file; without `--fit`, the file's.
fn bounds(flags: &[String], file: &TargetsFile) -> Result<Vec<Bound>, Failure> {
    let mut bounds: Vec<Bound> = Vec::new();
    let items: Vec<&str> = flags.iter().flat_map(|flag| flag.split(',')).map(str::trim).collect();
    for item in items {
        let bad = |why: String| Failure::bad_input(anyhow!("--fit {item}: {why}"));
        let (field, range) = match item.split_once('=') {
            Some((field, range)) => (field.trim(), Some(range)),
            None => (item, None),
        };
        config::overrides::parse_set(&format!("{field}=0")).map_err(&bad)?;
        let bound = match range {
            Some(range) => {
                let (low, high) =
                    range.split_once(':').ok_or_else(|| bad("give the bounds as LOW:HIGH".to_owned()))?;
                let number = |text: &str| {
                    text.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| bad(format!("{text:?} is not a finite number")))
                };
                let (low, high) = (number(low)?, number(high)?);
                if low >= high {
                    return Err(bad(format!("[{low}, {high}]: the high bound must be above the low one")));
                }
                Bound { field: field.to_owned(), low, high }
            }
            None => file.fit.iter().find(|b| b.field == field).cloned().ok_or_else(|| {
                bad("no bounds: give them as FIELD=LOW:HIGH, or in a [[fit]] of the targets file".to_owned())
            })?,
        };
        if bounds.iter().any(|b| b.field == bound.field) {
            return Err(bad("the field is fitted twice".to_owned()));
        }
        bounds.push(bound);
    }
    if flags.is_empty() {
        bounds = file.fit.clone();
    }
    if bounds.is_empty() {
        return Err(Failure::bad_input(anyhow!(
            "nothing to fit: name the fields with --fit FIELD=LOW:HIGH, or list them as [[fit]] in the targets file"
        )));
    }
    Ok(bounds)
}

/// Where a fitted field starts: its value in the file (after `--set`), else its
/// resolved default, which must lie inside its bounds.
fn start_value(text: &str, set: &[Override], base: &Config, bound: &Bound) -> Result<f64, Failure> {
    let bad = |why: String| Failure::bad_input(anyhow!("--fit {}: {why}", bound.field));
    let path = parse_path(&bound.field);
    let edited = config::overrides::apply(text, set).map_err(|error| bad(error.message))?;
    let table: toml::Value = toml::from_str::<toml::Table>(&edited)
        .map(toml::Value::Table)
        .map_err(|error| bad(error.message().to_owned()))?;
    let in_file = walk_toml(&table, &path);
    let resolved = serde_json::to_value(base).ok().and_then(|json| walk_json(&json, &path));
    let value = match (in_file, resolved) {
        (Some(value), _) => value.as_float().or(value.as_integer().map(|i| i as f64)).ok_or_else(|| {
            bad(format!("its value {value} is not a number: only numeric fields can be fitted"))
        })?,
        (None, Some(value)) => value,
        (None, None) => {
            return Err(bad(
                "the scenario has no such numeric field (nor a default for it); check the path, or --set it to a start value"
                    .to_owned(),
            ));
        }
    };
    if !(bound.low..=bound.high).contains(&value) {
        return Err(bad(format!(
            "it starts at {value}, outside its bounds [{}, {}]; widen them or --set a start inside",
            bound.low, bound.high
        )));
    }
    Ok(value)
}

fn walk_toml<'v>(value: &'v toml::Value, path: &[Segment]) -> Option<&'v toml::Value> {
    path.iter().try_fold(value, |value, segment| match segment {
        Segment::Key(key) => value.get(key.as_str()),
        Segment::Index(index) => value.get(*index),
    })
}

fn walk_json(value: &serde_json::Value, path: &[Segment]) -> Option<f64> {
    path.iter()
        .try_fold(value, |value, segment| match segment {
            Segment::Key(key) => value.get(key.as_str()),
            Segment::Index(index) => value.get(*index),
        })
        .and_then(serde_json::Value::as_f64)
}

/// The scenario's own text with the `--set` overrides and the fitted values written
/// in, under a header saying where they come from.
fn calibrated_text(
    args: &CalibrateArgs,
    text: &str,
    set: &[Override],
    fitted: &[Override],
    calibration: &Calibration,
) -> Result<String, Failure> {
    let sources: Vec<String> =
        args.targets.iter().chain(&args.hr_export).map(|path| path.display().to_string()).collect();
    let mut note = format!(
        "Calibrated by `attrition calibrate` to {} (distance {:.4}; see fit.csv and parameters.csv):\n",
        sources.join(" and "),
        calibration.distance
    );
    for (over, estimate) in fitted.iter().zip(&calibration.estimates) {
        let se = if estimate.standard_error.is_finite() {
            format!("se {:.3e}", estimate.standard_error)
        } else {
            "not identified".to_owned()
        };
        note.push_str(&format!("  {} = {} ({se})\n", over.field, estimate.value));
    }
    if let Some(test) = &calibration.overidentification {
        note.push_str(&format!("{}\n", describe_test(test)));
    }
    note.push('\n');
    let overrides: Vec<Override> = set.iter().chain(fitted).cloned().collect();
    edit::write_values(text, &overrides, &note).map_err(|error| Failure::failed(anyhow!("{error}")))
}

/// The J test in one line.
fn describe_test(test: &Overidentification) -> String {
    format!(
        "overidentification: {}, p = {:.3}{}",
        test.describe(),
        test.p_value,
        if test.p_value < fit::REJECTED { " (the targets reject the model)" } else { "" }
    )
}

fn print_calibration(
    config: &Config,
    file: &TargetsFile,
    bounds: &[Bound],
    calibration: &Calibration,
    directory: &Path,
    files: &[PathBuf],
    elapsed: f64,
) {
    println!(
        "{} calibration — {} evaluations ({} for the standard errors), {} trials each ({elapsed:.1} s); distance {:.4}",
        config.name,
        calibration.trace.len() as u32 + calibration.curvature_evaluations,
        calibration.curvature_evaluations,
        config.trials,
        calibration.distance
    );
    if let Some(test) = &calibration.overidentification {
        println!("  {}", describe_test(test));
    }
    println!("  parameters: value (se; se if the moments were independent)");
    for (bound, estimate) in bounds.iter().zip(&calibration.estimates) {
        let se = if estimate.standard_error.is_finite() {
            format!("{:.4}; {:.4}", estimate.standard_error, estimate.standard_error_independent)
        } else {
            "not identified".to_owned()
        };
        println!("    {:<40} {:>10.5} ({se})  start {}", bound.field, estimate.value, estimate.start);
    }
    println!("  targets: target, simulated [95% CI], residual in precisions");
    for (target, fit) in file.targets.iter().zip(&calibration.fitted) {
        let s = &fit.simulated;
        println!(
            "    {:<28} {:>9.4} {:>9.4} [{:.4}, {:.4}] {:+.2}",
            target.moment.name(),
            target.value,
            s.mean,
            s.ci_low,
            s.ci_high,
            fit.residual
        );
    }
    println!("wrote {}:", directory.display());
    for file in files {
        println!("  {}", file.display());
    }
}
