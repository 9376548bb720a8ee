//! Involuntary separations (docs/model.md §7.24): layoffs and discharges at a yearly
//! rate, raised for people measured below their level's mean, who are managed out.
//!
//! `ρ = ρ_0 · exp(θ_s · max(0, −z))` per year, with `z` the person's performance
//! standardised within their level (as in the quit hazard); a step separates a
//! holder with probability `1 − exp(−ρ · dt)`.

use crate::config::Separations;
use crate::numeric;

/// Why someone was separated: which part of their rate is the larger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeparationReason {
    /// The base rate: a layoff, whoever holds the job.
    Layoff,
    /// The performance term is at least the base rate: managed out.
    Performance,
}

impl SeparationReason {
    /// The name written in the event log.
    pub fn name(self) -> &'static str {
        match self {
            Self::Layoff => "layoff",
            Self::Performance => "performance",
        }
    }
}

/// The per-step constants of the mechanism.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeparationRule {
    /// `ρ_0 · dt`.
    base: f64,
    /// `θ_s`.
    performance_weight: f64,
}

impl SeparationRule {
    /// The rule of `separations` for steps of `step_years`.
    pub fn new(separations: &Separations, step_years: f64) -> Self {
        Self { base: separations.rate * step_years, performance_weight: separations.performance_weight }
    }

    /// The probability of being separated in one step at standing `z`. Without
    /// branches, so a pass over a level vectorises.
    #[inline(always)]
    pub fn probability(&self, z: f64) -> f64 {
        let rate = self.base * numeric::exp(self.performance_weight * (-z).max(0.0));
        1.0 - numeric::exp(-rate)
    }

    /// The reason of a separation at standing `z`: the performance term's share
    /// of the rate, `ρ_0 · (e^{θ_s·max(0, −z)} − 1)`, against the base `ρ_0`.
    pub fn reason(&self, z: f64) -> SeparationReason {
        if self.performance_weight * (-z).max(0.0) >= std::f64::consts::LN_2 {
            SeparationReason::Performance
        } else {
            SeparationReason::Layoff
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(rate: f64, performance_weight: f64) -> SeparationRule {
        SeparationRule::new(&Separations { rate, performance_weight }, 1.0 / 12.0)
    }

    #[test]
    fn a_year_of_steps_separates_the_yearly_rate() {
        let r = rule(0.1, 0.5);
        let survive_year = (1.0 - r.probability(0.0)).powi(12);
        assert!((survive_year - (-0.1f64).exp()).abs() < 1e-6, "{survive_year}");
        // Above the mean the rate is the base rate: only weakness is managed out.
        assert_eq!(r.probability(2.0), r.probability(0.0));
    }

    #[test]
    fn weak_performers_are_managed_out() {
        let r = rule(0.1, 0.5);
        assert!(r.probability(-1.0) > r.probability(0.0));
        let one_below = (1.0 - r.probability(-1.0)).ln() / (1.0 - r.probability(0.0)).ln();
        assert!((one_below - 0.5f64.exp()).abs() < 1e-6, "the rate's ratio one sd below: {one_below}");
        assert_eq!(r.reason(0.5), SeparationReason::Layoff);
        assert_eq!(r.reason(-1.0), SeparationReason::Layoff, "e^0.5 − 1 < 1: the base rate is larger");
        assert_eq!(r.reason(-1.5), SeparationReason::Performance);
        let flat = rule(0.1, 0.0);
        assert_eq!(flat.probability(-3.0), flat.probability(0.0));
        assert_eq!(flat.reason(-3.0), SeparationReason::Layoff);
    }

    #[test]
    fn no_rate_separates_nobody() {
        let r = rule(0.0, 2.0);
        assert_eq!(r.probability(-3.0), 0.0);
    }
}
