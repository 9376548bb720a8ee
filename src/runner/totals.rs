//! A run's exact accumulators (the time series, each arm's trial metrics, the
//! paired differences), merged in any order, and their summary.

use rayon::prelude::*;

use crate::config::Config;
use crate::metrics::{StepMetric, TrialMetric, TrialRow};
use crate::stats::{Accumulator, PairedDifference, Summary, Window};

use super::ArmRun;

/// The aggregated results of a run.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// Trials aggregated.
    pub trials: u64,
    /// Steps per trial.
    pub steps: u32,
    /// The step metrics observed, in column order.
    pub step_metrics: &'static [StepMetric],
    /// Time series: [`RunSummary::series`] gives one arm, step and metric.
    pub(super) series: Vec<Summary>,
    /// Per arm, per trial metric.
    pub arms: Vec<Vec<Summary>>,
    /// Per arm, per trial metric: the arm minus the baseline, trial by trial; `None`
    /// for the baseline itself.
    pub comparisons: Vec<Option<Vec<Comparison>>>,
    /// Per arm, per other arm, per trial metric: the arm minus the other, trial by
    /// trial; `None` on the diagonal. Expectations compare any two arms.
    pub pairs: Vec<Vec<Option<Vec<Comparison>>>>,
    /// With `[uncertainty]`, the headline's spread across parameter draws.
    pub uncertainty: Option<crate::uncertainty::UncertaintySummary>,
}

/// A paired difference to the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Distribution of (arm − baseline) over trials.
    pub difference: Summary,
    /// Share of trials in which the arm's value was higher than the baseline's.
    pub share_higher: f64,
    /// Share of trials in which it was lower.
    pub share_lower: f64,
}

impl Comparison {
    /// The summary of a paired difference's accumulator (also used by sweeps, to
    /// compare points).
    pub fn of(difference: &PairedDifference) -> Self {
        Self {
            difference: difference.summarise(),
            share_higher: difference.positive() as f64 / difference.count() as f64,
            share_lower: difference.negative() as f64 / difference.count() as f64,
        }
    }
}

impl RunSummary {
    /// The summary over trials of `metric` at `step` of `arm`. Panics for a metric
    /// the run did not observe (not in [`RunSummary::step_metrics`]).
    pub fn series(&self, arm: usize, step: usize, metric: StepMetric) -> &Summary {
        let slot = self.step_metrics.iter().position(|&m| m == metric).expect("an observed step metric");
        &self.series[series_index(self.steps, self.step_metrics.len(), arm, step, slot)]
    }
}

fn series_index(steps: u32, width: usize, arm: usize, step: usize, slot: usize) -> usize {
    (arm * (steps as usize + 1) + step) * width + slot
}

/// The exact accumulators of a run (or of some of its trials): the time series,
/// each arm's trial metrics and the paired differences between every two arms.
/// Every one is exact and order-independent, so the totals of a run's trials split
/// into parts any way, [merged](RunTotals::merge) in any order, are the totals of
/// the whole run, bit for bit: a run is the merge of its shards.
#[derive(Debug, Clone, PartialEq)]
pub struct RunTotals {
    pub(super) trials: u64,
    steps: u32,
    step_metrics: &'static [StepMetric],
    baseline: usize,
    pub(super) series: Vec<Accumulator>,
    pub(super) arms: Vec<Vec<Accumulator>>,
    /// Per arm, per other arm, per trial metric (the diagonal stays empty).
    pub(super) paired: Vec<Vec<Vec<PairedDifference>>>,
    /// Per parameter draw, with `[uncertainty]`.
    pub(super) uncertainty: Option<crate::uncertainty::UncertaintyTotals>,
}

impl RunTotals {
    /// The totals of no trials of `config`.
    pub fn empty(config: &Config) -> Self {
        let arms = config.arms.len();
        let frame = config.frame();
        let differences = || -> Vec<PairedDifference> {
            TrialMetric::ALL
                .iter()
                .map(|metric| {
                    let (max_abs, resolution) = metric.accuracy(&frame);
                    PairedDifference::new(2.0 * max_abs, resolution)
                })
                .collect()
        };
        Self {
            trials: 0,
            steps: config.steps,
            step_metrics: config.step_metrics(),
            baseline: config.baseline,
            series: empty_series(config),
            arms: (0..arms).map(|_| trial_accumulators(config)).collect(),
            // Every ordered pair of arms, every trial metric: a few hundred accumulators.
            paired: (0..arms).map(|_| (0..arms).map(|_| differences()).collect()).collect(),
            uncertainty: crate::uncertainty::UncertaintyTotals::empty(config),
        }
    }

