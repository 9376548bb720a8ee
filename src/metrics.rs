//! What is observed: per step (the time series) and per trial (the summary).
//!
//! Each metric declares its name, unit and meaning (which the CSV writers and the
//! README use) and the bound and resolution its accumulators need
//! (see [`crate::stats`]).

/// Factor between a metric's largest attainable magnitude and the bound its
/// accumulators are built for: the bounds are attained exactly in extreme scenarios
/// (everyone leaves every step), and a rate computed in floating point can land a
/// rounding error above them. It costs one bit of the fixed point's 40.
const HEADROOM: f64 = 2.0;

/// What the metrics need to know of a scenario: its size and its clock. The
/// configuration builds it (`Config::frame`), so the metrics depend on nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// Positions in the organisation.
    pub positions: u64,
    /// Levels of the hierarchy.
    pub levels: usize,
    /// Steps per year.
    pub steps_per_year: u32,
    /// Steps per trial.
    pub steps: u32,
}

impl Frame {
    /// Length of one step in years.
    pub fn step_years(&self) -> f64 {
        1.0 / f64::from(self.steps_per_year)
    }

    /// Length of a trial in years.
    pub fn years(&self) -> f64 {
        f64::from(self.steps) * self.step_years()
    }
}

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
    /// Dismissals during the step: skill below the threshold, and the involuntary
    /// separations (layoffs and discharges) of `[dynamics.separations]`.
    Dismissals,
    /// Pluchino et al.'s global efficiency at the end of the step.
    Efficiency,
    /// Share of the initial workforce's top quintile (by skill) still employed: the
    /// retention curve of the best people. Every trial observes everyone to the end,
    /// so nothing is censored and the Kaplan–Meier estimate is this share.
    TopQuintileRetained,
    /// Voluntary quits during the step.
    VoluntaryQuits,
    /// Voluntary quits of people in the top fifth of their level by skill.
    RegrettedQuits,
    /// IC grade advancements during the step.
    GradeAdvancements,
    /// Total output of the individual contributors per IC position (vacancies count
    /// 0), 0–10 skill points.
    Productivity,
    /// Mean engagement of everyone employed, 0–1.
    Engagement,
    /// Mean effectiveness of the managers, 0–1.
    ManagerEffectiveness,
    /// Mean overhead share of the top decile of individual contributors by skill
    /// (by performance it would hide the effect: overhead lowers the measured
    /// output of whoever carries it).
    OverheadTopDecile,
    /// Mean overhead share of the other individual contributors.
    OverheadRest,
    /// Mean shortfall of credit received against credit deserved over the
    /// individual contributors, `max(0, 1 − received / deserved)`.
    CreditGap,
    /// Total skill of the people who quit during the step, skill points.
    SkillLost,
    /// Median tenure of everyone employed at the end of the step, years.
    MedianTenure,
    /// Share of everyone employed with one year of tenure or less.
    ShortTenureShare,
    /// Share of the ICs' total overhead carried by the 5% of ICs carrying most.
    OverheadTopFivePercentShare,
    /// Mean over teams of ICs of the largest overhead share of time in the team.
    MostLoadedShare,
}

/// Number of step metrics; the length of a [`StepRow`].
pub const STEP_METRICS: usize = 22;

