//! Reading a scenario file into a [`Config`], with every problem located.
//!
//! The TOML is parsed once into a spanned document. [`super::deserialize`] finds
//! every problem of type and name in it (serde alone stops at the first); then
//! [`super::validate`] checks every value and reports every problem. Each problem
//! carries its category, field path, and line and column in the original text.

use std::fmt;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::DeTable;

use super::deserialize::deserialize;
use super::overrides::{self, Override};
use super::{Config, validate};
use crate::locate::{LineIndex, Location, line_column, parse_path, span_of, toml_key};

/// What kind of problem a scenario has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// Not valid TOML.
    Syntax,
    /// A field the scenario format does not have (typically a typo).
    UnknownField,
    /// A value that is not one of the allowed names (e.g. a promotion policy).
    UnknownValue,
    /// A value of the wrong type (a string for a number, ...).
    WrongType,
    /// A required field is absent.
    Missing,
    /// A value outside its documented range.
    OutOfRange,
    /// Values that contradict each other.
    Inconsistent,
}

impl ProblemKind {
    /// A short name for the category, as printed.
    pub fn name(self) -> &'static str {
        match self {
            Self::Syntax => "syntax error",
            Self::UnknownField => "unknown field",
            Self::UnknownValue => "unknown value",
            Self::WrongType => "wrong type",
            Self::Missing => "missing field",
            Self::OutOfRange => "out of range",
            Self::Inconsistent => "inconsistent",
        }
    }
}

/// One thing wrong with a scenario: its category, where it is, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The category.
    pub kind: ProblemKind,
    /// Field path in TOML's dotted-key syntax, e.g. `levels[2].positions`.
    pub field: String,
    /// What is wrong, naming the bad value.
    pub message: String,
    /// Line and column in the file, when the file is known: of the field itself,
    /// or of its table when the field is absent.
    pub location: Option<Location>,
}

impl FieldProblem {
    /// A problem not yet located in a file.
    pub fn new(kind: ProblemKind, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { kind, field: field.into(), message: message.into(), location: None }
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(Location { line, column }) = self.location {
            write!(f, "{line}:{column}: ")?;
        }
        if self.field.is_empty() {
            write!(f, "{}: {}", self.kind.name(), self.message)
        } else {
            write!(f, "{}: {}: {}", self.kind.name(), self.field, self.message)
        }
    }
}

/// Why a scenario file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file has problems; all that could be found are listed.
    #[error(
        "{path} has {} problem{}:\n{}",
        .problems.len(),
        if .problems.len() == 1 { "" } else { "s" },
        .problems.iter().map(|p| match p.location {
            // Located: `file:line:col: ...`; not (a problem of an override): `file: ...`.
            Some(_) => format!("  {}:{p}", .path.display()),
            None => format!("  {}: {p}", .path.display()),
        }).collect::<Vec<_>>().join("\n")
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<FieldProblem>,
    },
}

impl ScenarioError {
    /// The problems, for a file that could be read.
    pub fn problems(&self) -> &[FieldProblem] {
        match self {
            Self::Read { .. } => &[],
            Self::Invalid { problems, .. } => problems,
        }
    }
}

/// Reads, parses and validates a scenario file.
pub fn load(path: &Path) -> Result<Config, ScenarioError> {
    let text =
        super::read_text(path).map_err(|source| ScenarioError::Read { path: path.to_owned(), source })?;
    parse(&text, path)
}

