//! What is observed: per step (the time series) and per trial (the summary).
//!
//! Each metric declares its name, unit and meaning (which the CSV writers and the
//! README use) and the bound and resolution its accumulators need
//! (see [`crate::stats`]).

use crate::config::Config;

/// Factor between a metric's largest attainable magnitude and the bound its
/// accumulators are built for: the bounds are attained exactly in extreme scenarios
/// (everyone leaves every step), and a rate computed in floating point can land a
/// rounding error above them. It costs one bit of the fixed point's 40.
const HEADROOM: f64 = 2.0;

/// A quantity observed at every step of a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepMetric {
    /// Filled positions at the end of the step.
    Headcount,
    /// Open positions at the end of the step.
    Vacancies,
    /// External hires during the step.
    Hires,
    /// Promotions during the step (one per person moved up a level).
    Promotions,
    /// Retirements during the step.
    Retirements,
    /// Dismissals during the step.
    Dismissals,
    /// Pluchino et al.'s global efficiency at the end of the step.
    Efficiency,
    /// Share of the initial workforce's top quintile (by skill) still employed: the
    /// retention curve of the best people. Every trial observes everyone to the end,
    /// so nothing is censored and the Kaplan–Meier estimate is this share.
    TopQuintileRetained,
}

/// Number of step metrics; the length of a [`StepRow`].
pub const STEP_METRICS: usize = 8;

/// One step's observations, indexed by `StepMetric as usize`.
pub type StepRow = [f64; STEP_METRICS];

impl StepMetric {
    /// Every step metric, in column order.
    pub const ALL: [StepMetric; STEP_METRICS] = [
        Self::Headcount,
        Self::Vacancies,
        Self::Hires,
        Self::Promotions,
        Self::Retirements,
        Self::Dismissals,
        Self::Efficiency,
        Self::TopQuintileRetained,
    ];

    /// The name used in CSV files.
    pub fn name(self) -> &'static str {
        match self {
            Self::Headcount => "headcount",
            Self::Vacancies => "vacancies",
            Self::Hires => "hires",
            Self::Promotions => "promotions",
            Self::Retirements => "retirements",
            Self::Dismissals => "dismissals",
            Self::Efficiency => "efficiency",
            Self::TopQuintileRetained => "top_quintile_retained",
        }
    }

    /// The unit, for charts and the README.
    pub fn unit(self) -> &'static str {
        match self {
            Self::Headcount | Self::Vacancies => "positions",
            Self::Hires | Self::Promotions | Self::Retirements | Self::Dismissals => "people per step",
            Self::Efficiency => "% of maximum",
            Self::TopQuintileRetained => "share",
        }
    }

    /// Largest magnitude the metric can take, and the resolution of its quantiles.
    pub fn accuracy(self, config: &Config) -> (f64, f64) {
        let positions = config.positions() as f64;
        let (bound, resolution) = match self {
            Self::Headcount | Self::Vacancies => (positions, 1.0),
            // A person can be promoted once per level in one step's cascade.
            Self::Promotions => (positions * config.levels.len() as f64, 1.0),
            Self::Hires | Self::Retirements | Self::Dismissals => (positions, 1.0),
            Self::Efficiency => (100.0, 0.01),
            Self::TopQuintileRetained => (1.0, 1e-4),
        };
        (HEADROOM * bound, resolution)
    }
}

/// A figure that summarises a whole trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialMetric {
    /// Global efficiency at the last step, %.
    FinalEfficiency,
    /// Final efficiency minus the efficiency of the initial workforce, E(T) − E(0),
    /// in percentage points: the gain Pluchino et al. report.
    EfficiencyGain,
    /// Mean global efficiency over steps 1..=T, %.
    MeanEfficiency,
    /// Promotions per year per position.
    PromotionRate,
    /// External hires per year per position.
    HireRate,
    /// Retirements per year per position.
    RetirementRate,
    /// Dismissals per year per position.
    DismissalRate,
}

/// Number of trial metrics; the length of a [`TrialRow`].
pub const TRIAL_METRICS: usize = 7;

/// One trial's summary, indexed by `TrialMetric as usize`.
pub type TrialRow = [f64; TRIAL_METRICS];

impl TrialMetric {
    /// Every trial metric, in column order.
    pub const ALL: [TrialMetric; TRIAL_METRICS] = [
        Self::FinalEfficiency,
        Self::EfficiencyGain,
        Self::MeanEfficiency,
        Self::PromotionRate,
        Self::HireRate,
        Self::RetirementRate,
        Self::DismissalRate,
    ];

    /// The name used in CSV files.
    pub fn name(self) -> &'static str {
        match self {
            Self::FinalEfficiency => "final_efficiency",
            Self::EfficiencyGain => "efficiency_gain",
            Self::MeanEfficiency => "mean_efficiency",
            Self::PromotionRate => "promotion_rate",
            Self::HireRate => "hire_rate",
            Self::RetirementRate => "retirement_rate",
            Self::DismissalRate => "dismissal_rate",
        }
    }

    /// The metric called `name` in CSV files.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|metric| metric.name() == name)
    }

    /// The unit, for tables and the README.
    pub fn unit(self) -> &'static str {
        match self {
            Self::FinalEfficiency | Self::MeanEfficiency => "%",
            Self::EfficiencyGain => "percentage points",
            _ => "per position per year",
        }
    }

    /// Largest magnitude the metric can take, and the resolution of its quantiles.
    pub fn accuracy(self, config: &Config) -> (f64, f64) {
        let (bound, resolution) = match self {
            Self::FinalEfficiency | Self::MeanEfficiency | Self::EfficiencyGain => (100.0, 0.01),
            // Rates are a few hundredths per year: 1e-6 keeps four significant digits.
            Self::PromotionRate => (f64::from(config.steps_per_year) * config.levels.len() as f64, 1e-6),
            Self::HireRate | Self::RetirementRate | Self::DismissalRate => {
                (f64::from(config.steps_per_year), 1e-6)
            }
        };
        (HEADROOM * bound, resolution)
    }
}

impl serde::Serialize for TrialMetric {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// Summarises a trial from its time series (`series[0]` is the initial state).
pub fn summarise_trial(config: &Config, series: &[StepRow]) -> TrialRow {
    let initial = &series[0];
    let last = series.last().expect("a series has its initial row");
    let steps = &series[1..];
    let per_position_year = 1.0 / (config.positions() as f64 * config.years());
    let total = |metric: StepMetric| steps.iter().map(|row| row[metric as usize]).sum::<f64>();
    let efficiency = StepMetric::Efficiency as usize;
    let mut row = [0.0; TRIAL_METRICS];
    row[TrialMetric::FinalEfficiency as usize] = last[efficiency];
    row[TrialMetric::EfficiencyGain as usize] = last[efficiency] - initial[efficiency];
    row[TrialMetric::MeanEfficiency as usize] = total(StepMetric::Efficiency) / steps.len() as f64;
    row[TrialMetric::PromotionRate as usize] = total(StepMetric::Promotions) * per_position_year;
    row[TrialMetric::HireRate as usize] = total(StepMetric::Hires) * per_position_year;
    row[TrialMetric::RetirementRate as usize] = total(StepMetric::Retirements) * per_position_year;
    row[TrialMetric::DismissalRate as usize] = total(StepMetric::Dismissals) * per_position_year;
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_lists_match_their_indices() {
        for (index, metric) in StepMetric::ALL.iter().enumerate() {
            assert_eq!(*metric as usize, index);
        }
        for (index, metric) in TrialMetric::ALL.iter().enumerate() {
            assert_eq!(*metric as usize, index);
        }
    }
}
