//! Targets files for `attrition calibrate`: the moments a fit matches, each with
//! its value, how precisely it is known and its weight, and the fields it may move
//! with their bounds.
//!
//! ```toml
//! [[target]]
//! moment = "voluntary_attrition"   # from the catalogue: a trial metric of the scenario,
//!                                  # or a moment of spells ("voluntary_attrition.level.engineer")
//! value = 0.135
//! se = 0.005                       # or tolerance = 0.01 (exactly one)
//! weight = 1.0                     # optional, default 1
//! source = "Mercer 2023-24"        # optional, shown in fit.csv
//!
//! [[fit]]
//! field = "dynamics.quits.base_rate"
//! low = 0.02
//! high = 0.5
//!
//! [[correlation]]                  # optional: two targets' errors are correlated
//! between = ["voluntary_attrition", "median_tenure"]
//! rho = -0.4                       # strictly between -1 and 1
//! source = "the same survey"       # optional
//! ```
//!
//! Every problem of the file is reported at once, each with its field path, line
//! and column, as a scenario's are.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::config::sibling::{self, Problems};
use crate::config::{Config, FieldProblem, ProblemKind, ScenarioError};
use crate::locate::did_you_mean;
use crate::metrics::TrialMetric;

use super::catalogue::SpellMoment;

const TARGET_FIELDS: [&str; 6] = ["moment", "value", "se", "tolerance", "weight", "source"];
const FIT_FIELDS: [&str; 3] = ["field", "low", "high"];
const CORRELATION_FIELDS: [&str; 3] = ["between", "rho", "source"];

/// A moment of the catalogue: what the engine measures on the baseline arm after
/// the burn-in, averaged over trials.
#[derive(Debug, Clone, PartialEq)]
pub enum Moment {
    /// A trial metric (a column of `trials.csv`), the baseline arm's mean over trials.
    Trial(TrialMetric),
    /// A moment of the spells of the event log (by level, tenure or age band, span
    /// of control, regretted share; see [`super::catalogue`]), the baseline arm's ratio
    /// pooled over its trials ([`super::catalogue::Pooled`]).
    Spell {
        /// Which.
        moment: SpellMoment,
        /// Its name in the scenario's level names.
        name: String,
    },
}

impl Moment {
    /// The spell moment `moment`, named in `config`'s level names.
    pub fn spell(moment: SpellMoment, config: &Config) -> Self {
        Self::Spell { moment, name: moment.name(&level_names(config)) }
    }

    /// The name in targets files and in `fit.csv`.
    pub fn name(&self) -> &str {
        match self {
            Self::Trial(metric) => metric.name(),
            Self::Spell { name, .. } => name,
        }
    }

    /// The unit, for tables.
    pub fn unit(&self) -> &'static str {
        match self {
            Self::Trial(metric) => metric.unit(),
            Self::Spell { moment, .. } => moment.unit(),
        }
    }

    /// The largest magnitude it can take in `config`.
    pub fn bound(&self, config: &Config) -> f64 {
        match self {
            Self::Trial(metric) => metric.accuracy(&config.frame()).0,
            Self::Spell { moment, .. } => moment.bound(config),
        }
    }

    /// Every moment a scenario can be fitted to: its trial metrics, then the
    /// moments of spells it measures.
    pub fn catalogue(config: &Config) -> Vec<Moment> {
        let trial = config.trial_metrics().iter().map(|&metric| Self::Trial(metric));
        let spells = SpellMoment::all(config.levels.len(), config.dynamics.is_some())
            .into_iter()
            .map(|moment| Self::spell(moment, config));
        trial.chain(spells).collect()
    }
}

/// The scenario's level names, top first.
pub fn level_names(config: &Config) -> Vec<&str> {
    config.levels.iter().map(|level| level.name.as_str()).collect()
}

/// How precisely a target is known: the scale its residual is measured in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Precision {
    /// A sampling standard error (of a survey, or of an HR export's rate).
    StandardError(f64),
    /// A tolerance: how far off is as bad as one standard error.
    Tolerance(f64),
    /// An HR export's count of events over `exposure` person-years: the Poisson
    /// standard error at the model's rate `λ`, `√max(λ · exposure, 1) / exposure`
    /// (never below one event's worth). At the model's rate, not the observed
    /// one: a small group that by chance saw few events would otherwise get a
    /// small error, a large weight, and pull the fit towards fewer (Neyman's
    /// chi-squared against Pearson's).
    Poisson {
        /// Person-years at risk.
        exposure: f64,
    },
    /// An HR export's share of `count` people: the binomial standard error at the
    /// model's share `p`, `√(p (1 − p) / count)`, with `p` kept half a person from 0
    /// and 1; at the model's share for the reason [`Self::Poisson`] gives.
    Binomial {
        /// People the share is of.
        count: f64,
    },
}

