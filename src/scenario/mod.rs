//! The scenario file exactly as written: serde types that mirror the TOML.
//!
//! Nothing here is checked beyond its type; [`crate::config`] turns a
//! [`RawScenario`] into a validated [`crate::config::Config`]. Unknown fields are
//! errors everywhere (`deny_unknown_fields`), so a typo never silently falls back to
//! a default. The scenario reference in the README is written from these comments.

mod dynamics;

pub use dynamics::*;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Short name, used for the output directory `output/<name>/`.
    /// Letters, digits, `-` and `_`. Default: the file name without `.toml`.
    pub name: Option<String>,
    /// Free text: the question the scenario asks. Copied into the manifest.
    pub description: Option<String>,
    /// The trial metric the run is ranked by in the terminal table and shown in the
    /// comparison chart: one of the `trials.csv` metric names. Default
    /// `efficiency_gain`.
    pub headline: Option<String>,
    /// Run length, trial count and seed.
    pub simulation: RawSimulation,
    /// The hierarchy, top level (0) first.
    pub levels: Vec<RawLevel>,
    /// Who works here: initial and hiring distributions, and the exit rules.
    pub workforce: RawWorkforce,
    /// The behavioural mechanisms of docs/model.md §7 (output, manager effect, misfit,
    /// overhead, credit, engagement, growth, voluntary quits). Absent: the pure
    /// Peter-principle model of Pluchino et al. (2010), in which people have only a
    /// skill and an age. Present: every mechanism is on unless its table says
    /// `enabled = false`.
    pub dynamics: Option<RawDynamics>,
    /// The levers every arm starts from; an arm overrides any of them.
    #[serde(default)]
    pub policy: RawLevers,
    /// The named combinations of levers to compare, in order, as `[arms.<name>]`
    /// tables. At least one. The baseline (first arm unless `simulation.baseline`
    /// names another) is what every other arm is compared with, trial by trial.
    pub arms: IndexMap<String, RawLevers>,
    /// Optional parameter sweep: field path → the values to run it at, as a list
    /// (`"policy.best_probability" = [0.0, 0.5, 1.0]`), a range string
    /// (`"0:1:0.5"`, from:to:step, end included) or a range table
    /// (`{ from = 0, to = 1, step = 0.5 }`). Several fields make a grid of all
    /// combinations; every point runs every arm with the same trial seeds.
    pub sweep: Option<IndexMap<String, toml::Value>>,
    /// Optional parameters of `attrition sensitivity`: field path → the interval
    /// `[low, high]` it is varied over (`"dynamics.quits.engagement_sensitivity" =
    /// [2.0, 6.0]`, floats, low below high). Ignored by `run`.
    pub sensitivity: Option<IndexMap<String, [f64; 2]>>,
    /// Optional parameter uncertainty: field path → the distribution each trial's
    /// value is drawn from (`"dynamics.overhead.load" = { uniform = [0.05, 0.2] }`,
    /// `{ normal = [mean, sd] }` truncated to mean ± 3 sd, or `{ triangular = [low,
    /// mode, high] }`). `run` draws one parameter set per draw, shared by every arm
    /// of its trials (`simulation.replications` trials each), and reports the
    /// spread across draws. Both ends of every distribution's support are
    /// validated like `--set`, so a distribution that leaves a field's valid range
    /// is refused. Ignored by `sensitivity` and `calibrate`, which vary or fit
    /// parameters themselves.
    pub uncertainty: Option<IndexMap<String, RawDistribution>>,
    /// Optional display labels of metrics for charts, the terminal table and the
    /// report: metric name (a column of `trials.csv` or a metric of
    /// `timeseries.csv`) → label, at most 60 characters
    /// (`[labels] regretted_attrition = "Top people leaving per year"`). Default:
    /// each metric's built-in label.
    pub labels: Option<IndexMap<String, String>>,
    /// Optional list of the charts a run writes: step metric names (a time series
    /// each, e.g. `"top_quintile_retained"`) and `"comparison"` (the headline's
    /// paired comparison). Default: with `[dynamics]`, the people-facing metrics
    /// that move (top fifth retained, regretted and voluntary quits, engagement,
    /// productivity) and the comparison; without, every metric that moves and the
    /// comparison. `[]` writes none.
    pub charts: Option<Vec<String>>,
    /// Optional controls of `attrition serve`'s live page: field path (any field
    /// `--set` takes, including an arm's lever, `'arms."overhead rota".credit_accuracy'`)
    /// → a slider (`{ range = [low, high], step = s, label = "..." }`, floats, low
    /// below high, step above 0 and at most 1,000 steps across) or a menu
    /// (`{ choices = ["best", "random"], label = "..." }`). Both ends of a range and
    /// every choice are validated like `--set`. Presentation only: ignored by `run`.
    pub controls: Option<IndexMap<String, RawControl>>,
}

