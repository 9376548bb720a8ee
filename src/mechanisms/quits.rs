//! Voluntary quits (docs/model.md §7.2 and §7.14): a hazard that rises as engagement falls
//! and, for strong performers, with their outside options.
//!
//! `λ = λ_0 · exp(θ_e·(e_0 − engagement) + θ_m·max(0, z) + θ_push·max(0, −z)
//! + θ_misfit·misfit − θ_q·q·t/(t + τ) − θ_a·(age − a_0))` per year, with `z` the
//! person's performance standardised within their level, `q` their match quality
//! revealed over `t` years of tenure (Jovanovic 1979) and the last term their
//! career stage. Each person carries an Exp(1) threshold drawn at hire and quits when the
//! hazard accumulated over their steps first passes it: in distribution the same as
//! quitting with probability `1 − exp(−λ·dt)` each step.

use crate::config::Dynamics;
use crate::mechanisms::engagement::Pressures;

/// Why someone quit: the largest contribution to their log hazard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuitReason {
    /// Overhead above tolerance.
    Overhead,
    /// Credit shortfall.
    Credit,
    /// A poor manager.
    Manager,
    /// Role misfit.
    Misfit,
    /// Blocked growth.
    BlockedGrowth,
    /// Outside options of a strong performer.
    MarketPull,
    /// A weak performer leaving before being managed out.
    Push,
    /// A poor job match, revealed with tenure.
    PoorMatch,
    /// None stands out: the base hazard (life events, relocation, ...).
    Baseline,
}

impl QuitReason {
    /// The name written in the event log.
    pub fn name(self) -> &'static str {
        match self {
            Self::Overhead => "overhead",
            Self::Credit => "credit",
            Self::Manager => "manager",
            Self::Misfit => "misfit",
            Self::BlockedGrowth => "blocked_growth",
            Self::MarketPull => "market_pull",
            Self::Push => "push",
            Self::PoorMatch => "poor_match",
            Self::Baseline => "baseline",
        }
    }
}

/// The coefficients of the hazard's exponent, read once from the scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HazardWeights {
    /// `θ_e`.
    sensitivity: f64,
    /// `e_0`.
    baseline: f64,
    /// `θ_m`.
    market_pull: f64,
    /// `θ_push`.
    push: f64,
    /// `θ_misfit`, 0 with misfit switched off.
    misfit: f64,
    /// `θ_q`, 0 with match quality switched off.
    match_weight: f64,
    /// `τ`, years (1 with match quality off, where it multiplies nothing).
    learning_time: f64,
    /// `θ_a`, 0 with career stage switched off.
    age_weight: f64,
    /// `a_0`, years.
    pivot_age: f64,
}

impl HazardWeights {
    /// The coefficients of `dynamics`, if voluntary quits are on.
    pub fn new(dynamics: &Dynamics) -> Option<Self> {
        let quits = dynamics.quits.as_ref()?;
        Some(Self {
            sensitivity: quits.engagement_sensitivity,
            baseline: dynamics.engagement.baseline,
            market_pull: quits.market_pull,
            push: quits.push,
            misfit: dynamics.misfit.map_or(0.0, |m| m.hazard_weight),
            match_weight: dynamics.match_quality.map_or(0.0, |m| m.hazard_weight),
            learning_time: dynamics.match_quality.map_or(1.0, |m| m.learning_time),
            age_weight: dynamics.career_stage.map_or(0.0, |c| c.age_weight),
            pivot_age: dynamics.career_stage.map_or(0.0, |c| c.pivot_age),
        })
    }

    /// The match quality revealed after `tenure` years: the expected posterior
    /// mean `q · t / (t + τ)` of a standard-normal prior updated by signals of
    /// noise variance `τ` per year.
    #[inline(always)]
    pub fn revealed_match(&self, match_quality: f64, tenure: f64) -> f64 {
        match_quality * (tenure / (tenure + self.learning_time))
    }

    /// The log-hazard terms of tenure and age: `−θ_q · revealed match − θ_a·(age − a_0)`,
    /// both years. Exactly 0 with both mechanisms off.
    #[inline(always)]
    pub fn log_stage(&self, match_quality: f64, tenure: f64, age: f64) -> f64 {
        -(self.match_weight * self.revealed_match(match_quality, tenure))
            - self.age_weight * (age - self.pivot_age)
    }

    /// The poor-match term alone, `−θ_q · revealed match`, for the reason of a quit.
    #[inline]
    pub fn poor_match(&self, match_quality: f64, tenure: f64) -> f64 {
        -(self.match_weight * self.revealed_match(match_quality, tenure))
    }