    /// The totals of the trials that `runs` (one per arm of `config`, in arm order,
    /// each over the same trials) hold: what [`super::accumulate`] gives for those trials.
    /// A run stands for the arm at its position whatever its own index was (an arm's
    /// results depend on its levers, not on where it is listed). Panics if the runs
    /// do not fit together.
    pub fn of_arms(config: &Config, runs: &[&ArmRun]) -> Self {
        let mut totals = Self::empty(config);
        let fits = runs.len() == config.arms.len()
            && runs.iter().all(|run| {
                run.first_trial == runs[0].first_trial
                    && run.rows.len() == runs[0].rows.len()
                    && run.series.len() == totals.series.len() / runs.len()
            });
        assert!(fits, "arm runs of different trials or another configuration");
        let Some(first) = runs.first() else { return totals };
        totals.trials = first.trials();
        for (cells, run) in totals.series.chunks_mut(first.series.len()).zip(runs) {
            cells.clone_from_slice(&run.series);
        }
        let mut rows = Vec::with_capacity(runs.len());
        for (index, trial) in (first.first_trial..).take(first.rows.len()).enumerate() {
            rows.clear();
            rows.extend(runs.iter().map(|run| run.rows[index]));
            fold_trial(&rows, &mut totals.arms, &mut totals.paired);
            if let Some(uncertainty) = totals.uncertainty.as_mut() {
                uncertainty.add(trial, &rows);
            }
        }
        totals
    }

    /// Trials accumulated.
    pub fn trials(&self) -> u64 {
        self.trials
    }

    /// Adds the trials `other` holds (other trials of the same configuration).
    /// Panics if it was built for another configuration's shape.
    pub fn merge(&mut self, other: &Self) {
        assert!(
            self.steps == other.steps
                && self.series.len() == other.series.len()
                && self.arms.len() == other.arms.len(),
            "merging the totals of different configurations"
        );
        self.trials += other.trials;
        for (total, part) in self.series.iter_mut().zip(&other.series) {
            total.merge(part);
        }
        for (total, part) in self.arms.iter_mut().flatten().zip(other.arms.iter().flatten()) {
            total.merge(part);
        }
        for (total, part) in
            self.paired.iter_mut().flatten().flatten().zip(other.paired.iter().flatten().flatten())
        {
            total.merge(part);
        }
        if let (Some(total), Some(part)) = (self.uncertainty.as_mut(), other.uncertainty.as_ref()) {
            total.merge(part);
        }
    }

    /// The summaries of the run.
    pub fn summarise(&self) -> RunSummary {
        let pairs = summarise_pairs(&self.paired);
        RunSummary {
            trials: self.trials,
            steps: self.steps,
            step_metrics: self.step_metrics,
            // Each cell on its own: the order of the collected cells is the
            // order of the series, whatever the threads.
            series: self.series.par_iter().with_min_len(256).map(Accumulator::summarise).collect(),
            arms: self
                .arms
                .iter()
                .map(|metrics| metrics.iter().map(Accumulator::summarise).collect())
                .collect(),
            comparisons: pairs.iter().map(|others| others[self.baseline].clone()).collect(),
            pairs,
            uncertainty: self.uncertainty.as_ref().map(crate::uncertainty::UncertaintyTotals::summarise),
        }
    }

    /// Writes the exact state (the shard file's format, see [`crate::shard`]).
    pub(crate) fn encode(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        crate::shard::codec::put_u64(out, self.trials)?;
        self.series.iter().try_for_each(|a| a.encode(out))?;
        self.arms.iter().flatten().try_for_each(|a| a.encode(out))?;
        self.paired.iter().flatten().flatten().try_for_each(|d| d.encode(out))?;
        self.uncertainty.as_ref().map_or(Ok(()), |u| u.encode(out))
    }