/// The step metrics of the Peter-principle model (a scenario without `[dynamics]`):
/// the rest are about mechanisms it does not have.
const BASIC_STEP_METRICS: usize = 8;

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
        Self::VoluntaryQuits,
        Self::RegrettedQuits,
        Self::GradeAdvancements,
        Self::Productivity,
        Self::Engagement,
        Self::ManagerEffectiveness,
        Self::OverheadTopDecile,
        Self::OverheadRest,
        Self::CreditGap,
        Self::SkillLost,
        Self::MedianTenure,
        Self::ShortTenureShare,
        Self::OverheadTopFivePercentShare,
        Self::MostLoadedShare,
    ];

    /// The step metrics of a scenario with or without `[dynamics]`.
    pub fn reported(dynamics: bool) -> &'static [StepMetric] {
        if dynamics { &Self::ALL } else { &Self::ALL[..BASIC_STEP_METRICS] }
    }

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
            Self::VoluntaryQuits => "voluntary_quits",
            Self::RegrettedQuits => "regretted_quits",
            Self::GradeAdvancements => "grade_advancements",
            Self::Productivity => "productivity",
            Self::Engagement => "engagement",
            Self::ManagerEffectiveness => "manager_effectiveness",
            Self::OverheadTopDecile => "overhead_top_decile",
            Self::OverheadRest => "overhead_rest",
            Self::CreditGap => "credit_gap",
            Self::SkillLost => "skill_lost",
            Self::MedianTenure => "median_tenure",
            Self::ShortTenureShare => "short_tenure_share",
            Self::OverheadTopFivePercentShare => "overhead_top5_share",
            Self::MostLoadedShare => "most_loaded_share",
        }
    }

    /// The unit, for charts and the README.
    pub fn unit(self) -> &'static str {
        match self {
            Self::Headcount | Self::Vacancies => "positions",
            Self::Hires
            | Self::Promotions
            | Self::Retirements
            | Self::Dismissals
            | Self::VoluntaryQuits
            | Self::RegrettedQuits
            | Self::GradeAdvancements => "people per step",
            Self::Efficiency => "% of maximum",
            Self::TopQuintileRetained => "share",
            Self::Productivity => "skill points per IC position",
            Self::Engagement | Self::ManagerEffectiveness => "0-1",
            Self::OverheadTopDecile | Self::OverheadRest => "share of time",
            Self::CreditGap => "share of credit deserved",
            Self::SkillLost => "skill points per step",
            Self::MedianTenure => "years",
            Self::ShortTenureShare => "share",
            Self::OverheadTopFivePercentShare => "share of overhead",
            Self::MostLoadedShare => "share of time",
        }
    }

    /// Largest magnitude the metric can take, and the resolution of its quantiles.
    pub fn accuracy(self, frame: &Frame) -> (f64, f64) {
        let positions = frame.positions as f64;
        let (bound, resolution) = match self {
            Self::Headcount | Self::Vacancies => (positions, 1.0),
            // A person can be promoted once per level in one step's cascade.
            Self::Promotions => (positions * frame.levels as f64, 1.0),
            Self::Hires | Self::Retirements | Self::Dismissals => (positions, 1.0),
            Self::Efficiency => (100.0, 0.01),
            Self::TopQuintileRetained => (1.0, 1e-4),
            Self::VoluntaryQuits | Self::RegrettedQuits | Self::GradeAdvancements => (positions, 1.0),
            Self::Productivity => (MAX_PERFORMANCE, 1e-4),
            Self::Engagement
            | Self::ManagerEffectiveness
            | Self::OverheadTopDecile
            | Self::OverheadRest
            | Self::CreditGap => (1.0, 1e-4),
            Self::SkillLost => (10.0 * positions, 1e-3),
            // Tenure is bounded by the widest working life a scenario allows.
            Self::MedianTenure => (150.0, 1e-4),
            Self::ShortTenureShare | Self::OverheadTopFivePercentShare | Self::MostLoadedShare => (1.0, 1e-4),
        };
        (HEADROOM * bound, resolution)
    }
}

