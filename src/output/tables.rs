//! The CSV files of a run. Every column is documented in the README ("Output files").

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::{Compression, GzBuilder, write::GzEncoder};
use rayon::prelude::*;

use crate::config::Config;
use crate::metrics::TrialMetric;
use crate::model::events::EventKind;
use crate::runner::{RunSummary, TrialOutcome};
use crate::stats::Summary;

use super::{OutputError, format_number, io_error, push_number};

/// Per-trial rows: `trials.csv`.
pub const TRIALS: &str = "trials.csv";
/// Per-step time series: `timeseries.csv`.
pub const TIMESERIES: &str = "timeseries.csv";
/// Per-arm summaries: `summary.csv`.
pub const SUMMARY: &str = "summary.csv";
/// Paired differences to the baseline: `comparison.csv`.
pub const COMPARISON: &str = "comparison.csv";
/// The spread across parameter draws (with `[uncertainty]`): `uncertainty.csv`.
pub const UNCERTAINTY: &str = "uncertainty.csv";
/// The event log (with `--events`): `events.csv`.
pub const EVENTS: &str = "events.csv";
/// The event log compressed (with `--events-gzip`): `events.csv.gz`.
pub const EVENTS_GZIP: &str = "events.csv.gz";

/// The statistic columns shared by every summary table.
pub const SUMMARY_COLUMNS: [&str; 8] = ["trials", "mean", "sd", "ci_low", "ci_high", "p5", "p50", "p95"];

fn create(path: &Path) -> Result<csv::Writer<BufWriter<File>>, OutputError> {
    let file = File::create(path).map_err(io_error("creating", path))?;
    Ok(csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, file)))
}

fn csv_error(path: &Path) -> impl Fn(csv::Error) -> OutputError + '_ {
    move |source| OutputError::Csv { path: path.to_owned(), source }
}

/// A summary's statistic columns, formatted.
pub fn summary_fields(summary: &Summary) -> [String; 8] {
    [
        summary.n.to_string(),
        format_number(summary.mean),
        format_number(summary.std_dev),
        format_number(summary.ci_low),
        format_number(summary.ci_high),
        format_number(summary.p5),
        format_number(summary.p50),
        format_number(summary.p95),
    ]
}

/// Streams `trials.csv` as batches of trials finish: one row per trial and arm.
pub struct TrialWriter {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
    arm_names: Vec<String>,
    metrics: &'static [TrialMetric],
    /// With `[uncertainty]`, what gives each trial's draw and values (the master seed).
    draws: Option<(crate::uncertainty::Uncertainty, u64)>,
    /// A number being formatted (reused).
    number: String,
}

impl TrialWriter {
    /// Creates the file and writes its header.
    pub fn create(path: PathBuf, config: &Config) -> Result<Self, OutputError> {
        let mut writer = create(&path)?;
        let mut header = vec!["arm", "trial", "seed"];
        // With [uncertainty], the trial's draw and the values drawn, so a reader
        // can see that every arm of a trial ran at the same parameters.
        if let Some(uncertainty) = &config.uncertainty {
            header.push("draw");
            header.extend(uncertainty.parameters.iter().map(|p| p.field.as_str()));
        }
        let metrics = config.trial_metrics();
        header.extend(metrics.iter().map(|metric| metric.name()));
        writer.write_record(&header).map_err(csv_error(&path))?;
        let arm_names = config.arms.iter().map(|arm| arm.name.clone()).collect();
        let draws = config.uncertainty.clone().map(|uncertainty| (uncertainty, config.seed));
        Ok(Self { path, writer, arm_names, metrics, draws, number: String::new() })
    }

