//! Where a field is in a scenario file, and the words for a parser's complaint.
//!
//! Problems are named by a field path in TOML's own dotted-key syntax
//! (`levels[3].positions`, `arms."best, Peter".promotion`), so the same string is
//! what the user reads and what finds the line and column in the file.

use std::borrow::Cow;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A 1-based line and column in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

/// The line and column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> Location {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Location { line, column }
}

/// Where each line of a text starts, to turn many byte offsets into lines and
/// columns without reading the text again for each ([`line_column`] does).
pub struct LineIndex<'t> {
    text: &'t str,
    /// The byte offset of each line's start.
    starts: Vec<usize>,
    /// Whether each line is ASCII, so that its columns are its bytes.
    ascii: Vec<bool>,
}

impl<'t> LineIndex<'t> {
    /// Indexes `text`.
    pub fn new(text: &'t str) -> Self {
        let starts: Vec<usize> =
            std::iter::once(0).chain(text.match_indices('\n').map(|(index, _)| index + 1)).collect();
        let ascii = starts
            .iter()
            .zip(starts.iter().skip(1).chain(std::iter::once(&text.len())))
            .map(|(&start, &end)| text.as_bytes()[start..end].is_ascii())
            .collect();
        Self { text, starts, ascii }
    }

    /// The line and column of a byte offset, as [`line_column`] gives them.
    pub fn location(&self, offset: usize) -> Location {
        let mut end = offset.min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= end);
        let start = self.starts[line - 1];
        let column = if self.ascii[line - 1] { end - start } else { self.text[start..end].chars().count() };
        Location { line, column: column + 1 }
    }
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A key as TOML writes it: bare when it can be, quoted otherwise.
pub fn toml_key(key: &str) -> String {
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return key.to_owned();
    }
    // TOML's basic-string escapes, which `parse_path` reads back.
    let mut quoted = String::from('"');
    for c in key.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Splits `a."b c"[2].d` into its segments.
pub fn parse_path(path: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut chars = path.chars().peekable();
    let mut key = String::new();
    let flush = |key: &mut String, segments: &mut Vec<Segment>| {
        if !key.is_empty() {
            segments.push(Segment::Key(std::mem::take(key)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '.' => flush(&mut key, &mut segments),
            '"' => {
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => key.extend(chars.next()),
                        _ => key.push(q),
                    }
                }
            }
            '[' => {
                flush(&mut key, &mut segments);
                let digits: String = chars.by_ref().take_while(|&d| d != ']').collect();
                if let Ok(index) = digits.parse() {
                    segments.push(Segment::Index(index));
                }
            }
            _ => key.push(c),
        }
    }
    flush(&mut key, &mut segments);
    segments
}

