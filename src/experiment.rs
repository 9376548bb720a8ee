//! Experiments: a set of points, each a validated [`Config`], evaluated with common
//! random numbers. Sweeps, design tables, sensitivity designs and calibration are
//! all one of these: a list of points handed to [`evaluate`], which runs every
//! point's trials through the one runner entry ([`runner::run`]) with the same
//! trial seeds, so that two points differ only by what their configurations do.
//!
//! The first point is the reference: with [`Options::pair_with_reference`], every
//! later point's trials are paired with the reference's, trial by trial and arm by
//! arm, into exact accumulators of their differences.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use crate::config::{Config, Override};
use crate::metrics::{TRIAL_METRICS, TrialMetric, TrialRow};
use crate::output::OutputError;
use crate::output::sweep::{ReferenceReader, ReferenceRows, ReferenceWriter};
use crate::runner::{
    self, Comparison, EventSelection, RunError, RunOptions, RunSummary, RunTotals, TrialOutcome,
};
use crate::stats::PairedDifference;

/// One point of an experiment.
#[derive(Debug, Clone)]
pub struct Point {
    /// The field values that make this point from the scenario (empty for the
    /// scenario itself).
    pub assignment: Vec<Override>,
    /// The validated configuration at this point.
    pub config: Config,
}

/// How to evaluate an experiment.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Worker threads; `None` lets rayon decide.
    pub threads: Option<usize>,
    /// Index of the first trial: every point runs trials `first_trial ..
    /// first_trial + config.trials`, with the seeds they have in a whole run.
    pub first_trial: u64,
    /// Pair every later point with the first, trial by trial.
    pub pair_with_reference: bool,
    /// Where the first point's per-trial rows wait while later points are paired
    /// with them (a file that must not exist; removed at the end), so memory does
    /// not grow with the trial count; `None` keeps them in memory.
    pub spill: Option<PathBuf>,
    /// Which trials and arms keep their event log in the outcomes `on_trials`
    /// receives (calibration measures moments of spells in it); `None` keeps none.
    pub events: Option<EventSelection>,
}

/// The results at one point.
#[derive(Debug, Clone)]
pub struct PointResult {
    /// The value of each assigned field, in assignment order.
    pub values: Vec<toml::Value>,
    /// The run at this point.
    pub summary: RunSummary,
    /// Per arm, per trial metric: the arm here minus the same arm at the reference
    /// point, trial by trial. Empty at the reference point itself, and without
    /// [`Options::pair_with_reference`].
    pub versus_reference: Vec<Vec<Comparison>>,
    /// Per arm, per trial metric: the arm's difference to the baseline here minus
    /// that difference at the reference point, trial by trial (does an advantage
    /// grow or shrink?); `None` for the baseline. Empty where `versus_reference` is.
    pub baseline_change: Vec<Option<Vec<Comparison>>>,
}

/// Why an experiment stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// A point's run failed or was interrupted.
    #[error("{source}")]
    Run {
        /// The point's index.
        point: usize,
        #[source]
        source: RunError,
    },
    /// The reference rows could not be kept on disk or read back.
    #[error(transparent)]
    Spill(#[from] OutputError),
}

impl ExperimentError {
    /// Whether the experiment stopped because it was asked to.
    pub fn interrupted(&self) -> bool {
        matches!(self, Self::Run { source: RunError::Interrupted { .. }, .. })
    }
}

/// The reference point's per-trial rows, while later points are paired with them.
enum Reference {
    Memory(Vec<(u64, Vec<TrialRow>)>),
    Disk(ReferenceRows),
}

/// Where the reference's rows go while it runs.
enum ReferenceSink {
    Memory(Vec<(u64, Vec<TrialRow>)>),
    Disk(ReferenceWriter),
}

impl ReferenceSink {
    fn write(&mut self, outcomes: &[TrialOutcome]) -> Result<(), OutputError> {
        match self {
            Self::Memory(rows) => {
                rows.extend(outcomes.iter().map(|outcome| (outcome.trial, outcome.arms.clone())));
                Ok(())
            }
            Self::Disk(writer) => writer.write(outcomes),
        }
    }

    fn finish(self) -> Result<Reference, OutputError> {
        match self {
            Self::Memory(rows) => Ok(Reference::Memory(rows)),
            Self::Disk(writer) => writer.finish().map(Reference::Disk),
        }
    }
}