    /// Appends a batch of finished trials, arm by arm within each trial.
    pub fn write(&mut self, outcomes: &[TrialOutcome]) -> Result<(), OutputError> {
        for outcome in outcomes {
            let (trial, seed) = (outcome.trial.to_string(), outcome.seed.to_string());
            let drawn: Vec<String> = match &self.draws {
                Some((uncertainty, master)) => {
                    let draw = uncertainty.draw_of(outcome.trial);
                    std::iter::once(draw.to_string())
                        .chain(uncertainty.values(*master, draw).into_iter().map(format_number))
                        .collect()
                }
                None => Vec::new(),
            };
            for (name, row) in self.arm_names.iter().zip(&outcome.arms) {
                let (writer, number) = (&mut self.writer, &mut self.number);
                (|| {
                    for field in
                        [name.as_str(), &trial, &seed].into_iter().chain(drawn.iter().map(String::as_str))
                    {
                        writer.write_field(field)?;
                    }
                    for &metric in self.metrics {
                        number.clear();
                        push_number(number, row[metric as usize]);
                        writer.write_field(number.as_bytes())?;
                    }
                    writer.write_record(None::<&[u8]>)
                })()
                .map_err(csv_error(&self.path))?;
            }
        }
        Ok(())
    }

    /// Flushes the file.
    pub fn finish(mut self) -> Result<(), OutputError> {
        self.writer.flush().map_err(io_error("writing", &self.path))
    }
}

/// A table's records, written into any CSV writer: the file a run writes and the
/// bytes `attrition serve` shows ([`SummaryTables`]) come from the same function.
type Records<W> = fn(&mut csv::Writer<W>, &Config, &RunSummary) -> csv::Result<()>;

/// Writes the table `records` makes to `path`.
fn write_records(
    path: &Path,
    config: &Config,
    run: &RunSummary,
    records: Records<BufWriter<File>>,
) -> Result<(), OutputError> {
    let mut writer = create(path)?;
    records(&mut writer, config, run).map_err(csv_error(path))?;
    writer.flush().map_err(io_error("writing", path))
}

/// Writes `timeseries.csv`: one row per arm, step and metric.
pub fn write_timeseries(path: &Path, config: &Config, run: &RunSummary) -> Result<(), OutputError> {
    let blocks = timeseries_blocks(config, run).map_err(csv_error(path))?;
    let mut file = File::create(path).map_err(io_error("creating", path))?;
    blocks.iter().try_for_each(|block| file.write_all(block)).map_err(io_error("writing", path))
}

/// Steps of one arm formatted together: blocks small enough to share out a
/// one-arm run's rows, large enough that a block's buffer is worth a task.
const TIMESERIES_BLOCK_STEPS: usize = 64;

/// The bytes of `timeseries.csv`, the largest table, in blocks: the header, then
/// blocks of rows formatted in parallel, in arm and step order, so that the bytes
/// are the same for any thread count (a CSV record's quoting depends on its fields
/// only).
fn timeseries_blocks(config: &Config, run: &RunSummary) -> csv::Result<Vec<Vec<u8>>> {
    let mut header = vec!["arm", "step", "year", "metric"];
    header.extend(SUMMARY_COLUMNS);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header)?;
    let header = into_bytes(writer)?;
    let steps = config.steps as usize + 1;
    let blocks: Vec<(usize, usize)> = (0..config.arms.len())
        .flat_map(|arm| (0..steps).step_by(TIMESERIES_BLOCK_STEPS).map(move |first| (arm, first)))
        .collect();
    let rows = blocks.into_par_iter().map(|(arm, first)| {
        let last = (first + TIMESERIES_BLOCK_STEPS).min(steps);
        timeseries_block(config, run, arm, first..last)
    });
    std::iter::once(Ok(header)).chain(rows.collect::<Vec<_>>()).collect()
}

/// The bytes a CSV writer into memory holds.
fn into_bytes(writer: csv::Writer<Vec<u8>>) -> csv::Result<Vec<u8>> {
    writer.into_inner().map_err(|error| csv::Error::from(error.into_error()))
}

/// The rows of one arm's `steps`, formatted from reused buffers.
fn timeseries_block(
    config: &Config,
    run: &RunSummary,
    arm_index: usize,
    steps: std::ops::Range<usize>,
) -> csv::Result<Vec<u8>> {
    let arm = &config.arms[arm_index];
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(steps.len() * run.step_metrics.len() * 96));
    let mut number = String::new();
    for step in steps {
        let step_text = step.to_string();
        let year = format_number(step as f64 * config.step_years());
        for &metric in run.step_metrics {
            let summary = run.series(arm_index, step, metric);
            for field in [arm.name.as_str(), &step_text, &year, metric.name()] {
                writer.write_field(field)?;
            }
            write_summary_fields(&mut writer, summary, &mut number)?;
            writer.write_record(None::<&[u8]>)?;
        }
    }
    into_bytes(writer)
}