impl StepMetric {
    /// A name for readers who are not modellers, for chart titles and axes.
    pub fn label(self) -> &'static str {
        match self {
            Self::Headcount => "Filled positions",
            Self::Vacancies => "Open positions",
            Self::Hires => "External hires",
            Self::Promotions => "Promotions",
            Self::Retirements => "Retirements",
            Self::Dismissals => "Dismissals",
            Self::Efficiency => "Global efficiency (Pluchino et al.)",
            Self::TopQuintileRetained => "Initial top fifth still employed",
            Self::VoluntaryQuits => "Voluntary quits",
            Self::RegrettedQuits => "Regretted quits (top fifth of their level)",
            Self::GradeAdvancements => "Grade advancements",
            Self::Productivity => "Productivity",
            Self::Engagement => "Engagement",
            Self::ManagerEffectiveness => "Manager effectiveness",
            Self::OverheadTopDecile => "Overhead on the top tenth",
            Self::OverheadRest => "Overhead on the others",
            Self::CreditGap => "Credit gap",
            Self::SkillLost => "Skill lost to quits",
            Self::MedianTenure => "Median tenure",
            Self::ShortTenureShare => "Share with a year of tenure or less",
            Self::OverheadTopFivePercentShare => "Overhead share of the top 5%",
            Self::MostLoadedShare => "Most loaded team member's overhead",
        }
    }

    /// The unit in a reader's words: a step is named by its length (a month when a
    /// year has 12), not "per step".
    pub fn unit_in_words(self, steps_per_year: u32) -> String {
        let step = match steps_per_year {
            1 => "year".to_owned(),
            2 => "half-year".to_owned(),
            4 => "quarter".to_owned(),
            12 => "month".to_owned(),
            52 => "week".to_owned(),
            365 => "day".to_owned(),
            n => format!("1/{n} year"),
        };
        self.unit().replace("per step", &format!("per {step}"))
    }

    /// The range the metric can take, `(lowest, highest)`, for clipping bands: every
    /// step metric is a count, a level or a share, none below zero; shares and 0–1
    /// scores stay within 1, efficiency within 100%.
    pub fn bounds(self) -> (Option<f64>, Option<f64>) {
        match self {
            Self::Efficiency => (Some(0.0), Some(100.0)),
            Self::TopQuintileRetained
            | Self::Engagement
            | Self::ManagerEffectiveness
            | Self::OverheadTopDecile
            | Self::OverheadRest
            | Self::CreditGap
            | Self::ShortTenureShare
            | Self::OverheadTopFivePercentShare
            | Self::MostLoadedShare => (Some(0.0), Some(1.0)),
            _ => (Some(0.0), None),
        }
    }

    /// The step metric called `name` in `timeseries.csv`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|metric| metric.name() == name)
    }

    /// The time series a behavioural scenario charts by default: what happens to
    /// people, not Pluchino's efficiency, which means little outside the model.
    pub const PEOPLE_FACING: [StepMetric; 5] = [
        Self::TopQuintileRetained,
        Self::RegrettedQuits,
        Self::VoluntaryQuits,
        Self::Engagement,
        Self::Productivity,
    ];
}

/// The most a person's performance can be: skill 10 at full focus and engagement
/// under the best manager with the steepest multiplier (β = 2).
pub const MAX_PERFORMANCE: f64 = 20.0;

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
    /// Dismissals per year per position: the involuntary separation rate.
    DismissalRate,
    /// Voluntary quits per year per position: the annual voluntary attrition rate.
    VoluntaryAttrition,
    /// Quits of the top fifth of their level by skill per year per position.
    RegrettedAttrition,
    /// Share of the initial top quintile (by skill) still employed at the end.
    TopQuintileRetained,
    /// Mean productivity over steps 1..=T, skill points per IC position.
    MeanProductivity,
    /// Productivity summed over the run, skill points × years per IC position.
    CumulativeOutput,
    /// Mean engagement over steps 1..=T.
    MeanEngagement,
    /// Skill that left through voluntary quits, skill points per year per position.
    SkillLost,
    /// Mean manager effectiveness over steps 1..=T.
    MeanManagerEffectiveness,
    /// Mean credit gap over steps 1..=T.
    MeanCreditGap,
    /// Mean overhead share of the top decile of ICs by skill over steps 1..=T.
    MeanOverheadTopDecile,
    /// Mean overhead share of the other ICs over steps 1..=T.
    MeanOverheadRest,
    /// Mean over steps 1..=T of the median tenure, years (BLS 2024: 3.9).
    MedianTenure,
    /// Mean over steps 1..=T of the share with a year of tenure or less (BLS 2024: 22%).
    ShortTenureShare,
    /// Mean over steps 1..=T of the share of overhead the top 5% of ICs carry
    /// (Cross, Rebele & Grant 2016: 20–35%).
    OverheadTopFivePercentShare,
    /// Mean over steps 1..=T of a team's most loaded member's overhead share of time
    /// (the overhead-and-credit essay: about 30%).
    MostLoadedShare,
}

