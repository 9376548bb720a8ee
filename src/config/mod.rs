//! The validated, immutable configuration of a run: the only place raw values are
//! checked. The engine takes `&Config` and cannot fail.

pub mod controls;
mod deserialize;
pub mod design;
mod dynamics;
mod load;
pub mod overrides;
mod presentation;
mod read;
pub mod sibling;
pub mod sweep;

pub use dynamics::{
    Credit, Dynamics, Engagement, Growth, Manager, Misfit, Output, Overhead, Quits, Separations,
};

pub use load::{
    FieldProblem, ProblemKind, ScenarioError, load, parse, parse_point, parse_point_as, parse_with,
};
pub use overrides::Override;
pub use presentation::{COMPARISON_CHART, MAX_LABEL_CHARS};
pub use read::{MAX_INPUT_BYTES, read_text};

use indexmap::IndexMap;
use serde::Serialize;

use crate::locate::toml_key;
use crate::metrics::{Frame, StepMetric, TrialMetric};
use crate::rng::TruncatedNormal;
pub use crate::scenario::OverheadAllocation;
use crate::scenario::{
    CompetenceHypothesis, LevelKind, PromotionPolicy, RawLevers, RawScenario, RawTruncatedNormal,
};

/// Most trials a run accepts: the exact accumulators of [`crate::stats`] are proven
/// overflow-free up to 2^20 values each.
pub const MAX_TRIALS: u32 = 1 << 20;
/// Most steps a trial accepts.
pub const MAX_STEPS: u32 = 100_000;
/// Most positions an organisation may have.
pub const MAX_POSITIONS: u64 = 10_000_000;
/// Longest scenario name, in bytes. The name is a directory name, and the hidden
/// staging, lock and set-aside directories beside it add a host name (up to 64
/// bytes) and a few dozen more to it: 100 keeps all of them inside the 255 bytes a
/// file system allows a name.
pub const MAX_NAME_LEN: usize = 100;

/// Longest burn-in, years: far beyond any relaxation time the mechanisms have
/// (a workforce turns over within a career), and short enough that 365 steps a
/// year stay within a `u32` of steps.
pub const MAX_BURN_IN_YEARS: f64 = 500.0;

/// A validated scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Short name; results go to `output/<name>/`.
    pub name: String,
    /// The question the scenario asks.
    pub description: String,
    /// The trial metric runs are ranked and compared by.
    pub headline: TrialMetric,
    /// Steps per trial.
    pub steps: u32,
    /// Steps per simulated year.
    pub steps_per_year: u32,
    /// Steps simulated before measurement starts (`simulation.burn_in` in steps).
    pub burn_in_steps: u32,
    /// Whose levers the burn-in runs under (`simulation.burn_in_levers`).
    pub burn_in_levers: BurnInLevers,
    /// Trials per arm.
    pub trials: u32,
    /// Master seed.
    pub seed: u64,
    /// The hierarchy, top level first.
    pub levels: Vec<Level>,
    /// Who works here and when they leave.
    pub workforce: Workforce,
    /// The behavioural mechanisms; `None` for the pure Peter-principle model.
    pub dynamics: Option<Dynamics>,
    /// The arms compared, in file order.
    pub arms: Vec<Arm>,
    /// Index into `arms` of the baseline.
    pub baseline: usize,
    /// The parameter sweep, if any: each field with the values to run it at.
    pub sweep: Vec<SweepAxis>,
    /// The parameters of `attrition sensitivity` (`[sensitivity]`), in file order.
    pub sensitivity: Vec<design::LhsRange>,
    /// The uncertain parameters (`[uncertainty]`) and the trials per draw;
    /// `None` runs every trial at the scenario's values.
    pub uncertainty: Option<crate::uncertainty::Uncertainty>,
    /// Valid but worth saying: levers that have no effect because their mechanism
    /// is switched off (an ablation). The CLI prints them.
    #[serde(skip)]
    pub warnings: Vec<String>,

    // How results are presented (src/config/presentation.rs).
    /// Display labels of metrics by name (`[labels]`).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// The charts a run writes (`charts`); `None` for the default choice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charts: Option<Vec<String>>,
    /// The live page's controls (`[controls]`, src/config/controls.rs): how values
    /// are offered, not what the model does, so the manifest leaves them out.
    #[serde(skip)]
    pub controls: Vec<controls::Control>,
}

/// One swept field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepAxis {
    /// Field path in TOML's dotted-key syntax.
    pub field: String,
    /// The values, as TOML.
    pub values: Vec<toml::Value>,
}

/// One level of the hierarchy.
#[derive(Debug, Clone, Serialize)]
pub struct Level {
    /// Display name.
    pub name: String,
    /// Number of positions.
    pub positions: u32,
    /// Managers or individual contributors.
    pub kind: LevelKind,
    /// Responsibility weight in the global efficiency measure.
    pub responsibility: f64,
}

/// The workforce's distributions and exit rules.
#[derive(Debug, Clone, Serialize)]
pub struct Workforce {
    /// Skill of the initial workforce and of hires (0–10 scale).
    #[serde(serialize_with = "serialize_truncated_normal")]
    pub skill: TruncatedNormal,
    /// Age in years of the initial workforce and of hires.
    #[serde(serialize_with = "serialize_truncated_normal")]
    pub age: TruncatedNormal,
    /// Whether drawn ages are rounded to whole years.
    pub whole_years: bool,
    /// Age in years above which an employee retires.
    pub retirement_age: f64,
    /// Skill below which an employee is dismissed; `None` dismisses nobody.
    pub dismissal_threshold: Option<f64>,
    /// Correlation between skill and leadership readiness.
    pub leadership_correlation: f64,
    /// Median tenure of the initial workforce, years.
    pub median_tenure: f64,
}