/// Renders segments back into a path.
pub fn render_path(segments: &[Segment]) -> String {
    let mut path = String::new();
    for segment in segments {
        match segment {
            Segment::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&toml_key(key));
            }
            Segment::Index(index) => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// The span of the deepest part of `path` present in the document: the key of the
/// field itself when it is there, else the key of its nearest ancestor (a missing
/// field is reported where its table is).
pub fn span_of(document: &Spanned<DeTable<'_>>, path: &[Segment]) -> Option<Range<usize>> {
    let mut table = document.get_ref();
    let mut found = None;
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    for segment in path {
        match (segment, value.map(Spanned::get_ref)) {
            (Segment::Key(key), None | Some(DeValue::Table(_))) => {
                if let Some(DeValue::Table(inner)) = value.map(Spanned::get_ref) {
                    table = inner;
                }
                let Some((entry_key, entry_value)) = table.get_key_value(key.as_str()) else {
                    break;
                };
                found = Some(entry_key.span());
                value = Some(entry_value);
            }
            (Segment::Index(index), Some(DeValue::Array(array))) => {
                let Some(element) = array.get(*index) else { break };
                found = Some(element.span());
                value = Some(element);
            }
            _ => break,
        }
    }
    found
}

/// The path of the key, or value, whose span contains `span`, as deep as it goes. A
/// table's own span covers only its header, so the whole document is searched.
pub fn path_at(document: &Spanned<DeTable<'_>>, span: &Range<usize>) -> Vec<Segment> {
    fn within(outer: &Range<usize>, inner: &Range<usize>) -> bool {
        outer.start <= inner.start && inner.end <= outer.end
    }
    fn search_table(table: &DeTable<'_>, span: &Range<usize>, path: &mut Vec<Segment>) -> bool {
        for (key, value) in table.iter() {
            path.push(Segment::Key(key.get_ref().to_string()));
            if within(&key.span(), span) || search_value(value, span, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    fn search_value(value: &Spanned<DeValue<'_>>, span: &Range<usize>, path: &mut Vec<Segment>) -> bool {
        match value.get_ref() {
            // A table's span is its header (or, inline, the braces): a problem with
            // the table as a whole, such as a missing field, points there.
            DeValue::Table(table) => search_table(table, span, path) || within(&value.span(), span),
            DeValue::Array(array) => {
                array.iter().enumerate().any(|(index, element)| {
                    path.push(Segment::Index(index));
                    let found = search_value(element, span, path);
                    if !found {
                        path.pop();
                    }
                    found
                }) || within(&value.span(), span)
            }
            _ => within(&value.span(), span),
        }
    }
    let mut path = Vec::new();
    search_table(document.get_ref(), span, &mut path);
    path
}

/// A value of the type a serde message expected, to step over a wrong value: for a
/// name from a list (an enum), the first name listed.
pub fn placeholder(message: &str) -> Option<DeValue<'static>> {
    let (_, expected) = message.split_once("expected")?;
    let expected = expected.trim();
    if let Some(first) = expected_names(message).first() {
        return Some(DeValue::String(Cow::Owned((*first).to_owned())));
    }
    let literal = if ["u8", "u16", "u32", "u64", "usize", "i32", "i64", "integer"]
        .iter()
        .any(|t| expected.starts_with(t))
    {
        "1"
    } else if expected.starts_with("f64") || expected.starts_with("f32") || expected.starts_with("a float") {
        "1.0"
    } else if expected.starts_with("a boolean") {
        "true"
    } else if expected.starts_with("a string") {
        "\"\""
    } else {
        return None;
    };
    DeValue::parse(literal).ok().map(Spanned::into_inner)
}

/// The value at `path` in `table`, to change it in place.
pub fn value_mut<'a, 'i>(
    table: &'a mut DeTable<'i>,
    path: &[Segment],
) -> Option<&'a mut Spanned<DeValue<'i>>> {
    let (Segment::Key(first), rest) = path.split_first()? else { return None };
    let mut value = table.get_mut(first.as_str())?;
    for segment in rest {
        value = match (segment, value.get_mut()) {
            (Segment::Key(key), DeValue::Table(inner)) => inner.get_mut(key.as_str())?,
            (Segment::Index(index), DeValue::Array(array)) => array.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(value)
}

/// The table at `path` in `table` (`table` itself for an empty path), to change it.
pub fn table_mut<'a, 'i>(table: &'a mut DeTable<'i>, path: &[Segment]) -> Option<&'a mut DeTable<'i>> {
    if path.is_empty() {
        return Some(table);
    }
    match value_mut(table, path)?.get_mut() {
        DeValue::Table(inner) => Some(inner),
        _ => None,
    }
}

/// The path of the table whose own span (its header, or an inline table's braces)
/// is exactly `span`.
pub fn table_at(document: &Spanned<DeTable<'_>>, span: &Range<usize>) -> Option<Vec<Segment>> {
    fn search(value: &Spanned<DeValue<'_>>, span: &Range<usize>, path: &mut Vec<Segment>) -> bool {
        match value.get_ref() {
            DeValue::Table(table) => {
                value.span() == *span
                    || table.iter().any(|(key, inner)| {
                        path.push(Segment::Key(key.get_ref().to_string()));
                        let found = search(inner, span, path);
                        if !found {
                            path.pop();
                        }
                        found
                    })
            }
            DeValue::Array(array) => array.iter().enumerate().any(|(index, element)| {
                path.push(Segment::Index(index));
                let found = search(element, span, path);
                if !found {
                    path.pop();
                }
                found
            }),
            _ => false,
        }
    }
    let mut path = Vec::new();
    let found = document.get_ref().iter().any(|(key, value)| {
        path.push(Segment::Key(key.get_ref().to_string()));
        let found = search(value, span, &mut path);
        if !found {
            path.pop();
        }
        found
    });
    found.then_some(path)
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a
/// likely typo (at most a third of the word's length, and at least 1, apart).
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(word, candidate), candidate))
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, with transpositions counting one (a common typo).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut before_previous = previous.clone();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let substitution = previous[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            current[j] = substitution.min(previous[j] + 1).min(current[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = current[j].min(before_previous[j - 2] + 1);
            }
        }
        before_previous.clone_from(&previous);
        previous.clone_from(&current);
    }
    previous[b.len()]
}

/// The names a serde message lists as expected: "expected `a`, `b` or `c`",
/// "expected one of `a`, `b`".
pub fn expected_names(message: &str) -> Vec<&str> {
    // Past the complained-of word, which may itself contain "expected".
    let rest = match message.find('`') {
        Some(open) => message[open + 1..].find('`').map_or("", |close| &message[open + close + 2..]),
        None => message,
    };
    let Some((_, expected)) = rest.split_once("expected") else { return Vec::new() };
    expected.split('`').skip(1).step_by(2).collect()
}

/// The name a serde message complains about: the first backticked word.
pub fn complained_name(message: &str) -> Option<&str> {
    message.split('`').nth(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\n[simulation]\nsteps = 10\n\n[[levels]]\npositions = 1\n[[levels]]\npositions = 0\n[arms.\"best, Peter\"]\npromotion = \"best\"\n";

    #[test]
    fn paths_round_trip() {
        let path = "arms.\"best, Peter\".promotion";
        let segments = parse_path(path);
        assert_eq!(
            segments,
            vec![
                Segment::Key("arms".into()),
                Segment::Key("best, Peter".into()),
                Segment::Key("promotion".into())
            ]
        );
        assert_eq!(render_path(&segments), path);
        assert_eq!(render_path(&parse_path("levels[1].positions")), "levels[1].positions");
    }

    #[test]
    fn fields_are_found_by_path_and_paths_by_position() {
        let document = DeTable::parse(TEXT).unwrap();
        let at = |path: &str| span_of(&document, &parse_path(path)).map(|span| line_column(TEXT, span.start));
        assert_eq!(at("simulation.steps"), Some(Location { line: 3, column: 1 }));
        assert_eq!(at("levels[1].positions"), Some(Location { line: 8, column: 1 }));
        assert_eq!(at("arms.\"best, Peter\".promotion"), Some(Location { line: 10, column: 1 }));
        // A missing field is placed at its table.
        assert_eq!(at("simulation.trials").map(|l| l.line), Some(2));
        let span = span_of(&document, &parse_path("levels[1].positions")).unwrap();
        assert_eq!(render_path(&path_at(&document, &span)), "levels[1].positions");
    }

    #[test]
    fn a_line_index_places_offsets_as_line_column_does() {
        let text = "a = 1\nnämé = \"x\"\n\n[t]\nb = 2";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(index.location(offset), line_column(text, offset), "offset {offset}");
        }
    }

    #[test]
    fn a_wrong_value_is_replaced_in_place_by_one_of_the_expected_type() {
        let text = "[simulation]\nsteps = \"ten\"\n";
        let mut document = DeTable::parse(text).unwrap();
        let path = parse_path("simulation.steps");
        let slot = value_mut(document.get_mut(), &path).unwrap();
        let span = slot.span();
        let one = placeholder("invalid type: string \"ten\", expected u32").unwrap();
        *slot = Spanned::new(span.clone(), one);
        let value = value_mut(document.get_mut(), &path).unwrap();
        assert_eq!((value.span(), value.get_ref().as_integer().map(|i| i.as_str())), (span, Some("1")));
        assert!(
            matches!(placeholder("unknown variant `x`, expected `best` or `worst`"), Some(DeValue::String(name)) if name == "best")
        );
        assert!(table_mut(document.get_mut(), &parse_path("simulation")).is_some());
        assert!(table_mut(document.get_mut(), &path).is_none());
    }

    #[test]
    fn typos_get_a_suggestion() {
        let fields = ["promotion", "best_probability", "competence"];
        assert_eq!(did_you_mean("promotoin", fields), Some("promotion"));
        assert_eq!(did_you_mean("competense", fields), Some("competence"));
        assert_eq!(did_you_mean("colour", fields), None);
        let message = "unknown field `promotoin`, expected one of `promotion`, `best_probability`";
        assert_eq!(complained_name(message), Some("promotoin"));
        assert_eq!(expected_names(message), vec!["promotion", "best_probability"]);
    }
}
