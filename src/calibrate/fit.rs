//! The fit: simulated method of moments. The distance between the simulated and
//! the target moments, each residual in units of its target's precision and
//! weighted, is minimised by Nelder–Mead (argmin) over the fitted fields, each
//! mapped from the whole real line into its bounds by a logistic transform so the
//! simplex never leaves them. Every evaluation runs the same trials from the same
//! seeds (common random numbers), so the distance changes only through the
//! parameters and the fit is a deterministic function of the inputs.
//!
//! At the optimum, the Jacobian of the moments (central differences, a twentieth
//! of each bound's width) gives the sandwich variance of the estimator,
//! `(G'WG)⁻¹ G'W Σ W G (G'WG)⁻¹`, with `W` the weights over the squared
//! precisions (diagonal: the distance the search minimises) and `Σ` the full
//! covariance of the residuals, `S_data + S_sim`:
//!
//! - `S_data = D R D`, `D` the targets' errors ([`Fitted::data_error`]: the
//!   precision, or for an HR export's moment the model's spread of it over a
//!   sample the export's size when larger, since a firm's employees are not
//!   independent) and `R` their correlation ([`Problem::correlation`]): an HR
//!   export's moments share employees, and their correlation comes from a
//!   bootstrap over them ([`super::bootstrap`]); a targets file's published
//!   targets are independent (`R = I`) but for the correlations the file states
//!   ([`super::targets::Correlation`]);
//! - `S_sim`, the simulated means' covariance: their standard errors (each
//!   moment's spread over the trials over √trials) correlated as the moments are
//!   across the trials of the fit (every target is measured in the same trials).
//!
//! `Σ` is made positive semi-definite if its estimated correlations are not
//! ([`covariance::positive_semidefinite`], with a warning). The standard error with
//! the diagonal of `Σ` alone, which treats the moments as independent, is kept
//! beside it (`se_independent`) to show what the correlations change.

use std::cell::RefCell;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use argmin::core::{CostFunction, Executor};
use argmin::solver::neldermead::NelderMead;

use super::catalogue::{self, SpellMoment};
use super::covariance;
use super::targets::{Bound, Moment, Precision, Target};
use crate::config::{self, Config, Override, ScenarioError};
use crate::experiment::{self, ExperimentError, Point};
use crate::runner::EventSelection;
use crate::stats::{Accumulator, Summary};

/// A target's residual above this many of its precisions is one the model does
/// not reach at the fit.
pub const UNREACHED: f64 = 3.0;

/// A parameter whose whole range moves the standardised moments by less than this
/// (in the linearisation at the fit) is not identified by the targets.
const IDENTIFIED: f64 = 1.0;

/// Finite-difference step, as a share of a bound's width: large enough to span
/// many discrete events (the moments are step functions of the parameters at a
/// fine scale, even with common random numbers), small enough to be local.
const STEP: f64 = 0.05;

/// The first simplex's extent along each parameter, as a share of its width.
const SIMPLEX: f64 = 0.15;

/// What to fit.
#[derive(Debug, Clone)]
pub struct Problem<'a> {
    /// The scenario's text, as read.
    pub text: &'a str,
    /// Its path, for messages.
    pub path: &'a Path,
    /// Overrides applied before the fitted fields (`--set`).
    pub set: &'a [Override],
    /// Trials per evaluation.
    pub trials: u32,
    /// Master seed of every evaluation.
    pub seed: u64,
    /// The targets.
    pub targets: &'a [Target],
    /// The correlation of the targets' errors, one row and column per target in
    /// target order ([`covariance::independent`] when they are independent).
    pub correlation: &'a [Vec<f64>],
    /// The fitted fields and their bounds.
    pub bounds: &'a [Bound],
    /// Where the first search starts, one value per bound, inside it.
    pub start: Vec<f64>,
}

/// How to run the fit.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Worker threads; `None` lets rayon decide.
    pub threads: Option<usize>,
    /// Most evaluations of the distance each search may use (the standard errors'
    /// `2 × parameters` more come after).
    pub max_evaluations: u32,
    /// Searches, each from its own start ([`starts`]); at least 1.
    pub restarts: u32,
}

/// One evaluation of the distance.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Which search of the restarts made it (0 is the first).
    pub restart: u32,
    /// The parameter values, in bound order.
    pub values: Vec<f64>,
    /// The weighted squared distance.
    pub distance: f64,
}

/// A target at the fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// The simulated moment over trials (mean and 95% interval).
    pub simulated: Summary,
    /// The target's precision at the simulated value ([`Precision::scale_at`]).
    pub precision: f64,
    /// The target's standard error in the residuals' covariance: the precision, or
    /// for an export's moment the model's spread of it over a sample the export's
    /// size ([`Target::trials_worth`]) when that is larger.
    pub data_error: f64,
    /// (simulated − target) / precision.
    pub residual: f64,
    /// Its share of the distance, `weight × residual²`.
    pub contribution: f64,
}

