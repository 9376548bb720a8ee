//! `[dynamics]`: the behavioural mechanisms of docs/model.md §7, one table each.
//!
//! Every table is optional and every field in it too: a table left out runs its
//! mechanism with the documented defaults, and `enabled = false` switches the
//! mechanism off (an ablation). The equations are in the README ("How the model
//! works"); each field below names the symbol it sets there.

use serde::{Deserialize, Serialize};

/// `[dynamics]`: the mechanisms beyond the Peter-principle model.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDynamics {
    /// Output of individual contributors.
    #[serde(default)]
    pub output: RawOutput,
    /// The manager's effect on the team's output and engagement.
    #[serde(default)]
    pub manager: RawManager,
    /// Role misfit of managers with low leadership readiness.
    #[serde(default)]
    pub misfit: RawMisfit,
    /// Overhead work and who carries it.
    #[serde(default)]
    pub overhead: RawOverhead,
    /// Credit for output, and recognition.
    #[serde(default)]
    pub credit: RawCredit,
    /// Engagement and how it moves.
    #[serde(default)]
    pub engagement: RawEngagement,
    /// Grades of individual contributors, and blocked growth.
    #[serde(default)]
    pub growth: RawGrowth,
    /// Voluntary quits.
    #[serde(default)]
    pub quits: RawQuits,
    /// Job-match quality, learned with tenure (Jovanovic 1979).
    #[serde(default)]
    pub match_quality: RawMatchQuality,
    /// Career stage: outside options narrow with age.
    #[serde(default)]
    pub career_stage: RawCareerStage,
    /// Involuntary separations: layoffs and discharges.
    #[serde(default)]
    pub separations: RawSeparations,
}

/// `[dynamics.output]`: an individual contributor's output is
/// `skill · (1 − overhead) · ((1 − w) + w · engagement) · manager multiplier`.
/// Managers produce no craft output. Always on: it is what the others act on.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    /// `w`, how much output depends on engagement: a fully disengaged person
    /// produces `1 − w` of their capacity. Range [0, 1]. Default 0.5 (docs/model.md).
    pub engagement_weight: Option<f64>,
}

/// `[dynamics.manager]`: a manager's effectiveness (0–1) is their competence in the
/// role (leadership readiness under `competence = "readiness"`, else skill / `skill.max`)
/// times their engagement factor relative to its value at baseline engagement, so a
/// manager at baseline engagement is exactly as effective as they are competent. It multiplies each report's output by
/// `1 + β·(effectiveness − 0.5)` and pulls their engagement target by
/// `w_manager·(effectiveness − 0.5)`. Off: multiplier 1, no engagement term.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawManager {
    /// Switch. Default true.
    pub enabled: Option<bool>,
    /// `β`, the output multiplier's slope: from the worst (0) to the best (1)
    /// manager, a report's output changes by β. Range [0, 2]. Default 0.3 (Benson,
    /// Li & Shue 2019: a manager promoted for sales rather than managerial traits
    /// lowers each report's sales by about 7.5%, docs/references.md §2).
    pub output_weight: Option<f64>,
    /// `w_manager`, engagement points per unit of manager effectiveness above or
    /// below 0.5. Range [0, 2]. Default 0.4 (Gallup 2015: managers account for at
    /// least 70% of the variance in engagement across units, docs/references.md §3).
    pub engagement_weight: Option<f64>,
}

/// `[dynamics.misfit]`: a manager whose leadership readiness is below `threshold`
/// suffers role misfit `(threshold − leadership) / threshold` (0–1): it lowers
/// their engagement target and raises their quit hazard (punishing-excellence:
/// "they broke him"). Off: no misfit.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMisfit {
    /// Switch. Default true.
    pub enabled: Option<bool>,
    /// Leadership readiness below which a manager misfits. Range (0, 1]. Default 0.5.
    pub threshold: Option<f64>,
    /// `w_misfit`, engagement points lost at full misfit. Range [0, 2]. Default 0.3.
    pub engagement_weight: Option<f64>,
    /// `θ_misfit`, log quit hazard added at full misfit. Range [0, 10]. Default 0.7
    /// (about twice the hazard: "people leave managers" runs both ways).
    pub hazard_weight: Option<f64>,
}

