//! Deserialising a parsed scenario with every problem serde meets found, not only
//! the first.
//!
//! Serde stops at the first problem, so each is stepped over and the document
//! deserialised again, until it deserialises or meets a problem that cannot be
//! stepped over (a missing field). Problems are stepped over in the parsed
//! document, never in the text, so every position reported is one of the original
//! text: an unknown field is removed, together with every other field of its table
//! that the struct does not have (serde's message lists the fields it has); a value
//! of the wrong type is replaced by a placeholder of the expected type that keeps
//! the original's span.
//!
//! Each level and each arm is deserialised on its own first, so a file of thousands
//! of levels or arms costs a few passes over each of them rather than a pass over
//! the whole file per problem. What is left is a fixed schema of about a hundred
//! fields, so the whole file is deserialised a bounded number of times, and the
//! work is linear in its size.

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue, ValueDeserializer};

use super::load::{FieldProblem, ProblemKind};
use crate::locate::{
    LineIndex, Location, Segment, complained_name, did_you_mean, expected_names, path_at, render_path,
    span_of, table_at, toml_key,
};
use crate::scenario::{RawLevel, RawLevers, RawScenario};

/// Most rounds spent on one document. Every round steps over at least one field of
/// a bounded schema, so no scenario reaches it: it only guards against a loop.
const MAX_ROUNDS: usize = 1024;

/// What toml says of a value of the wrong type for an enum.
const ENUM_WANTED: &str = "wanted string or table";
/// A name no enum of the scenario has, to learn the names it has.
const PROBE: &str = "\u{1}";

/// How much deserialising stepping over a file's problems took: the whole file's
/// rounds, and the rounds of its levels and arms, each deserialised alone.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rounds {
    /// Deserialisations of the whole file.
    pub whole: usize,
    /// Deserialisations of one level or one arm.
    pub parts: usize,
}

/// What deserialising a file found.
pub(super) struct Deserialised {
    /// The scenario, when there was no problem.
    pub raw: Option<RawScenario>,
    /// Every problem found, in the order of the file.
    pub problems: Vec<FieldProblem>,
    /// The work it took (read by the tests that hold it linear).
    #[cfg_attr(not(test), allow(dead_code))]
    pub rounds: Rounds,
}

/// Deserialises `document`, the parse of the text `lines` indexes, finding every
/// problem it can.
pub(super) fn deserialize(document: &Spanned<DeTable<'_>>, lines: &LineIndex<'_>) -> Deserialised {
    let mut working = document.clone();
    let mut problems = Vec::new();
    let mut rounds = Rounds::default();
    check_parts(&mut working, lines, &mut problems, &mut rounds.parts);
    let outcome = step_through::<RawScenario>(&mut working, &[], lines, &mut problems, &mut rounds.whole);
    // Levels and arms were read before the rest: back into the file's order.
    problems.sort_by_key(|problem| problem.location.map(|l| (l.line, l.column)));
    let raw = match outcome {
        Outcome::Clean(raw) if problems.is_empty() => Some(raw),
        _ => None,
    };
    Deserialised { raw, problems, rounds }
}

/// How deserialising one document went.
enum Outcome<T> {
    /// No problem.
    Clean(T),
    /// Problems, all stepped over: the document now deserialises.
    SteppedOver,
    /// A problem that cannot be stepped over.
    Stuck,
}

/// Checks each level and each arm that is a table alone, stepping over its problems
/// in place; one with a problem that cannot be stepped over (a missing field) is
/// then left out of the document, so that reading the rest does not meet it again.
fn check_parts(
    root: &mut Spanned<DeTable<'_>>,
    lines: &LineIndex<'_>,
    problems: &mut Vec<FieldProblem>,
    rounds: &mut usize,
) {
    let table = root.get_mut();
    if let Some(DeValue::Array(levels)) = table.get_mut("levels").map(Spanned::get_mut) {
        let keep: Vec<bool> = levels
            .iter_mut()
            .enumerate()
            .map(|(index, level)| {
                let prefix = [Segment::Key("levels".into()), Segment::Index(index)];
                check_part::<RawLevel>(level, &prefix, lines, problems, rounds)
            })
            .collect();
        if keep.contains(&false) {
            let all = std::mem::replace(levels, DeArray::new());
            *levels = all.into_iter().zip(&keep).filter(|(_, keep)| **keep).map(|(level, _)| level).collect();
        }
    }
    if let Some(DeValue::Table(arms)) = table.get_mut("arms").map(Spanned::get_mut) {
        let mut stuck = Vec::new();
        for (name, arm) in arms.iter_mut() {
            let prefix = [Segment::Key("arms".into()), Segment::Key(name.get_ref().to_string())];
            if !check_part::<RawLevers>(arm, &prefix, lines, problems, rounds) {
                stuck.push(name.get_ref().to_string());
            }
        }
        if !stuck.is_empty() {
            let stuck: std::collections::HashSet<String> = stuck.into_iter().collect();
            *arms = std::mem::take(arms)
                .into_iter()
                .filter(|(name, _)| !stuck.contains(name.get_ref().as_ref()))
                .collect();
        }
    }
}