/// Reads the reference's rows back in trial order.
enum ReferenceSource<'a> {
    Memory(std::slice::Iter<'a, (u64, Vec<TrialRow>)>),
    Disk(ReferenceReader),
}

impl ReferenceSource<'_> {
    fn next(&mut self, trial: u64) -> Result<Vec<TrialRow>, String> {
        match self {
            Self::Memory(rows) => match rows.next() {
                Some((stored, rows)) if *stored == trial => Ok(rows.clone()),
                Some((stored, _)) => Err(format!("reference rows: expected trial {trial}, found {stored}")),
                None => Err(format!("reference rows: trial {trial} is missing")),
            },
            Self::Disk(reader) => reader.next(trial).map_err(|error| error.to_string()),
        }
    }
}

/// Evaluates every point, in order, each over the same trials (common random
/// numbers); see the module's documentation. [`evaluate_totals`], summarised.
pub fn evaluate(
    points: &[Point],
    options: &Options,
    stop: &AtomicBool,
    on_trials: impl FnMut(usize, &[TrialOutcome]) -> Result<(), String>,
    progress: impl FnMut(u64, u64),
) -> Result<Vec<PointResult>, ExperimentError> {
    // Each point is summarised as it finishes: its accumulators (arms² pairs, a
    // cell per arm, step and metric) are not kept for the whole experiment.
    let mut results = Vec::with_capacity(points.len());
    evaluate_each(points, options, stop, on_trials, progress, |totals| results.push(totals.summarise()))?;
    Ok(results)
}

/// The exact accumulators at one point: its run's and, paired with the reference
/// point, its differences to it. Like [`RunTotals`], those of a point's trials
/// split into parts and [merged](PointTotals::merge) are those of all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct PointTotals {
    /// The value of each assigned field, in assignment order.
    pub values: Vec<toml::Value>,
    /// The run at this point.
    pub run: RunTotals,
    /// The differences to the reference point; `None` at the reference itself and
    /// without pairing.
    pairs: Option<Pairs>,
    baseline: usize,
}

impl PointTotals {
    /// The totals of no trials at every point of an experiment evaluated with
    /// `options` (the shape [`evaluate_totals`] returns).
    pub fn empty(points: &[Point], options: &Options) -> Vec<Self> {
        (0..points.len()).map(|index| Self::empty_at(points, options, index)).collect()
    }

    /// The totals of no trials at point `index`.
    fn empty_at(points: &[Point], options: &Options, index: usize) -> Self {
        let pairing = options.pair_with_reference && points.len() > 1;
        let point = &points[index];
        Self {
            values: point.assignment.iter().map(|o| o.value.clone()).collect(),
            run: RunTotals::empty(&point.config),
            pairs: (pairing && index > 0).then(|| Pairs::new(&point.config, &points[0].config)),
            baseline: point.config.baseline,
        }
    }

    /// Adds the trials `other` holds (other trials at the same point).
    pub fn merge(&mut self, other: &Self) {
        self.run.merge(&other.run);
        if let (Some(pairs), Some(other)) = (self.pairs.as_mut(), other.pairs.as_ref()) {
            pairs.merge(other);
        }
    }

    /// The results at this point.
    pub fn summarise(&self) -> PointResult {
        let (versus_reference, baseline_change) = match &self.pairs {
            Some(pairs) => pairs.summarise(self.baseline),
            None => (Vec::new(), Vec::new()),
        };
        PointResult {
            values: self.values.clone(),
            summary: self.run.summarise(),
            versus_reference,
            baseline_change,
        }
    }

    /// Writes the exact state (the shard file's format, see [`crate::shard`]).
    pub(crate) fn encode(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        self.run.encode(out)?;
        if let Some(pairs) = &self.pairs {
            pairs.all().try_for_each(|d| d.encode(out))?;
        }
        Ok(())
    }

    /// Reads a state written by [`PointTotals::encode`] into totals shaped like these.
    pub(crate) fn decode_like(&self, input: &mut impl std::io::Read) -> std::io::Result<Self> {
        let mut read = self.clone();
        read.run = self.run.decode_like(input)?;
        if let Some(pairs) = read.pairs.as_mut() {
            for slot in pairs.all_mut() {
                *slot = slot.decode_like(input)?;
            }
        }
        Ok(read)
    }
}