/// One arm: a named combination of levers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arm {
    /// The arm's name, as in the scenario file.
    pub name: String,
    /// The arm's display label (`label`), if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Who fills a vacancy from the level below.
    pub promotion: Promotion,
    /// How skill carries into the new role.
    pub competence: Competence,
    /// Who carries overhead (used with `[dynamics.overhead]`).
    pub overhead_allocation: OverheadAllocation,
    /// Share of output credited to its author (used with `[dynamics.credit]`).
    pub credit_accuracy: f64,
    /// Grades above entry an individual contributor can reach (used with
    /// `[dynamics.growth]`).
    pub ic_ceiling: u32,
}

impl Arm {
    /// The name readers see: the arm's label, else its name.
    pub fn display_name(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }

    /// The arm's levers alone, without its name and label, which only show: two
    /// arms with the same levers run the same trials.
    pub fn levers(&self) -> Self {
        Self { name: String::new(), label: None, ..self.clone() }
    }
}

/// Whose levers an arm's burn-in runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BurnInLevers {
    /// Each arm burns in under its own levers: arms are compared at their own
    /// steady states.
    #[default]
    Own,
    /// Every arm goes on from the baseline arm's burn-in, its own levers taking
    /// effect when measurement starts: the years after a change of policy.
    Baseline,
}

impl BurnInLevers {
    /// The scenario file's names, in the order the documentation lists them.
    pub const NAMES: [&'static str; 2] = ["own", "baseline"];
}

/// A promotion policy with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Promotion {
    /// The best performer (the most skilled in the Peter-principle model).
    Best,
    /// The least skilled candidate.
    Worst,
    /// A candidate uniformly at random.
    Random,
    /// The best with probability `best_probability`, else the worst, per vacancy
    /// (`alternate` is this with 1/2).
    Mixed {
        /// Probability of picking the best candidate, in [0, 1].
        best_probability: f64,
    },
    /// The longest-serving candidate.
    Seniority,
    /// The highest assessed leadership among candidates with enough skill.
    LeadershipAssessed {
        /// Correlation of the assessment with true leadership, in [0, 1].
        validity: f64,
        /// Least skill a candidate needs.
        skill_floor: f64,
    },
    /// Nobody: every vacancy is filled from outside.
    External,
}

/// A competence hypothesis with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Competence {
    /// Skill carries over, changed by Uniform(−change, +change) and bounded.
    CommonSense {
        /// Half-width of the uniform change, skill points.
        change: f64,
    },
    /// Skill is redrawn from the hiring distribution.
    Peter,
    /// A manager's effectiveness is their leadership readiness; skill is kept.
    Readiness,
}

fn serialize_truncated_normal<S: serde::Serializer>(
    dist: &TruncatedNormal,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    RawTruncatedNormal { mean: dist.mean, sd: dist.sd, min: dist.min, max: dist.max }.serialize(serializer)
}

impl Config {
    /// Whether every arm goes on from the baseline's burn-in
    /// (`burn_in_levers = "baseline"` with a burn-in; without one the two are the same).
    pub fn shares_burn_in(&self) -> bool {
        self.burn_in_levers == BurnInLevers::Baseline && self.burn_in_steps > 0
    }

    /// Total number of positions in the organisation.
    pub fn positions(&self) -> u64 {
        self.levels.iter().map(|level| u64::from(level.positions)).sum()
    }

    /// Length of one step in years.
    pub fn step_years(&self) -> f64 {
        self.frame().step_years()
    }

    /// Length of a trial in years.
    pub fn years(&self) -> f64 {
        self.frame().years()
    }

    /// The scenario's size and clock, as the metrics need them.
    pub fn frame(&self) -> Frame {
        Frame {
            positions: self.positions(),
            levels: self.levels.len(),
            steps_per_year: self.steps_per_year,
            steps: self.steps,
        }
    }

    /// The step metrics this scenario observes, in column order.
    pub fn step_metrics(&self) -> &'static [StepMetric] {
        StepMetric::reported(self.dynamics.is_some())
    }

    /// The trial metrics this scenario reports, in column order.
    pub fn trial_metrics(&self) -> &'static [TrialMetric] {
        TrialMetric::reported(self.dynamics.is_some())
    }

    /// Agent-steps one full run performs: positions × (steps + burn-in) × trials ×
    /// arms, the burn-in counted once per trial when the arms share it.
    pub fn agent_steps(&self) -> u64 {
        let arms = self.arms.len() as u64;
        let burn_ins = if self.shares_burn_in() { 1 } else { arms };
        let per_trial = u64::from(self.steps) * arms + u64::from(self.burn_in_steps) * burn_ins;
        self.positions() * per_trial * u64::from(self.trials)
    }

    /// The same configuration with another trial count (the `--trials` flag).
    pub fn with_trials(mut self, trials: u32) -> Result<Self, Vec<FieldProblem>> {
        check_trials(trials).map_err(|message| {
            vec![FieldProblem::new(ProblemKind::OutOfRange, "simulation.trials", message)]
        })?;
        self.trials = trials;
        Ok(self)
    }

    /// A metric's display label: the scenario's `[labels]` entry, else `default`.
    pub fn metric_label<'a>(&'a self, metric: &str, default: &'a str) -> &'a str {
        self.labels.get(metric).map_or(default, String::as_str)
    }

    /// The same configuration with another master seed (the `--seed` flag).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// Turns a raw scenario into a [`Config`], collecting every problem.