/// Number of trial metrics; the length of a [`TrialRow`].
pub const TRIAL_METRICS: usize = 22;

/// The trial metrics of the Peter-principle model.
const BASIC_TRIAL_METRICS: usize = 7;

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
        Self::VoluntaryAttrition,
        Self::RegrettedAttrition,
        Self::TopQuintileRetained,
        Self::MeanProductivity,
        Self::CumulativeOutput,
        Self::MeanEngagement,
        Self::SkillLost,
        Self::MeanManagerEffectiveness,
        Self::MeanCreditGap,
        Self::MeanOverheadTopDecile,
        Self::MeanOverheadRest,
        Self::MedianTenure,
        Self::ShortTenureShare,
        Self::OverheadTopFivePercentShare,
        Self::MostLoadedShare,
    ];

    /// The trial metrics of a scenario with or without `[dynamics]`.
    pub fn reported(dynamics: bool) -> &'static [TrialMetric] {
        if dynamics { &Self::ALL } else { &Self::ALL[..BASIC_TRIAL_METRICS] }
    }

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
            Self::VoluntaryAttrition => "voluntary_attrition",
            Self::RegrettedAttrition => "regretted_attrition",
            Self::TopQuintileRetained => "top_quintile_retained",
            Self::MeanProductivity => "mean_productivity",
            Self::CumulativeOutput => "cumulative_output",
            Self::MeanEngagement => "mean_engagement",
            Self::SkillLost => "skill_lost",
            Self::MeanManagerEffectiveness => "mean_manager_effectiveness",
            Self::MeanCreditGap => "mean_credit_gap",
            Self::MeanOverheadTopDecile => "mean_overhead_top_decile",
            Self::MeanOverheadRest => "mean_overhead_rest",
            Self::MedianTenure => "median_tenure",
            Self::ShortTenureShare => "short_tenure_share",
            Self::OverheadTopFivePercentShare => "overhead_top5_share",
            Self::MostLoadedShare => "most_loaded_share",
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
            Self::TopQuintileRetained => "share",
            Self::MeanProductivity => "skill points per IC position",
            Self::CumulativeOutput => "skill point-years per IC position",
            Self::MeanEngagement | Self::MeanManagerEffectiveness => "0-1",
            Self::MeanCreditGap => "share of credit deserved",
            Self::MeanOverheadTopDecile | Self::MeanOverheadRest => "share of time",
            Self::SkillLost => "skill points per position per year",
            Self::MedianTenure => "years",
            Self::ShortTenureShare => "share",
            Self::OverheadTopFivePercentShare => "share of overhead",
            Self::MostLoadedShare => "share of time",
            _ => "per position per year",
        }
    }

    /// Largest magnitude the metric can take, and the resolution of its quantiles.
    pub fn accuracy(self, frame: &Frame) -> (f64, f64) {
        let (bound, resolution) = match self {
            Self::FinalEfficiency | Self::MeanEfficiency | Self::EfficiencyGain => (100.0, 0.01),
            // Rates are a few hundredths per year: 1e-6 keeps four significant digits.
            Self::PromotionRate => (f64::from(frame.steps_per_year) * frame.levels as f64, 1e-6),
            Self::HireRate
            | Self::RetirementRate
            | Self::DismissalRate
            | Self::VoluntaryAttrition
            | Self::RegrettedAttrition => (f64::from(frame.steps_per_year), 1e-6),
            Self::TopQuintileRetained
            | Self::MeanEngagement
            | Self::MeanManagerEffectiveness
            | Self::MeanCreditGap
            | Self::MeanOverheadTopDecile
            | Self::MeanOverheadRest => (1.0, 1e-4),
            Self::MeanProductivity => (MAX_PERFORMANCE, 1e-4),
            Self::CumulativeOutput => (MAX_PERFORMANCE * frame.years(), 1e-3),
            Self::SkillLost => (10.0 * f64::from(frame.steps_per_year), 1e-5),
            Self::MedianTenure => (150.0, 1e-4),
            Self::ShortTenureShare | Self::OverheadTopFivePercentShare | Self::MostLoadedShare => (1.0, 1e-4),
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
pub fn summarise_trial(frame: &Frame, series: &[StepRow]) -> TrialRow {
    let initial = &series[0];
    let last = series.last().expect("a series has its initial row");
    let steps = &series[1..];
    let per_position_year = 1.0 / (frame.positions as f64 * frame.years());
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
    row[TrialMetric::VoluntaryAttrition as usize] = total(StepMetric::VoluntaryQuits) * per_position_year;
    row[TrialMetric::RegrettedAttrition as usize] = total(StepMetric::RegrettedQuits) * per_position_year;
    row[TrialMetric::TopQuintileRetained as usize] = last[StepMetric::TopQuintileRetained as usize];
    let productivity = total(StepMetric::Productivity);
    row[TrialMetric::MeanProductivity as usize] = productivity / steps.len() as f64;
    row[TrialMetric::CumulativeOutput as usize] = productivity * frame.step_years();
    row[TrialMetric::MeanEngagement as usize] = total(StepMetric::Engagement) / steps.len() as f64;
    row[TrialMetric::SkillLost as usize] = total(StepMetric::SkillLost) * per_position_year;
    let mean = |metric: StepMetric| total(metric) / steps.len() as f64;
    row[TrialMetric::MeanManagerEffectiveness as usize] = mean(StepMetric::ManagerEffectiveness);
    row[TrialMetric::MeanCreditGap as usize] = mean(StepMetric::CreditGap);
    row[TrialMetric::MeanOverheadTopDecile as usize] = mean(StepMetric::OverheadTopDecile);
    row[TrialMetric::MeanOverheadRest as usize] = mean(StepMetric::OverheadRest);
    row[TrialMetric::MedianTenure as usize] = mean(StepMetric::MedianTenure);
    row[TrialMetric::ShortTenureShare as usize] = mean(StepMetric::ShortTenureShare);
    row[TrialMetric::OverheadTopFivePercentShare as usize] = mean(StepMetric::OverheadTopFivePercentShare);
    row[TrialMetric::MostLoadedShare as usize] = mean(StepMetric::MostLoadedShare);
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

/// Which way a trial metric is good, for the "higher is better" cue of reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// More is better (retention, productivity, engagement).
    HigherIsBetter,
    /// Less is better (attrition, skill lost, overhead carried by the best).
    LowerIsBetter,
    /// Neither is better in itself (how many are promoted or hired, tenure).
    Neutral,
}

impl Direction {
    /// The cue a comparison chart or table carries.
    pub fn cue(self) -> &'static str {
        match self {
            Self::HigherIsBetter => "higher is better",
            Self::LowerIsBetter => "lower is better",
            Self::Neutral => "neither direction is better in itself",
        }
    }
}

impl TrialMetric {
    /// The direction each metric's doc comment above implies: attrition, lost skill,
    /// unrecognised credit and overhead concentrated on the best are bad; retention,
    /// output, engagement and efficiency are good; rates of promotion, hiring,
    /// retirement and dismissal, and tenure, describe rather than judge.
    pub fn direction(self) -> Direction {
        match self {
            Self::FinalEfficiency
            | Self::EfficiencyGain
            | Self::MeanEfficiency
            | Self::TopQuintileRetained
            | Self::MeanProductivity
            | Self::CumulativeOutput
            | Self::MeanEngagement
            | Self::MeanManagerEffectiveness => Direction::HigherIsBetter,
            Self::VoluntaryAttrition
            | Self::RegrettedAttrition
            | Self::SkillLost
            | Self::MeanCreditGap
            | Self::MeanOverheadTopDecile
            | Self::OverheadTopFivePercentShare
            | Self::MostLoadedShare
            | Self::ShortTenureShare => Direction::LowerIsBetter,
            Self::PromotionRate
            | Self::HireRate
            | Self::RetirementRate
            | Self::DismissalRate
            | Self::MeanOverheadRest
            | Self::MedianTenure => Direction::Neutral,
        }
    }

    /// A name for readers who are not modellers, for reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::FinalEfficiency => "Final efficiency",
            Self::EfficiencyGain => "Efficiency gain",
            Self::MeanEfficiency => "Mean efficiency",
            Self::PromotionRate => "Promotions per position per year",
            Self::HireRate => "Hires per position per year",
            Self::RetirementRate => "Retirements per position per year",
            Self::DismissalRate => "Dismissals per position per year",
            Self::VoluntaryAttrition => "Voluntary attrition per year",
            Self::RegrettedAttrition => "Regretted attrition per year",
            Self::TopQuintileRetained => "Initial top fifth still employed",
            Self::MeanProductivity => "Productivity",
            Self::CumulativeOutput => "Cumulative output",
            Self::MeanEngagement => "Engagement",
            Self::SkillLost => "Skill lost to quits per year",
            Self::MeanManagerEffectiveness => "Manager effectiveness",
            Self::MeanCreditGap => "Credit gap",
            Self::MeanOverheadTopDecile => "Overhead on the top tenth",
            Self::MeanOverheadRest => "Overhead on the others",
            Self::MedianTenure => "Median tenure",
            Self::ShortTenureShare => "Share with a year of tenure or less",
            Self::OverheadTopFivePercentShare => "Overhead share of the top 5%",
            Self::MostLoadedShare => "Most loaded team member's overhead",
        }
    }

    /// The range the metric can take, `(lowest, highest)`, for clipping intervals:
    /// rates, counts and tenure cannot go below zero, and shares stay within 0–1.
    /// The efficiency gain is a difference and can take either sign.
    pub fn bounds(self) -> (Option<f64>, Option<f64>) {
        match self {
            Self::EfficiencyGain => (None, None),
            Self::FinalEfficiency | Self::MeanEfficiency => (Some(0.0), Some(100.0)),
            Self::TopQuintileRetained
            | Self::MeanEngagement
            | Self::MeanManagerEffectiveness
            | Self::MeanCreditGap
            | Self::MeanOverheadTopDecile
            | Self::MeanOverheadRest
            | Self::ShortTenureShare
            | Self::OverheadTopFivePercentShare
            | Self::MostLoadedShare => (Some(0.0), Some(1.0)),
            _ => (Some(0.0), None),
        }
    }

    /// The metrics a behavioural scenario's report shows by default: what happens
    /// to people, not Pluchino's efficiency, which means little outside the model.
    pub const PEOPLE_FACING: [TrialMetric; 5] = [
        Self::RegrettedAttrition,
        Self::VoluntaryAttrition,
        Self::TopQuintileRetained,
        Self::MeanEngagement,
        Self::MeanProductivity,
    ];
}