/// `[dynamics.overhead]`: each step every team carries a load of overhead work, a
/// fraction `load` of the team's time, shared by the arm's `overhead_allocation`;
/// a person's share of their own time is capped at `max_share`. Overhead takes
/// focus time from output, and overhead above `tolerance` lowers engagement.
/// Off: nobody carries overhead.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOverhead {
    /// Switch. Default true.
    pub enabled: Option<bool>,
    /// `H`, the team's overhead as a fraction of its members' time. Range [0, 0.9].
    /// Default 0.077, with `concentration` fitted by `attrition calibrate` (with the
    /// other validation targets, docs/model.md §7.24) so that under
    /// `competence_weighted` the most loaded member of a team spends about 30% of
    /// their time on overhead (the essay's figure) and the 5% of individual
    /// contributors who carry the most carry 20–35% of it (Cross, Rebele & Grant
    /// 2016, docs/references.md §4); tests/validation.rs holds both.
    pub load: Option<f64>,
    /// `γ`, how steeply `competence_weighted` shares grow with capability
    /// (skill × engagement factor): share ∝ capability^γ. Range [0, 20]. Default 9.8
    /// (fitted with `load`, see there).
    pub concentration: Option<f64>,
    /// Most of a person's time overhead can take; load above it is dropped
    /// (nobody works more than full time). Range (0, 1]. Default 0.8.
    pub max_share: Option<f64>,
    /// Overhead share a person tolerates without losing engagement. Range [0, 1].
    /// Default 0.15 (above the default rota's 7.7%: a fair share is no stressor).
    pub tolerance: Option<f64>,
    /// `w_overhead`, engagement points per unit of overhead share above the
    /// tolerance. Range [0, 5]. Default 1.0 (Cross et al. 2016: the most-sought
    /// collaborators had the lowest engagement).
    pub engagement_weight: Option<f64>,
}

/// `[dynamics.credit]`: each step an individual contributor receives
/// `a·output + (1 − a)·(1 − take)·team mean output` of credit, with `a` the arm's
/// `credit_accuracy`; recognition is the exponentially weighted average of credit
/// received over credit deserved (own output), and a shortfall lowers engagement,
/// most for high performers. Off: credit is always exact (recognition 1).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCredit {
    /// Switch. Default true.
    pub enabled: Option<bool>,
    /// `take`, the share of the team's misattributed credit the manager keeps; the
    /// rest is spread evenly over the team (visibility, not output). Range [0, 1].
    /// Default 0.5.
    pub manager_take: Option<f64>,
    /// Mean age of the recognition average, years (its exponential memory).
    /// Range (0, 10]. Default 1.0.
    pub memory: Option<f64>,
    /// `w_credit`, engagement points per unit of recognition shortfall, doubled
    /// for the top performer (`× (1 + performance percentile)`). Range [0, 5].
    /// Default 0.3 (Gallup–Workhuman 2024: well-recognized employees were 45% less
    /// likely to have left two years later, docs/references.md §3).
    pub engagement_weight: Option<f64>,
}

/// `[dynamics.engagement]`: engagement (0–1) moves each step a fraction of the way
/// toward its target `baseline − stressors`, plus noise; an advancement (promotion
/// or grade) lifts it at once. Off: everyone keeps the engagement they were hired
/// with.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawEngagement {
    /// Switch. Default true.
    pub enabled: Option<bool>,
    /// `e_0`, the target with no stressors, and the engagement of new hires (mean).
    /// Range [0, 1]. Default 0.7.
    pub baseline: Option<f64>,
    /// Standard deviation of the engagement of new hires and of the initial
    /// workforce. Range [0, 0.5]. Default 0.1.
    pub spread: Option<f64>,
    /// `κ`, rate of adjustment toward the target, per year: a gap closes by
    /// `1 − exp(−κ·dt)` each step. Range (0, 100]. Default 2 (half-life ~4 months).
    pub adjustment_rate: Option<f64>,
    /// Standard deviation of the noise engagement receives over one year
    /// (uniform, scaled by √dt per step). Range [0, 1]. Default 0.1.
    pub noise: Option<f64>,
    /// One-off engagement gained on a promotion or a grade advancement.
    /// Range [0, 1]. Default 0.1.
    pub advancement_lift: Option<f64>,
}

