//! Engagement (docs/model.md §7.13): each step it moves a fraction of the way
//! toward a target set by the stressors and lifts, plus noise.
//!
//! `target = e_0 − overhead − credit − manager − misfit − blocked growth`, each term
//! below in engagement points (the manager term is negative, a lift, for a manager
//! above 0.5); `e ← clamp(e + κ_step·(target − e) + noise, 0, 1)`.

use crate::config::Dynamics;

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
    /// Their role misfit, 0–1 ([`crate::mechanisms::performance::misfit`]): 0 for
    /// individual contributors, and with the mechanism off.
    pub misfit: f64,
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

/// The weights of the pressures, read once from the mechanisms: a switched-off
/// mechanism weighs 0, so its pressure is 0 without a branch per person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PressureWeights {
    overhead: f64,
    tolerance: f64,
    credit: f64,
    manager: f64,
    misfit: f64,
    growth: f64,
    patience: f64,
}

impl PressureWeights {
    /// The weights of `dynamics`' mechanisms.
    pub fn new(dynamics: &Dynamics) -> Self {
        let (overhead, tolerance) =
            dynamics.overhead.map_or((0.0, 0.0), |o| (o.engagement_weight, o.tolerance));
        let (growth, patience) = dynamics.growth.map_or((0.0, 1.0), |g| (g.engagement_weight, g.patience));
        Self {
            overhead,
            tolerance,
            credit: dynamics.credit.map_or(0.0, |c| c.engagement_weight),
            manager: dynamics.manager.map_or(0.0, |m| m.engagement_weight),
            misfit: dynamics.misfit.map_or(0.0, |m| m.engagement_weight),
            growth,
            patience,
        }
    }

    /// The pressures on a person in `situation`.
    #[inline(always)]
    pub fn of(&self, situation: &Situation) -> Pressures {
        Pressures {
            overhead: self.overhead * (situation.overhead - self.tolerance).max(0.0),
            credit: self.credit * (1.0 - situation.recognition).max(0.0) * (1.0 + situation.percentile),
            manager: self.manager * (0.5 - situation.manager_effectiveness),
            misfit: self.misfit * situation.misfit,
            growth: self.growth
                * blocked_growth(situation.years_since_advancement, self.patience)
                * situation.percentile,
        }
    }
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
            misfit: 0.0,
            years_since_advancement: 1.0,
        };
        assert_eq!(PressureWeights::new(&d).of(&calm).total(), 0.0);
        let stressed = Situation {
            overhead: 0.4,
            recognition: 0.7,
            manager_effectiveness: 0.2,
            misfit: 0.8,
            years_since_advancement: 6.0,
            ..calm
        };
        let p = PressureWeights::new(&d).of(&stressed);
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
        assert_eq!(PressureWeights::new(&off).of(&stressed).total(), 0.0);
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