#[cfg(test)]
mod direction_tests {
    use super::*;

    #[test]
    fn a_step_is_named_by_its_length() {
        assert_eq!(StepMetric::VoluntaryQuits.unit_in_words(12), "people per month");
        assert_eq!(StepMetric::Promotions.unit_in_words(1), "people per year");
        assert_eq!(StepMetric::Engagement.unit_in_words(12), "0-1");
        for metric in StepMetric::ALL {
            assert!(!metric.unit_in_words(12).contains("step"), "{}", metric.name());
            assert_eq!(StepMetric::from_name(metric.name()), Some(metric));
        }
    }

    #[test]
    fn every_share_is_bounded_by_one_and_every_rate_by_zero() {
        for metric in TrialMetric::ALL {
            let (low, high) = metric.bounds();
            if metric.unit().starts_with("share") || metric.unit() == "0-1" {
                assert_eq!((low, high), (Some(0.0), Some(1.0)), "{}", metric.name());
            }
            if metric.unit().starts_with("per ") {
                assert_eq!(low, Some(0.0), "{}", metric.name());
            }
        }
    }

    #[test]
    fn attrition_is_bad_and_retention_good() {
        assert_eq!(TrialMetric::RegrettedAttrition.direction(), Direction::LowerIsBetter);
        assert_eq!(TrialMetric::TopQuintileRetained.direction(), Direction::HigherIsBetter);
    }
}
