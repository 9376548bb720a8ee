//! The designs: which points an analysis evaluates, in the order the estimators
//! read them. Values are in the parameters' own units; the random parts are drawn
//! from the `SensitivityDesign` stream of the master seed.

use super::{DesignPoint, Parameter};
use crate::rng::{Stream, TrialRng, stream_rng, uniform_index, uniform01};

/// Levels of the Morris grid: each parameter takes one of this many equally spaced
/// values of its range (4, as Morris 1991 and SALib suggest).
pub const MORRIS_LEVELS: usize = 4;

/// The Morris step in units of a range: `levels / (2 (levels − 1))`, so each
/// level has a partner one step away and every level is equally likely.
pub fn morris_delta() -> f64 {
    MORRIS_LEVELS as f64 / (2.0 * (MORRIS_LEVELS as f64 - 1.0))
}

fn scale(parameter: &Parameter, unit: f64) -> f64 {
    parameter.low + unit * (parameter.high - parameter.low)
}

/// One at a time: the scenario's own values (point 0), then for each parameter in
/// turn its low end and its high end with every other parameter left alone.
pub fn one_at_a_time(parameters: &[Parameter]) -> Vec<DesignPoint> {
    let k = parameters.len();
    let mut points = vec![vec![None; k]];
    for (i, parameter) in parameters.iter().enumerate() {
        for end in [parameter.low, parameter.high] {
            let mut point = vec![None; k];
            point[i] = Some(end);
            points.push(point);
        }
    }
    points
}

/// Morris trajectories: the points (each trajectory's `k + 1` points in a row) and,
/// per trajectory, which parameter each step moved and in which direction.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectories {
    /// Every trajectory's points, one trajectory after another.
    pub points: Vec<DesignPoint>,
    /// Per trajectory, per step: the parameter moved and the signed step in units
    /// of its range (`±delta`).
    pub steps: Vec<Vec<(usize, f64)>>,
}

/// `count` Morris trajectories (Morris 1991): a random start on the grid, then each
/// parameter in a random order moved once by `±delta` of its range.
pub fn morris(parameters: &[Parameter], count: usize, seed: u64) -> Trajectories {
    let k = parameters.len();
    let delta = morris_delta();
    let mut rng = stream_rng(seed, Stream::SensitivityDesign);
    let mut points = Vec::with_capacity(count * (k + 1));
    let mut steps = Vec::with_capacity(count);
    // The lower half of the levels: from each, one step up stays inside the range.
    let lower = MORRIS_LEVELS / 2;
    for _ in 0..count {
        let mut unit: Vec<f64> = Vec::with_capacity(k);
        let mut direction: Vec<f64> = Vec::with_capacity(k);
        for _ in 0..k {
            let level = uniform_index(&mut rng, lower) as f64 / (MORRIS_LEVELS as f64 - 1.0);
            let up = uniform01(&mut rng) < 0.5;
            // Going down starts from the upper partner, so the pair is the same.
            unit.push(if up { level } else { level + delta });
            direction.push(if up { delta } else { -delta });
        }
        let order = permutation(&mut rng, k);
        let at = |unit: &[f64]| -> DesignPoint {
            parameters.iter().zip(unit).map(|(p, &u)| Some(scale(p, u))).collect()
        };
        points.push(at(&unit));
        let mut moves = Vec::with_capacity(k);
        for &i in &order {
            unit[i] += direction[i];
            points.push(at(&unit));
            moves.push((i, direction[i]));
        }
        steps.push(moves);
    }
    Trajectories { points, steps }
}

/// A uniformly random permutation of `0..n` (Fisher–Yates).
fn permutation(rng: &mut TrialRng, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, uniform_index(rng, i + 1));
    }
    order
}

/// The Saltelli design (Saltelli 2002; Saltelli et al. 2010): two independent
/// `n × k` samples A and B of the box, then for each parameter `i` the matrix
/// `AB_i`, A with its column `i` taken from B. Points in that order: A's rows, B's
/// rows, `AB_1`'s rows, ..., `AB_k`'s rows (`n (k + 2)` points).
pub fn saltelli(parameters: &[Parameter], n: usize, seed: u64) -> Vec<DesignPoint> {
    let k = parameters.len();
    let mut rng = stream_rng(seed, Stream::SensitivityDesign);
    let sample = |rng: &mut TrialRng| -> Vec<Vec<f64>> {
        (0..n).map(|_| parameters.iter().map(|p| scale(p, uniform01(rng))).collect()).collect()
    };
    let a = sample(&mut rng);
    let b = sample(&mut rng);
    let mut points: Vec<DesignPoint> = Vec::with_capacity(n * (k + 2));
    let full = |row: &Vec<f64>| -> DesignPoint { row.iter().copied().map(Some).collect() };
    points.extend(a.iter().map(full));
    points.extend(b.iter().map(full));
    for i in 0..k {
        for (row_a, row_b) in a.iter().zip(&b) {
            let mut row = row_a.clone();
            row[i] = row_b[i];
            points.push(full(&row));
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parameters() -> Vec<Parameter> {
        vec![
            Parameter { field: "a".into(), low: 0.0, high: 1.0 },
            Parameter { field: "b".into(), low: -2.0, high: 2.0 },
            Parameter { field: "c".into(), low: 10.0, high: 11.0 },
        ]
    }

    #[test]
    fn one_at_a_time_moves_one_parameter_to_each_end() {
        let points = one_at_a_time(&parameters());
        assert_eq!(points.len(), 7);
        assert!(points[0].iter().all(Option::is_none));
        assert_eq!(points[3], vec![None, Some(-2.0), None]);
        assert_eq!(points[4], vec![None, Some(2.0), None]);
    }

    #[test]
    fn a_morris_step_moves_one_parameter_by_delta_within_its_range() {
        let parameters = parameters();
        let design = morris(&parameters, 9, 3);
        assert_eq!(design, morris(&parameters, 9, 3));
        assert_ne!(design, morris(&parameters, 9, 4));
        assert_eq!(design.points.len(), 9 * 4);
        for (t, moves) in design.steps.iter().enumerate() {
            let mut moved: Vec<usize> = moves.iter().map(|&(i, _)| i).collect();
            moved.sort_unstable();
            assert_eq!(moved, vec![0, 1, 2], "each parameter moves once");
            for (s, &(i, step)) in moves.iter().enumerate() {
                let (before, after) = (&design.points[t * 4 + s], &design.points[t * 4 + s + 1]);
                let width = parameters[i].high - parameters[i].low;
                let change = (after[i].unwrap() - before[i].unwrap()) / width;
                assert!((change - step).abs() < 1e-12 && (step.abs() - morris_delta()).abs() < 1e-12);
                for j in (0..3).filter(|&j| j != i) {
                    assert_eq!(before[j], after[j]);
                }
            }
            for point in &design.points[t * 4..t * 4 + 4] {
                for (value, p) in point.iter().zip(&parameters) {
                    let value = value.unwrap();
                    assert!(value >= p.low - 1e-12 && value <= p.high + 1e-12, "{value} outside {p:?}");
                }
            }
        }
    }

    #[test]
    fn the_saltelli_matrices_share_all_but_one_column_with_a() {
        let parameters = parameters();
        let n = 16;
        let points = saltelli(&parameters, n, 1);
        assert_eq!(points.len(), n * 5);
        for i in 0..3 {
            for j in 0..n {
                let (a, b, ab) = (&points[j], &points[n + j], &points[(2 + i) * n + j]);
                for c in 0..3 {
                    assert_eq!(ab[c], if c == i { b[c] } else { a[c] });
                }
            }
        }
    }
}