    /// Reads a state written by [`RunTotals::encode`] into totals shaped like
    /// these (built by [`RunTotals::empty`] for the same configuration).
    pub(crate) fn decode_like(&self, input: &mut impl std::io::Read) -> std::io::Result<Self> {
        let mut read = self.clone();
        read.trials = crate::shard::codec::get_u64(input)?;
        for slot in read.series.iter_mut().chain(read.arms.iter_mut().flatten()) {
            *slot = slot.decode_like(input)?;
        }
        for slot in read.paired.iter_mut().flatten().flatten() {
            *slot = slot.decode_like(input)?;
        }
        if let Some(uncertainty) = read.uncertainty.as_mut() {
            *uncertainty = uncertainty.decode_like(input)?;
        }
        Ok(read)
    }
}

/// Folds one trial's per-arm rows into the per-arm totals and the paired
/// differences between arms.
pub(super) fn fold_trial(
    rows: &[TrialRow],
    arm_totals: &mut [Vec<Accumulator>],
    paired: &mut [Vec<Vec<PairedDifference>>],
) {
    for (arm, row) in rows.iter().enumerate() {
        for (metric, &value) in row.iter().enumerate() {
            arm_totals[arm][metric].add(value);
        }
        // An arm against itself is always zero: not accumulated, not reported.
        for (other, other_row) in rows.iter().enumerate().filter(|&(other, _)| other != arm) {
            for (metric, (&value, &other_value)) in row.iter().zip(other_row).enumerate() {
                paired[arm][other][metric].add(value, other_value);
            }
        }
    }
}

/// The summaries of each arm's paired differences to each other arm.
fn summarise_pairs(paired: &[Vec<Vec<PairedDifference>>]) -> Vec<Vec<Option<Vec<Comparison>>>> {
    paired
        .iter()
        .enumerate()
        .map(|(arm, others)| {
            others
                .iter()
                .enumerate()
                .map(|(other, metrics)| (arm != other).then(|| metrics.iter().map(Comparison::of).collect()))
                .collect()
        })
        .collect()
}

/// Every arm's time series accumulators, laid out arm by arm ([`empty_arm_series`]).
fn empty_series(config: &Config) -> Vec<Accumulator> {
    config.arms.iter().flat_map(|_| empty_arm_series(config)).collect()
}

/// A time series cell's histogram window: at most 1,024 bins (4 KiB of counts),
/// taken at once when it spans a quarter of them ([`Window::eager`]).
///
/// A run holds one cell per arm, step and step metric (64,064 for the 1000-step
/// Peter-principle benchmark), so this bound, not the trials, sets its memory.
/// At the summaries' 4,096 a finely resolved cell went on widening for thousands
/// of trials and could take 16 KiB; at 1,024 it reaches the bound within some
/// tens of trials and then coarsens instead. Its percentiles (the charts' bands,
/// `timeseries.csv`'s `p5`, `p50`, `p95`) are then within half a bin of an exact
/// order statistic, about 1/1000 of the range of its values: for an efficiency
/// whose trials spread over 8 standard deviations, 0.008 of one, finer than a
/// 5th percentile of 10,000 trials is known to (its sampling error is about 0.02
/// of one). Counts spread over fewer than 1,024 values stay exact.
pub const SERIES_WINDOW: Window = Window { bins: 1024, eager: true };

/// One arm's time series accumulators, step by step, each step's observed metrics
/// in order.
pub(super) fn empty_arm_series(config: &Config) -> Vec<Accumulator> {
    let frame = config.frame();
    let per_step: Vec<Accumulator> = config
        .step_metrics()
        .iter()
        .map(|metric| {
            let (max_abs, resolution) = metric.accuracy(&frame);
            Accumulator::with_window(max_abs, resolution, SERIES_WINDOW)
        })
        .collect();
    (0..=config.steps).flat_map(|_| per_step.iter().cloned()).collect()
}

fn trial_accumulators(config: &Config) -> Vec<Accumulator> {
    let frame = config.frame();
    TrialMetric::ALL
        .iter()
        .map(|metric| {
            let (max_abs, resolution) = metric.accuracy(&frame);
            Accumulator::new(max_abs, resolution)
        })
        .collect()
}