/// `[dynamics.growth]`: individual contributors advance in grade up to the arm's
/// `ic_ceiling` (not slot-limited): one at least `interval` years since their last
/// advancement and at or above the `percentile` of their level advances with
/// probability `1 − exp(−rate·dt)` per step. Anyone `patience` years past their last
/// advancement feels blocked growth, in proportion to their performance percentile
/// (Trevor, Gerhart & Boudreau 1997: high performers with low salary growth show
/// "extremely high turnover"). Off: no grades and no blocked growth.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrowth {
    /// Switch. Default true.
    pub enabled: Option<bool>,
    /// Fewest years between two grade advancements. Range [0, 50]. Default 2.
    pub interval: Option<f64>,
    /// Rate at which an eligible person advances, per year. Range [0, 100].
    /// Default 0.7.
    pub rate: Option<f64>,
    /// Lowest performance percentile within the level that is eligible.
    /// Range [0, 1]. Default 0.5.
    pub percentile: Option<f64>,
    /// Years since the last advancement after which growth feels blocked; it is
    /// fully blocked at twice this. Range (0, 50]. Default 2 (a typical promotion cycle in technology firms; no published anchor).
    pub patience: Option<f64>,
    /// `w_growth`, engagement points lost by the top performer at fully blocked
    /// growth. Range [0, 2]. Default 0.4 (meta-analytic correlation of career
    /// growth with quitting −.28, docs/references.md §3).
    pub engagement_weight: Option<f64>,
}

/// `[dynamics.quits]`: the voluntary quit hazard, per year, is
/// `λ_0 · exp(θ_e·(e_0 − engagement) + θ_m·max(0, z) + θ_push·max(0, −z) + θ_misfit·misfit)`
/// with `z` the person's performance standardised within their level; a step's quit
/// probability is `1 − exp(−λ·dt)`. Off: nobody quits.
///
/// The design's form has one performance term, the market's pull on strong
/// performers; this adds a push on weak ones, who leave ahead of being managed out
/// (Jackofsky 1984; Trevor et al. 1997): the stressors (lost credit, overhead,
/// blocked growth) all fall on the strong, so without it the bottom of the
/// turnover–performance U is shallow.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuits {
    /// Switch. Default true.
    pub enabled: Option<bool>,
    /// `λ_0`, the hazard of a person at baseline engagement and average performance,
    /// per year. Range [0, 10]. Default 0.116, fitted by `attrition calibrate` with
    /// the other validation targets (docs/model.md §7.24) so that the baseline arm
    /// of `scenarios/tech_org.toml` loses 13.5% a year at its steady state (Mercer
    /// 2023–24: 13.5% US voluntary attrition, docs/references.md §5).
    pub base_rate: Option<f64>,
    /// `θ_e`, log hazard per engagement point below the baseline. Range [0, 50].
    /// Default 4 (one standard deviation of engagement, about 0.12, moves the
    /// hazard by about 60%, in line with job satisfaction's −.19 to −.28
    /// correlation with quitting, docs/references.md §3).
    pub engagement_sensitivity: Option<f64>,
    /// `θ_m`, the market's pull: log hazard per standard deviation of performance
    /// above the level's mean (outside options of strong performers). Range [0, 10].
    /// Default 0.4 (Trevor et al. 1997, Nyberg 2010: the curvilinear relation).
    pub market_pull: Option<f64>,
    /// `θ_push`, log hazard per standard deviation of performance below the level's
    /// mean: weak performers leave before they are pushed. Range [0, 10]. Default
    /// 0.25 (Jackofsky 1984, Academy of Management Review 9(1); Trevor et al. 1997).
    pub push: Option<f64>,
}