/// Parses scenario text with overrides applied. The file is checked as written
/// first, so its own problems are located; then with the overrides, whose problems
/// are reported against the flags that caused them.
pub fn parse_with(text: &str, path: &Path, overrides: &[Override]) -> Result<Config, ScenarioError> {
    let config = parse(text, path)?;
    if overrides.is_empty() {
        return Ok(config);
    }
    let mut edited = parse_point(text, path, overrides)?;
    // A draw would replace the value set: say so rather than ignore the flag.
    let drawn = |field: &str| {
        edited
            .uncertainty
            .iter()
            .flat_map(|u| &u.parameters)
            .any(|p| parse_path(&p.field) == parse_path(field))
    };
    let problems: Vec<FieldProblem> = overrides
        .iter()
        .enumerate()
        .filter(|(_, set)| drawn(&set.field))
        .map(|(index, set)| {
            FieldProblem::new(
                ProblemKind::Inconsistent,
                set.field.clone(),
                format!(
                    "--set #{} {set} sets a field that [uncertainty] draws for every trial, which would replace \
                     it: remove the field from [uncertainty] to fix its value",
                    index + 1
                ),
            )
        })
        .collect();
    if !problems.is_empty() {
        return Err(ScenarioError::Invalid { path: path.to_owned(), problems });
    }
    // Overrides edit values, not the sweep: keep the file's.
    edited.sweep = config.sweep;
    Ok(edited)
}

/// The file with `--set` overrides: the text with the overrides applied and the
/// sweep removed, validated, each problem reported against the flag that caused it
/// (its position among the `--set` flags, and its text). Does not re-check the file
/// itself; callers have (see [`parse_with`]).
pub fn parse_point(text: &str, path: &Path, overrides: &[Override]) -> Result<Config, ScenarioError> {
    parse_point_as(text, path, overrides, &|index| format!("--set #{} {}", index + 1, overrides[index]))
}

/// [`parse_point`] for overrides that came from elsewhere than `--set` (a range,
/// a design, a parameter draw): `source(index)` names where override `index` came
/// from, in the problems it causes.
pub fn parse_point_as(
    text: &str,
    path: &Path,
    overrides: &[Override],
    source: &dyn Fn(usize) -> String,
) -> Result<Config, ScenarioError> {
    let flag = source;
    let edited = point_text(text, overrides).map_err(|error| ScenarioError::Invalid {
        path: path.to_owned(),
        problems: vec![FieldProblem::new(
            ProblemKind::UnknownField,
            error.index.map(|index| overrides[index].field.clone()).unwrap_or_default(),
            match error.index {
                Some(index) => format!("{} (from {})", error.message, flag(index)),
                None => error.message,
            },
        )],
    })?;
    let mut config = parse(&edited, path).map_err(|error| match error {
        ScenarioError::Invalid { path, problems } => ScenarioError::Invalid {
            path,
            problems: problems
                .into_iter()
                .map(|mut problem| {
                    // The override of the field at fault, else all of them.
                    let field = parse_path(&problem.field);
                    let culprits: Vec<String> = (0..overrides.len())
                        .filter(|&index| {
                            let set = parse_path(&overrides[index].field);
                            !field.is_empty() && (field.starts_with(&set) || set.starts_with(&field))
                        })
                        .map(flag)
                        .collect();
                    let culprits =
                        if culprits.is_empty() { (0..overrides.len()).map(flag).collect() } else { culprits };
                    problem.location = None;
                    problem.message = format!("{} (from {})", problem.message, culprits.join(", "));
                    problem
                })
                .collect(),
        },
        other => other,
    })?;
    config.sweep = Vec::new();
    Ok(config)
}

/// The scenario text of one point: overrides applied, the sweep removed (a point is
/// a plain run).
pub(super) fn point_text(text: &str, overrides: &[Override]) -> Result<String, overrides::OverrideError> {
    let unreadable = |message: String| overrides::OverrideError { index: None, message };
    let edited = overrides::apply(text, overrides)?;
    let mut table: toml::Table =
        toml::from_str(&edited).map_err(|error| unreadable(error.message().to_owned()))?;
    table.remove("sweep");
    // A point is run, not offered on a page: its controls were checked with the file.
    table.remove("controls");
    toml::to_string(&table).map_err(|error| unreadable(error.to_string()))
}

