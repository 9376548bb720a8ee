//! Files that belong to a scenario (expectations, calibration targets): read as
//! TOML once with spans, checked field by field, and every problem collected with
//! its field path and place, as a scenario's problems are.

use toml::de::DeTable;
use toml::{Spanned, Table};

use crate::locate::{Location, did_you_mean, line_column, parse_path, span_of, toml_key};

use super::{FieldProblem, ProblemKind};

/// The file as a document with spans (to place problems) and as a plain table (to
/// read), or its syntax error, placed.
pub fn parse(text: &str) -> Result<(Spanned<DeTable<'_>>, Table), FieldProblem> {
    let document = DeTable::parse(text).map_err(|error| FieldProblem {
        kind: ProblemKind::Syntax,
        field: String::new(),
        message: error.message().trim_end().to_owned(),
        location: error.span().map(|span| line_column(text, span.start)),
    })?;
    // The text parsed, so it is a TOML table.
    let table: Table = toml::from_str(text)
        .map_err(|error| FieldProblem::new(ProblemKind::Syntax, "", error.message().trim_end()))?;
    Ok((document, table))
}

/// The problems found in one file, each placed by its field path.
pub struct Problems<'a> {
    text: &'a str,
    document: &'a Spanned<DeTable<'a>>,
    /// What was found, in the order found.
    pub found: Vec<FieldProblem>,
}

impl<'a> Problems<'a> {
    /// None yet, in `document` (parsed from `text`).
    pub fn new(text: &'a str, document: &'a Spanned<DeTable<'a>>) -> Self {
        Self { text, document, found: Vec::new() }
    }

    /// Where the value at `field` is written, if it is.
    pub fn place(&self, field: &str) -> Option<Location> {
        span_of(self.document, &parse_path(field)).map(|span| line_column(self.text, span.start))
    }

    /// Where `field` is written or, if it is absent, the nearest table around it
    /// that is (the file's start for the whole file).
    pub fn nearest_place(&self, field: &str) -> Location {
        let mut path = parse_path(field);
        let mut span = span_of(self.document, &path);
        while span.is_none() && !path.is_empty() {
            path.pop();
            span = span_of(self.document, &path);
        }
        line_column(self.text, span.map_or(0, |span| span.start))
    }

    /// Records a problem at `location`.
    pub fn push(&mut self, kind: ProblemKind, field: String, message: String, location: Option<Location>) {
        self.found.push(FieldProblem { kind, field, message, location });
    }

    /// The keys of `table` (at `prefix`) not in `known`, each with the nearest
    /// known one; `place` says where a problem at a field goes.
    pub fn unknown_keys(
        &mut self,
        table: &Table,
        prefix: &str,
        known: &[&str],
        place: impl Fn(&Self, &str) -> Option<Location>,
    ) {
        for key in table.keys().filter(|key| !known.contains(&key.as_str())) {
            let field = if prefix.is_empty() { toml_key(key) } else { format!("{prefix}.{}", toml_key(key)) };
            let hint = did_you_mean(key, known.iter().copied())
                .map_or(String::new(), |near| format!("; did you mean `{near}`?"));
            let expected = known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
            let location = place(self, &field);
            self.push(
                ProblemKind::UnknownField,
                field,
                format!("unknown field `{key}`, expected one of {expected}{hint}"),
                location,
            );
        }
    }
}