/// Writes a summary's statistic columns as fields of the record under way, each
/// number formatted into `number`.
fn write_summary_fields<W: std::io::Write>(
    writer: &mut csv::Writer<W>,
    summary: &Summary,
    number: &mut String,
) -> csv::Result<()> {
    writer.write_field(summary.n.to_string())?;
    for value in
        [summary.mean, summary.std_dev, summary.ci_low, summary.ci_high, summary.p5, summary.p50, summary.p95]
    {
        number.clear();
        push_number(number, value);
        writer.write_field(number.as_bytes())?;
    }
    Ok(())
}

/// Writes `summary.csv`: one row per arm and trial metric.
pub fn write_summary(path: &Path, config: &Config, run: &RunSummary) -> Result<(), OutputError> {
    write_records(path, config, run, summary_records)
}

fn summary_records<W: Write>(
    writer: &mut csv::Writer<W>,
    config: &Config,
    run: &RunSummary,
) -> csv::Result<()> {
    let mut header = vec!["arm", "metric", "unit"];
    header.extend(SUMMARY_COLUMNS);
    writer.write_record(&header)?;
    for (arm, summaries) in config.arms.iter().zip(&run.arms) {
        for &metric in config.trial_metrics() {
            let summary = &summaries[metric as usize];
            let mut record = vec![arm.name.clone(), metric.name().to_owned(), metric.unit().to_owned()];
            record.extend(summary_fields(summary));
            writer.write_record(&record)?;
        }
    }
    Ok(())
}

/// Writes `comparison.csv`: for every arm but the baseline and every trial metric,
/// the paired difference arm − baseline over trials.
pub fn write_comparison(path: &Path, config: &Config, run: &RunSummary) -> Result<(), OutputError> {
    write_records(path, config, run, comparison_records)
}

fn comparison_records<W: Write>(
    writer: &mut csv::Writer<W>,
    config: &Config,
    run: &RunSummary,
) -> csv::Result<()> {
    let mut header = vec!["arm", "baseline", "metric", "unit"];
    header.extend(SUMMARY_COLUMNS);
    header.extend(["share_higher", "share_lower"]);
    writer.write_record(&header)?;
    let baseline = &config.arms[config.baseline].name;
    for (arm, comparisons) in config.arms.iter().zip(&run.comparisons) {
        let Some(comparisons) = comparisons else {
            continue;
        };
        for &metric in config.trial_metrics() {
            let comparison = &comparisons[metric as usize];
            let mut record =
                vec![arm.name.clone(), baseline.clone(), metric.name().to_owned(), metric.unit().to_owned()];
            record.extend(summary_fields(&comparison.difference));
            record.push(format_number(comparison.share_higher));
            record.push(format_number(comparison.share_lower));
            writer.write_record(&record)?;
        }
    }
    Ok(())
}

/// Writes `uncertainty.csv` (with `[uncertainty]`): per arm, of its headline
/// (`value`) and of its paired difference to the baseline (`difference`), one row
/// per statistic: the Monte Carlo mean and 95% interval over all trials, then the
/// spread of the draws' means (mean, 5th, 50th and 95th percentiles, their sd and
/// its parameter and Monte Carlo parts) and, for a difference, the share of draws
/// favouring the arm and the baseline. An undefined statistic is empty.
pub fn write_uncertainty(path: &Path, config: &Config, run: &RunSummary) -> Result<(), OutputError> {
    if run.uncertainty.is_none() {
        return Ok(());
    }
    write_records(path, config, run, uncertainty_records)
}