pub fn validate(raw: RawScenario, default_name: &str) -> Result<Config, Vec<FieldProblem>> {
    let mut problems = Vec::new();

    let name = raw.name.clone().unwrap_or_else(|| default_name.to_owned());
    if let Err(message) = check_name(&name) {
        problems.push(FieldProblem::new(ProblemKind::OutOfRange, "name", message));
    }

    let headline_name = raw.headline.as_deref().unwrap_or("efficiency_gain");
    let headline_known = TrialMetric::reported(raw.dynamics.is_some());
    let headline =
        TrialMetric::from_name(headline_name).filter(|m| headline_known.contains(m)).unwrap_or_else(|| {
            let known: Vec<&str> = headline_known.iter().map(|m| m.name()).collect();
            require(
                &mut problems,
                false,
                "headline",
                format!("{headline_name:?} is not a trial metric; choose one of {known:?}"),
            );
            TrialMetric::EfficiencyGain
        });

    let labels = presentation::labels(raw.labels.as_ref(), raw.dynamics.is_some(), &mut problems);
    let charts = presentation::charts(raw.charts.as_ref(), raw.dynamics.is_some(), &mut problems);

    let sim = &raw.simulation;
    require(
        &mut problems,
        (1..=MAX_STEPS).contains(&sim.steps),
        "simulation.steps",
        format!("{} is outside 1..={MAX_STEPS}", sim.steps),
    );
    require(
        &mut problems,
        (1..=365).contains(&sim.steps_per_year),
        "simulation.steps_per_year",
        format!("{} is outside 1..=365", sim.steps_per_year),
    );
    let burn_in = sim.burn_in.unwrap_or(0.0);
    require(
        &mut problems,
        (0.0..=MAX_BURN_IN_YEARS).contains(&burn_in),
        "simulation.burn_in",
        format!("{burn_in} years is outside 0–{MAX_BURN_IN_YEARS}"),
    );
    let burn_in_steps =
        (burn_in.clamp(0.0, MAX_BURN_IN_YEARS) * f64::from(sim.steps_per_year)).round() as u32;
    let burn_in_levers = match sim.burn_in_levers.as_deref() {
        None | Some("own") => BurnInLevers::Own,
        Some("baseline") => BurnInLevers::Baseline,
        Some(other) => {
            problems.push(FieldProblem::new(
                ProblemKind::UnknownValue,
                "simulation.burn_in_levers",
                format!("{other:?} is not one of {:?}", BurnInLevers::NAMES),
            ));
            BurnInLevers::Own
        }
    };
    if let Err(message) = check_trials(sim.trials) {
        require(&mut problems, false, "simulation.trials", message);
    }

    require(&mut problems, !raw.levels.is_empty(), "levels", "at least one level is needed".into());
    require(
        &mut problems,
        raw.levels.len() <= 64,
        "levels",
        format!("{} levels; at most 64", raw.levels.len()),
    );
    let mut levels = Vec::with_capacity(raw.levels.len());
    for (index, level) in raw.levels.iter().enumerate() {
        let field = |name: &str| format!("levels[{index}].{name}");
        require(
            &mut problems,
            level.positions >= 1,
            &field("positions"),
            "a level needs at least one position".into(),
        );
        let responsibility = level.responsibility.unwrap_or(1.0);
        require(
            &mut problems,
            responsibility > 0.0 && responsibility <= 100.0,
            &field("responsibility"),
            format!("{responsibility} is outside (0, 100]"),
        );
        levels.push(Level {
            name: level.name.clone().unwrap_or_else(|| format!("level {index}")),
            positions: level.positions,
            kind: level.kind,
            responsibility,
        });
    }
    // Every level below the top needs managers above it, and every manager a report.
    for (index, pair) in levels.windows(2).enumerate() {
        let (above, below) = (&pair[0], &pair[1]);
        require_consistent(
            &mut problems,
            above.kind == LevelKind::Management,
            &format!("levels[{index}].kind"),
            format!(
                "level {index} is \"ic\" but level {} lies below it: individual contributors manage no one, \
                 so its people would have no manager (make level {index} \"management\" or the last level)",
                index + 1
            ),
        );
        require_consistent(
            &mut problems,
            below.positions >= above.positions,
            &format!("levels[{}].positions", index + 1),
            format!(
                "{} positions for the {} managers of level {index}: a manager needs at least one report",
                below.positions, above.positions
            ),
        );
    }
    let positions: u64 = levels.iter().map(|l| u64::from(l.positions)).sum();
    require(
        &mut problems,
        positions <= MAX_POSITIONS,
        "levels",
        format!("{positions} positions in all; at most {MAX_POSITIONS}"),
    );

    let work = &raw.workforce;
    let skill = truncated_normal(&work.skill, "workforce.skill", 0.0, 10.0, &mut problems);
    let age = truncated_normal(&work.age, "workforce.age", 0.0, 150.0, &mut problems);
    require(
        &mut problems,
        work.retirement_age > 0.0 && work.retirement_age <= 150.0,
        "workforce.retirement_age",
        format!("{} is outside (0, 150]", work.retirement_age),
    );
    require_consistent(
        &mut problems,
        work.retirement_age > work.age.min,
        "workforce.retirement_age",
        format!(
            "{} is not above workforce.age.min = {}: hires would retire at once",
            work.retirement_age, work.age.min
        ),
    );
    if let Some(threshold) = work.dismissal_threshold {
        require(
            &mut problems,
            (0.0..=10.0).contains(&threshold),
            "workforce.dismissal_threshold",
            format!("{threshold} is outside [0, 10]"),
        );
        require_consistent(
            &mut problems,
            threshold < work.skill.max,
            "workforce.dismissal_threshold",
            format!(
                "{threshold} is not below workforce.skill.max = {}: everyone would be dismissed",
                work.skill.max
            ),
        );
    }

    let correlation = work.leadership_correlation.unwrap_or(0.0);
    require(
        &mut problems,
        (-1.0..=1.0).contains(&correlation),
        "workforce.leadership_correlation",
        format!("{correlation} is not a correlation in [-1, 1]"),
    );
    let median_tenure = work.median_tenure.unwrap_or(3.9);
    require(
        &mut problems,
        median_tenure > 0.0 && median_tenure <= 50.0,
        "workforce.median_tenure",
        format!("{median_tenure} is outside (0, 50]"),
    );

    let dynamics = raw.dynamics.as_ref().map(|raw| dynamics::validate_dynamics(raw, &mut problems));
    if dynamics.is_some() {
        let last = levels.len().saturating_sub(1);
        require_consistent(
            &mut problems,
            levels.last().is_none_or(|level| level.kind == LevelKind::Ic),
            &format!("levels[{last}].kind"),
            "with [dynamics], the bottom level must be \"ic\": individual contributors produce the output \
             that managers multiply"
                .into(),
        );
    }
    let mut warnings = Vec::new();
    let context = ArmContext {
        policy: &raw.policy,
        skill_mean: work.skill.mean,
        management_levels: levels.iter().filter(|level| level.kind == LevelKind::Management).count() as u32,
    };

    let mut arms = Vec::with_capacity(raw.arms.len());
    require(
        &mut problems,
        !raw.arms.is_empty(),
        "arms",
        "at least one arm is needed, as [arms.<name>]".into(),
    );
    check_lever_ranges("policy", &raw.policy, &mut problems);
    presentation::arm_label("policy", raw.policy.label.as_deref(), &mut problems);
    check_dynamics_levers("policy", &raw.policy, dynamics.as_ref(), &mut problems, &mut warnings);
    for (arm_name, levers) in &raw.arms {
        require(&mut problems, !arm_name.trim().is_empty(), "arms", "an arm's name is empty".into());
        let table = format!("arms.{}", toml_key(arm_name));
        check_dynamics_levers(&table, levers, dynamics.as_ref(), &mut problems, &mut warnings);
        let mut arm = resolve_arm(arm_name, levers, &context, &mut problems);
        arm.label = presentation::arm_label(&table, levers.label.as_deref(), &mut problems);
        arms.push(arm);
    }
    // A lever in [policy] that every arm sets for itself reaches no arm.
    if let Ok(toml::Value::Table(policy)) = toml::Value::try_from(&raw.policy) {
        for lever in policy.keys() {
            let overridden = !raw.arms.is_empty()
                && raw.arms.values().all(|own| {
                    matches!(toml::Value::try_from(own), Ok(toml::Value::Table(t)) if t.contains_key(lever))
                });
            if overridden {
                warnings.push(format!("policy.{lever} has no effect: every arm sets its own {lever}"));
            }
        }
    }
    let baseline = match &sim.baseline {
        None => 0,
        Some(wanted) => raw.arms.get_index_of(wanted).unwrap_or_else(|| {
            let known: Vec<&str> = raw.arms.keys().map(String::as_str).collect();
            problems.push(FieldProblem::new(
                ProblemKind::Inconsistent,
                "simulation.baseline",
                format!("no arm is named {wanted:?}; the arms are {known:?}"),
            ));
            0
        }),
    };

    // Each swept field's values (a list or a range); the sweep as a whole is checked
    // by the loader, which can validate its points.
    let mut sweep = Vec::new();
    for (field, spec) in raw.sweep.iter().flatten() {
        match sweep::axis_values(spec) {
            Ok(values) => sweep.push(SweepAxis { field: field.clone(), values }),
            Err(message) => problems.push(FieldProblem::new(
                ProblemKind::WrongType,
                format!("sweep.{}", toml_key(field)),
                message,
            )),
        }
    }

    // The parameters of a sensitivity analysis: a model parameter each, over an
    // interval that runs upwards. Their values are checked point by point when the
    // analysis validates its design.
    let mut sensitivity = Vec::new();
    for (field, &[low, high]) in raw.sensitivity.iter().flatten() {
        let path = format!("sensitivity.{}", toml_key(field));
        if let Err(message) = sweep::check_swept_field(field) {
            problems.push(FieldProblem::new(ProblemKind::Inconsistent, path, message));
        } else if !(low.is_finite() && high.is_finite() && low < high) {
            problems.push(FieldProblem::new(
                ProblemKind::OutOfRange,
                path,
                format!("[{low}, {high}] is not an interval: give [low, high], finite, low below high"),
            ));
        } else {
            sensitivity.push(design::LhsRange { field: field.clone(), low, high });
        }
    }

    let uncertainty = validate_uncertainty(&mut problems, &raw);
    let controls = controls::validate(raw.controls.as_ref(), &mut problems);

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Config {
        name,
        description: raw.description.unwrap_or_default(),
        headline,
        steps: sim.steps,
        steps_per_year: sim.steps_per_year,
        burn_in_steps,
        burn_in_levers,
        trials: sim.trials,
        seed: sim.seed,
        levels,
        workforce: Workforce {
            skill,
            age,
            whole_years: work.whole_years.unwrap_or(true),
            retirement_age: work.retirement_age,
            dismissal_threshold: work.dismissal_threshold,
            leadership_correlation: correlation,
            median_tenure,
        },
        dynamics,
        arms,
        baseline,
        sweep,
        sensitivity,
        uncertainty,
        warnings,
        labels,
        charts,
        controls,
    })
}

