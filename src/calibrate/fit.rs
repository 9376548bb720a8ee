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
//! precisions and `Σ` the targets' squared precisions plus the simulated means'
//! squared standard errors.

use std::cell::RefCell;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use argmin::core::{CostFunction, Executor};
use argmin::solver::neldermead::NelderMead;

use super::targets::{Bound, Moment, Target};
use crate::config::{self, Config, Override, ScenarioError};
use crate::experiment::{self, ExperimentError, Point};
use crate::runner::RunSummary;
use crate::stats::Summary;

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
    /// The fitted fields and their bounds.
    pub bounds: &'a [Bound],
    /// Where the search starts, one value per bound, inside it.
    pub start: Vec<f64>,
}

/// How to run the fit.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Worker threads; `None` lets rayon decide.
    pub threads: Option<usize>,
    /// Most evaluations of the distance the search may use (the standard errors'
    /// `2 × parameters` more come after).
    pub max_evaluations: u32,
}

/// One evaluation of the distance.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
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
    /// Approximate standard error; NaN when not identified.
    pub standard_error: f64,
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
    /// Every evaluation of the search, in order.
    pub trace: Vec<Evaluation>,
    /// Whether the search stopped on its budget rather than converging.
    pub budget_spent: bool,
    /// Evaluations run for the standard errors.
    pub curvature_evaluations: u32,
    /// What is worth saying about the fit: unreached targets, unidentified
    /// parameters, estimates at a bound.
    pub warnings: Vec<String>,
    /// The configuration at the fit (the baseline arm only).
    pub config: Config,
}

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

/// Runs every point with the same trial seeds (common random numbers), through
/// the experiment layer; `progress` is called as each point finishes.
fn evaluate(
    configs: Vec<Config>,
    threads: Option<usize>,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(),
) -> Result<Vec<RunSummary>, ExperimentError> {
    let trials = configs.first().map_or(1, |config| u64::from(config.trials)).max(1);
    let points: Vec<Point> =
        configs.into_iter().map(|config| Point { assignment: Vec::new(), config }).collect();
    let options = experiment::Options { threads, ..experiment::Options::default() };
    let mut finished = 0;
    let results = experiment::evaluate(
        &points,
        &options,
        stop,
        |_, _| Ok(()),
        |done, _| {
            while finished < done / trials {
                finished += 1;
                progress();
            }
        },
    )?;
    Ok(results.into_iter().map(|result| result.summary).collect())
}

/// The simulated moment of a run (of the baseline arm alone).
fn moment(summary: &RunSummary, moment: Moment) -> &Summary {
    match moment {
        Moment::Trial(metric) => &summary.arms[0][metric as usize],
    }
}

/// The weighted squared distance of a run from the targets.
fn distance(targets: &[Target], summary: &RunSummary) -> f64 {
    targets
        .iter()
        .map(|t| {
            let residual = (moment(summary, t.moment).mean - t.value) / t.precision.scale();
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
    state: &'s RefCell<SearchState<'a>>,
}

struct SearchState<'a> {
    trace: Vec<Evaluation>,
    best: Option<(f64, Vec<f64>, RunSummary)>,
    /// Why the search was cut short: the budget (`None` inside), or an error.
    stopped: Option<Result<(), FitError>>,
    progress: &'a mut dyn FnMut(u32, f64),
}

impl CostFunction for Objective<'_, '_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, free: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let mut state = self.state.borrow_mut();
        if state.trace.len() >= self.options.max_evaluations as usize {
            state.stopped = Some(Ok(()));
            return Err(argmin::core::Error::msg("the evaluation budget is spent"));
        }
        // The start itself is evaluated at its own value, not at the map's round trip
        // of it (a last-digit change that would show in evaluations.csv).
        let values: Vec<f64> = (0..free.len())
            .map(|i| {
                let bound = &self.problem.bounds[i];
                if free[i] == to_free(bound, self.problem.start[i]) {
                    self.problem.start[i]
                } else {
                    to_value(bound, free[i])
                }
            })
            .collect();
        let outcome = self
            .problem
            .config(&values)
            .and_then(|config| Ok(evaluate(vec![config], self.options.threads, self.stop, &mut || {})?));
        let summary = match outcome {
            Ok(mut summaries) => summaries.remove(0),
            Err(error) => {
                state.stopped = Some(Err(error));
                return Err(argmin::core::Error::msg("a point failed"));
            }
        };
        let distance = distance(self.problem.targets, &summary);
        state.trace.push(Evaluation { values: values.clone(), distance });
        // The first of equal distances is kept, so the result is the search's own.
        if state.best.as_ref().is_none_or(|(best, _, _)| distance < *best) {
            state.best = Some((distance, values, summary));
        }
        let done = state.trace.len() as u32;
        let best = state.best.as_ref().map_or(f64::NAN, |b| b.0);
        (state.progress)(done, best);
        Ok(distance)
    }
}