impl Precision {
    /// The scale of the residual, in the moment's units, when the model gives
    /// `model` (only [`Self::Poisson`] and [`Self::Binomial`] depend on it).
    pub fn scale_at(self, model: f64) -> f64 {
        match self {
            Self::StandardError(se) | Self::Tolerance(se) => se,
            Self::Poisson { exposure } => (model * exposure).max(1.0).sqrt() / exposure,
            Self::Binomial { count } => {
                let margin = 0.5 / (count + 1.0);
                let p = if model.is_finite() { model.clamp(margin, 1.0 - margin) } else { 0.5 };
                (p * (1.0 - p) / count).sqrt()
            }
        }
    }

    /// What kind it is, as `fit.csv` names it.
    pub fn kind(self) -> &'static str {
        match self {
            Self::StandardError(_) => "se",
            Self::Tolerance(_) => "tolerance",
            Self::Poisson { .. } => "poisson",
            Self::Binomial { .. } => "binomial",
        }
    }
}

/// One validated target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// What is matched.
    pub moment: Moment,
    /// The value to match, in the moment's units.
    pub value: f64,
    /// How precisely the value is known.
    pub precision: Precision,
    /// Relative weight in the distance (positive).
    pub weight: f64,
    /// Where the value comes from; empty when not given.
    pub source: String,
    /// How many of the model's trials the data behind the value amount to: an HR
    /// export's person-years over one trial's position-years (its headcount over
    /// the positions, for a moment of the last day). With it the residuals'
    /// covariance takes the model's own spread of the moment over a sample that
    /// size when that exceeds the precision: a firm's employees share its history,
    /// which a count's Poisson or binomial error leaves out. `None` for a published
    /// target.
    pub trials_worth: Option<f64>,
}

/// A field the fit may move, and its bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// Field path in TOML's dotted-key syntax, as `--set` takes.
    pub field: String,
    /// Lowest value tried.
    pub low: f64,
    /// Highest value tried.
    pub high: f64,
}

/// A stated correlation between the errors of two of a file's targets (two
/// figures from one survey, or one computed from the other's data): without one,
/// the published targets are independent.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// The two targets, as indices into [`TargetsFile::targets`], first below second.
    pub between: (usize, usize),
    /// The correlation of their errors, strictly between -1 and 1.
    pub rho: f64,
    /// Where it comes from; empty when not given.
    pub source: String,
}

/// A validated targets file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TargetsFile {
    /// The targets, in file order.
    pub targets: Vec<Target>,
    /// The fields to fit with their bounds, in file order (the command line may add
    /// to them or replace their bounds).
    pub fit: Vec<Bound>,
    /// The stated correlations between the targets' errors, in file order; together
    /// they form a positive semi-definite correlation matrix (checked).
    pub correlations: Vec<Correlation>,
}

impl TargetsFile {
    /// The correlation matrix of the targets' errors, one row and column per
    /// target: the identity with the stated correlations written in.
    pub fn correlation(&self) -> Vec<Vec<f64>> {
        let mut matrix = super::covariance::independent(self.targets.len());
        for correlation in &self.correlations {
            let (a, b) = correlation.between;
            matrix[a][b] = correlation.rho;
            matrix[b][a] = correlation.rho;
        }
        matrix
    }
}

/// Why a targets file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetsError {
    /// The file could not be read.
    #[error("cannot read targets file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file has problems, every one found listed with its line and column.
    #[error("targets file {0}")]
    Invalid(ScenarioError),
}

impl TargetsError {
    /// The problems, for a file that could be read.
    pub fn problems(&self) -> &[FieldProblem] {
        match self {
            Self::Read { .. } => &[],
            Self::Invalid(error) => error.problems(),
        }
    }
}

/// The scenario a targets file `x.targets.toml` calibrates by its name: `x.toml`
/// beside it, else in the directory above (`scenarios/calibration/tech_org.targets.toml`
/// calibrates `scenarios/tech_org.toml`); `None` for another name.
pub fn scenario_beside(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".targets.toml")?;
    let beside = path.with_file_name(format!("{stem}.toml"));
    let above = path.parent().and_then(Path::parent).map(|parent| parent.join(format!("{stem}.toml")));
    match above {
        Some(above) if !beside.exists() && above.exists() => Some(above),
        _ => Some(beside),
    }
}