/// `[uncertainty]` and `simulation.replications`: each entry one well-formed
/// distribution over a model parameter. Whether the values a distribution reaches
/// are valid for its field is checked by the loader, at both ends of its support.
fn validate_uncertainty(
    problems: &mut Vec<FieldProblem>,
    raw: &RawScenario,
) -> Option<crate::uncertainty::Uncertainty> {
    let replications = raw.simulation.replications;
    if let Some(r) = replications {
        require(
            problems,
            (1..=MAX_TRIALS).contains(&r),
            "simulation.replications",
            format!("{r} is outside 1..={MAX_TRIALS}"),
        );
    }
    let Some(entries) = raw.uncertainty.as_ref() else {
        require_consistent(
            problems,
            replications.is_none(),
            "simulation.replications",
            "replications are trials per parameter draw: they need an [uncertainty] table".to_owned(),
        );
        return None;
    };
    let mut parameters = Vec::new();
    for (field, entry) in entries {
        let path = format!("uncertainty.{}", toml_key(field));
        let simulation = matches!(crate::locate::parse_path(field).first(),
            Some(crate::locate::Segment::Key(key)) if key == "simulation");
        if let Err(message) = sweep::check_swept_field(field) {
            problems.push(FieldProblem::new(ProblemKind::Inconsistent, path, message));
        } else if simulation {
            problems.push(FieldProblem::new(
                ProblemKind::Inconsistent,
                path,
                "[simulation] sets how the experiment runs, not the model: give a model parameter an uncertainty",
            ));
        } else if parameters.iter().any(|p: &crate::uncertainty::UncertainParameter| &p.field == field) {
            problems.push(FieldProblem::new(ProblemKind::Inconsistent, path, "the field is given twice"));
        } else {
            match crate::uncertainty::Distribution::from_raw(entry) {
                Ok(distribution) => parameters
                    .push(crate::uncertainty::UncertainParameter { field: field.clone(), distribution }),
                Err(message) => problems.push(FieldProblem::new(ProblemKind::OutOfRange, path, message)),
            }
        }
    }
    if entries.is_empty() {
        problems.push(FieldProblem::new(
            ProblemKind::Missing,
            "uncertainty",
            "an empty [uncertainty] table: give a field and its distribution, or remove the table",
        ));
    }
    Some(crate::uncertainty::Uncertainty {
        parameters,
        replications: replications.unwrap_or(1),
        base: None,
        path: Default::default(),
    })
}