/// One entry of `[controls]`: a slider (`range` and `step`) or a menu (`choices`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawControl {
    /// `[low, high]` of a slider, in the field's own unit; low below high.
    pub range: Option<[f64; 2]>,
    /// A slider's step, in the field's unit; above 0. Default: a hundredth of the range.
    pub step: Option<f64>,
    /// A menu's values, as TOML (strings or numbers); at least two, no repeats.
    pub choices: Option<Vec<toml::Value>>,
    /// What the page calls the control, at most 60 characters. Default: the field path.
    pub label: Option<String>,
}

/// One entry of `[uncertainty]`: exactly one of the three distributions.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDistribution {
    /// `[low, high]`, low below high: every value in between equally likely.
    pub uniform: Option<[f64; 2]>,
    /// `[mean, sd]`, sd above 0: a normal truncated (by redrawing) to mean ± 3 sd.
    pub normal: Option<[f64; 2]>,
    /// `[low, mode, high]`, low ≤ mode ≤ high, low below high.
    pub triangular: Option<[f64; 3]>,
}

/// `[simulation]`: how long, how often, how many times.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    /// Number of time steps per trial. Range 1..=100,000.
    pub steps: u32,
    /// Steps per simulated year: 1 for yearly steps (the Peter-principle literature),
    /// 12 for monthly. Range 1..=365. Ages and annual rates are converted with it.
    pub steps_per_year: u32,
    /// Monte Carlo trials per arm. Range 1..=1,048,576. `--trials` overrides it.
    pub trials: u32,
    /// Master seed. Trial *i* of every arm uses the same seed derived from it
    /// (common random numbers). `--seed` overrides it.
    pub seed: u64,
    /// Name of the arm the others are compared with. Default: the first arm.
    pub baseline: Option<String>,
    /// Years simulated before anything is measured, so that metrics, time series,
    /// the retention cohort and the event log start from the model's steady state
    /// rather than from the drawn initial workforce. Rounded to whole steps.
    /// Range 0–500 years; default 0 (measure from the initial state, as the
    /// Peter-principle literature does). docs/model.md §7.10 says how the bundled
    /// scenarios' length was chosen.
    pub burn_in: Option<f64>,
    /// Whose levers the burn-in runs under: `"own"` (each arm its own, so arms are
    /// compared at their own steady states) or `"baseline"` (every arm goes on from
    /// the baseline's burn-in and its levers take effect at step 0: a change of
    /// policy in an organisation at the baseline's steady state). Default `"own"`.
    /// No published anchor: a choice of the question asked.
    pub burn_in_levers: Option<String>,
    /// With `[uncertainty]`: trials per parameter draw. Trial `t` uses draw
    /// `t / replications`, so the Monte Carlo noise within a draw can be told
    /// apart from the spread between draws. Range 1..=1,048,576; default 1 (every
    /// trial its own draw). No published anchor: a choice of the analysis.
    pub replications: Option<u32>,
}