/// Parses and validates scenario text; `path` names it in errors and gives the
/// default scenario name.
pub fn parse(text: &str, path: &Path) -> Result<Config, ScenarioError> {
    let invalid = |problems| ScenarioError::Invalid { path: path.to_owned(), problems };
    let lines = LineIndex::new(text);
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        let problems = syntax_errors
            .iter()
            .map(|error| FieldProblem {
                kind: ProblemKind::Syntax,
                field: String::new(),
                message: error.message().trim_end().to_owned(),
                location: error.span().map(|span| lines.location(span.start)),
            })
            .collect();
        return Err(invalid(problems));
    }

    let found = deserialize(&document, &lines);
    let Some(raw) = found.raw else { return Err(invalid(found.problems)) };

    let default_name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
    match validate(raw, default_name) {
        Ok(mut config) => {
            let warnings = check_sweep(text, path, &config, &document).map_err(invalid)?;
            config.warnings.extend(warnings);
            check_uncertainty(text, path, &mut config, &document).map_err(invalid)?;
            check_controls(text, path, &config, &document).map_err(invalid)?;
            Ok(config)
        }
        Err(found) => Err(invalid(
            found
                .into_iter()
                .map(|mut problem| {
                    problem.location = span_of(&document, &parse_path(&problem.field))
                        .map(|span| lines.location(span.start))
                        .or(Some(Location { line: 1, column: 1 }));
                    problem
                })
                .collect(),
        )),
    }
}

/// The scenario text as one point: without the sections that make it a set of
/// points or say how it is shown (`[sweep]`, `[uncertainty]`, `[controls]`,
/// `simulation.replications`), the text a value is probed on. A problem in it is
/// placed at `section`.
fn single_point_text(text: &str, section: &str) -> Result<String, Vec<FieldProblem>> {
    let unreadable = |message: String| vec![FieldProblem::new(ProblemKind::Syntax, section, message)];
    let mut table: toml::Table = toml::from_str(text).map_err(|e| unreadable(e.message().to_owned()))?;
    for other in ["sweep", "controls", "uncertainty"] {
        table.remove(other);
    }
    if let Some(simulation) = table.get_mut("simulation").and_then(toml::Value::as_table_mut) {
        simulation.remove("replications");
    }
    toml::to_string(&table).map_err(|e| unreadable(e.to_string()))
}

/// An entry of a section that names a field (`[uncertainty]`, `[controls]`): where
/// its problems are placed.
struct Entry {
    field: String,
    path: String,
    location: Option<crate::locate::Location>,
}

impl Entry {
    fn of(text: &str, document: &Spanned<DeTable<'_>>, section: &str, field: &str) -> Self {
        let path = format!("{section}.{}", toml_key(field));
        let location = span_of(document, &parse_path(&path)).map(|span| line_column(text, span.start));
        Self { field: field.to_owned(), path, location }
    }

    fn problem(&self, kind: ProblemKind, message: String) -> FieldProblem {
        FieldProblem { kind, field: self.path.clone(), message, location: self.location }
    }

    /// The problems of setting the entry's field to `value` on `base` as `--set`
    /// would (`source` says where the value came from), placed at the entry.
    fn probe(&self, base: &str, path: &Path, value: toml::Value, source: &str) -> Vec<FieldProblem> {
        let set = [Override { field: self.field.clone(), value }];
        let Err(error) = parse_point_as(base, path, &set, &|_| source.to_owned()) else { return Vec::new() };
        error
            .problems()
            .iter()
            .map(|problem| {
                let message = match problem.field.as_str() {
                    "" => problem.message.clone(),
                    field => format!("{field}: {}", problem.message),
                };
                self.problem(problem.kind, message)
            })
            .collect()
    }
}