/// Records an out-of-range value unless `ok`.
fn require(problems: &mut Vec<FieldProblem>, ok: bool, field: &str, message: String) {
    if !ok {
        problems.push(FieldProblem::new(ProblemKind::OutOfRange, field, message));
    }
}

/// Records values that contradict each other unless `ok`.
fn require_consistent(problems: &mut Vec<FieldProblem>, ok: bool, field: &str, message: String) {
    if !ok {
        problems.push(FieldProblem::new(ProblemKind::Inconsistent, field, message));
    }
}

/// A scenario name must be one path component that every file system takes, as
/// the output directory's name.
fn check_name(name: &str) -> Result<(), String> {
    if name.len() > MAX_NAME_LEN {
        let start: String = name.chars().take(20).collect();
        return Err(format!(
            "\"{start}...\" is {} bytes long, more than {MAX_NAME_LEN} (it names the output directory)",
            name.len()
        ));
    }
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!(
            "{name:?} must be non-empty and use only letters, digits, '-' and '_' (it names the output directory)"
        ));
    }
    Ok(())
}

fn check_trials(trials: u32) -> Result<(), String> {
    if (1..=MAX_TRIALS).contains(&trials) {
        Ok(())
    } else {
        Err(format!("{trials} is outside 1..={MAX_TRIALS}"))
    }
}

/// Checks a distribution against the range its variable lives in.
fn truncated_normal(
    raw: &RawTruncatedNormal,
    field: &str,
    lowest: f64,
    highest: f64,
    problems: &mut Vec<FieldProblem>,
) -> TruncatedNormal {
    let dist = TruncatedNormal { mean: raw.mean, sd: raw.sd, min: raw.min, max: raw.max };
    let mut check = |ok: bool, name: &str, message: String| {
        if !ok {
            problems.push(FieldProblem::new(ProblemKind::OutOfRange, format!("{field}.{name}"), message));
        }
    };
    check(raw.mean.is_finite(), "mean", format!("{} is not a finite number", raw.mean));
    check(raw.sd > 0.0 && raw.sd.is_finite(), "sd", format!("{} must be positive", raw.sd));
    check(
        raw.min >= lowest && raw.min <= highest,
        "min",
        format!("{} is outside [{lowest}, {highest}]", raw.min),
    );
    check(
        raw.max >= lowest && raw.max <= highest,
        "max",
        format!("{} is outside [{lowest}, {highest}]", raw.max),
    );
    check(raw.min < raw.max, "max", format!("{} is not above min = {}", raw.max, raw.min));
    if raw.sd > 0.0 && raw.min < raw.max && raw.mean.is_finite() {
        // Sampling redraws until a draw lands inside; refuse windows so far in the
        // tail that it would spin.
        let mass = dist.mass_inside();
        check(
            mass >= 1e-3,
            "mean",
            format!(
                "only {mass:.2e} of Normal({}, {}) falls inside [{}, {}]; move the mean or widen the bounds",
                raw.mean, raw.sd, raw.min, raw.max
            ),
        );
    }
    dist
}

