//! Output and the manager's effect (docs/model.md §7.9 and §7.7).
//!
//! An individual contributor's output is
//! `skill · (1 − overhead) · engagement factor · manager multiplier`; a manager
//! produces no craft output, but their effectiveness multiplies their team's.

use crate::config::{Competence, Manager};

/// The share of capacity an engagement of `engagement` delivers:
/// `(1 − w) + w · engagement`.
#[inline]
pub fn engagement_factor(weight: f64, engagement: f64) -> f64 {
    1.0 - weight + weight * engagement
}

/// A manager's engagement factor relative to the factor at baseline engagement,
/// `f(e) / f(e_0)`. With `f(e_0) = 0` (output fully engagement-bound, `w = 1`, and a
/// baseline of 0) the ratio takes its limits: 1 for a manager at the baseline (0/0:
/// as effective as competent, the normalisation's point), infinite above it (which
/// [`effectiveness`] bounds to full effectiveness); never NaN.
#[inline]
pub fn relative_factor(factor: f64, baseline_factor: f64) -> f64 {
    let ratio = factor / baseline_factor;
    if ratio.is_nan() { 1.0 } else { ratio }
}

/// A manager's effectiveness, 0–1: their competence in the role times `factor`,
/// their engagement factor relative to that at baseline engagement. Competence in a management role is leadership readiness under
/// the `readiness` hypothesis; under `common_sense` and `peter` it is skill on the
/// 0–1 scale (skill carried over, or redrawn, into the role).
#[inline]
pub fn effectiveness(
    hypothesis: Competence,
    skill: f64,
    skill_max: f64,
    leadership: f64,
    factor: f64,
) -> f64 {
    let competence = match hypothesis {
        Competence::Readiness => leadership,
        Competence::CommonSense { .. } | Competence::Peter => skill / skill_max,
    };
    // No competence is no effectiveness, whatever the factor (0 · ∞ would be NaN).
    if competence > 0.0 { (competence * factor).clamp(0.0, 1.0) } else { 0.0 }
}

/// The multiplier a manager of effectiveness `effectiveness` applies to each
/// report's output: `1 + β · (effectiveness − 0.5)`, or 1 with the mechanism off.
#[inline]
pub fn manager_multiplier(manager: Option<&Manager>, effectiveness: f64) -> f64 {
    manager.map_or(1.0, |m| 1.0 + m.output_weight * (effectiveness - 0.5))
}

/// A manager's role misfit, 0–1: how far their leadership falls short of the
/// threshold, as a share of it (punishing-excellence: "they broke him").
#[inline]
pub fn misfit(leadership: f64, threshold: f64) -> f64 {
    ((threshold - leadership) / threshold).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_match_their_documentation() {
        assert_eq!(engagement_factor(0.5, 1.0), 1.0);
        assert_eq!(engagement_factor(0.5, 0.0), 0.5);
        let readiness = effectiveness(Competence::Readiness, 10.0, 10.0, 0.2, 1.0);
        let carried = effectiveness(Competence::CommonSense { change: 1.0 }, 8.0, 10.0, 0.2, 0.5);
        assert_eq!((readiness, carried), (0.2, 0.4));
        let manager = Manager { output_weight: 0.4, engagement_weight: 0.0 };
        assert!((manager_multiplier(Some(&manager), 1.0) - 1.2).abs() < 1e-12);
        assert_eq!(manager_multiplier(None, 0.0), 1.0);
        assert_eq!((misfit(0.1, 0.5), misfit(0.7, 0.5)), (0.8, 0.0));
    }

    /// With output wholly engagement-bound and a baseline engagement of 0, the
    /// factor at baseline is 0: the relative factor was 0/0 (NaN) for a manager at
    /// the baseline and ∞ above it, and effectiveness NaN (then a panic in
    /// promotion). Now it is the ratio's limit, and effectiveness stays in [0, 1].
    #[test]
    fn effectiveness_relative_to_a_zero_baseline_factor_is_never_nan() {
        let at_zero = engagement_factor(1.0, 0.0);
        assert_eq!(at_zero, 0.0);
        assert_eq!(relative_factor(engagement_factor(1.0, 0.0), at_zero), 1.0);
        assert_eq!(relative_factor(engagement_factor(1.0, 0.3), at_zero), f64::INFINITY);
        assert_eq!(relative_factor(0.6, 0.8), 0.6 / 0.8);
        let readiness = |leadership: f64, factor: f64| {
            effectiveness(Competence::Readiness, 5.0, 10.0, leadership, factor)
        };
        assert_eq!(readiness(0.4, relative_factor(0.0, at_zero)), 0.4);
        assert_eq!(readiness(0.4, relative_factor(0.3, at_zero)), 1.0);
        assert_eq!(readiness(0.0, relative_factor(0.3, at_zero)), 0.0);
        // A tiny positive baseline factor overflows the ratio to ∞ just the same.
        assert_eq!(readiness(0.0, relative_factor(0.5, 1e-320)), 0.0);
    }
}
