//! Where a field is in a scenario file, and the words for a parser's complaint.
//!
//! Problems are named by a field path in TOML's own dotted-key syntax
//! (`levels[3].positions`, `arms."best, Peter".promotion`), so the same string is
//! what the user reads and what finds the line and column in the file.

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
                let Some((entry_key, entry_value)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == key)
                else {
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

/// Every span that makes up the entry at `path`: from its key to the end of its
/// value, and, for a table, each of its own entries and sub-tables (a table written
/// as `[header]` has its entries elsewhere in the text than its header).
pub fn entry_spans(document: &Spanned<DeTable<'_>>, path: &[Segment]) -> Option<Vec<Range<usize>>> {
    fn whole(key: Range<usize>, value: Range<usize>) -> Range<usize> {
        key.start.min(value.start)..key.end.max(value.end)
    }
    fn collect(value: &Spanned<DeValue<'_>>, spans: &mut Vec<Range<usize>>) {
        match value.get_ref() {
            DeValue::Table(table) => {
                for (key, inner) in table.iter() {
                    spans.push(whole(key.span(), inner.span()));
                    collect(inner, spans);
                }
            }
            DeValue::Array(array) => {
                for element in array.iter() {
                    spans.push(element.span());
                    collect(element, spans);
                }
            }
            _ => {}
        }
    }
    let (Segment::Key(last), parents) = path.split_last()? else { return None };
    let mut table = document.get_ref();
    let mut parents = parents.iter().peekable();
    while let Some(segment) = parents.next() {
        let Segment::Key(key) = segment else { return None };
        let mut value = table.get(key.as_str())?.get_ref();
        // An array of tables: the next segment picks the element.
        if let (DeValue::Array(array), Some(Segment::Index(index))) = (value, parents.peek()) {
            value = array.get(*index)?.get_ref();
            parents.next();
        }
        match value {
            DeValue::Table(inner) => table = inner,
            _ => return None,
        }
    }
    let (key, value) = table.get_key_value(last.as_str())?;
    let mut spans = vec![whole(key.span(), value.span())];
    collect(value, &mut spans);
    Some(spans)
}

/// Widens each span of an entry so that blanking it leaves valid TOML: an entry
/// that starts its line (`key = value`, `a.b = 1`, a `[table]` header) takes its
/// whole lines; an entry inside an inline table takes one neighbouring comma.
pub fn widen_entry_spans(text: &str, spans: &mut [Range<usize>]) {
    let bytes = text.as_bytes();
    for span in spans.iter_mut() {
        let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let before = text[line_start..span.start].trim();
        if before.is_empty() || before == "[" || before == "[[" {
            let line_end = text[span.end..].find('\n').map_or(text.len(), |i| span.end + i);
            *span = line_start..line_end;
            continue;
        }
        // Inside an inline table: take the comma after, else the one before.
        let mut end = span.end;
        while end < bytes.len() && bytes[end] == b' ' {
            end += 1;
        }
        if end < bytes.len() && bytes[end] == b',' {
            span.end = end + 1;
        } else {
            let mut start = span.start;
            while start > 0 && bytes[start - 1] == b' ' {
                start -= 1;
            }
            if start > 0 && bytes[start - 1] == b',' {
                span.start = start - 1;
            }
        }
    }
}

/// Overwrites `spans` of `text` in place: with `replacement` padded with spaces to
/// the same length (or longer, if it cannot fit), or with spaces. Newlines are kept,
/// so every line keeps its number.
pub fn overwrite(text: &mut String, spans: &[Range<usize>], replacement: Option<&str>) {
    let mut bytes = std::mem::take(text).into_bytes();
    let mut spans: Vec<Range<usize>> = spans.iter().filter(|s| s.end <= bytes.len()).cloned().collect();
    spans.sort_by_key(|span| std::cmp::Reverse(span.start));
    for span in spans {
        let blank: Vec<u8> =
            bytes[span.clone()].iter().map(|&b| if b == b'\n' { b'\n' } else { b' ' }).collect();
        let new: Vec<u8> = match replacement {
            // The placeholder over the start, padded; the newlines of a value that
            // spanned several lines stay, so later lines keep their numbers.
            Some(value) => {
                let first_line = blank.iter().position(|&b| b == b'\n').unwrap_or(blank.len());
                let mut new = value.as_bytes().to_vec();
                new.extend(std::iter::repeat_n(b' ', first_line.saturating_sub(value.len())));
                // A placeholder longer than the first line borrows spaces from the
                // blanked lines after it, so the total length stays the same.
                let mut surplus = value.len().saturating_sub(first_line);
                for &byte in &blank[first_line..] {
                    if byte == b' ' && surplus > 0 {
                        surplus -= 1;
                    } else {
                        new.push(byte);
                    }
                }
                new
            }
            None => blank,
        };
        bytes.splice(span, new);
    }
    // Only ASCII was written over whole spans, so the text stays valid UTF-8.
    *text = String::from_utf8(bytes).unwrap_or_default();
}

/// A literal of the type a serde message expected, to step over a wrong value: for
/// a name from a list (an enum), the first name listed.
pub fn placeholder(message: &str) -> Option<String> {
    let (_, expected) = message.split_once("expected")?;
    let expected = expected.trim();
    if let Some(first) = expected_names(message).first() {
        return Some(format!("{first:?}"));
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
    Some(literal.to_owned())
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
    fn an_unknown_entry_is_blanked_without_moving_anything() {
        let text = "[simulation]\nsteps = 10\nbaselin = \"x\"\n[polcy]\na = 1\nb = { c = 2 }\n[arms.x]\n";
        let document = DeTable::parse(text).unwrap();
        let mut working = text.to_owned();
        overwrite(&mut working, &entry_spans(&document, &parse_path("simulation.baselin")).unwrap(), None);
        overwrite(&mut working, &entry_spans(&document, &parse_path("polcy")).unwrap(), None);
        assert_eq!(working.len(), text.len());
        assert_eq!(working.lines().count(), text.lines().count());
        let cleaned = DeTable::parse(&working).unwrap();
        let keys: Vec<String> = cleaned.get_ref().iter().map(|(k, _)| k.get_ref().to_string()).collect();
        assert_eq!(keys, vec!["simulation", "arms"]);
        // The blanked field is gone; asked for, it resolves to its table, line 1.
        let span = span_of(&cleaned, &parse_path("simulation.baselin")).unwrap();
        assert_eq!(line_column(&working, span.start).line, 1);
        // A wrong value is overwritten in place by a placeholder of the same length.
        let mut working = "steps = \"ten\"\n".to_owned();
        overwrite(
            &mut working,
            std::slice::from_ref(&(8..13)),
            placeholder("invalid type: string \"ten\", expected u32").as_deref(),
        );
        assert_eq!(working, "steps = 1    \n");
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