/// Checks the ranges of the levers written in one table (`[policy]` or an arm), at
/// the path where they are written.
fn check_lever_ranges(table: &str, levers: &RawLevers, problems: &mut Vec<FieldProblem>) {
    if let Some(p) = levers.best_probability {
        require(
            problems,
            (0.0..=1.0).contains(&p),
            &format!("{table}.best_probability"),
            format!("{p} is not a probability in [0, 1]"),
        );
    }
    for (name, value) in
        [("assessment_validity", levers.assessment_validity), ("credit_accuracy", levers.credit_accuracy)]
    {
        if let Some(value) = value {
            require(
                problems,
                (0.0..=1.0).contains(&value),
                &format!("{table}.{name}"),
                format!("{value} is outside [0, 1]"),
            );
        }
    }
    if let Some(floor) = levers.skill_floor {
        require(
            problems,
            (0.0..=10.0).contains(&floor),
            &format!("{table}.skill_floor"),
            format!("{floor} is outside [0, 10]"),
        );
    }
    if let Some(ceiling) = levers.ic_ceiling {
        require(
            problems,
            ceiling <= 20,
            &format!("{table}.ic_ceiling"),
            format!("{ceiling} is outside 0..=20"),
        );
    }
    if let Some(change) = levers.common_sense_change {
        require(
            problems,
            (0.0..=10.0).contains(&change),
            &format!("{table}.common_sense_change"),
            format!("{change} is outside [0, 10]"),
        );
    }
}

/// A value as the scenario file spells it (`"best"`, not `Best`), for messages.
fn toml_name<T: Serialize>(value: &T) -> String {
    toml::Value::try_from(value).map_or_else(|_| "?".to_owned(), |v| v.to_string())
}

/// The levers of the behavioural mechanisms written in one table (`[policy]` or an
/// arm), at the path where they are written: they need `[dynamics]`, and with
/// their mechanism switched off (an ablation) they are accepted with a warning
/// that they do nothing.
fn check_dynamics_levers(
    table: &str,
    levers: &RawLevers,
    dynamics: Option<&Dynamics>,
    problems: &mut Vec<FieldProblem>,
    warnings: &mut Vec<String>,
) {
    let dual_track = levers.promotion == Some(PromotionPolicy::DualTrack);
    let uses = [
        ("competence", levers.competence == Some(CompetenceHypothesis::Readiness), None),
        ("promotion", dual_track, dynamics.map(|d| ("growth", d.growth.is_some()))),
        (
            "overhead_allocation",
            levers.overhead_allocation.is_some(),
            dynamics.map(|d| ("overhead", d.overhead.is_some())),
        ),
        (
            "credit_accuracy",
            levers.credit_accuracy.is_some(),
            dynamics.map(|d| ("credit", d.credit.is_some())),
        ),
        ("ic_ceiling", levers.ic_ceiling.is_some(), dynamics.map(|d| ("growth", d.growth.is_some()))),
    ];
    for (lever, used, mechanism) in uses {
        if !used {
            continue;
        }
        let field = format!("{table}.{lever}");
        require_consistent(
            problems,
            dynamics.is_some(),
            &field,
            "needs the [dynamics] mechanisms; this scenario is the plain Peter-principle model".to_owned(),
        );
        match mechanism {
            Some((_, false)) if lever == "promotion" => warnings.push(format!(
                "{field} = \"dual_track\" is just \"leadership_assessed\": dynamics.growth.enabled = false"
            )),
            Some((mechanism, false)) => {
                warnings.push(format!("{field} has no effect: dynamics.{mechanism}.enabled = false"))
            }
            _ => {}
        }
    }
}

/// What resolving an arm needs besides its own levers.
struct ArmContext<'a> {
    policy: &'a RawLevers,
    skill_mean: f64,
    management_levels: u32,
}