/// Reads and validates a targets file against the scenario it calibrates, and
/// returns it with its text as read (which `calibrate` keeps beside its results).
pub fn load(path: &Path, config: &Config) -> Result<(TargetsFile, String), TargetsError> {
    let text = crate::config::read_text(path)
        .map_err(|source| TargetsError::Read { path: path.to_owned(), source })?;
    parse(&text, path, config).map(|file| (file, text))
}

/// Parses and validates targets text; `path` names it in errors.
pub fn parse(text: &str, path: &Path, config: &Config) -> Result<TargetsFile, TargetsError> {
    let invalid =
        |problems| TargetsError::Invalid(ScenarioError::Invalid { path: PathBuf::from(path), problems });
    let (document, table) = sibling::parse(text).map_err(|problem| invalid(vec![problem]))?;
    let mut checker = Checker { problems: Problems::new(text, &document), config };
    let file = checker.file(&table);
    let found = checker.problems.found;
    if found.is_empty() { Ok(file) } else { Err(invalid(found)) }
}

/// Collects the problems of one file, each located by its field path.
struct Checker<'a> {
    problems: Problems<'a>,
    config: &'a Config,
}

impl Checker<'_> {
    /// A problem at `field`, placed where it is written or, if it is absent, at
    /// the table it belongs in.
    fn problem(&mut self, kind: ProblemKind, field: String, message: String) {
        let location = Some(self.problems.nearest_place(&field));
        self.problems.push(kind, field, message, location);
    }

    fn unknown_keys(&mut self, table: &Table, prefix: &str, known: &[&str]) {
        self.problems
            .unknown_keys(table, prefix, known, |problems, field| Some(problems.nearest_place(field)));
    }

    /// The tables of an array of tables `[[key]]`.
    fn tables<'v>(&mut self, table: &'v Table, key: &str) -> Vec<(String, &'v Table)> {
        let items = match table.get(key) {
            Some(Value::Array(items)) => items.as_slice(),
            Some(other) => {
                self.problem(
                    ProblemKind::WrongType,
                    key.to_owned(),
                    format!("a {}, expected [[{key}]] tables", other.type_str()),
                );
                return Vec::new();
            }
            None => &[],
        };
        let mut tables = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let field = format!("{key}[{index}]");
            match item {
                Value::Table(item) => tables.push((field, item)),
                other => self.problem(
                    ProblemKind::WrongType,
                    field,
                    format!("a {}, expected a table ([[{key}]])", other.type_str()),
                ),
            }
        }
        tables
    }

    fn file(&mut self, table: &Table) -> TargetsFile {
        self.unknown_keys(table, "", &["target", "fit", "correlation"]);
        let targets = self.tables(table, "target");
        if targets.is_empty() && !matches!(table.get("target"), Some(v) if !v.is_array()) {
            self.problem(
                ProblemKind::Missing,
                "target".to_owned(),
                "the file holds no target: write one [[target]] table per moment to match".to_owned(),
            );
        }
        let mut file = TargetsFile::default();
        let mut fields: Vec<(String, String)> = Vec::new();
        for (field, target) in targets {
            if let Some(target) = self.target(&field, target) {
                if let Some((first, _)) = fields.iter().find(|(_, moment)| moment == target.moment.name()) {
                    self.problem(
                        ProblemKind::Inconsistent,
                        format!("{field}.moment"),
                        format!(
                            "{:?} is also the moment of {first}: give each moment one target",
                            target.moment.name()
                        ),
                    );
                    continue;
                }
                fields.push((field, target.moment.name().to_owned()));
                file.targets.push(target);
            }
        }
        for (field, bound) in self.tables(table, "fit") {
            if let Some(bound) = self.bound(&field, bound) {
                if let Some(first) = file.fit.iter().position(|b| b.field == bound.field) {
                    self.problem(
                        ProblemKind::Inconsistent,
                        format!("{field}.field"),
                        format!("{:?} is also fitted by fit[{first}]: fit each field once", bound.field),
                    );
                    continue;
                }
                file.fit.push(bound);
            }
        }
        // The moments every [[target]] names, valid or not: a correlation naming a
        // target that has its own problem adds none of its own.
        let written: Vec<&str> = match table.get("target") {
            Some(Value::Array(items)) => {
                items.iter().filter_map(|item| item.as_table()?.get("moment")?.as_str()).collect()
            }
            _ => Vec::new(),
        };
        for (field, stated) in self.tables(table, "correlation") {
            let Some(correlation) = self.correlation(&field, stated, &file.targets, &written) else {
                continue;
            };
            if let Some(first) = file.correlations.iter().position(|c| c.between == correlation.between) {
                self.problem(
                    ProblemKind::Inconsistent,
                    format!("{field}.between"),
                    format!("this pair's correlation is also stated by correlation[{first}]: state it once"),
                );
                continue;
            }
            file.correlations.push(correlation);
        }
        if !file.correlations.is_empty() {
            let smallest = super::covariance::positive_semidefinite(&file.correlation()).smallest;
            if smallest < -super::covariance::ROUNDING {
                self.problem(
                    ProblemKind::Inconsistent,
                    "correlation".to_owned(),
                    format!(
                        "these correlations cannot all hold at once: their matrix has a negative eigenvalue \
                         ({smallest:.3}); a correlation implied by two others is stated beyond what they allow"
                    ),
                );
            }
        }
        file
    }

    /// One `[[correlation]]`: two distinct targets of the file and a correlation
    /// strictly between -1 and 1.
    fn correlation(
        &mut self,
        prefix: &str,
        stated: &Table,
        targets: &[Target],
        written: &[&str],
    ) -> Option<Correlation> {
        self.unknown_keys(stated, prefix, &CORRELATION_FIELDS);
        let field = format!("{prefix}.between");
        let names: Option<Vec<&str>> = match stated.get("between") {
            Some(Value::Array(items)) => {
                let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                match names {
                    Some(names) if names.len() == 2 => Some(names),
                    _ => {
                        self.problem(
                            ProblemKind::WrongType,
                            field.clone(),
                            "expected two moments, e.g. between = [\"voluntary_attrition\", \"median_tenure\"]"
                                .to_owned(),
                        );
                        None
                    }
                }
            }
            Some(other) => {
                self.problem(
                    ProblemKind::WrongType,
                    field.clone(),
                    format!("a {}, expected an array of two moments", other.type_str()),
                );
                None
            }
            None => {
                self.problem(ProblemKind::Missing, field.clone(), "missing field `between`".to_owned());
                None
            }
        };
        let rho = self.number(stated, format!("{prefix}.rho"), true);
        let source = self.string(stated, format!("{prefix}.source"), false).unwrap_or_default().to_owned();
        if let Some(rho) = rho
            && !(-1.0 < rho && rho < 1.0)
        {
            self.problem(
                ProblemKind::OutOfRange,
                format!("{prefix}.rho"),
                format!(
                    "{rho}: a correlation is strictly between -1 and 1 (targets correlated at ±1 are one)"
                ),
            );
            return None;
        }
        let names = names?;
        if names[0] == names[1] {
            self.problem(
                ProblemKind::Inconsistent,
                field,
                format!("{:?} twice: a correlation is between two different targets", names[0]),
            );
            return None;
        }
        let mut indices = Vec::new();
        for name in &names {
            match targets.iter().position(|target| target.moment.name() == *name) {
                Some(index) => indices.push(index),
                // That target has its own problem, already reported.
                None if written.contains(name) => return None,
                None => {
                    let known: Vec<&str> = targets.iter().map(|target| target.moment.name()).collect();
                    let hint = did_you_mean(name, known.iter().copied())
                        .map_or(String::new(), |near| format!("; did you mean {near:?}?"));
                    self.problem(
                        ProblemKind::UnknownValue,
                        field.clone(),
                        format!("{name:?} is the moment of no [[target]] of this file{hint}"),
                    );
                    return None;
                }
            }
        }
        let between = (indices[0].min(indices[1]), indices[0].max(indices[1]));
        Some(Correlation { between, rho: rho?, source })
    }

    fn string<'v>(&mut self, table: &'v Table, field: String, required: bool) -> Option<&'v str> {
        let key = field.rsplit('.').next().unwrap_or_default().to_owned();
        match table.get(&key) {
            Some(Value::String(text)) => Some(text),
            Some(other) => {
                self.problem(
                    ProblemKind::WrongType,
                    field,
                    format!("a {}, expected a string", other.type_str()),
                );
                None
            }
            None => {
                if required {
                    self.problem(ProblemKind::Missing, field, format!("missing field `{key}`"));
                }
                None
            }
        }
    }

    /// A finite number, if present (or a problem if required).
    fn number(&mut self, table: &Table, field: String, required: bool) -> Option<f64> {
        let key = field.rsplit('.').next().unwrap_or_default().to_owned();
        let number = match table.get(&key) {
            Some(Value::Float(number)) => *number,
            Some(Value::Integer(number)) => *number as f64,
            Some(other) => {
                self.problem(
                    ProblemKind::WrongType,
                    field,
                    format!("a {}, expected a number", other.type_str()),
                );
                return None;
            }
            None => {
                if required {
                    self.problem(ProblemKind::Missing, field, format!("missing field `{key}`"));
                }
                return None;
            }
        };
        if number.is_finite() {
            Some(number)
        } else {
            self.problem(ProblemKind::OutOfRange, field, format!("{number} is not a finite number"));
            None
        }
    }

    /// A number that must be above zero, if present.
    fn positive(&mut self, table: &Table, field: String, why: &str) -> Option<f64> {
        let number = self.number(table, field.clone(), false)?;
        if number > 0.0 {
            Some(number)
        } else {
            self.problem(ProblemKind::OutOfRange, field, format!("{number} must be above 0: {why}"));
            None
        }
    }

    fn target(&mut self, prefix: &str, target: &Table) -> Option<Target> {
        self.unknown_keys(target, prefix, &TARGET_FIELDS);
        let moment = self
            .string(target, format!("{prefix}.moment"), true)
            .and_then(|name| self.moment(name, format!("{prefix}.moment")));
        let value = self.number(target, format!("{prefix}.value"), true);
        let se = self.positive(target, format!("{prefix}.se"), "a standard error measures the residual");
        let tolerance =
            self.positive(target, format!("{prefix}.tolerance"), "a tolerance measures the residual");
        let precision = match (target.contains_key("se"), target.contains_key("tolerance")) {
            (true, true) => {
                self.problem(
                    ProblemKind::Inconsistent,
                    format!("{prefix}.tolerance"),
                    "give either `se` or `tolerance`, not both".to_owned(),
                );
                None
            }
            (false, false) => {
                self.problem(
                    ProblemKind::Missing,
                    prefix.to_owned(),
                    "say how precisely the value is known: give `se` (a standard error) or `tolerance`"
                        .to_owned(),
                );
                None
            }
            (true, false) => se.map(Precision::StandardError),
            (false, true) => tolerance.map(Precision::Tolerance),
        };
        let weight = match target.contains_key("weight") {
            true => self.positive(
                target,
                format!("{prefix}.weight"),
                "a target of no weight is no target (remove it)",
            ),
            false => Some(1.0),
        };
        let source = self.string(target, format!("{prefix}.source"), false).unwrap_or_default().to_owned();
        let (moment, value, precision, weight) = (moment?, value?, precision?, weight?);
        let bound = moment.bound(self.config);
        if value.abs() > bound {
            self.problem(
                ProblemKind::OutOfRange,
                format!("{prefix}.value"),
                format!("{value} is beyond anything {} can be in this scenario (±{bound})", moment.name()),
            );
            return None;
        }
        Some(Target { moment, value, precision, weight, source, trials_worth: None })
    }

    fn moment(&mut self, name: &str, field: String) -> Option<Moment> {
        let catalogue = Moment::catalogue(self.config);
        let found = catalogue.iter().find(|moment| moment.name() == name).cloned();
        if found.is_none() {
            let known: Vec<&str> = catalogue.iter().map(|m| m.name()).collect();
            let hint = did_you_mean(name, known.iter().copied())
                .map_or(String::new(), |near| format!("; did you mean {near:?}?"));
            let levels = level_names(self.config);
            let behavioural = SpellMoment::all(levels.len(), true).iter().any(|m| m.name(&levels) == name);
            let why = match (TrialMetric::from_name(name), behavioural) {
                (Some(_), _) | (_, true) => "is not measured in a scenario without [dynamics]".to_owned(),
                _ => "is not a moment of the catalogue".to_owned(),
            };
            self.problem(
                ProblemKind::UnknownValue,
                field,
                format!("{name:?} {why}{hint}; the catalogue: {}", known.join(", ")),
            );
        }
        found
    }

    fn bound(&mut self, prefix: &str, bound: &Table) -> Option<Bound> {
        self.unknown_keys(bound, prefix, &FIT_FIELDS);
        let field = self.string(bound, format!("{prefix}.field"), true).map(str::to_owned);
        if let Some(name) = &field
            && let Err(message) = crate::config::overrides::parse_set(&format!("{name}=0"))
        {
            self.problem(ProblemKind::UnknownValue, format!("{prefix}.field"), message);
            return None;
        }
        let low = self.number(bound, format!("{prefix}.low"), true);
        let high = self.number(bound, format!("{prefix}.high"), true);
        let (field, low, high) = (field?, low?, high?);
        if low >= high {
            self.problem(
                ProblemKind::Inconsistent,
                format!("{prefix}.high"),
                format!("[{low}, {high}]: the high bound must be above the low one"),
            );
            return None;
        }
        Some(Bound { field, low, high })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        crate::config::parse(
            &format!(
                "{}\n[dynamics]\n",
                crate::config::MINIMAL.replace("positions = 3", "positions = 3\nkind = \"ic\"")
            ),
            Path::new("m.toml"),
        )
        .unwrap()
    }

    const GOOD: &str = r#"