fn uncertainty_records<W: Write>(
    writer: &mut csv::Writer<W>,
    config: &Config,
    run: &RunSummary,
) -> csv::Result<()> {
    let Some(spread) = &run.uncertainty else { return Ok(()) };
    writer.write_record(["arm", "quantity", "metric", "unit", "statistic", "estimate"])?;
    let metric = spread.metric;
    let number = |x: Option<f64>| x.filter(|x| x.is_finite()).map(format_number).unwrap_or_default();
    for (index, (arm, arm_spread)) in config.arms.iter().zip(&spread.arms).enumerate() {
        let own = &run.arms[index][metric as usize];
        let mut quantities = vec![("value", own.clone(), &arm_spread.value, None)];
        if let (Some(difference), Some(comparisons)) = (&arm_spread.difference, &run.comparisons[index]) {
            let monte_carlo = comparisons[metric as usize].difference.clone();
            quantities.push(("difference", monte_carlo, &difference.spread, Some(difference)));
        }
        for (quantity, monte_carlo, draws, shares) in quantities {
            let mut rows = vec![
                ("draws", Some(spread.draws as f64)),
                ("replications", Some(f64::from(spread.replications))),
                ("mc_mean", Some(monte_carlo.mean)),
                ("mc_ci_low", Some(monte_carlo.ci_low)),
                ("mc_ci_high", Some(monte_carlo.ci_high)),
                ("draw_mean", Some(draws.mean)),
                ("draw_ci_low", Some(draws.mean_ci.0)),
                ("draw_ci_high", Some(draws.mean_ci.1)),
                ("draw_p5", Some(draws.p5)),
                ("draw_p50", Some(draws.p50)),
                ("draw_p95", Some(draws.p95)),
                ("between_draws_sd", Some(draws.between_draws_sd)),
                ("parameter_sd", draws.parameter_sd),
                ("monte_carlo_sd", draws.monte_carlo_sd),
            ];
            if let Some(shares) = shares {
                rows.push(("share_better", Some(shares.share_better)));
                rows.push(("share_worse", Some(shares.share_worse)));
            }
            for (statistic, value) in rows {
                let record = [&arm.name, quantity, metric.name(), metric.unit(), statistic, &number(value)];
                writer.write_record(record)?;
            }
        }
    }
    Ok(())
}

/// The tables a run writes that a report reads, as the bytes of their files,
/// without writing them: what `attrition serve` shows is made of the same bytes
/// `attrition run` would write for the same configuration.
#[derive(Debug, Clone, Default)]
pub struct SummaryTables {
    /// `summary.csv`.
    pub summary: Vec<u8>,
    /// `comparison.csv`.
    pub comparison: Vec<u8>,
    /// `timeseries.csv`.
    pub timeseries: Vec<u8>,
    /// `uncertainty.csv`, with `[uncertainty]`.
    pub uncertainty: Option<Vec<u8>>,
}

impl SummaryTables {
    /// The tables of `run`, a run of `config`.
    pub fn of(config: &Config, run: &RunSummary) -> Self {
        let bytes = |records: Records<Vec<u8>>| {
            let mut writer = csv::Writer::from_writer(Vec::new());
            // Writing into memory fails only if a record is malformed: a bug.
            records(&mut writer, config, run).expect("a table is written into memory");
            into_bytes(writer).expect("a table in memory is flushed")
        };
        Self {
            summary: bytes(summary_records),
            comparison: bytes(comparison_records),
            timeseries: timeseries_blocks(config, run).expect("a table is written into memory").concat(),
            uncertainty: run.uncertainty.is_some().then(|| bytes(uncertainty_records)),
        }
    }
}

/// Streams `events.csv` (or `events.csv.gz`) as batches of trials finish: every
/// event of every arm that keeps a log, in trial, arm and step order.
pub struct EventWriter {
    path: PathBuf,
    writer: csv::Writer<EventSink>,
    arm_names: Vec<String>,
    level_names: Vec<String>,
    steps_per_year: f64,
}

/// Where the event log's bytes go: the file, or a gzip stream into it.
enum EventSink {
    Plain(BufWriter<File>),
    Gzip(GzEncoder<BufWriter<File>>),
}

impl EventSink {
    /// Ends the gzip stream, if any, and flushes the file.
    fn finish(self) -> std::io::Result<()> {
        let mut file = match self {
            Self::Plain(file) => file,
            Self::Gzip(encoder) => encoder.finish()?,
        };
        file.flush()
    }
}