/// An arm's levers: its own, else `[policy]`'s, else the documented default.
fn resolve_arm(
    name: &str,
    own: &RawLevers,
    context: &ArmContext<'_>,
    problems: &mut Vec<FieldProblem>,
) -> Arm {
    let policy = context.policy;
    let table = format!("arms.{}", toml_key(name));
    check_lever_ranges(&table, own, problems);
    let field = |lever: &str| format!("{table}.{lever}");
    let promotion_name = own.promotion.or(policy.promotion).unwrap_or(PromotionPolicy::Best);
    let best_probability = own.best_probability.or(policy.best_probability).unwrap_or(0.5);
    let validity = own.assessment_validity.or(policy.assessment_validity).unwrap_or(0.4);
    let skill_floor = own.skill_floor.or(policy.skill_floor).unwrap_or(context.skill_mean);
    let promotion = match promotion_name {
        PromotionPolicy::Best => Promotion::Best,
        PromotionPolicy::Worst => Promotion::Worst,
        PromotionPolicy::Random => Promotion::Random,
        PromotionPolicy::Alternate => Promotion::Mixed { best_probability: 0.5 },
        PromotionPolicy::Mixed => Promotion::Mixed { best_probability },
        PromotionPolicy::Seniority => Promotion::Seniority,
        PromotionPolicy::LeadershipAssessed | PromotionPolicy::DualTrack => {
            Promotion::LeadershipAssessed { validity, skill_floor }
        }
        PromotionPolicy::External => Promotion::External,
    };
    // A lever the arm sets but does not use would be silently ignored: refuse it.
    require_consistent(
        problems,
        own.best_probability.is_none() || promotion_name == PromotionPolicy::Mixed,
        &field("best_probability"),
        format!(
            "applies only to promotion = \"mixed\", but this arm promotes by {}",
            toml_name(&promotion_name)
        ),
    );
    let assessed = matches!(promotion, Promotion::LeadershipAssessed { .. });
    for (lever, set) in [("assessment_validity", own.assessment_validity), ("skill_floor", own.skill_floor)] {
        require_consistent(
            problems,
            set.is_none() || assessed,
            &field(lever),
            format!(
                "applies only to promotion = \"leadership_assessed\" or \"dual_track\", but this arm promotes by \
                 {}",
                toml_name(&promotion_name)
            ),
        );
    }

    let hypothesis = own.competence.or(policy.competence).unwrap_or(CompetenceHypothesis::CommonSense);
    let change = own.common_sense_change.or(policy.common_sense_change).unwrap_or(1.0);
    require_consistent(
        problems,
        own.common_sense_change.is_none() || hypothesis == CompetenceHypothesis::CommonSense,
        &field("common_sense_change"),
        format!(
            "applies only to competence = \"common_sense\", but this arm uses {}",
            toml_name(&hypothesis)
        ),
    );
    let competence = match hypothesis {
        CompetenceHypothesis::CommonSense => Competence::CommonSense { change },
        CompetenceHypothesis::Peter => Competence::Peter,
        CompetenceHypothesis::Readiness => Competence::Readiness,
    };

    let default_ceiling =
        if promotion_name == PromotionPolicy::DualTrack { context.management_levels } else { 1 };
    Arm {
        name: name.to_owned(),
        label: None,
        promotion,
        competence,
        overhead_allocation: own
            .overhead_allocation
            .or(policy.overhead_allocation)
            .unwrap_or(OverheadAllocation::CompetenceWeighted),
        credit_accuracy: own.credit_accuracy.or(policy.credit_accuracy).unwrap_or(0.8),
        ic_ceiling: own.ic_ceiling.or(policy.ic_ceiling).unwrap_or(default_ceiling),
    }
}

/// A minimal valid scenario (two levels of 1 and 3 positions, two arms), for the
/// unit tests of every module.
#[cfg(test)]
pub(crate) const MINIMAL: &str = r#"
        [simulation]
        steps = 10
        steps_per_year = 1
        trials = 4
        seed = 1

        [[levels]]
        positions = 1
        [[levels]]
        positions = 3

        [workforce]
        skill = { mean = 7.0, sd = 2.0, min = 1.0, max = 10.0 }
        age = { mean = 25.0, sd = 5.0, min = 18.0, max = 60.0 }
        retirement_age = 60.0
        dismissal_threshold = 4.0

        [arms.best]
        [arms.lottery]
        promotion = "random"
        competence = "peter"
    "#;

/// [`MINIMAL`], parsed.
#[cfg(test)]
pub(crate) fn minimal_config() -> Config {
    parse(MINIMAL, std::path::Path::new("scenarios/minimal.toml")).expect("the minimal scenario is valid")
}