/// Steps over the problems of one level or arm; false if one cannot be stepped
/// over (a value that is not a table is one).
fn check_part<T: DeserializeOwned>(
    value: &mut Spanned<DeValue<'_>>,
    prefix: &[Segment],
    lines: &LineIndex<'_>,
    problems: &mut Vec<FieldProblem>,
    rounds: &mut usize,
) -> bool {
    let span = value.span();
    let DeValue::Table(table) = value.get_mut() else {
        *rounds += 1;
        let Err(error) = T::deserialize(ValueDeserializer::from(value.clone())) else { return true };
        let message = error.message().trim_end();
        problems.push(FieldProblem {
            location: Some(lines.location(error.span().unwrap_or(span).start)),
            ..FieldProblem::new(kind_of(message), render_path(prefix), message)
        });
        return false;
    };
    let mut part = Spanned::new(span, std::mem::take(table));
    let outcome = step_through::<T>(&mut part, prefix, lines, problems, rounds);
    *table = part.into_inner();
    !matches!(outcome, Outcome::Stuck)
}

/// Deserialises `document` as a `T`, recording each problem (its field path under
/// `prefix`) and stepping over it, until it deserialises or is stuck.
fn step_through<T: DeserializeOwned>(
    document: &mut Spanned<DeTable<'_>>,
    prefix: &[Segment],
    lines: &LineIndex<'_>,
    problems: &mut Vec<FieldProblem>,
    rounds: &mut usize,
) -> Outcome<T> {
    let mut stepped_over = false;
    let mut replaced: Vec<Vec<Segment>> = Vec::new();
    let mut probe: Option<Vec<Segment>> = None;
    for _ in 0..MAX_ROUNDS {
        *rounds += 1;
        let whole = Spanned::new(document.span(), DeValue::Table(document.get_ref().clone()));
        let error = match T::deserialize(ValueDeserializer::from(whole)) {
            Ok(value) if !stepped_over => return Outcome::Clean(value),
            Ok(_) => return Outcome::SteppedOver,
            Err(error) => error,
        };
        stepped_over = true;
        let message = error.message().trim_end();
        let Some(span) = error.span() else {
            problems.push(FieldProblem {
                location: Some(Location { line: 1, column: 1 }),
                ..FieldProblem::new(kind_of(message), render_path(prefix), message)
            });
            return Outcome::Stuck;
        };
        let location = Some(lines.location(span.start));
        let path = path_at(document, &span);
        let full = |path: &[Segment]| render_path(&[prefix, path].concat());
        match kind_of(message) {
            ProblemKind::Missing => {
                let name = complained_name(message).unwrap_or_default();
                // Serde points at the table the field is missing from; the file's
                // own top level has no such place, so it is the start of the file.
                let table =
                    if span == document.span() { Some(Vec::new()) } else { table_at(document, &span) };
                let table = [prefix, &table.unwrap_or_default()].concat();
                let (field, location) = if table.is_empty() {
                    (toml_key(name), Some(Location { line: 1, column: 1 }))
                } else {
                    (format!("{}.{}", render_path(&table), toml_key(name)), location)
                };
                problems.push(FieldProblem {
                    location,
                    ..FieldProblem::new(ProblemKind::Missing, field, message)
                });
                return Outcome::Stuck;
            }
            ProblemKind::UnknownField => {
                let name = complained_name(message).unwrap_or_default();
                let removed = match path.split_last() {
                    Some((Segment::Key(key), parent)) if key == name => {
                        remove_unknown_fields(document, parent, prefix, message, lines, problems)
                    }
                    _ => 0,
                };
                if removed == 0 {
                    problems.push(FieldProblem {
                        location,
                        ..FieldProblem::new(ProblemKind::UnknownField, full(&path), with_suggestion(message))
                    });
                    return Outcome::Stuck;
                }
            }
            kind => {
                // A value given as a table whose key serde read as an enum's variant
                // (`promotion = { a = 1 }`): the value at fault is the table.
                let on_key = matches!(path.last(), Some(Segment::Key(_)))
                    && span_of(document, &path)
                        .is_some_and(|key| key.start <= span.start && span.end <= key.end);
                let target = if on_key && path.len() > 1 { &path[..path.len() - 1] } else { &path[..] };
                // The answer to a probe (below) names the enum's variants: the first
                // is the placeholder, and the problem was recorded already.
                let answers_probe = probe.as_deref() == Some(target) && kind == ProblemKind::UnknownValue;
                if probe.as_deref() == Some(target) && !answers_probe {
                    // Not an enum after all: its problem is recorded, and nothing is
                    // known to put in its place.
                    return Outcome::Stuck;
                }
                if !answers_probe {
                    let message = if kind == ProblemKind::UnknownValue {
                        with_suggestion(message)
                    } else {
                        message.to_owned()
                    };
                    problems
                        .push(FieldProblem { location, ..FieldProblem::new(kind, full(target), message) });
                }
                // A value of the wrong type for an enum: toml does not say which
                // names it takes, so a name that is none of them asks.
                let (placeholder, probing) = match crate::locate::placeholder(error.message()) {
                    None if message.starts_with(ENUM_WANTED) && probe.is_none() => {
                        (Some(DeValue::String(PROBE.into())), true)
                    }
                    placeholder => (placeholder, false),
                };
                let fresh = answers_probe || !replaced.iter().any(|done| done == target);
                let slot = crate::locate::value_mut(document.get_mut(), target);
                match (placeholder, slot) {
                    (Some(placeholder), Some(slot)) if fresh => {
                        *slot = Spanned::new(slot.span(), placeholder);
                        replaced.push(target.to_vec());
                        probe = probing.then(|| target.to_vec());
                    }
                    _ => return Outcome::Stuck,
                }
            }
        }
    }
    Outcome::Stuck
}