impl Write for EventSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(file) => file.write(bytes),
            Self::Gzip(encoder) => encoder.write(bytes),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Plain(file) => file.flush(),
            Self::Gzip(encoder) => encoder.flush(),
        }
    }
}

/// The columns of `events.csv`.
pub const EVENT_COLUMNS: [&str; 28] = [
    "arm",
    "trial",
    "step",
    "year",
    "event",
    "employee",
    "level",
    "level_name",
    "grade",
    "tenure",
    "time_in_role",
    "age",
    "skill",
    "leadership",
    "engagement",
    "performance_quintile",
    "skill_quintile",
    "reason",
    "position",
    "team",
    "manager",
    "entry_step",
    "entry_year",
    "entry_tenure",
    "censored",
    "performance",
    "team_output_before",
    "team_output_after",
];

impl EventWriter {
    /// Creates the file and writes its header; `gzip` compresses it. The gzip
    /// header holds no file name and no time (mtime 0, operating system
    /// "unknown") and the level is fixed, so the same events give the same bytes.
    pub fn create(path: PathBuf, config: &Config, gzip: bool) -> Result<Self, OutputError> {
        let file = File::create(&path).map_err(io_error("creating", &path))?;
        let file = BufWriter::with_capacity(1 << 16, file);
        let sink = if gzip {
            EventSink::Gzip(GzBuilder::new().mtime(0).operating_system(255).write(file, Compression::new(6)))
        } else {
            EventSink::Plain(file)
        };
        let mut writer = csv::Writer::from_writer(sink);
        writer.write_record(EVENT_COLUMNS).map_err(csv_error(&path))?;
        Ok(Self {
            path,
            writer,
            arm_names: config.arms.iter().map(|arm| arm.name.clone()).collect(),
            level_names: config.levels.iter().map(|level| level.name.clone()).collect(),
            steps_per_year: f64::from(config.steps_per_year),
        })
    }

    /// Appends the events of a batch of finished trials.
    pub fn write(&mut self, outcomes: &[TrialOutcome]) -> Result<(), OutputError> {
        let optional = |value: Option<f64>| value.map(format_number).unwrap_or_default();
        for outcome in outcomes {
            for (arm, events) in self.arm_names.iter().zip(&outcome.events) {
                for event in events {
                    let closes = event.kind.closes_spell();
                    let record = [
                        arm.clone(),
                        outcome.trial.to_string(),
                        event.step.to_string(),
                        format_number(f64::from(event.step) / self.steps_per_year),
                        event.kind.name().to_owned(),
                        event.employee.to_string(),
                        event.level.to_string(),
                        self.level_names[event.level as usize].clone(),
                        event.grade.to_string(),
                        format_number(event.tenure),
                        format_number(event.time_in_role),
                        format_number(event.age),
                        format_number(event.skill),
                        format_number(event.leadership),
                        format_number(event.engagement),
                        event.ranks.map(|r| r.performance.to_string()).unwrap_or_default(),
                        event.ranks.map(|r| r.skill.to_string()).unwrap_or_default(),
                        event.reason.map(|r| r.name().to_owned()).unwrap_or_default(),
                        event.position.to_string(),
                        event.team.map(|team| team.to_string()).unwrap_or_default(),
                        event.manager.map(|id| id.to_string()).unwrap_or_default(),
                        event.entry_step.to_string(),
                        format_number(f64::from(event.entry_step) / self.steps_per_year),
                        format_number(event.entry_tenure),
                        match (closes, event.kind == EventKind::End) {
                            (false, _) => String::new(),
                            (true, censored) => u8::from(censored).to_string(),
                        },
                        optional(event.performance),
                        optional(event.team_output.before),
                        optional(event.team_output.after),
                    ];
                    self.writer.write_record(&record).map_err(csv_error(&self.path))?;
                }
            }
        }
        Ok(())
    }

    /// Flushes the file, ending the gzip stream.
    pub fn finish(self) -> Result<(), OutputError> {
        let path = self.path;
        let sink =
            self.writer.into_inner().map_err(|error| io_error("writing", &path)(error.into_error()))?;
        sink.finish().map_err(io_error("writing", &path))
    }
}