/// Evaluates every point, in order, each over the same trials (common random
/// numbers), into their exact accumulators.
///
/// `on_trials(point, outcomes)` receives each point's finished trials in trial
/// order, a chunk at a time; `progress(done, total)` counts trials over the whole
/// experiment. Setting `stop` ends the experiment with an interrupted
/// [`ExperimentError::Run`] once the chunks under way have finished.
pub fn evaluate_totals(
    points: &[Point],
    options: &Options,
    stop: &AtomicBool,
    on_trials: impl FnMut(usize, &[TrialOutcome]) -> Result<(), String>,
    progress: impl FnMut(u64, u64),
) -> Result<Vec<PointTotals>, ExperimentError> {
    let mut results = Vec::with_capacity(points.len());
    evaluate_each(points, options, stop, on_trials, progress, |totals| results.push(totals))?;
    Ok(results)
}

/// Evaluates every point in order, handing each point's totals to `finished` as
/// soon as its trials are done.
fn evaluate_each(
    points: &[Point],
    options: &Options,
    stop: &AtomicBool,
    mut on_trials: impl FnMut(usize, &[TrialOutcome]) -> Result<(), String>,
    mut progress: impl FnMut(u64, u64),
    mut finished: impl FnMut(PointTotals),
) -> Result<(), ExperimentError> {
    let total: u64 = points.iter().map(|point| u64::from(point.config.trials)).sum();
    let mut done_before = 0;
    // A single point has nothing to pair with.
    let pairing = options.pair_with_reference && points.len() > 1;
    let mut reference: Option<Reference> = None;
    for (index, point) in points.iter().enumerate() {
        let mut result = PointTotals::empty_at(points, options, index);
        let config = &point.config;
        let mut pairs = result.pairs.take();
        let mut sink = match (index, pairing, &options.spill) {
            (0, true, Some(path)) => {
                Some(ReferenceSink::Disk(ReferenceRows::create(path.clone(), config.arms.len())?))
            }
            (0, true, None) => Some(ReferenceSink::Memory(Vec::new())),
            _ => None,
        };
        let mut source = match &reference {
            Some(Reference::Memory(rows)) => Some(ReferenceSource::Memory(rows.iter())),
            Some(Reference::Disk(rows)) => Some(ReferenceSource::Disk(rows.read()?)),
            None => None,
        };
        let run = runner::accumulate(
            config,
            RunOptions {
                threads: options.threads,
                events: options.events.clone(),
                first_trial: options.first_trial,
                max_chunk: None,
                burn_ins: None,
            },
            stop,
            |outcomes| {
                on_trials(index, outcomes)?;
                if let Some(sink) = sink.as_mut() {
                    sink.write(outcomes).map_err(|error| error.to_string())?;
                }
                if let (Some(source), Some(pairs)) = (source.as_mut(), pairs.as_mut()) {
                    for outcome in outcomes {
                        pairs.add(&outcome.arms, &source.next(outcome.trial)?, config.baseline);
                    }
                }
                Ok(())
            },
            |done, _| progress(done_before + done, total),
        )
        .map_err(|source| ExperimentError::Run { point: index, source })?;
        done_before += u64::from(config.trials);
        if let Some(sink) = sink {
            reference = Some(sink.finish()?);
        }
        result.run = run;
        result.pairs = pairs;
        finished(result);
    }
    if let Some(Reference::Disk(rows)) = reference {
        rows.remove()?;
    }
    Ok(())
}

/// A point's paired differences to the reference point.
#[derive(Debug, Clone, PartialEq)]
struct Pairs {
    /// Per arm, per trial metric: here minus there.
    versus_reference: Vec<Vec<PairedDifference>>,
    /// Per arm, per trial metric: (arm − baseline) here minus the same there.
    baseline_change: Vec<Vec<PairedDifference>>,
}

impl Pairs {
    fn new(config: &Config, reference: &Config) -> Self {
        let frame = config.frame();
        let reference_frame = reference.frame();
        // Bounds of a difference between two points (whose frames may differ) and of
        // a difference of two such differences.
        let bound = |metric: TrialMetric, factor: f64| {
            let (here, resolution) = metric.accuracy(&frame);
            let (there, reference_resolution) = metric.accuracy(&reference_frame);
            PairedDifference::new(factor * (here + there), resolution.min(reference_resolution))
        };
        let arms = config.arms.len();
        let each = |factor| -> Vec<Vec<PairedDifference>> {
            (0..arms).map(|_| TrialMetric::ALL.iter().map(|&m| bound(m, factor)).collect()).collect()
        };
        Self { versus_reference: each(1.0), baseline_change: each(2.0) }
    }