[[target]]
moment = "voluntary_attrition"
value = 0.135
se = 0.005
source = "Mercer"

[[target]]
moment = "median_tenure"
value = 3.9
tolerance = 0.4
weight = 2

[[fit]]
field = "dynamics.quits.base_rate"
low = 0.01
high = 0.5
"#;

    #[test]
    fn export_precisions_are_taken_at_the_model_s_value() {
        let rate = Precision::Poisson { exposure: 100.0 };
        assert!((rate.scale_at(0.2) - 20f64.sqrt() / 100.0).abs() < 1e-15);
        // Never below one event's worth, however low the model's rate.
        assert_eq!(rate.scale_at(0.0), 0.01);
        let share = Precision::Binomial { count: 100.0 };
        assert!((share.scale_at(0.5) - 0.05).abs() < 1e-15);
        // Half a person from 0: a model that never gives the share still has an error.
        let edge: f64 = 0.5 / 101.0;
        assert!((share.scale_at(0.0) - (edge * (1.0 - edge) / 100.0).sqrt()).abs() < 1e-15);
        assert!((share.scale_at(0.0) - share.scale_at(1.0)).abs() < 1e-15);
        assert_eq!(Precision::StandardError(0.3).scale_at(0.9), 0.3);
        assert_eq!((rate.kind(), share.kind()), ("poisson", "binomial"));
    }

    #[test]
    fn a_good_file_reads() {
        let file = parse(GOOD, Path::new("t.toml"), &config()).unwrap();
        assert_eq!(file.targets.len(), 2);
        assert_eq!(file.targets[0].precision, Precision::StandardError(0.005));
        assert_eq!(file.targets[0].weight, 1.0);
        assert_eq!(file.targets[1].precision.scale_at(f64::NAN), 0.4);
        assert_eq!(file.targets[1].weight, 2.0);
        assert_eq!(file.fit, vec![Bound { field: "dynamics.quits.base_rate".into(), low: 0.01, high: 0.5 }]);
    }

    #[test]
    fn stated_correlations_fill_the_targets_correlation_matrix() {
        let text = format!(
            "{GOOD}[[correlation]]\nbetween = [\"median_tenure\", \"voluntary_attrition\"]\nrho = -0.4\nsource = \"one survey\"\n"
        );
        let file = parse(&text, Path::new("t.toml"), &config()).unwrap();
        assert_eq!(
            file.correlations,
            vec![Correlation { between: (0, 1), rho: -0.4, source: "one survey".into() }]
        );
        assert_eq!(file.correlation(), vec![vec![1.0, -0.4], vec![-0.4, 1.0]]);
        // Without any, the published targets are independent.
        let plain = parse(GOOD, Path::new("t.toml"), &config()).unwrap();
        assert_eq!(plain.correlation(), vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
    }

    /// A correlation naming a target that is itself malformed adds no problem of
    /// its own: the target's is the one to mend.
    #[test]
    fn a_correlation_of_a_broken_target_is_not_reported_twice() {
        let text = GOOD.replace("value = 3.9", "value = \"3.9\"")
            + "[[correlation]]\nbetween = [\"median_tenure\", \"voluntary_attrition\"]\nrho = 0.3\n";
        let error = parse(&text, Path::new("t.toml"), &config()).unwrap_err();
        let fields: Vec<&str> = error.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["target[1].value"]);
    }

    /// Each malformed file, the field its problem names, and a word of why.
    #[test]
    fn malformed_files_are_located() {
        let cases: &[(&str, &str, &str, &str)] = &[
            ("syntax", "[[target]\n", "", "syntax"),
            ("no target", "[[fit]]\nfield = \"a.b\"\nlow = 0\nhigh = 1\n", "target", "no target"),
            ("unknown top key", "extra = 1\n", "extra", "unknown field"),
            ("target not tables", "target = 3\n", "target", "expected [[target]]"),
            (
                "unknown target key",
                "[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\nse = 0.1\nsee = 1\n",
                "target[0].see",
                "did you mean `se`",
            ),
            ("missing moment", "[[target]]\nvalue = 0.5\nse = 0.1\n", "target[0].moment", "missing"),
            (
                "unknown moment",
                "[[target]]\nmoment = \"voluntary_attriton\"\nvalue = 0.5\nse = 0.1\n",
                "target[0].moment",
                "did you mean \"voluntary_attrition\"",
            ),
            (
                "unknown band",
                "[[target]]\nmoment = \"voluntary_attrition.tenure.<2\"\nvalue = 0.5\nse = 0.1\n",
                "target[0].moment",
                "did you mean \"voluntary_attrition.tenure.<1\"",
            ),
            (
                "misspelt spell moment",
                "[[target]]\nmoment = \"regreted_share\"\nvalue = 0.5\nse = 0.1\n",
                "target[0].moment",
                "did you mean \"regretted_share\"",
            ),
            (
                "a share above one",
                "[[target]]\nmoment = \"regretted_share\"\nvalue = 1.5\nse = 0.1\n",
                "target[0].value",
                "beyond",
            ),
            (
                "moment not a string",
                "[[target]]\nmoment = 3\nvalue = 0.5\nse = 0.1\n",
                "target[0].moment",
                "expected a string",
            ),
            (
                "missing value",
                "[[target]]\nmoment = \"mean_engagement\"\nse = 0.1\n",
                "target[0].value",
                "missing",
            ),
            (
                "value a string",
                "[[target]]\nmoment = \"mean_engagement\"\nvalue = \"0.5\"\nse = 0.1\n",
                "target[0].value",
                "expected a number",
            ),
            (
                "value not finite",
                "[[target]]\nmoment = \"mean_engagement\"\nvalue = nan\nse = 0.1\n",
                "target[0].value",
                "finite",
            ),
            (
                "value beyond the moment",
                "[[target]]\nmoment = \"mean_engagement\"\nvalue = 5\nse = 0.1\n",
                "target[0].value",
                "beyond",
            ),
            ("no precision", "[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\n", "target[0]", "`se`"),
            (
                "both precisions",
                "[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\nse = 0.1\ntolerance = 0.1\n",
                "target[0].tolerance",
                "not both",
            ),
            (
                "zero se",
                "[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\nse = 0\n",
                "target[0].se",
                "above 0",
            ),
            (
                "negative tolerance",
                "[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\ntolerance = -1\n",
                "target[0].tolerance",
                "above 0",
            ),
            (
                "zero weight",
                "[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\nse = 0.1\nweight = 0\n",
                "target[0].weight",
                "no weight",
            ),
            (
                "repeated moment",
                "[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\nse = 0.1\n[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.6\nse = 0.1\n",
                "target[1].moment",
                "also the moment",
            ),
            (
                "fit without field",
                "[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\nse = 0.1\n[[fit]]\nlow = 0\nhigh = 1\n",
                "fit[0].field",
                "missing",
            ),
            (
                "fit bounds reversed",
                "[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\nse = 0.1\n[[fit]]\nfield = \"dynamics.quits.base_rate\"\nlow = 1\nhigh = 0.5\n",
                "fit[0].high",
                "above the low",
            ),
            (
                "fit the sweep",
                "[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\nse = 0.1\n[[fit]]\nfield = \"sweep.x\"\nlow = 0\nhigh = 1\n",
                "fit[0].field",
                "sweep",
            ),
            (
                "fit twice",
                "[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\nse = 0.1\n[[fit]]\nfield = \"a.b\"\nlow = 0\nhigh = 1\n[[fit]]\nfield = \"a.b\"\nlow = 0\nhigh = 2\n",
                "fit[1].field",
                "fit each field once",
            ),
            (
                "correlation without between",
                &format!("{GOOD}[[correlation]]\nrho = 0.3\n"),
                "correlation[0].between",
                "missing",
            ),
            (
                "correlation of one moment",
                &format!("{GOOD}[[correlation]]\nbetween = [\"median_tenure\"]\nrho = 0.3\n"),
                "correlation[0].between",
                "two moments",
            ),
            (
                "correlation between a moment and itself",
                &format!(
                    "{GOOD}[[correlation]]\nbetween = [\"median_tenure\", \"median_tenure\"]\nrho = 0.3\n"
                ),
                "correlation[0].between",
                "two different targets",
            ),
            (
                "correlation naming no target",
                &format!(
                    "{GOOD}[[correlation]]\nbetween = [\"median_tenure\", \"mean_engagement\"]\nrho = 0.3\n"
                ),
                "correlation[0].between",
                "no [[target]]",
            ),
            (
                "correlation of one",
                &format!(
                    "{GOOD}[[correlation]]\nbetween = [\"median_tenure\", \"voluntary_attrition\"]\nrho = 1\n"
                ),
                "correlation[0].rho",
                "strictly between -1 and 1",
            ),
            (
                "correlation without rho",
                &format!("{GOOD}[[correlation]]\nbetween = [\"median_tenure\", \"voluntary_attrition\"]\n"),
                "correlation[0].rho",
                "missing",
            ),
            (
                "correlation stated twice",
                &format!(
                    "{GOOD}[[correlation]]\nbetween = [\"median_tenure\", \"voluntary_attrition\"]\nrho = 0.2\n\
                     [[correlation]]\nbetween = [\"voluntary_attrition\", \"median_tenure\"]\nrho = 0.3\n"
                ),
                "correlation[1].between",
                "state it once",
            ),
            (
                "correlations that cannot hold together",
                &format!(
                    "{GOOD}[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\nse = 0.1\n\
                     [[correlation]]\nbetween = [\"median_tenure\", \"voluntary_attrition\"]\nrho = 0.9\n\
                     [[correlation]]\nbetween = [\"median_tenure\", \"mean_engagement\"]\nrho = 0.9\n\
                     [[correlation]]\nbetween = [\"voluntary_attrition\", \"mean_engagement\"]\nrho = -0.9\n"
                ),
                "correlation",
                "cannot all hold at once",
            ),
        ];
        for (what, text, field, why) in cases {
            let error = parse(text, Path::new("t.toml"), &config()).expect_err(what);
            let problems = error.problems();
            let problem = problems
                .iter()
                .find(|p| p.field == *field)
                .unwrap_or_else(|| panic!("{what}: no problem at {field:?} in {problems:?}"));
            let shown = problem.to_string();
            assert!(shown.contains(why), "{what}: {shown:?} does not say {why:?}");
            assert!(problem.location.is_some(), "{what}: {shown:?} has no line and column");
        }
    }

    #[test]
    fn moments_of_spells_are_named_in_the_scenario_s_levels() {
        let config = config();
        let bottom = &config.levels[1].name;
        let text = format!(
            "[[target]]\nmoment = \"voluntary_attrition.level.{bottom}\"\nvalue = 0.1\nse = 0.01\n\
             [[target]]\nmoment = \"span_of_control\"\nvalue = 3\ntolerance = 0.5\n"
        );
        let file = parse(&text, Path::new("t.toml"), &config).unwrap();
        assert_eq!(
            file.targets[0].moment,
            Moment::spell(SpellMoment::VoluntaryAttrition(super::super::catalogue::Group::Level(1)), &config)
        );
        assert_eq!(file.targets[1].moment.unit(), "direct reports");
        let peter = crate::config::parse(crate::config::MINIMAL, Path::new("m.toml")).unwrap();
        let error = parse(&text, Path::new("t.toml"), &peter).unwrap_err();
        assert!(error.to_string().contains("without [dynamics]"), "{error}");
        assert_eq!(error.problems().len(), 1, "the span is measured without [dynamics]: {error}");
    }

    #[test]
    fn a_behavioural_moment_is_refused_without_dynamics() {
        let peter = crate::config::parse(crate::config::MINIMAL, Path::new("m.toml")).unwrap();
        let text = "[[target]]\nmoment = \"mean_engagement\"\nvalue = 0.5\nse = 0.1\n";
        let error = parse(text, Path::new("t.toml"), &peter).unwrap_err();
        assert!(error.to_string().contains("without [dynamics]"), "{error}");
    }
}