/// `[[levels]]`: one level of the hierarchy.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawLevel {
    /// Display name. Default: `level <index>`.
    pub name: Option<String>,
    /// Number of positions on the level. Range 1..=10,000,000.
    pub positions: u32,
    /// `management` (people managers) or `ic` (individual contributors).
    /// Default `management`.
    #[serde(default)]
    pub kind: LevelKind,
    /// Responsibility weight r_i of the level in the global efficiency measure
    /// (Pluchino et al. 2010: 1.0, 0.9, 0.8, 0.6, 0.4, 0.2 top to bottom).
    /// Range (0, 100]. Default 1.0.
    pub responsibility: Option<f64>,
}

/// What the people on a level do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelKind {
    /// People managers: each has a team on the level below.
    #[default]
    Management,
    /// Individual contributors.
    Ic,
}

/// `[workforce]`: the people, when they are hired and when they leave.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkforce {
    /// Skill (Pluchino's "competence") of the initial workforce and of every hire,
    /// on a 0–10 scale. Pluchino et al. 2010: Normal(7, 2) truncated to [1, 10].
    pub skill: RawTruncatedNormal,
    /// Age in years of the initial workforce and of every hire.
    /// Pluchino et al. 2010: Normal(25, 5) truncated to [18, 60].
    pub age: RawTruncatedNormal,
    /// Round drawn ages to whole years (Pluchino et al. 2010 do). Default true.
    pub whole_years: Option<bool>,
    /// Retirement: an employee older than this many years leaves. Range (0, 150].
    /// Pluchino et al. 2010: 60 (some reimplementations use 65).
    pub retirement_age: f64,
    /// Dismissal: an employee whose skill falls below this leaves at the next step.
    /// Pluchino et al. 2010: 4 (without it the random strategies lose their
    /// advantage). Omit to dismiss nobody. Range [0, 10].
    pub dismissal_threshold: Option<f64>,
    /// Correlation between skill and leadership readiness in the initial workforce
    /// and in hires: leadership is `Φ(ρ·z_skill + √(1−ρ²)·ε)`, uniform on [0, 1]
    /// whatever ρ. Range [−1, 1]. Default 0: the two are unrelated (the
    /// leadership-readiness essay's "orthogonal"; Benson, Li & Shue 2019 find that
    /// the best salespeople are not the best managers).
    pub leadership_correlation: Option<f64>,
    /// Median tenure of the initial workforce, years; tenures are exponential with
    /// this median, at most the years since the person's earliest hiring age.
    /// Range (0, 50]. Default 3.9 (BLS, Employee Tenure, January 2024).
    pub median_tenure: Option<f64>,
}

/// A normal distribution truncated to `[min, max]` by redrawing (not clipping).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTruncatedNormal {
    /// Mean of the untruncated normal.
    pub mean: f64,
    /// Standard deviation of the untruncated normal, > 0.
    pub sd: f64,
    /// Lower bound (inclusive).
    pub min: f64,
    /// Upper bound (inclusive), > min.
    pub max: f64,
}

