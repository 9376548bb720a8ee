//! The Ishigami function (Ishigami and Homma 1990), the standard check of
//! sensitivity estimators: `f(x) = sin x1 + a sin² x2 + b x3⁴ sin x1` on
//! `[−π, π]³`, whose Sobol indices are known in closed form. It runs through the
//! same [`super::analyse`] as a scenario.

use std::convert::Infallible;
use std::f64::consts::PI;

use super::{DesignPoint, Model, Parameter};

/// The Ishigami function with its two constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ishigami {
    /// Weight of `sin² x2` (7 in the usual test).
    pub a: f64,
    /// Weight of `x3⁴ sin x1` (0.1 in the usual test).
    pub b: f64,
}

impl Default for Ishigami {
    fn default() -> Self {
        Self { a: 7.0, b: 0.1 }
    }
}

impl Ishigami {
    /// Its three parameters, `x1`, `x2`, `x3`, each on `[−π, π]`.
    pub fn parameters() -> Vec<Parameter> {
        ["x1", "x2", "x3"].map(|field| Parameter { field: field.into(), low: -PI, high: PI }).to_vec()
    }

    /// The function at one point.
    pub fn at(&self, x: [f64; 3]) -> f64 {
        x[0].sin() + self.a * x[1].sin().powi(2) + self.b * x[2].powi(4) * x[0].sin()
    }

    /// The exact first- and total-order indices of `x1`, `x2`, `x3`.
    pub fn exact_indices(&self) -> ([f64; 3], [f64; 3]) {
        let (a, b) = (self.a, self.b);
        let v1 = 0.5 * (1.0 + b * PI.powi(4) / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let variance = v1 + v2 + v13;
        ([v1 / variance, v2 / variance, 0.0], [(v1 + v13) / variance, v2 / variance, v13 / variance])
    }
}

impl Model for Ishigami {
    type Error = Infallible;

    /// One replicate per point; a parameter left at "the scenario's value" (one at
    /// a time) is at the middle of its range, 0.
    fn evaluate(&mut self, points: &[DesignPoint]) -> Result<Vec<Vec<f64>>, Infallible> {
        Ok(points
            .iter()
            .map(|point| {
                let x = |i: usize| point.get(i).copied().flatten().unwrap_or(0.0);
                vec![self.at([x(0), x(1), x(2)])]
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensitivity::{IndexKind, Method, Settings, analyse};

    fn indices(method: Method, samples: usize) -> Vec<crate::sensitivity::Index> {
        let settings = Settings { method, samples, resamples: 300, seed: 2026 };
        analyse(&mut Ishigami::default(), &Ishigami::parameters(), &settings).unwrap().indices
    }

    #[test]
    fn the_exact_indices_are_the_published_ones() {
        let (first, total) = Ishigami::default().exact_indices();
        let round = |x: [f64; 3]| x.map(|v| (v * 1000.0).round() / 1000.0);
        assert_eq!(round(first), [0.314, 0.442, 0.0]);
        assert_eq!(round(total), [0.558, 0.442, 0.244]);
    }

    /// Saltelli's and Jansen's estimators recover the known indices: each within
    /// its bootstrap interval and within 0.04 of the truth.
    #[test]
    fn sobol_estimates_cover_the_exact_ishigami_indices() {
        let (first, total) = Ishigami::default().exact_indices();
        let estimated = indices(Method::Sobol, 8192);
        assert_eq!(estimated.len(), 6);
        for index in &estimated {
            let exact = match index.kind {
                IndexKind::FirstOrder => first[index.parameter],
                IndexKind::TotalOrder => total[index.parameter],
                other => panic!("unexpected index {other:?}"),
            };
            assert!(
                index.ci_low <= exact && exact <= index.ci_high && (index.estimate - exact).abs() < 0.04,
                "x{} {}: {} [{}, {}], exact {exact}",
                index.parameter + 1,
                index.kind.name(),
                index.estimate,
                index.ci_low,
                index.ci_high
            );
        }
    }

    #[test]
    fn morris_ranks_x1_and_x2_above_x3() {
        let estimated = indices(Method::Morris, 50);
        let mu_star: Vec<f64> =
            estimated.iter().filter(|i| i.kind == IndexKind::MuStar).map(|i| i.estimate).collect();
        assert_eq!(mu_star.len(), 3);
        assert!(mu_star[0] > mu_star[2] && mu_star[1] > mu_star[2], "{mu_star:?}");
    }

    #[test]
    fn one_at_a_time_moves_x1_both_ways_and_x3_not_at_all_from_the_centre() {
        let estimated = indices(Method::Oat, 1);
        // At x = 0, f is sin x1 + 7 sin² x2 + 0.1 x3⁴ sin x1: x1 at ±π gives sin ±π ≈ 0,
        // x2 at ±π gives 7 sin² π ≈ 0, x3 alone does nothing while sin x1 = 0.
        assert!(estimated.iter().all(|i| i.estimate.abs() < 1e-9), "{estimated:?}");
        assert_eq!(estimated.len(), 6);
    }

    #[test]
    fn an_analysis_is_a_function_of_its_seed() {
        let settings = Settings { method: Method::Sobol, samples: 64, resamples: 50, seed: 1 };
        let run = |settings: &Settings| {
            analyse(&mut Ishigami::default(), &Ishigami::parameters(), settings).unwrap()
        };
        assert_eq!(run(&settings), run(&settings));
        assert_ne!(run(&settings), run(&Settings { seed: 2, ..settings }));
    }
}