/// A fitted parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Where the search started.
    pub start: f64,
    /// The value at the fit.
    pub value: f64,
    /// Approximate standard error, with the moments' full covariance; NaN when not
    /// identified.
    pub standard_error: f64,
    /// The same with the moments treated as independent (the diagonal of their
    /// covariance alone), for comparison; NaN when not identified.
    pub standard_error_independent: f64,
    /// Why the targets do not pin it down, if they do not.
    pub unidentified: Option<String>,
    /// Whether the fit ended at (within 0.1% of the width of) a bound.
    pub at_bound: bool,
}

/// The result of a fit.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// One per bound.
    pub estimates: Vec<Estimate>,
    /// One per target.
    pub fitted: Vec<Fitted>,
    /// The distance at the fit.
    pub distance: f64,
    /// Every evaluation of every search, in order.
    pub trace: Vec<Evaluation>,
    /// Each search of the restarts, in order.
    pub restarts: Vec<Restart>,
    /// Which of them found the fit (the first of equal distances).
    pub winner: u32,
    /// Whether the search that found the fit stopped on its budget rather than
    /// converging.
    pub budget_spent: bool,
    /// Evaluations run for the standard errors.
    pub curvature_evaluations: u32,
    /// The test of whether the targets can all hold at once; `None` with no more
    /// targets than fitted fields, or when the fields are not identified.
    pub overidentification: Option<Overidentification>,
    /// What is worth saying about the fit: unreached targets, unidentified
    /// parameters, estimates at a bound.
    pub warnings: Vec<String>,
    /// The configuration at the fit (the baseline arm only).
    pub config: Config,
}

/// Hansen's J test of the overidentifying restrictions, for a fit with more
/// targets than fitted fields: `J = r' V⁺ r`, `r` the standardised residuals and
/// `V = P Σ P'` their covariance at the fit (`P = I − G (G'WG)⁻¹ G'W`, the
/// residuals left after the fitted fields have matched what they can, so `V` has
/// rank at most targets − fields), chi-squared with that rank as its degrees of
/// freedom when the model holds. With a weight matrix that is not the optimal one
/// (ours is diagonal) this is the form that keeps the chi-squared distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overidentification {
    /// `J`.
    pub statistic: f64,
    /// The rank of `V` used.
    pub degrees_of_freedom: usize,
    /// `P(χ² > J)`.
    pub p_value: f64,
}

impl Overidentification {
    /// "J = 3.10 on 1 degree of freedom", for messages.
    pub fn describe(&self) -> String {
        let plural = if self.degrees_of_freedom == 1 { "" } else { "s" };
        format!("J = {:.2} on {} degree{plural} of freedom", self.statistic, self.degrees_of_freedom)
    }
}

/// A J test's p-value below this is reported as the targets rejecting the model.
pub const REJECTED: f64 = 0.01;

/// Fewest trials per evaluation: the moments' simulation noise is their spread over
/// the trials, which one trial does not have.
pub const MIN_TRIALS: u32 = 2;

/// Why a fit stopped without a result.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// A point the search asked for does not validate.
    #[error("at {point}: {error}")]
    Point {
        /// The fields and values.
        point: String,
        /// Its problems.
        error: ScenarioError,
    },
    /// A run failed (or was interrupted).
    #[error(transparent)]
    Run(#[from] ExperimentError),
    /// The optimiser failed (a bug).
    #[error("the optimiser failed: {0}")]
    Optimiser(String),
    /// Fewer trials per evaluation than [`MIN_TRIALS`].
    #[error(
        "calibrate needs at least {MIN_TRIALS} trials per evaluation, not {trials}: the standard errors take \
         the simulation's noise from the spread over trials, which one trial does not show"
    )]
    TooFewTrials {
        /// Trials per evaluation.
        trials: u32,
    },
    /// No trial measured a moment of spells: nobody was ever in its group.
    #[error(
        "no trial of {trials} measured {moment}: nobody was at risk in its group (or, for a share or span, \
         nobody quit or had a manager); remove the target or run more or longer trials"
    )]
    Unmeasured {
        /// The moment.
        moment: String,
        /// Trials per evaluation.
        trials: u32,
    },
}

/// The fields and values, for messages: `a=1, b=2`.
pub fn describe(bounds: &[Bound], values: &[f64]) -> String {
    bounds.iter().zip(values).map(|(b, v)| format!("{}={v}", b.field)).collect::<Vec<_>>().join(", ")
}