/// The levers of one arm (or, in `[policy]`, the defaults all arms start from).
/// Every field is optional: an arm inherits what it does not set from `[policy]`,
/// and `[policy]` from the documented default.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawLevers {
    /// Only in `[arms.<name>]`: the arm's name as charts, the terminal table and the
    /// report show it (at most 60 characters; the arm's key still names it in CSV
    /// files and on the command line). Default: the arm's key.
    pub label: Option<String>,
    /// How a vacant position is filled from the level below. Default `best`.
    pub promotion: Option<PromotionPolicy>,
    /// For `promotion = "mixed"` only: the probability that a vacancy goes to the
    /// best rather than the worst candidate (Pluchino et al. 2011's mixed
    /// strategies). Range [0, 1]. Default 0.5.
    pub best_probability: Option<f64>,
    /// How skill carries into the new role on promotion. Default `common_sense`.
    pub competence: Option<CompetenceHypothesis>,
    /// For `competence = "common_sense"` only: the promoted person's skill changes by
    /// a Uniform(−x, +x) draw, then is bounded to the skill range.
    /// Pluchino et al. 2010: 1.0. Range [0, 10]. Default 1.0.
    pub common_sense_change: Option<f64>,
    /// For `leadership_assessed` and `dual_track` only: the validity of the
    /// leadership assessment, its correlation with true leadership readiness.
    /// Range [0, 1]. Default 0.4 (assessment centres predict managerial
    /// performance at about 0.37: Gaugler et al. 1987, J. Applied Psychology 72(3)).
    pub assessment_validity: Option<f64>,
    /// For `leadership_assessed` and `dual_track` only: the skill a candidate needs to
    /// be considered at all, 0–10 scale. Range [0, 10]. Default: the mean of
    /// `workforce.skill` (a manager must be at least an average practitioner).
    pub skill_floor: Option<f64>,
    /// Who carries a team's overhead (needs `[dynamics.overhead]`). Default
    /// `competence_weighted`.
    pub overhead_allocation: Option<OverheadAllocation>,
    /// The share of an individual contributor's output credited to them; the rest
    /// goes into the team's pool, of which the manager keeps `manager_take` (needs
    /// `[dynamics.credit]`). Range [0, 1]. Default 0.8 (no published figure: the
    /// overhead-and-credit essay's premise is that it is well below 1).
    pub credit_accuracy: Option<f64>,
    /// How many grades above the entry grade an individual contributor can reach
    /// without becoming a manager (needs `[dynamics.growth]`). Range 0..=20.
    /// Default 1 (a single ladder: engineer, then senior, then only management),
    /// or, for `promotion = "dual_track"`, the number of management levels (the IC
    /// track reaches the standing of the top of management).
    pub ic_ceiling: Option<u32>,
}

/// Who fills a vacancy from the level below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PromotionPolicy {
    /// The best performer (common practice; Pluchino et al. 2010); in the
    /// Peter-principle model, the most skilled.
    Best,
    /// The least skilled candidate (Pluchino et al. 2010).
    Worst,
    /// A candidate uniformly at random (Pluchino et al. 2010).
    Random,
    /// Best or worst with probability 1/2 each, per vacancy (Pluchino et al. 2010's
    /// "alternate"; a strict best/worst turn gives the same mean).
    Alternate,
    /// Best with probability `best_probability`, else worst (Pluchino et al. 2011).
    Mixed,
    /// The longest-serving candidate (common practice).
    Seniority,
    /// The highest *assessed* leadership among candidates with at least
    /// `skill_floor` skill; the assessment's correlation with true leadership is
    /// `assessment_validity` (the leadership-readiness essay). No candidate above
    /// the floor: an external hire.
    LeadershipAssessed,
    /// `leadership_assessed` into management, and an IC track whose ceiling
    /// (`ic_ceiling`) reaches the standing of management, so top individual
    /// contributors advance without leaving the craft (punishing-excellence,
    /// leadership-readiness). Exactly `leadership_assessed` with a high `ic_ceiling`.
    DualTrack,
    /// Never promote: every vacancy is filled by an external hire.
    External,
}

/// Who carries a team's overhead work (firefighting, audits, ad-hoc presentations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OverheadAllocation {
    /// Shares grow with capability, as `capability^concentration`: the load goes to
    /// the most reliable people (the overhead-and-credit essay's default of real
    /// leaders).
    CompetenceWeighted,
    /// A formal rota: equal shares.
    Rotation,
    /// Shares proportional to independent uniform draws, redrawn every step.
    Random,
}

/// How a promoted person's skill carries into the new role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompetenceHypothesis {
    /// Skill carries over with a small random change (Pluchino's common sense).
    CommonSense,
    /// Skill is redrawn from the hiring distribution: competence in one role says
    /// nothing about the next (the Peter hypothesis).
    Peter,
    /// In a management role a person's effectiveness is their leadership readiness;
    /// their craft skill is kept (needs `[dynamics]`). It contains the other two:
    /// with `workforce.leadership_correlation` 1 it ranks managers as
    /// `common_sense` does, with 0 it is as unrelated to skill as `peter` (the
    /// seeds' view).
    Readiness,
}