/// Removes every field of the table at `parent` that its struct does not have,
/// recording each as a problem in serde's words; returns how many were removed.
/// `message` is serde's complaint about one of them, listing the fields it has.
fn remove_unknown_fields(
    document: &mut Spanned<DeTable<'_>>,
    parent: &[Segment],
    prefix: &[Segment],
    message: &str,
    lines: &LineIndex<'_>,
    problems: &mut Vec<FieldProblem>,
) -> usize {
    let name = complained_name(message).unwrap_or_default().to_owned();
    let known: Vec<String> = expected_names(message).into_iter().map(str::to_owned).collect();
    let Some(table) = crate::locate::table_mut(document.get_mut(), parent) else { return 0 };
    let is_known = |key: &str| known.iter().any(|k| k == key);
    let unknown: Vec<(String, usize)> = table
        .iter()
        .filter(|(key, _)| !is_known(key.get_ref()))
        .map(|(key, _)| (key.get_ref().to_string(), key.span().start))
        .collect();
    *table = std::mem::take(table).into_iter().filter(|(key, _)| is_known(key.get_ref())).collect();
    for (key, start) in &unknown {
        let mut path = [prefix, parent].concat();
        path.push(Segment::Key(key.clone()));
        let own = message.replacen(&format!("`{name}`"), &format!("`{key}`"), 1);
        problems.push(FieldProblem {
            location: Some(lines.location(*start)),
            ..FieldProblem::new(ProblemKind::UnknownField, render_path(&path), with_suggestion(&own))
        });
    }
    unknown.len()
}

/// The category of a serde message.
fn kind_of(message: &str) -> ProblemKind {
    if message.starts_with("unknown field") {
        ProblemKind::UnknownField
    } else if message.starts_with("unknown variant") {
        ProblemKind::UnknownValue
    } else if message.starts_with("missing field") {
        ProblemKind::Missing
    } else {
        // "invalid type", "invalid value", and whatever else serde may say.
        ProblemKind::WrongType
    }
}