impl Problem<'_> {
    /// The overrides of one point: `--set`, then the fitted fields.
    pub fn overrides(&self, values: &[f64]) -> Vec<Override> {
        let mut overrides = self.set.to_vec();
        overrides.extend(
            self.bounds
                .iter()
                .zip(values)
                .map(|(b, &v)| Override { field: b.field.clone(), value: toml::Value::Float(v) }),
        );
        overrides
    }

    /// The validated configuration of one point: the baseline arm alone, which runs
    /// exactly as it does beside the other arms (trial i of every arm shares its
    /// draws), at a fraction of the cost.
    pub fn config(&self, values: &[f64]) -> Result<Config, FitError> {
        let mut config = config::parse_point(self.text, self.path, &self.overrides(values))
            .map_err(|error| FitError::Point { point: describe(self.bounds, values), error })?;
        config.trials = self.trials;
        config.seed = self.seed;
        let baseline = config.arms[config.baseline].clone();
        config.arms = vec![baseline];
        config.baseline = 0;
        Ok(config)
    }
}

/// The simulated moments of one point.
#[derive(Debug, Clone)]
struct Simulated {
    /// Each target's moment over the trials, in target order.
    summaries: Vec<Summary>,
    /// Each trial's value of each target's moment, in trial order; `None` where
    /// the trial does not measure it (nobody in its group).
    trials: Vec<Vec<Option<f64>>>,
}

/// Runs every point with the same trial seeds (common random numbers), through
/// the experiment layer, and measures each target's moment at each; `progress` is
/// called as each point finishes. Moments of spells are measured in the baseline
/// arm's event log, which is kept only when a target needs one.
fn evaluate(
    configs: Vec<Config>,
    targets: &[Target],
    threads: Option<usize>,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(),
) -> Result<Vec<Simulated>, FitError> {
    let trials = configs.first().map_or(1, |config| u64::from(config.trials)).max(1);
    let spells: Vec<SpellMoment> = targets
        .iter()
        .filter_map(|t| match t.moment {
            Moment::Spell { moment, .. } => Some(moment),
            Moment::Trial(_) => None,
        })
        .collect();
    let mut per_trial: Vec<Vec<Vec<Option<f64>>>> =
        configs.iter().map(|config| vec![vec![None; targets.len()]; config.trials as usize]).collect();
    let mut ratios: Vec<Vec<Vec<catalogue::Ratio>>> =
        configs.iter().map(|config| vec![Vec::new(); config.trials as usize]).collect();
    let mut measured: Vec<Vec<Accumulator>> = configs
        .iter()
        .map(|config| {
            // Rates are a few hundredths a year and spans a few people: 1e-6 keeps
            // four significant digits of either in the percentiles.
            spells.iter().map(|m| Accumulator::new(2.0 * m.bound(config), 1e-6)).collect()
        })
        .collect();
    let points: Vec<Point> =
        configs.into_iter().map(|config| Point { assignment: Vec::new(), config }).collect();
    let events = (!spells.is_empty()).then(|| EventSelection { first_trials: None, arms: Some(vec![0]) });
    let options = experiment::Options { threads, events, ..experiment::Options::default() };
    let mut finished = 0;
    let results = experiment::evaluate(
        &points,
        &options,
        stop,
        |point, outcomes| {
            for outcome in outcomes {
                let trial = outcome.trial as usize;
                if !spells.is_empty() {
                    let measures = catalogue::measure(&outcome.events[0], &points[point].config, &spells);
                    for (accumulator, ratio) in measured[point].iter_mut().zip(&measures) {
                        if let Some(value) = ratio.value() {
                            accumulator.add(value);
                        }
                    }
                    ratios[point][trial] = measures;
                }
                let row = &mut per_trial[point][trial];
                for (cell, target) in row.iter_mut().zip(targets) {
                    if let Moment::Trial(metric) = target.moment {
                        *cell = Some(outcome.arms[0][metric as usize]);
                    }
                }
            }
            Ok(())
        },
        |done, _| {
            while finished < done / trials {
                finished += 1;
                progress();
            }
        },
    )?;
    results
        .into_iter()
        .zip(&measured)
        .zip(&points)
        .zip(per_trial.into_iter().zip(ratios))
        .map(|(((result, spreads), point), (mut trials, ratios))| {
            let mut spell = 0;
            let mut summaries = Vec::with_capacity(targets.len());
            for (index, target) in targets.iter().enumerate() {
                match &target.moment {
                    Moment::Trial(metric) => summaries.push(result.summary.arms[0][*metric as usize].clone()),
                    Moment::Spell { name, .. } => {
                        let mut pooled = catalogue::Pooled::default();
                        for trial in &ratios {
                            pooled.add(trial[spell]);
                        }
                        let (Some(value), Some(influence)) = (pooled.value(), pooled.influence()) else {
                            return Err(FitError::Unmeasured {
                                moment: name.clone(),
                                trials: point.config.trials,
                            });
                        };
                        summaries.push(pooled_summary(spreads[spell].summarise(), value, &influence));
                        for (row, influence) in trials.iter_mut().zip(influence) {
                            row[index] = Some(influence);
                        }
                        spell += 1;
                    }
                }
            }
            Ok(Simulated { summaries, trials })
        })
        .collect()
}

