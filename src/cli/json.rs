//! `--json`: a run's or a sweep's summary as one JSON document on stdout, for a
//! program driving attrition (R, Python, an optimiser) to read instead of the table.
//! The schema is documented in the README ("Driving attrition from other tools");
//! a change to it that could break a reader raises [`SCHEMA_VERSION`].

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use indexmap::IndexMap;
use serde::Serialize;

use attrition::config::Config;
use attrition::output::sweep::SweepPoint;
use attrition::runner::{Comparison, RunSummary};
use attrition::stats::Summary;

use super::Failure;
use super::run::Report;

/// The version of the document's layout, its `schema_version` field.
pub const SCHEMA_VERSION: u32 = 1;

/// The columns of `summary.csv`, unrounded; `null` where a statistic is undefined
/// (the interval and sd of one trial), as serde_json writes NaN.
#[derive(Debug, Serialize)]
struct Statistics {
    trials: u64,
    mean: f64,
    sd: f64,
    ci_low: f64,
    ci_high: f64,
    p5: f64,
    p50: f64,
    p95: f64,
}

impl From<&Summary> for Statistics {
    fn from(summary: &Summary) -> Self {
        Self {
            trials: summary.n,
            mean: summary.mean,
            sd: summary.std_dev,
            ci_low: summary.ci_low,
            ci_high: summary.ci_high,
            p5: summary.p5,
            p50: summary.p50,
            p95: summary.p95,
        }
    }
}

/// One arm's trial metric.
#[derive(Debug, Serialize)]
struct Metric {
    unit: &'static str,
    #[serde(flatten)]
    statistics: Statistics,
}

/// A paired difference of one trial metric, as a row of `comparison.csv`.
#[derive(Debug, Serialize)]
struct Difference {
    unit: &'static str,
    #[serde(flatten)]
    statistics: Statistics,
    share_higher: f64,
    share_lower: f64,
}

/// Metrics by name, in the tables' order.
type ByMetric<T> = IndexMap<&'static str, T>;

/// One arm of a run, or of one sweep point.
#[derive(Debug, Serialize)]
struct Arm<'a> {
    name: &'a str,
    metrics: ByMetric<Metric>,
    /// The arm minus the baseline, trial by trial; `null` for the baseline.
    vs_baseline: Option<ByMetric<Difference>>,
    /// Sweeps only: the arm here minus the same arm at the reference point.
    #[serde(skip_serializing_if = "Option::is_none")]
    vs_reference: Option<Option<ByMetric<Difference>>>,
    /// Sweeps only: the difference to the baseline here minus that at the reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_change: Option<Option<ByMetric<Difference>>>,
}

/// What every document says about the run that made it.
#[derive(Debug, Serialize)]
struct Header<'a> {
    schema_version: u32,
    program: &'static str,
    version: &'static str,
    /// "run" or "sweep".
    kind: &'static str,
    scenario: &'a str,
    scenario_file: String,
    seed: u64,
    /// Trials per arm: 1 for a replayed trial.
    trials: u64,
    replayed_trial: Option<u64>,
    headline: &'static str,
    baseline: &'a str,
    directory: String,
    files: Vec<String>,
    elapsed_seconds: f64,
}

/// `--json` of a single run.
#[derive(Debug, Serialize)]
pub struct RunDocument<'a> {
    #[serde(flatten)]
    header: Header<'a>,
    steps: u32,
    arms: Vec<Arm<'a>>,
    /// With `--precision`: the target, what was reached and the trials it took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
    /// With `[uncertainty]`: the headline's spread across parameter draws, per arm.
    #[serde(skip_serializing_if = "Option::is_none")]
    uncertainty: Option<&'a attrition::uncertainty::UncertaintySummary>,
}

/// What `run --precision H` reached.
#[derive(Debug, Serialize)]
pub struct Precision {
    /// The half-width asked for, H.
    pub target: f64,
    /// The headline contrast's 95% half-width at the end.
    pub half_width: f64,
    /// Whether it is below the target (else the `--trials` cap stopped it).
    pub reached: bool,
    /// Trials per arm used.
    pub trials: u32,
}

/// `--json` of a sweep.
#[derive(Debug, Serialize)]
pub struct SweepDocument<'a> {
    #[serde(flatten)]
    header: Header<'a>,
    fields: &'a [String],
    /// The point the `vs_reference` and `baseline_change` differences are taken to.
    reference: &'a str,
    points: Vec<Point<'a>>,
}