/// A message about an unknown name, with the listed name it most likely meant.
fn with_suggestion(message: &str) -> String {
    let suggestion = complained_name(message)
        .and_then(|word| did_you_mean(word, expected_names(message)))
        .map(|name| format!("; did you mean `{name}`?"))
        .unwrap_or_default();
    format!("{message}{suggestion}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MINIMAL;

    fn found(text: &str) -> Deserialised {
        let document = DeTable::parse(text).unwrap();
        deserialize(&document, &LineIndex::new(text))
    }

    fn kinds(found: &Deserialised, kind: ProblemKind) -> usize {
        found.problems.iter().filter(|p| p.kind == kind).count()
    }

    /// Stepping over each problem by deserialising the whole file again made
    /// 16,000 unknown fields take 44 s: one whole round per problem. Now every
    /// unknown field of a table goes in one round, and each level and arm is read
    /// alone, so the whole file is read a fixed number of times whatever the count.
    #[test]
    fn thousands_of_problems_cost_a_bounded_number_of_whole_rounds() {
        const N: usize = 4000;
        // Unknown fields at the top, in [simulation] and in a level.
        let mut text = MINIMAL.replace("[simulation]", "[simulation]\nstepz = 1\nseeed = 2");
        let top: String = (0..N).map(|i| format!("unknown_{i} = {i}\n")).collect();
        text = format!("{top}{text}");
        text = text.replace("positions = 3", &format!("positions = 3\n{}", top.replace("unknown", "colour")));
        let read = found(&text);
        assert_eq!(kinds(&read, ProblemKind::UnknownField), 2 * N + 2);
        assert!(read.rounds.whole <= 3, "{:?}", read.rounds);
        assert!(read.rounds.parts <= 4 + 1, "{:?}", read.rounds);
        // In the file's order, each at its own line.
        let lines: Vec<usize> = read.problems.iter().map(|p| p.location.unwrap().line).collect();
        assert!(lines.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(read.problems[0].field, "unknown_0");
        assert!(read.problems[N].field.starts_with("simulation."), "{}", read.problems[N].field);
        assert!(read.problems[N].message.contains("did you mean `steps`?"), "{}", read.problems[N].message);

        // Wrong types in thousands of levels and arms, and a level without positions.
        let levels: String = (0..N)
            .map(|i| format!("[[levels]]\npositions = \"many\"\nresponsibility = {}\n", i % 2 == 0))
            .collect();
        let arms: String = (0..N)
            .map(|i| format!("[arms.a{i}]\npromoton = \"best\"\ncompetence = 7\ncredit_accuracy = \"x\"\n"))
            .collect();
        let text = MINIMAL
            .replace("[workforce]", &format!("{levels}[[levels]]\nname = \"x\"\n[workforce]"))
            .replace("[arms.best]", &format!("{arms}[arms.best]"));
        let read = found(&text);
        assert_eq!(kinds(&read, ProblemKind::WrongType), 4 * N);
        assert_eq!(kinds(&read, ProblemKind::UnknownField), N);
        assert_eq!(kinds(&read, ProblemKind::Missing), 1);
        assert!(read.problems.iter().any(|p| p.field == format!("levels[{}].positions", N + 2)));
        assert!(read.problems.iter().any(|p| p.field == format!("arms.a{}.competence", N - 1)));
        assert!(read.rounds.whole <= 2, "{:?}", read.rounds);
        // A few rounds per level and per arm (one per problem, one to probe an enum's
        // names, one clean): linear in their number.
        assert!(read.rounds.parts <= 6 * (2 * N + 2), "{:?}", read.rounds);
    }

    /// A level that is not a table is reported at its own index, whatever is
    /// left out before it.
    #[test]
    fn a_level_that_is_not_a_table_keeps_its_index() {
        let without = MINIMAL
            .replace("[[levels]]\n        positions = 1\n        [[levels]]\n        positions = 3", "");
        assert_ne!(without, MINIMAL);
        let text = format!("levels = [{{ name = \"no positions\" }}, 5, {{ positions = 3 }}]\n{without}");
        let read = found(&text);
        let fields: Vec<&str> = read.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["levels[0].positions", "levels[1]"], "{:?}", read.problems);
        assert_eq!(read.problems[1].kind, ProblemKind::WrongType);
    }

    /// A missing field in one level stops that level, not the reading of the rest.
    #[test]
    fn a_level_without_positions_does_not_hide_the_problems_after_it() {
        let text =
            MINIMAL.replacen("positions = 1", "name = \"top\"", 1).replace("seed = 1", "seed = \"one\"");
        let read = found(&text);
        let fields: Vec<&str> = read.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["simulation.seed", "levels[0].positions"]);
        assert!(read.raw.is_none());
        assert!(found(MINIMAL).raw.is_some());
    }
}