/// `[dynamics.match_quality]`: every hire has a latent match quality `q ~ N(0, 1)`
/// with the job, unknown at hire and learned from experience (Jovanovic 1979,
/// "Job matching and the theory of turnover", J. Political Economy 87(5)). With
/// signals of noise variance `τ` per year, the expected posterior mean after `t`
/// years of tenure is `m = q · t / (t + τ)`, and it adds `−θ_q · m` to the log
/// quit hazard: a poor match is revealed within months and leaves early, a good one
/// stays, so the hazard of a cohort falls with tenure by selection. The quality is
/// drawn at hire from the hiring-traits stream and kept on promotion. Off: no term,
/// no draw.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMatchQuality {
    /// Switch. Default true.
    pub enabled: Option<bool>,
    /// `θ_q`, log quit hazard per standard deviation of revealed match quality.
    /// Range [0, 10]. Default 2.2, fitted by `attrition calibrate` to the tenure
    /// targets (BLS 2024: median 3.9 years, 22% at one year or less) with the other
    /// validation targets; weakly identified (docs/model.md §7.24). The hazard
    /// falls across tenure bands as in Griffeth, Hom & Gaertner 2000 (tenure −.20
    /// with quitting); no published anchor for the coefficient itself.
    pub hazard_weight: Option<f64>,
    /// `τ`, the years of tenure after which half of the match quality is known
    /// (the signals' noise variance relative to the prior's). Range (0, 50].
    /// Default 0.1 (no published anchor; early separations in Jovanovic's model and in
    /// turnover data are concentrated in the first year).
    pub learning_time: Option<f64>,
}

/// `[dynamics.career_stage]`: outside options and the appetite for moving narrow
/// with age, multiplying the quit hazard by `exp(−θ_a · (age − a_0))`, age in years.
/// Off: no term.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCareerStage {
    /// Switch. Default true.
    pub enabled: Option<bool>,
    /// `θ_a`, log quit hazard lost per year of age. Range [0, 1]. Default 0.03
    /// (a 45-year-old quits at 0.55 times a 25-year-old's hazard, other things equal;
    /// order of magnitude from Ng & Feldman 2009, age and voluntary turnover −.14;
    /// no published anchor for the coefficient itself).
    pub age_weight: Option<f64>,
    /// `a_0`, the age at which the term is 1 (multiplier 1). Range [0, 100]. Default
    /// 25 (the youngest band of the calibration targets).
    pub pivot_age: Option<f64>,
}

/// `[dynamics.separations]`: involuntary separations, the layoffs and discharges
/// JOLTS counts. Each step every holder is separated with probability
/// `1 − exp(−ρ · dt)`, where the yearly rate `ρ = ρ_0 · exp(θ_s · max(0, −z))` rises
/// for those measured below their level's mean (`z`, as in the quit hazard): weak
/// performers are managed out. Each separation is replaced by a hire, like a quit,
/// counts among the dismissals, and never as voluntary attrition. Off: nobody is
/// separated, and nothing is drawn.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeparations {
    /// Switch. Default true.
    pub enabled: Option<bool>,
    /// `ρ_0`, the yearly rate of a person at or above their level's mean
    /// performance. Range [0, 5]. Default 0.068, fitted by `attrition calibrate` to
    /// the validation targets (docs/model.md §7.24); weakly identified. For
    /// comparison, JOLTS 2023–24 counts layoffs and discharges of 1.0–1.2% of US
    /// nonfarm employment a month, about 12–14% a year.
    pub rate: Option<f64>,
    /// `θ_s`, log separation rate per standard deviation of performance below the
    /// level's mean. Range [0, 10]. Default 0.5 (one sd below the mean: 1.65 times
    /// the rate; the direction from the concentration of discharges among low
    /// performers, no published anchor for the value).
    pub performance_weight: Option<f64>,
}