/// Fits the problem. `progress(evaluations, best distance)` is called after each
/// evaluation of the search, then once per evaluation of the standard errors.
pub fn fit(
    problem: &Problem<'_>,
    options: Options,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(u32, f64),
) -> Result<Calibration, FitError> {
    let start: Vec<f64> = problem.bounds.iter().zip(&problem.start).map(|(b, &v)| to_free(b, v)).collect();
    // The first simplex: the start and one step along each parameter, towards the
    // wider side of its bounds.
    let mut simplex = vec![start.clone()];
    for (index, bound) in problem.bounds.iter().enumerate() {
        let width = bound.high - bound.low;
        let value = problem.start[index];
        let step = if bound.high - value >= value - bound.low { SIMPLEX * width } else { -SIMPLEX * width };
        let mut vertex = start.clone();
        vertex[index] = to_free(bound, value + step);
        simplex.push(vertex);
    }
    let state = RefCell::new(SearchState { trace: Vec::new(), best: None, stopped: None, progress });
    let objective = Objective { problem, options, stop, state: &state };
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(1e-4)
        .map_err(|error| FitError::Optimiser(error.to_string()))?;
    let outcome = Executor::new(objective, solver)
        // The budget counts evaluations, which the objective enforces; an iteration
        // takes one or more.
        .configure(|state| state.max_iters(u64::MAX))
        .timer(false)
        .run()
        .map(|_| ())
        .map_err(|error| error.to_string());
    let state = state.into_inner();
    let budget_spent = match (outcome, state.stopped) {
        (_, Some(Err(error))) => return Err(error),
        (_, Some(Ok(()))) => true,
        (Ok(_), None) => false,
        (Err(error), None) => return Err(FitError::Optimiser(error)),
    };
    let progress = state.progress;
    let (distance, values, summary) = state.best.expect("the search evaluates its first simplex");
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
        &summary,
        &jacobian,
        state.trace,
        budget_spent,
        curvature,
        config,
    ))
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
    let runs = evaluate(points, options.threads, stop, progress)?;
    Ok(problem
        .targets
        .iter()
        .map(|target| {
            (0..problem.bounds.len())
                .map(|index| {
                    let up = moment(&runs[2 * index], target.moment).mean;
                    let down = moment(&runs[2 * index + 1], target.moment).mean;
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
    summary: &RunSummary,
    jacobian: &[Vec<f64>],
    trace: Vec<Evaluation>,
    budget_spent: bool,
    curvature_evaluations: u32,
    config: Config,
) -> Calibration {
    let mut warnings = Vec::new();
    let fitted: Vec<Fitted> = problem
        .targets
        .iter()
        .map(|target| {
            let simulated = moment(summary, target.moment).clone();
            let residual = (simulated.mean - target.value) / target.precision.scale();
            Fitted { simulated, residual, contribution: target.weight * residual * residual }
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
                    super::targets::Precision::StandardError(_) => "standard errors",
                    super::targets::Precision::Tolerance(_) => "tolerances",
                }
            ));
        }
    }
    let p = problem.bounds.len();
    let k = problem.targets.len();
    // W = weight / precision², Σ = precision² + the simulated mean's variance.
    let w: Vec<f64> = problem.targets.iter().map(|t| t.weight / t.precision.scale().powi(2)).collect();
    let sigma: Vec<f64> = problem
        .targets
        .iter()
        .zip(&fitted)
        .map(|(t, f)| {
            let simulated =
                if f.simulated.n > 1 { f.simulated.std_dev.powi(2) / f.simulated.n as f64 } else { 0.0 };
            t.precision.scale().powi(2) + simulated
        })
        .collect();
    let mut a = vec![vec![0.0; p]; p];
    let mut b = vec![vec![0.0; p]; p];
    for i in 0..p {
        for j in 0..p {
            for r in 0..k {
                a[i][j] += jacobian[r][i] * w[r] * jacobian[r][j];
                b[i][j] += jacobian[r][i] * w[r] * sigma[r] * w[r] * jacobian[r][j];
            }
        }
    }
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
        let standard_error = match (&inverse, &unidentified) {
            (Some(inverse), None) => {
                // (A⁻¹ B A⁻¹)_ii
                let row: Vec<f64> =
                    (0..p).map(|j| (0..p).map(|m| inverse[index][m] * b[m][j]).sum::<f64>()).collect();
                (0..p).map(|j| row[j] * inverse[j][index]).sum::<f64>().sqrt()
            }
            (None, None) => {
                unidentified = Some(format!(
                    "{} is not identified separately from the other fitted fields: the targets move only a \
                     combination of them",
                    bound.field
                ));
                f64::NAN
            }
            _ => f64::NAN,
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
            start: problem.start[index],
            value: values[index],
            standard_error,
            unidentified,
            at_bound,
        });
    }
    if budget_spent {
        warnings.push(format!(
            "the search stopped after its budget of {} evaluations without converging; raise --max-evaluations",
            trace.len()
        ));
    }
    Calibration { estimates, fitted, distance, trace, budget_spent, curvature_evaluations, warnings, config }
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
