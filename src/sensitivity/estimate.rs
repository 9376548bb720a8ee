//! The estimators: one-at-a-time effects with paired t-intervals, Morris's
//! elementary-effect statistics, and Sobol indices, the last two with percentile
//! bootstrap intervals drawn from the `Bootstrap` stream of the master seed.
//!
//! Every sum runs in a fixed order (point order, then replicate order), so the
//! estimates are the same bits for any thread count.

use super::design::Trajectories;
use super::{Index, IndexKind};
use crate::rng::{Stream, TrialRng, stream_rng, uniform_index};
use crate::stats::half_width_95;

/// Each point's output: the mean of its replicates.
pub fn means(replicates: &[Vec<f64>]) -> Vec<f64> {
    replicates.iter().map(|values| mean(values)).collect()
}

fn mean(values: &[f64]) -> f64 {
    if values.is_empty() { f64::NAN } else { values.iter().sum::<f64>() / values.len() as f64 }
}

/// Sample standard deviation (divisor n − 1); NaN for fewer than two values, whose
/// spread nothing tells.
fn std_dev(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return f64::NAN;
    }
    let m = mean(values);
    (values.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (values.len() - 1) as f64).sqrt()
}

/// The mean of paired differences with its 95 % t-interval: undefined (NaN) from a
/// single replicate, of zero width from identical ones (a deterministic model).
fn paired(here: &[f64], there: &[f64]) -> (f64, f64, f64) {
    let differences: Vec<f64> = here.iter().zip(there).map(|(a, b)| a - b).collect();
    let m = mean(&differences);
    let half = half_width_95(differences.len() as u64, std_dev(&differences));
    (m, m - half, m + half)
}

/// One-at-a-time effects from the design of [`super::design::one_at_a_time`]: for
/// each parameter, the output at its low end and at its high end minus the output
/// at the scenario's values, paired replicate by replicate.
pub fn one_at_a_time(parameters: usize, replicates: &[Vec<f64>]) -> Vec<Index> {
    let base = &replicates[0];
    let mut indices = Vec::with_capacity(2 * parameters);
    for parameter in 0..parameters {
        for (offset, kind) in [(1, IndexKind::Low), (2, IndexKind::High)] {
            let (estimate, ci_low, ci_high) = paired(&replicates[2 * parameter + offset], base);
            indices.push(Index { parameter, kind, estimate, ci_low, ci_high });
        }
    }
    indices
}

/// The 2.5 % and 97.5 % points of bootstrap estimates (linear between order
/// statistics) over `samples` resampled units; both the estimate where there are
/// none; NaN from fewer than two units (a bootstrap of one tells nothing of the
/// spread) or where the estimate is NaN.
fn percentile_interval(mut values: Vec<f64>, estimate: f64, samples: usize) -> (f64, f64) {
    if samples < 2 || estimate.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if values.is_empty() {
        return (estimate, estimate);
    }
    values.sort_by(f64::total_cmp);
    let at = |p: f64| {
        let position = p * (values.len() - 1) as f64;
        let below = position.floor() as usize;
        let above = (below + 1).min(values.len() - 1);
        let weight = position - below as f64;
        values[below] + weight * (values[above] - values[below])
    };
    (at(0.025), at(0.975))
}

/// `n` indices into `0..n`, drawn with replacement.
fn resample(rng: &mut TrialRng, n: usize) -> Vec<usize> {
    (0..n).map(|_| uniform_index(rng, n)).collect()
}

/// Morris statistics of the elementary effects per parameter, over the given
/// trajectories: (μ*, μ, σ).
fn morris_statistics(effects: &[Vec<f64>], chosen: &[usize], parameter: usize) -> [f64; 3] {
    let values: Vec<f64> = chosen.iter().map(|&t| effects[t][parameter]).collect();
    let absolute: Vec<f64> = values.iter().map(|x| x.abs()).collect();
    [mean(&absolute), mean(&values), std_dev(&values)]
}

/// Morris's elementary effects (Morris 1991): for each trajectory and parameter,
/// the change of the output over the step that moved the parameter, divided by the
/// step in units of its range; then μ* (Campolongo et al. 2007), μ and σ per
/// parameter, with bootstrap intervals over trajectories.
pub fn morris(design: &Trajectories, outputs: &[f64], resamples: usize, seed: u64) -> Vec<Index> {
    let k = design.steps.first().map_or(0, Vec::len);
    let effects: Vec<Vec<f64>> = design
        .steps
        .iter()
        .enumerate()
        .map(|(t, moves)| {
            let mut effect = vec![0.0; k];
            for (s, &(parameter, step)) in moves.iter().enumerate() {
                let first = t * (k + 1) + s;
                effect[parameter] = (outputs[first + 1] - outputs[first]) / step;
            }
            effect
        })
        .collect();
    let all: Vec<usize> = (0..effects.len()).collect();
    let mut rng = stream_rng(seed, Stream::Bootstrap);
    let mut boot: Vec<Vec<[f64; 3]>> = vec![Vec::with_capacity(resamples); k];
    for _ in 0..resamples {
        let chosen = resample(&mut rng, effects.len());
        for (parameter, estimates) in boot.iter_mut().enumerate() {
            estimates.push(morris_statistics(&effects, &chosen, parameter));
        }
    }
    let mut indices = Vec::with_capacity(3 * k);
    for (parameter, estimates) in boot.iter().enumerate() {
        let point = morris_statistics(&effects, &all, parameter);
        for (slot, kind) in [IndexKind::MuStar, IndexKind::Mu, IndexKind::Sigma].into_iter().enumerate() {
            let values = estimates.iter().map(|e| e[slot]).collect();
            let (ci_low, ci_high) = percentile_interval(values, point[slot], effects.len());
            indices.push(Index { parameter, kind, estimate: point[slot], ci_low, ci_high });
        }
    }
    indices
}