/// A spell moment's summary over the trials: the pooled ratio `value` as its mean,
/// its delta-method spread (`influence`, one per trial) as the standard deviation
/// and 95% t-interval, and the percentiles of each trial's own ratio from `spread`
/// (how much one firm's value varies).
fn pooled_summary(spread: Summary, value: f64, influence: &[f64]) -> Summary {
    let n = influence.len();
    let (std_dev, half) = if n > 1 {
        // The influence values have mean 0 by construction (up to rounding).
        let mean = influence.iter().sum::<f64>() / n as f64;
        let sd = (influence.iter().map(|u| (u - mean) * (u - mean)).sum::<f64>() / (n - 1) as f64).sqrt();
        (sd, crate::stats::half_width_95(n as u64, sd))
    } else {
        (f64::NAN, f64::NAN)
    };
    Summary { n: n as u64, mean: value, std_dev, ci_low: value - half, ci_high: value + half, ..spread }
}

/// The weighted squared distance of a point's moments from the targets.
fn distance(targets: &[Target], simulated: &Simulated) -> f64 {
    targets
        .iter()
        .zip(&simulated.summaries)
        .map(|(t, s)| {
            let residual = (s.mean - t.value) / t.precision.scale_at(s.mean);
            t.weight * residual * residual
        })
        .sum()
}

/// The logistic map from the real line into a bound, and back.
fn to_value(bound: &Bound, u: f64) -> f64 {
    bound.low + (bound.high - bound.low) / (1.0 + (-u).exp())
}

fn to_free(bound: &Bound, value: f64) -> f64 {
    // A start on a bound is moved just inside it, where the map is finite.
    let width = bound.high - bound.low;
    let share = ((value - bound.low) / width).clamp(1e-6, 1.0 - 1e-6);
    (share / (1.0 - share)).ln()
}

/// The search's side of the engine: each call of `cost` is one evaluation.
struct Objective<'a, 'p, 's> {
    problem: &'a Problem<'p>,
    options: Options,
    stop: &'a AtomicBool,
    /// Where this search starts.
    start: &'a [f64],
    /// Which search of the restarts this is (0 is the first).
    restart: u32,
    state: &'s RefCell<SearchState<'a>>,
}

struct SearchState<'a> {
    /// Every evaluation of every search so far.
    trace: Vec<Evaluation>,
    /// Evaluations of the current search.
    searched: u32,
    /// The best of every search so far, and which search found it.
    best: Option<(f64, Vec<f64>, Simulated, u32)>,
    /// The best of the current search.
    best_here: f64,
    /// Why the search was cut short: the budget (`None` inside), or an error.
    stopped: Option<Result<(), FitError>>,
    progress: &'a mut dyn FnMut(u32, f64),
}

impl CostFunction for Objective<'_, '_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, free: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let mut state = self.state.borrow_mut();
        if state.searched >= self.options.max_evaluations {
            state.stopped = Some(Ok(()));
            return Err(argmin::core::Error::msg("the evaluation budget is spent"));
        }
        // The start itself is evaluated at its own value, not at the map's round trip
        // of it (a last-digit change that would show in evaluations.csv).
        let values: Vec<f64> = (0..free.len())
            .map(|i| {
                let bound = &self.problem.bounds[i];
                if free[i] == to_free(bound, self.start[i]) {
                    self.start[i]
                } else {
                    to_value(bound, free[i])
                }
            })
            .collect();
        let outcome = self.problem.config(&values).and_then(|config| {
            evaluate(vec![config], self.problem.targets, self.options.threads, self.stop, &mut || {})
        });
        let simulated = match outcome {
            Ok(mut simulated) => simulated.remove(0),
            Err(error) => {
                state.stopped = Some(Err(error));
                return Err(argmin::core::Error::msg("a point failed"));
            }
        };
        let distance = distance(self.problem.targets, &simulated);
        state.trace.push(Evaluation { restart: self.restart, values: values.clone(), distance });
        state.searched += 1;
        state.best_here = state.best_here.min(distance);
        // The first of equal distances is kept, so the result is the searches' own.
        if state.best.as_ref().is_none_or(|(best, ..)| distance < *best) {
            state.best = Some((distance, values, simulated, self.restart));
        }
        let done = state.trace.len() as u32;
        let best = state.best.as_ref().map_or(f64::NAN, |b| b.0);
        (state.progress)(done, best);
        Ok(distance)
    }
}

/// The `index`-th point (from 1) of the Halton sequence in `dimensions`
/// dimensions, bases the first primes: a low-discrepancy design, so the restarts
/// spread over the box of the bounds, the same for every run.
fn halton(index: u32, dimensions: usize) -> Vec<f64> {
    const PRIMES: [u32; 16] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53];
    (0..dimensions)
        .map(|d| {
            let base = PRIMES[d % PRIMES.len()];
            // Past 16 dimensions the bases repeat; the index is shifted so the
            // coordinates do not.
            let mut i = index + (d / PRIMES.len()) as u32 * 7919;
            let (mut value, mut scale) = (0.0, 1.0);
            while i > 0 {
                scale /= f64::from(base);
                value += f64::from(i % base) * scale;
                i /= base;
            }
            value
        })
        .collect()
}