    fn add(&mut self, here: &[TrialRow], there: &[TrialRow], baseline: usize) {
        for (arm, (here_row, there_row)) in here.iter().zip(there).enumerate() {
            for metric in 0..TRIAL_METRICS {
                self.versus_reference[arm][metric].add(here_row[metric], there_row[metric]);
                self.baseline_change[arm][metric].add(
                    here_row[metric] - here[baseline][metric],
                    there_row[metric] - there[baseline][metric],
                );
            }
        }
    }

    fn merge(&mut self, other: &Self) {
        for (total, part) in self.all_mut().zip(other.all()) {
            total.merge(part);
        }
    }

    /// Every accumulator, in the shard file's order.
    fn all(&self) -> impl Iterator<Item = &PairedDifference> {
        self.versus_reference.iter().flatten().chain(self.baseline_change.iter().flatten())
    }

    fn all_mut(&mut self) -> impl Iterator<Item = &mut PairedDifference> {
        self.versus_reference.iter_mut().flatten().chain(self.baseline_change.iter_mut().flatten())
    }

    #[allow(clippy::type_complexity)]
    fn summarise(&self, baseline: usize) -> (Vec<Vec<Comparison>>, Vec<Option<Vec<Comparison>>>) {
        let summarise = |differences: &[PairedDifference]| differences.iter().map(Comparison::of).collect();
        let versus_reference = self.versus_reference.iter().map(|d| summarise(d)).collect();
        let baseline_change = self
            .baseline_change
            .iter()
            .enumerate()
            .map(|(arm, d)| (arm != baseline).then(|| summarise(d)))
            .collect();
        (versus_reference, baseline_change)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::overrides::{apply, parse_set};
    use crate::config::parse;

    fn points() -> Vec<Point> {
        let text = include_str!("../scenarios/ci/peter_principle.toml");
        ["workforce.dismissal_threshold=4", "workforce.dismissal_threshold=5"]
            .iter()
            .map(|set| {
                let assignment = vec![parse_set(set).unwrap()];
                let edited = apply(text, &assignment).unwrap();
                let mut config = parse(&edited, Path::new("peter_principle.toml")).unwrap();
                config.trials = 12;
                Point { assignment, config }
            })
            .collect()
    }

    fn evaluated(options: &Options) -> Vec<PointResult> {
        evaluate(&points(), options, &AtomicBool::new(false), |_, _| Ok(()), |_, _| ()).unwrap()
    }

    /// A point's summary is the run of its configuration; the pairing is the same
    /// whether the reference waits on disk or in memory.
    #[test]
    fn points_are_runs_and_pairing_does_not_depend_on_the_spill() {
        let memory = evaluated(&Options { pair_with_reference: true, ..Options::default() });
        let directory = tempfile::tempdir().unwrap();
        let spill = directory.path().join("reference.bin");
        let disk = evaluated(&Options {
            pair_with_reference: true,
            spill: Some(spill.clone()),
            threads: Some(2),
            ..Options::default()
        });
        assert!(!spill.exists(), "the spill is removed");
        assert_eq!(format!("{memory:?}"), format!("{disk:?}"));
        let alone = runner::run(
            &points()[1].config,
            RunOptions::default(),
            &AtomicBool::new(false),
            |_| Ok(()),
            |_, _| (),
        )
        .unwrap();
        assert_eq!(format!("{:?}", memory[1].summary), format!("{alone:?}"));
        assert!(memory[0].versus_reference.is_empty());
        assert_eq!(memory[1].versus_reference.len(), points()[1].config.arms.len());
        // The two thresholds differ, so some arm's dismissals must differ.
        let dismissals = TrialMetric::DismissalRate as usize;
        assert!(memory[1].versus_reference.iter().any(|arm| arm[dismissals].difference.mean != 0.0));
        let unpaired = evaluated(&Options::default());
        assert!(unpaired.iter().all(|point| point.versus_reference.is_empty()));
    }
}