/// First- and total-order indices of every parameter from the rows `chosen` of the
/// Saltelli design's outputs.
fn sobol_indices(k: usize, n: usize, outputs: &[f64], chosen: &[usize]) -> Vec<[f64; 2]> {
    let a = |j: usize| outputs[j];
    let b = |j: usize| outputs[n + j];
    let ab = |i: usize, j: usize| outputs[(2 + i) * n + j];
    let m = chosen.len() as f64;
    // The output's variance over A and B together (as SALib's estimator takes it).
    let total_mean = chosen.iter().map(|&j| a(j) + b(j)).sum::<f64>() / (2.0 * m);
    let variance =
        chosen.iter().map(|&j| (a(j) - total_mean).powi(2) + (b(j) - total_mean).powi(2)).sum::<f64>()
            / (2.0 * m);
    (0..k)
        .map(|i| {
            if variance == 0.0 {
                // An output that does not vary owes nothing to any parameter.
                return [0.0, 0.0];
            }
            // Saltelli et al. 2010, table 2 (b): V_i = E[f(B) (f(AB_i) − f(A))].
            let first = chosen.iter().map(|&j| b(j) * (ab(i, j) - a(j))).sum::<f64>() / m;
            // Jansen 1999: VT_i = E[(f(A) − f(AB_i))²] / 2.
            let total = chosen.iter().map(|&j| (a(j) - ab(i, j)).powi(2)).sum::<f64>() / (2.0 * m);
            [first / variance, total / variance]
        })
        .collect()
}

/// Sobol first-order (Saltelli et al. 2010) and total-order (Jansen 1999) indices
/// from the outputs of [`super::design::saltelli`]'s `n (k + 2)` points, with
/// bootstrap intervals over the rows of the base matrices.
pub fn sobol(k: usize, n: usize, outputs: &[f64], resamples: usize, seed: u64) -> Vec<Index> {
    let all: Vec<usize> = (0..n).collect();
    let point = sobol_indices(k, n, outputs, &all);
    let mut rng = stream_rng(seed, Stream::Bootstrap);
    let boot: Vec<Vec<[f64; 2]>> =
        (0..resamples).map(|_| sobol_indices(k, n, outputs, &resample(&mut rng, n))).collect();
    let mut indices = Vec::with_capacity(2 * k);
    for (parameter, estimates) in point.iter().enumerate() {
        for (slot, kind) in [IndexKind::FirstOrder, IndexKind::TotalOrder].into_iter().enumerate() {
            let values = boot.iter().map(|b| b[parameter][slot]).collect();
            let (ci_low, ci_high) = percentile_interval(values, estimates[slot], n);
            indices.push(Index { parameter, kind, estimate: estimates[slot], ci_low, ci_high });
        }
    }
    indices
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_at_a_time_effects_are_paired_differences_to_the_base() {
        // Replicate noise shared by every point cancels in the paired difference.
        let base = vec![1.0, 2.0, 3.0];
        let replicates = vec![base.clone(), vec![0.5, 1.5, 2.5], vec![2.0, 3.1, 3.9]];
        let indices = one_at_a_time(1, &replicates);
        assert_eq!(indices[0].kind, IndexKind::Low);
        assert_eq!((indices[0].estimate, indices[0].ci_low, indices[0].ci_high), (-0.5, -0.5, -0.5));
        assert!((indices[1].estimate - 1.0).abs() < 1e-12);
        assert!(indices[1].ci_low < 1.0 && indices[1].ci_high > 1.0);
    }

    #[test]
    fn percentile_intervals_interpolate_between_order_statistics() {
        let values: Vec<f64> = (0..=40).rev().map(f64::from).collect();
        assert_eq!(percentile_interval(values, 0.0, 40), (1.0, 39.0));
        assert_eq!(percentile_interval(Vec::new(), 3.0, 40), (3.0, 3.0));
    }

    #[test]
    fn a_constant_output_has_zero_sobol_indices() {
        let outputs = vec![4.0; 10 * 4];
        for index in sobol(2, 10, &outputs, 50, 1) {
            assert_eq!((index.estimate, index.ci_low, index.ci_high), (0.0, 0.0, 0.0));
        }
    }

    /// What one sample cannot tell is NaN, not a zero-width interval: one
    /// replicate's paired difference, one trajectory's σ and bootstrap intervals;
    /// identical replicates (a deterministic model) still give an exact zero width.
    #[test]
    fn one_sample_gives_undefined_intervals_not_exact_ones() {
        let indices = one_at_a_time(1, &[vec![1.0], vec![0.5], vec![2.0]]);
        assert_eq!(indices[0].estimate, -0.5);
        assert!(indices[0].ci_low.is_nan() && indices[0].ci_high.is_nan());
        let indices = one_at_a_time(1, &[vec![1.0, 1.0], vec![0.5, 0.5], vec![2.0, 2.0]]);
        assert_eq!((indices[0].ci_low, indices[0].ci_high), (-0.5, -0.5));
        let design = Trajectories { steps: vec![vec![(0, 2.0 / 3.0)]], points: Vec::new() };
        let indices = morris(&design, &[1.0, 3.0], 50, 1);
        assert_eq!(indices[0].estimate, 3.0, "mu* of the one effect, (3 - 1) / (2/3)");
        assert!(indices.iter().all(|i| i.ci_low.is_nan() && i.ci_high.is_nan()), "{indices:?}");
        assert!(indices.iter().find(|i| i.kind == IndexKind::Sigma).unwrap().estimate.is_nan());
    }
}