    /// The exponent of the hazard, with `z` the person's performance standardised
    /// within their level:
    /// `θ_e·(e_0 − engagement) + θ_m·max(0, z) + θ_push·max(0, −z) + θ_misfit·misfit`.
    #[inline(always)]
    pub fn log_excess(&self, engagement: f64, z: f64, misfit: f64) -> f64 {
        self.sensitivity * (self.baseline - engagement)
            + self.market_pull * z.max(0.0)
            + self.push * (-z).max(0.0)
            + self.misfit * misfit
    }
}

/// The dominant reason of a quit: each pressure on engagement weighted by the
/// hazard's sensitivity to engagement, against the market's pull and misfit's own
/// hazard term; `Baseline` when none is positive.
/// `poor_match` is the hazard's poor-match term ([`HazardWeights::poor_match`]),
/// 0 with match quality off.
pub fn dominant_reason(
    dynamics: &Dynamics,
    pressures: &Pressures,
    z: f64,
    misfit: f64,
    poor_match: f64,
) -> QuitReason {
    let Some(quits) = &dynamics.quits else { return QuitReason::Baseline };
    let theta = quits.engagement_sensitivity;
    let misfit_hazard = dynamics.misfit.map_or(0.0, |m| m.hazard_weight) * misfit;
    let candidates = [
        (QuitReason::Overhead, theta * pressures.overhead),
        (QuitReason::Credit, theta * pressures.credit),
        (QuitReason::Manager, theta * pressures.manager),
        (QuitReason::Misfit, theta * pressures.misfit + misfit_hazard),
        (QuitReason::BlockedGrowth, theta * pressures.growth),
        (QuitReason::MarketPull, quits.market_pull * z.max(0.0)),
        (QuitReason::Push, quits.push * (-z).max(0.0)),
        (QuitReason::PoorMatch, poor_match),
    ];
    candidates
        .into_iter()
        .filter(|(_, weight)| *weight > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(QuitReason::Baseline, |(reason, _)| reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::minimal_dynamics as dynamics;

    #[test]
    fn the_hazard_rises_as_engagement_falls_and_for_strong_performers() {
        let d = dynamics();
        let average = 0.0;
        let strong = 2.0;
        let weak = -2.0;
        let e0 = d.engagement.baseline;
        let weights = HazardWeights::new(&d).unwrap();
        assert_eq!(weights.log_excess(e0, average, 0.0), 0.0);
        assert!(weights.log_excess(0.3, average, 0.0) > 0.0);
        assert!(weights.log_excess(e0, strong, 0.0) > 0.0);
        assert!(weights.log_excess(e0, weak, 0.0) > 0.0);
        assert!(weights.log_excess(e0, average, 0.5) > 0.0);
        let mut off = d.clone();
        off.quits = None;
        assert_eq!(HazardWeights::new(&off), None, "no hazard with quits off");
    }

    #[test]
    fn the_reason_is_the_largest_pressure() {
        let d = dynamics();
        let none = Pressures::default();
        let average = 0.0;
        assert_eq!(dominant_reason(&d, &none, average, 0.0, 0.0), QuitReason::Baseline);
        let strong = 1.0;
        assert_eq!(dominant_reason(&d, &none, strong, 0.0, 0.0), QuitReason::MarketPull);
        let weak = -1.5;
        assert_eq!(dominant_reason(&d, &none, weak, 0.0, 0.0), QuitReason::Push);
        let credit = Pressures { credit: 0.2, overhead: 0.05, ..none };
        assert_eq!(dominant_reason(&d, &credit, 0.5, 0.0, 0.0), QuitReason::Credit);
        let misfit = Pressures { misfit: 0.1, ..none };
        assert_eq!(dominant_reason(&d, &misfit, average, 0.4, 0.0), QuitReason::Misfit);
        let weights = HazardWeights::new(&d).unwrap();
        let poor = weights.poor_match(-1.5, 2.0);
        assert_eq!(dominant_reason(&d, &none, 0.3, 0.0, poor), QuitReason::PoorMatch);
    }

    #[test]
    fn a_poor_match_raises_the_hazard_once_revealed_and_age_lowers_it() {
        let d = dynamics();
        let weights = HazardWeights::new(&d).unwrap();
        let pivot = d.career_stage.unwrap().pivot_age;
        assert_eq!(weights.log_stage(-1.0, 0.0, pivot), 0.0, "nothing is known at hire");
        let (early, later) = (weights.log_stage(-1.0, 0.05, pivot), weights.log_stage(-1.0, 3.0, pivot));
        assert!(0.0 < early && early < later, "revealed with tenure: {early} then {later}");
        assert!(weights.log_stage(1.0, 3.0, pivot) < 0.0, "a good match stays");
        assert!(weights.log_stage(0.0, 3.0, pivot + 20.0) < weights.log_stage(0.0, 3.0, pivot));
        let mut off = d.clone();
        off.match_quality = None;
        off.career_stage = None;
        let off = HazardWeights::new(&off).unwrap();
        assert_eq!(off.log_stage(-2.0, 5.0, 60.0), 0.0, "both off: no term");
    }
}