/// Where each search starts: the problem's start, then the Halton sequence's
/// points in the bounds.
pub fn starts(problem: &Problem<'_>, restarts: u32) -> Vec<Vec<f64>> {
    let mut starts = vec![problem.start.clone()];
    for index in 1..restarts.max(1) {
        let unit = halton(index, problem.bounds.len());
        starts.push(problem.bounds.iter().zip(unit).map(|(b, u)| b.low + u * (b.high - b.low)).collect());
    }
    starts
}

/// One search of the restarts.
#[derive(Debug, Clone, PartialEq)]
pub struct Restart {
    /// Where it started.
    pub start: Vec<f64>,
    /// The best distance it found.
    pub distance: f64,
    /// Evaluations it used.
    pub evaluations: u32,
    /// Whether it stopped on its budget rather than converging.
    pub budget_spent: bool,
}

/// Fits the problem: a Nelder–Mead search from each of [`starts`], the best of
/// them kept. `progress(evaluations, best distance)` is called after each
/// evaluation of the searches, then once per evaluation of the standard errors.
pub fn fit(
    problem: &Problem<'_>,
    options: Options,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(u32, f64),
) -> Result<Calibration, FitError> {
    assert!(
        problem.correlation.len() == problem.targets.len()
            && problem.correlation.iter().all(|row| row.len() == problem.targets.len()),
        "one correlation row and column per target"
    );
    if problem.trials < MIN_TRIALS {
        return Err(FitError::TooFewTrials { trials: problem.trials });
    }
    let starts = starts(problem, options.restarts);
    let state = RefCell::new(SearchState {
        trace: Vec::new(),
        searched: 0,
        best: None,
        best_here: f64::INFINITY,
        stopped: None,
        progress,
    });
    let mut restarts = Vec::with_capacity(starts.len());
    for (index, start) in starts.iter().enumerate() {
        {
            let mut state = state.borrow_mut();
            state.searched = 0;
            state.best_here = f64::INFINITY;
            state.stopped = None;
        }
        let objective = Objective { problem, options, stop, start, restart: index as u32, state: &state };
        let outcome = search(problem, start, objective);
        let mut state = state.borrow_mut();
        let budget_spent = match (outcome, state.stopped.take()) {
            (_, Some(Err(error))) => return Err(error),
            (_, Some(Ok(()))) => true,
            (Ok(_), None) => false,
            (Err(error), None) => return Err(FitError::Optimiser(error)),
        };
        restarts.push(Restart {
            start: start.clone(),
            distance: state.best_here,
            evaluations: state.searched,
            budget_spent,
        });
    }
    let state = state.into_inner();
    let progress = state.progress;
    let (distance, values, simulated, winner) = state.best.expect("every search evaluates its first simplex");
    let searched = state.trace.len() as u32;
    let mut curvature = 0;
    let jacobian = jacobian(problem, options, stop, &values, &mut || {
        curvature += 1;
        progress(searched + curvature, distance);
    })?;
    let config = problem.config(&values)?;
    Ok(summarise(
        problem,
        values,
        distance,
        &simulated,
        &jacobian,
        state.trace,
        restarts,
        winner,
        curvature,
        config,
    ))
}

/// One Nelder–Mead search from `start`; the objective records what it evaluates.
fn search(problem: &Problem<'_>, start: &[f64], objective: Objective<'_, '_, '_>) -> Result<(), String> {
    let free: Vec<f64> = problem.bounds.iter().zip(start).map(|(b, &v)| to_free(b, v)).collect();
    // The first simplex: the start and one step along each parameter, towards the
    // wider side of its bounds.
    let mut simplex = vec![free.clone()];
    for (index, bound) in problem.bounds.iter().enumerate() {
        let width = bound.high - bound.low;
        let value = start[index];
        let step = if bound.high - value >= value - bound.low { SIMPLEX * width } else { -SIMPLEX * width };
        let mut vertex = free.clone();
        vertex[index] = to_free(bound, value + step);
        simplex.push(vertex);
    }
    let solver = NelderMead::new(simplex).with_sd_tolerance(1e-4).map_err(|error| error.to_string())?;
    Executor::new(objective, solver)
        // The budget counts evaluations, which the objective enforces; an iteration
        // takes one or more.
        .configure(|state| state.max_iters(u64::MAX))
        .timer(false)
        .run()
        .map(|_| ())
        .map_err(|error| error.to_string())
}