/// [`MINIMAL`] with `[dynamics]` (its bottom level made `ic`), every mechanism at
/// its defaults.
#[cfg(test)]
pub(crate) fn minimal_dynamics() -> Dynamics {
    let text = format!("{}\n[dynamics]\n", MINIMAL.replace("positions = 3", "positions = 3\nkind = \"ic\""));
    parse(&text, std::path::Path::new("scenarios/minimal.toml")).expect("valid").dynamics.expect("[dynamics]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse_text(text: &str) -> Result<Config, ScenarioError> {
        parse(text, Path::new("scenarios/minimal.toml"))
    }

    #[test]
    fn a_minimal_scenario_resolves_its_defaults() {
        let config = parse_text(MINIMAL).unwrap();
        assert_eq!(config.name, "minimal");
        assert_eq!(config.positions(), 4);
        assert_eq!(config.levels[1].name, "level 1");
        assert_eq!(config.arms[0].promotion, Promotion::Best);
        assert_eq!(config.arms[0].competence, Competence::CommonSense { change: 1.0 });
        assert_eq!(config.arms[1].competence, Competence::Peter);
        assert_eq!(config.baseline, 0);
        assert_eq!(config.agent_steps(), 4 * 10 * 4 * 2);
        let mut burnt = config.clone();
        burnt.burn_in_steps = 5;
        assert_eq!(burnt.agent_steps(), 4 * 15 * 4 * 2);
        burnt.burn_in_levers = BurnInLevers::Baseline;
        assert_eq!(burnt.agent_steps(), 4 * (10 * 2 + 5) * 4, "a shared burn-in runs once a trial");
    }

    #[test]
    fn an_unknown_field_is_an_error_naming_it_and_its_line() {
        let text = MINIMAL.replace("promotion = \"random\"", "promotoin = \"random\"");
        let error = parse_text(&text).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("scenarios/minimal.toml:21:9"), "{message}");
        let problem = &error.problems()[0];
        assert_eq!(problem.kind, ProblemKind::UnknownField);
        assert_eq!(problem.field, "arms.lottery.promotoin");
        assert!(problem.message.contains("did you mean `promotion`?"), "{message}");
    }

    #[test]
    fn a_wrong_type_is_an_error() {
        let text = MINIMAL.replace("trials = 4", "trials = \"four\"");
        let message = parse_text(&text).unwrap_err().to_string();
        assert!(message.contains("trials") || message.contains("four"), "{message}");
    }

    #[test]
    fn every_range_problem_is_reported_at_once() {
        let text = MINIMAL
            .replace("steps = 10", "steps = 0")
            .replace("sd = 2.0", "sd = -1.0")
            .replace("positions = 3", "positions = 0")
            .replace("[arms.best]", "[arms.best]\nbest_probability = 0.3");
        let Err(ScenarioError::Invalid { problems, .. }) = parse_text(&text) else {
            panic!("expected validation problems");
        };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert!(fields.contains(&"simulation.steps"), "{fields:?}");
        assert!(fields.contains(&"workforce.skill.sd"), "{fields:?}");
        assert!(fields.contains(&"levels[1].positions"), "{fields:?}");
        assert!(fields.contains(&"arms.best.best_probability"), "{fields:?}");
    }

    #[test]
    fn a_name_longer_than_the_bound_is_refused_and_one_at_it_is_taken() {
        let named = |name: &str| format!("name = \"{name}\"\n{MINIMAL}");
        assert_eq!(parse_text(&named(&"n".repeat(MAX_NAME_LEN))).unwrap().name.len(), MAX_NAME_LEN);
        let error = parse_text(&named(&"n".repeat(MAX_NAME_LEN + 1))).unwrap_err();
        let [problem] = error.problems() else { panic!("{error}") };
        assert_eq!((problem.kind, problem.field.as_str()), (ProblemKind::OutOfRange, "name"));
        assert!(problem.message.contains("101 bytes long"), "{}", problem.message);
        // The default name, from the file's name, is bounded the same way.
        let long_file = format!("{}.toml", "f".repeat(MAX_NAME_LEN + 1));
        assert!(parse(MINIMAL, Path::new(&long_file)).is_err());
    }

    #[test]
    fn burn_in_levers_are_own_by_default_and_an_unknown_one_is_named() {
        let config = parse_text(MINIMAL).unwrap();
        assert_eq!(config.burn_in_levers, BurnInLevers::Own);
        let shared = MINIMAL.replace("seed = 1", "seed = 1\nburn_in_levers = \"baseline\"");
        let config = parse_text(&shared).unwrap();
        assert_eq!(config.burn_in_levers, BurnInLevers::Baseline);
        assert!(!config.shares_burn_in(), "without a burn-in there is nothing to share");
        let text = MINIMAL.replace("seed = 1", "seed = 1\nburn_in_levers = \"each\"");
        let message = parse_text(&text).unwrap_err().to_string();
        assert!(message.contains("simulation.burn_in_levers") && message.contains("\"each\""), "{message}");
        assert!(message.contains("\"own\", \"baseline\""), "the allowed names: {message}");
    }

    #[test]
    fn a_missing_baseline_is_named() {
        let text = MINIMAL.replace("seed = 1", "seed = 1\nbaseline = \"nope\"");
        let message = parse_text(&text).unwrap_err().to_string();
        assert!(message.contains("simulation.baseline") && message.contains("nope"), "{message}");
    }

    #[test]
    fn alternate_is_an_even_mix_of_best_and_worst() {
        let text = MINIMAL.replace("promotion = \"random\"", "promotion = \"alternate\"");
        let config = parse_text(&text).unwrap();
        assert_eq!(config.arms[1].promotion, Promotion::Mixed { best_probability: 0.5 });
    }

    #[test]
    fn a_policy_lever_every_arm_overrides_is_a_warning() {
        let text = MINIMAL.replace(
            "[arms.best]",
            "[policy]\ncompetence = \"peter\"\n\n[arms.best]\ncompetence = \"common_sense\"",
        );
        let config = parse_text(&text).unwrap();
        assert_eq!(config.warnings, ["policy.competence has no effect: every arm sets its own competence"]);
        assert!(parse_text(MINIMAL).unwrap().warnings.is_empty());
    }

    #[test]
    fn levers_of_the_mechanisms_are_checked_where_they_are_written() {
        // Without [dynamics], a behavioural lever in [policy] is refused at its own path.
        let text = MINIMAL.replace("[arms.best]", "[policy]\ncredit_accuracy = 0.5\n\n[arms.best]");
        let error = parse_text(&text).unwrap_err();
        let fields: Vec<&str> = error.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["policy.credit_accuracy"], "{error}");
        // With the mechanism switched off, it is accepted with a warning.
        let with_dynamics = text.replace("positions = 3", "positions = 3\nkind = \"ic\"")
            + "\n[dynamics.credit]\nenabled = false\n";
        let config = parse_text(&with_dynamics).unwrap();
        assert_eq!(
            config.warnings,
            ["policy.credit_accuracy has no effect: dynamics.credit.enabled = false"]
        );
        let dual = with_dynamics.replace("promotion = \"random\"", "promotion = \"dual_track\"");
        let config = parse_text(&dual.replace("[dynamics.credit]", "[dynamics.growth]")).unwrap();
        assert!(
            config.warnings.iter().any(|w| w.contains("is just \"leadership_assessed\"")),
            "{:?}",
            config.warnings
        );
    }

    #[test]
    fn a_window_deep_in_the_tail_is_refused() {
        let text = MINIMAL.replace("mean = 7.0, sd = 2.0", "mean = 70.0, sd = 2.0");
        let message = parse_text(&text).unwrap_err().to_string();
        assert!(message.contains("workforce.skill"), "{message}");
    }
}