/// Gives `[uncertainty]` the text its draws are applied to, and checks both ends
/// of every distribution's support as `--set` would check them (each field alone,
/// the others at the scenario's values): a distribution that reaches outside its
/// field's valid range is refused here, placed at its entry, rather than failing
/// at some trial's draw.
fn check_uncertainty(
    text: &str,
    path: &Path,
    config: &mut Config,
    document: &Spanned<DeTable<'_>>,
) -> Result<(), Vec<FieldProblem>> {
    let Some(uncertainty) = config.uncertainty.as_mut() else { return Ok(()) };
    let base = single_point_text(text, "uncertainty")?;
    let mut problems = Vec::new();
    for parameter in &uncertainty.parameters {
        let entry = Entry::of(text, document, "uncertainty", &parameter.field);
        let (low, high) = parameter.distribution.support();
        for (end, value) in [("lower", low), ("upper", high)] {
            let source = format!("the {end} end {value} of {}", parameter.distribution.describe());
            problems.extend(entry.probe(&base, path, toml::Value::Float(value), &source));
        }
    }
    if !problems.is_empty() {
        // Both ends of an entry usually fail alike (an unknown field): say it once.
        problems.dedup_by(|a, b| a.field == b.field && a.kind == b.kind && a.kind != ProblemKind::OutOfRange);
        return Err(problems);
    }
    uncertainty.base = Some(base.into());
    uncertainty.path = path.to_owned();
    Ok(())
}

/// Checks every value a control offers (a slider's two ends, a menu's every
/// choice) as `--set` would check it, each alone with the others at the
/// scenario's values, so a page cannot offer a value the model refuses; a problem
/// is placed at the control's entry. A control of a field that `[uncertainty]`
/// draws is refused: the draw would replace whatever the page set.
fn check_controls(
    text: &str,
    path: &Path,
    config: &Config,
    document: &Spanned<DeTable<'_>>,
) -> Result<(), Vec<FieldProblem>> {
    if config.controls.is_empty() {
        return Ok(());
    }
    let base = single_point_text(text, "controls")?;
    let mut problems = Vec::new();
    for control in &config.controls {
        let entry = Entry::of(text, document, "controls", &control.field);
        let drawn = config.uncertainty.iter().flat_map(|u| &u.parameters);
        if drawn.into_iter().any(|p| parse_path(&p.field) == parse_path(&control.field)) {
            problems.push(entry.problem(
                ProblemKind::Inconsistent,
                format!(
                    "{}: [uncertainty] draws this field for every trial, which would replace the control's value",
                    control.field
                ),
            ));
            continue;
        }
        let slider = matches!(control.input, super::controls::Input::Slider { .. });
        for (index, value) in control.probes().into_iter().enumerate() {
            let shown = super::overrides::render_value(&value);
            let source = match slider {
                true => format!("the {} end {shown} of the control's range", ["lower", "upper"][index]),
                false => format!("choice {shown} of the control"),
            };
            let refused = entry.probe(&base, path, value, &source);
            if !refused.is_empty() {
                problems.extend(refused);
                // One refused value says what is wrong with the control.
                break;
            }
        }
    }
    match problems.is_empty() {
        true => Ok(()),
        false => Err(problems),
    }
}

/// Checks the file's own sweep whole ([`super::sweep::plan`]), so a sweep fails at
/// `validate` and before it starts, not at its tenth point; returns the sweep's
/// warnings. A problem is placed at its `[sweep]` line.
fn check_sweep(
    text: &str,
    path: &Path,
    config: &Config,
    document: &Spanned<DeTable<'_>>,
) -> Result<Vec<String>, Vec<FieldProblem>> {
    if config.sweep.is_empty() {
        return Ok(Vec::new());
    }
    match super::sweep::plan(text, path, &config.sweep, &[], config) {
        Ok(plan) => Ok(plan.warnings),
        Err(problem) => {
            let field = match problem.axis {
                Some(index) => format!("sweep.{}", toml_key(&config.sweep[index].field)),
                None => "sweep".to_owned(),
            };
            let location = span_of(document, &parse_path(&field)).map(|span| line_column(text, span.start));
            Err(vec![FieldProblem { kind: problem.kind, field, message: problem.message, location }])
        }
    }
}