/// One point of a sweep.
#[derive(Debug, Serialize)]
struct Point<'a> {
    values: IndexMap<&'a str, &'a toml::Value>,
    steps: u32,
    arms: Vec<Arm<'a>>,
}

/// Where a run was written, as strings.
pub struct Written<'a> {
    pub directory: &'a Path,
    pub files: &'a [PathBuf],
    pub elapsed: f64,
}

fn header<'a>(
    kind: &'static str,
    config: &'a Config,
    trials: u64,
    scenario_file: &Path,
    replayed_trial: Option<u64>,
    written: &Written<'_>,
) -> Header<'a> {
    Header {
        schema_version: SCHEMA_VERSION,
        program: "attrition",
        version: env!("CARGO_PKG_VERSION"),
        kind,
        scenario: &config.name,
        scenario_file: scenario_file.display().to_string(),
        seed: config.seed,
        trials,
        replayed_trial,
        headline: config.headline.name(),
        baseline: &config.arms[config.baseline].name,
        directory: written.directory.display().to_string(),
        files: written.files.iter().map(|file| file.display().to_string()).collect(),
        elapsed_seconds: written.elapsed,
    }
}

fn metrics(config: &Config, summaries: &[Summary]) -> ByMetric<Metric> {
    config
        .trial_metrics()
        .iter()
        .map(|&metric| {
            let statistics = Statistics::from(&summaries[metric as usize]);
            (metric.name(), Metric { unit: metric.unit(), statistics })
        })
        .collect()
}

fn differences(config: &Config, comparisons: &[Comparison]) -> ByMetric<Difference> {
    config
        .trial_metrics()
        .iter()
        .map(|&metric| {
            let comparison = &comparisons[metric as usize];
            let difference = Difference {
                unit: metric.unit(),
                statistics: Statistics::from(&comparison.difference),
                share_higher: comparison.share_higher,
                share_lower: comparison.share_lower,
            };
            (metric.name(), difference)
        })
        .collect()
}

/// Each arm's metrics and paired differences to the baseline.
fn arms<'a>(config: &'a Config, summary: &RunSummary) -> Vec<Arm<'a>> {
    config
        .arms
        .iter()
        .zip(&summary.arms)
        .zip(&summary.comparisons)
        .map(|((arm, summaries), comparisons)| Arm {
            name: &arm.name,
            metrics: metrics(config, summaries),
            vs_baseline: comparisons.as_ref().map(|c| differences(config, c)),
            vs_reference: None,
            baseline_change: None,
        })
        .collect()
}

/// The document of a finished single run (`replay_trial` as on the command line).
pub fn run_document<'a>(
    config: &'a Config,
    scenario_file: &Path,
    replay_trial: Option<u64>,
    report: &'a Report,
) -> RunDocument<'a> {
    let written = Written { directory: &report.directory, files: &report.files, elapsed: report.elapsed };
    RunDocument {
        header: header("run", config, report.summary.trials, scenario_file, replay_trial, &written),
        steps: report.summary.steps,
        arms: arms(config, &report.summary),
        precision: None,
        uncertainty: report.summary.uncertainty.as_ref(),
    }
}

/// The document of a finished sweep: every point, its arms, and their differences.
pub fn sweep_document<'a>(
    config: &'a Config,
    scenario_file: &Path,
    replay_trial: Option<u64>,
    fields: &'a [String],
    reference: &'a str,
    points: &'a [SweepPoint],
    written: &Written<'_>,
) -> SweepDocument<'a> {
    let trials = points.first().map_or(0, |point| point.summary.trials);
    let points = points
        .iter()
        .map(|point| {
            let mut arms = arms(config, &point.summary);
            // The reference point has nothing to be compared with: `null` there.
            for (index, arm) in arms.iter_mut().enumerate() {
                arm.vs_reference = Some(point.versus_reference.get(index).map(|c| differences(config, c)));
                arm.baseline_change = Some(
                    point.baseline_change.get(index).and_then(Option::as_ref).map(|c| differences(config, c)),
                );
            }
            Point {
                values: fields.iter().map(String::as_str).zip(&point.values).collect(),
                steps: point.summary.steps,
                arms,
            }
        })
        .collect();
    SweepDocument {
        header: header("sweep", config, trials, scenario_file, replay_trial, written),
        fields,
        reference,
        points,
    }
}

/// Writes `document` to stdout as one line of JSON. A reader that went away
/// (a closed pipe) is a failure of the run, not a panic.
pub fn print(document: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string(document).expect("a summary always serialises");
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .map_err(|error| Failure::failed(anyhow!("writing the JSON summary to stdout: {error}")))
}
