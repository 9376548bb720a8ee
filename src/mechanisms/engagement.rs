//! Engagement (MODEL.md mechanism 5): each step it moves a fraction of the way
//! toward a target set by the stressors and lifts, plus noise.
//!
//! `target = e_0 − overhead − credit − manager − misfit − blocked growth`, each term
//! below in engagement points (the manager term is negative, a lift, for a manager
//! above 0.5); `e ← clamp(e + κ_step·(target − e) + noise, 0, 1)`.

use crate::config::Dynamics;
use crate::mechanisms::performance::misfit;

/// What bears on one person's engagement this step, in the model's own units.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Situation {
    /// Share of time on overhead (0 for managers).
    pub overhead: f64,
    /// Recognition, the running ratio of credit received to deserved (1 for managers).
    pub recognition: f64,
    /// Performance percentile within the level, 0–1.
    pub percentile: f64,
    /// The effectiveness of their manager (0.5, neutral, at the top).
    pub manager_effectiveness: f64,
    /// Their own leadership, if they are a manager.
    pub leadership_as_manager: Option<f64>,
    /// Years since their last advancement.
    pub years_since_advancement: f64,
}

/// The stressors (positive) and lifts (negative) of a situation, in engagement
/// points; also what a quit is attributed to.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pressures {
    /// Overhead above the tolerance.
    pub overhead: f64,
    /// Recognition shortfall, weighted up for high performers.
    pub credit: f64,
    /// A manager below 0.5 effectiveness (negative: a lift from a good one).
    pub manager: f64,
    /// Role misfit.
    pub misfit: f64,
    /// Blocked growth.
    pub growth: f64,
}

impl Pressures {
    /// Their sum: how far below `e_0` the target lies.
    #[inline]
    pub fn total(&self) -> f64 {
        self.overhead + self.credit + self.manager + self.misfit + self.growth
    }
}

/// The pressures on a person in `situation`, with the switched-off mechanisms
/// contributing nothing.
#[inline]
pub fn pressures(dynamics: &Dynamics, situation: &Situation) -> Pressures {
    let mut pressures = Pressures::default();
    if let Some(overhead) = &dynamics.overhead {
        pressures.overhead = overhead.engagement_weight * (situation.overhead - overhead.tolerance).max(0.0);
    }
    if let Some(credit) = &dynamics.credit {
        pressures.credit =
            credit.engagement_weight * (1.0 - situation.recognition).max(0.0) * (1.0 + situation.percentile);
    }
    if let Some(manager) = &dynamics.manager {
        pressures.manager = manager.engagement_weight * (0.5 - situation.manager_effectiveness);
    }
    if let (Some(fit), Some(leadership)) = (&dynamics.misfit, situation.leadership_as_manager) {
        pressures.misfit = fit.engagement_weight * misfit(leadership, fit.threshold);
    }
    if let Some(growth) = &dynamics.growth {
        pressures.growth = growth.engagement_weight
            * blocked_growth(situation.years_since_advancement, growth.patience)
            * situation.percentile;
    }
    pressures
}

/// How blocked growth feels, 0–1: nothing until `patience` years without an
/// advancement, then rising linearly to fully blocked at twice that.
#[inline]
pub fn blocked_growth(years_since_advancement: f64, patience: f64) -> f64 {
    ((years_since_advancement - patience) / patience).clamp(0.0, 1.0)
}

/// One step of engagement: a fraction `pull` of the way toward `target`, plus
/// `noise`, within [0, 1].
#[inline]
pub fn adjust(engagement: f64, target: f64, pull: f64, noise: f64) -> f64 {
    (engagement + pull * (target - engagement) + noise).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::minimal_dynamics as dynamics;

    #[test]
    fn each_stressor_lowers_the_target_and_switches_off() {
        let d = dynamics();
        let calm = Situation {
            overhead: 0.1,
            recognition: 1.0,
            percentile: 0.9,
            manager_effectiveness: 0.5,
            leadership_as_manager: None,
            years_since_advancement: 1.0,
        };
        assert_eq!(pressures(&d, &calm).total(), 0.0);
        let stressed = Situation {
            overhead: 0.4,
            recognition: 0.7,
            manager_effectiveness: 0.2,
            leadership_as_manager: Some(0.1),
            years_since_advancement: 6.0,
            ..calm
        };
        let p = pressures(&d, &stressed);
        for (name, value) in [
            ("overhead", p.overhead),
            ("credit", p.credit),
            ("manager", p.manager),
            ("misfit", p.misfit),
            ("growth", p.growth),
        ] {
            assert!(value > 0.0, "{name}: {p:?}");
        }
        let mut off = d.clone();
        (off.overhead, off.credit, off.manager, off.misfit, off.growth) = (None, None, None, None, None);
        assert_eq!(pressures(&off, &stressed).total(), 0.0);
    }

    #[test]
    fn engagement_moves_toward_its_target_and_stays_in_range() {
        assert!((adjust(0.8, 0.4, 0.25, 0.0) - 0.7).abs() < 1e-12);
        assert_eq!(adjust(0.99, 1.0, 0.5, 0.2), 1.0);
        assert_eq!(blocked_growth(2.0, 3.0), 0.0);
        assert_eq!(blocked_growth(4.5, 3.0), 0.5);
        assert_eq!(blocked_growth(10.0, 3.0), 1.0);
    }
}