/// The moments' derivatives by each parameter at `values` (one row per target),
/// by central differences, one-sided at a bound.
fn jacobian(
    problem: &Problem<'_>,
    options: Options,
    stop: &AtomicBool,
    values: &[f64],
    progress: &mut dyn FnMut(),
) -> Result<Vec<Vec<f64>>, FitError> {
    let mut points = Vec::new();
    let mut steps = Vec::new();
    for (index, bound) in problem.bounds.iter().enumerate() {
        let h = STEP * (bound.high - bound.low);
        let up = (values[index] + h).min(bound.high);
        let down = (values[index] - h).max(bound.low);
        for value in [up, down] {
            let mut point = values.to_vec();
            point[index] = value;
            points.push(problem.config(&point)?);
        }
        steps.push(up - down);
    }
    let runs = evaluate(points, problem.targets, options.threads, stop, progress)?;
    Ok((0..problem.targets.len())
        .map(|target| {
            (0..problem.bounds.len())
                .map(|index| {
                    let up = runs[2 * index].summaries[target].mean;
                    let down = runs[2 * index + 1].summaries[target].mean;
                    (up - down) / steps[index]
                })
                .collect()
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
fn summarise(
    problem: &Problem<'_>,
    values: Vec<f64>,
    distance: f64,
    simulated: &Simulated,
    jacobian: &[Vec<f64>],
    trace: Vec<Evaluation>,
    restarts: Vec<Restart>,
    winner: u32,
    curvature_evaluations: u32,
    config: Config,
) -> Calibration {
    let budget_spent = restarts[winner as usize].budget_spent;
    let mut warnings = Vec::new();
    let fitted: Vec<Fitted> = problem
        .targets
        .iter()
        .zip(&simulated.summaries)
        .map(|(target, simulated)| {
            let simulated = simulated.clone();
            let precision = target.precision.scale_at(simulated.mean);
            let residual = (simulated.mean - target.value) / precision;
            let data_error = match target.trials_worth {
                Some(worth) if worth > 0.0 && simulated.n > 1 && simulated.std_dev.is_finite() => {
                    precision.max(simulated.std_dev / worth.sqrt())
                }
                _ => precision,
            };
            Fitted {
                simulated,
                precision,
                data_error,
                residual,
                contribution: target.weight * residual * residual,
            }
        })
        .collect();
    for (target, fit) in problem.targets.iter().zip(&fitted) {
        if fit.residual.abs() > UNREACHED {
            warnings.push(format!(
                "the model does not reach {} = {}: it gives {:.4} at the fit, {:.1} of the target's {} away",
                target.moment.name(),
                target.value,
                fit.simulated.mean,
                fit.residual.abs(),
                match target.precision {
                    Precision::Tolerance(_) => "tolerances",
                    _ => "standard errors",
                }
            ));
        }
    }
    let p = problem.bounds.len();
    let k = problem.targets.len();
    // W = weight / precision².
    let w: Vec<f64> =
        problem.targets.iter().zip(&fitted).map(|(t, f)| t.weight / f.precision.powi(2)).collect();
    let (sigma, repaired) = residual_covariance(problem, simulated, &fitted);
    if repaired < -covariance::ROUNDING {
        warnings.push(format!(
            "the moments' estimated covariance was not positive semi-definite (smallest eigenvalue of its \
             correlation {repaired:.3}, from correlations estimated over different trials or replicates); its \
             negative eigenvalues were set to 0, keeping every variance"
        ));
    }
    let diagonal: Vec<Vec<f64>> =
        (0..k).map(|r| (0..k).map(|c| if r == c { sigma[r][r] } else { 0.0 }).collect()).collect();
    let mut a = vec![vec![0.0; p]; p];
    for i in 0..p {
        for j in 0..p {
            for r in 0..k {
                a[i][j] += jacobian[r][i] * w[r] * jacobian[r][j];
            }
        }
    }
    // B = G'W Σ W G, for the full Σ and for its diagonal.
    let meat = |sigma: &[Vec<f64>]| {
        let mut b = vec![vec![0.0; p]; p];
        for i in 0..p {
            for j in 0..p {
                for r in 0..k {
                    for c in 0..k {
                        b[i][j] += jacobian[r][i] * w[r] * sigma[r][c] * w[c] * jacobian[c][j];
                    }
                }
            }
        }
        b
    };
    let (b, b_independent) = (meat(&sigma), meat(&diagonal));
    let inverse = invert(&a);
    let mut estimates = Vec::with_capacity(p);
    for (index, bound) in problem.bounds.iter().enumerate() {
        let width = bound.high - bound.low;
        let reach = a[index][index].sqrt() * width;
        let mut unidentified = (reach < IDENTIFIED).then(|| {
            format!(
                "{} is not identified by these targets: across its whole range [{}, {}] it moves them by {reach:.2} \
                 of their precisions",
                bound.field, bound.low, bound.high
            )
        });
        let (standard_error, standard_error_independent) = match (&inverse, &unidentified) {
            (Some(inverse), None) => {
                let full = sandwich(inverse, &b, index);
                if full < 0.0 {
                    warnings.push(format!(
                        "the sandwich variance of {} came out negative ({full:.3e}) from rounding; its standard \
                         error is reported as 0",
                        bound.field
                    ));
                }
                (full.max(0.0).sqrt(), sandwich(inverse, &b_independent, index).max(0.0).sqrt())
            }
            (None, None) => {
                unidentified = Some(format!(
                    "{} is not identified separately from the other fitted fields: the targets move only a \
                     combination of them",
                    bound.field
                ));
                (f64::NAN, f64::NAN)
            }
            _ => (f64::NAN, f64::NAN),
        };
        if let Some(message) = &unidentified {
            warnings.push(message.clone());
        }
        let at_bound = (values[index] - bound.low).min(bound.high - values[index]) < 1e-3 * width;
        if at_bound {
            warnings.push(format!(
                "{} ended at a bound of [{}, {}] ({}): the best fit may lie beyond it",
                bound.field, bound.low, bound.high, values[index]
            ));
        }
        estimates.push(Estimate {
            start: restarts[winner as usize].start[index],
            value: values[index],
            standard_error,
            standard_error_independent,
            unidentified,
            at_bound,
        });
    }
    let overidentification = inverse.as_ref().and_then(|inverse| {
        overidentification(
            jacobian,
            &w,
            inverse,
            &sigma,
            &fitted,
            estimates.iter().all(|e| e.unidentified.is_none()),
        )
    });
    if let Some(test) = &overidentification
        && test.p_value < REJECTED
    {
        warnings.push(format!(
            "the targets reject the model at the fit: {} (p = {:.2e}); the fitted fields cannot match them all \
             at once within their errors",
            test.describe(),
            test.p_value
        ));
    }
    if budget_spent {
        warnings.push(format!(
            "the search that found the fit stopped after its budget of {} evaluations without converging; raise \
             --max-evaluations",
            restarts[winner as usize].evaluations
        ));
    }
    // The J test's chi-squared reference holds at an interior minimum, where the
    // weighted residuals are orthogonal to the moments' slopes.
    let bounded: Vec<&str> = problem
        .bounds
        .iter()
        .zip(&estimates)
        .filter(|(_, e)| e.at_bound)
        .map(|(b, _)| b.field.as_str())
        .collect();
    if overidentification.is_some() && (budget_spent || !bounded.is_empty()) {
        let why = if budget_spent {
            "the search did not converge".to_owned()
        } else {
            format!("{} is at its bound", bounded.join(", "))
        };
        warnings.push(format!(
            "the overidentification test assumes an interior, converged fit, and {why}: its p-value is only \
             indicative"
        ));
    }
    Calibration {
        estimates,
        fitted,
        distance,
        trace,
        restarts,
        winner,
        budget_spent,
        curvature_evaluations,
        overidentification,
        warnings,
        config,
    }
}

/// The J test ([`Overidentification`]) from the Jacobian `g` (targets × fields),
/// the weights `w`, `(G'WG)⁻¹`, the residuals' covariance `sigma` and the fitted
/// targets; `None` when no degree of freedom is left or a field is unidentified.
fn overidentification(
    g: &[Vec<f64>],
    w: &[f64],
    inverse: &[Vec<f64>],
    sigma: &[Vec<f64>],
    fitted: &[Fitted],
    identified: bool,
) -> Option<Overidentification> {
    let (k, p) = (g.len(), inverse.len());
    if !identified || k <= p {
        return None;
    }
    // P = I − G (G'WG)⁻¹ G'W.
    let projection: Vec<Vec<f64>> = (0..k)
        .map(|r| {
            (0..k)
                .map(|c| {
                    let fitted_part: f64 =
                        (0..p).map(|i| (0..p).map(|j| g[r][i] * inverse[i][j] * g[c][j]).sum::<f64>()).sum();
                    f64::from(u8::from(r == c)) - fitted_part * w[c]
                })
                .collect()
        })
        .collect();
    // V in the residuals' standardised units: D⁻¹ P Σ P' D⁻¹.
    let ps: Vec<Vec<f64>> = (0..k)
        .map(|r| (0..k).map(|c| (0..k).map(|m| projection[r][m] * sigma[m][c]).sum()).collect())
        .collect();
    let v: Vec<Vec<f64>> = (0..k)
        .map(|r| {
            (0..k)
                .map(|c| {
                    let value: f64 = (0..k).map(|m| ps[r][m] * projection[c][m]).sum();
                    value / (fitted[r].precision * fitted[c].precision)
                })
                .collect()
        })
        .collect();
    let residuals: Vec<f64> = fitted.iter().map(|f| f.residual).collect();
    let (statistic, degrees_of_freedom) = covariance::pseudo_inverse_form(&v, &residuals, k - p);
    (degrees_of_freedom > 0).then(|| Overidentification {
        statistic,
        degrees_of_freedom,
        p_value: crate::stats::chi_squared_survival(statistic, degrees_of_freedom as f64),
    })
}

/// `(A⁻¹ B A⁻¹)_ii`, the sandwich variance of parameter `i`.
fn sandwich(inverse: &[Vec<f64>], b: &[Vec<f64>], i: usize) -> f64 {
    let p = inverse.len();
    let row: Vec<f64> = (0..p).map(|j| (0..p).map(|m| inverse[i][m] * b[m][j]).sum::<f64>()).collect();
    (0..p).map(|j| row[j] * inverse[j][i]).sum()
}

/// `Σ = S_data + S_sim` at the fit (the module's documentation), made positive
/// semi-definite, and the smallest eigenvalue of its correlation before that.
fn residual_covariance(
    problem: &Problem<'_>,
    simulated: &Simulated,
    fitted: &[Fitted],
) -> (Vec<Vec<f64>>, f64) {
    let data_errors: Vec<f64> = fitted.iter().map(|f| f.data_error).collect();
    let data = covariance::scaled(problem.correlation, &data_errors);
    let errors: Vec<f64> = fitted
        .iter()
        .map(|f| if f.simulated.n > 1 { f.simulated.std_dev / (f.simulated.n as f64).sqrt() } else { 0.0 })
        .collect();
    let across_trials = covariance::correlation(&simulated.trials, problem.targets.len());
    let simulation = covariance::scaled(&across_trials, &errors);
    let sum: Vec<Vec<f64>> =
        data.iter().zip(&simulation).map(|(d, s)| d.iter().zip(s).map(|(d, s)| d + s).collect()).collect();
    let repaired = covariance::positive_semidefinite(&sum);
    (repaired.matrix, repaired.smallest)
}

/// The inverse of a small symmetric matrix by Gauss–Jordan elimination with partial
/// pivoting; `None` when it is singular (a pivot below 1e-12 of the largest
/// diagonal entry).
fn invert(matrix: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = matrix.len();
    let scale = (0..n).map(|i| matrix[i][i].abs()).fold(0.0, f64::max);
    if scale == 0.0 || !scale.is_finite() {
        return None;
    }
    let mut m: Vec<Vec<f64>> = matrix
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut row = row.clone();
            row.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            row
        })
        .collect();
    for column in 0..n {
        let pivot = (column..n).max_by(|&x, &y| m[x][column].abs().total_cmp(&m[y][column].abs()))?;
        if m[pivot][column].abs() < 1e-12 * scale {
            return None;
        }
        m.swap(column, pivot);
        let divisor = m[column][column];
        for value in &mut m[column] {
            *value /= divisor;
        }
        for row in 0..n {
            if row != column {
                let factor = m[row][column];
                let pivot_row = m[column].clone();
                for (value, p) in m[row].iter_mut().zip(&pivot_row) {
                    *value -= factor * p;
                }
            }
        }
    }
    Some(m.into_iter().map(|row| row[n..].to_vec()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One trial shows no simulation noise: the fit refuses it before evaluating.
    #[test]
    fn a_fit_of_one_trial_per_evaluation_is_refused() {
        let problem = Problem {
            text: crate::config::MINIMAL,
            path: Path::new("minimal.toml"),
            set: &[],
            trials: 1,
            seed: 1,
            targets: &[],
            correlation: &[],
            bounds: &[],
            start: Vec::new(),
        };
        let options = Options { threads: Some(1), max_evaluations: 4, restarts: 1 };
        let error = fit(&problem, options, &AtomicBool::new(false), &mut |_, _| ()).unwrap_err();
        assert!(matches!(error, FitError::TooFewTrials { trials: 1 }), "{error}");
    }

    #[test]
    fn the_logistic_map_stays_inside_its_bounds_and_inverts() {
        let bound = Bound { field: "x".into(), low: 0.02, high: 0.5 };
        for value in [0.02, 0.1, 0.26, 0.49] {
            let back = to_value(&bound, to_free(&bound, value));
            assert!((back - value).abs() < 1e-6, "{value} came back as {back}");
        }
        for u in [-800.0, -5.0, 0.0, 5.0, 800.0] {
            let value = to_value(&bound, u);
            assert!((bound.low..=bound.high).contains(&value), "{u} mapped to {value}");
        }
    }

    #[test]
    fn inverting_a_known_matrix_and_refusing_a_singular_one() {
        let inverse = invert(&[vec![4.0, 2.0], vec![2.0, 3.0]]).unwrap();
        // 1/8 · [[3, −2], [−2, 4]]
        let expected = [[0.375, -0.25], [-0.25, 0.5]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((inverse[i][j] - expected[i][j]).abs() < 1e-12);
            }
        }
        assert!(invert(&[vec![1.0, 2.0], vec![2.0, 4.0]]).is_none());
        assert!(invert(&[vec![0.0]]).is_none());
    }
}
