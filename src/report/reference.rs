//! What each scenario field means and where its value comes from, for the report's
//! assumptions: the doc comments of `src/scenario/`, the same text the README's
//! scenario reference is written from, compiled in and looked up by field path.

/// The scenario types' source, in which every field's doc comment gives its unit,
/// range, default and source.
const SOURCES: [&str; 2] = [include_str!("../scenario/mod.rs"), include_str!("../scenario/dynamics.rs")];

/// The body of `pub struct <name> { ... }`.
fn struct_body(name: &str) -> Option<&'static str> {
    let opening = format!("pub struct {name} {{");
    SOURCES.iter().find_map(|source| {
        let start = source.find(&opening)? + opening.len();
        let end = source[start..].find("\n}")? + start;
        Some(&source[start..end])
    })
}

/// The doc comment and type of field `field` in struct `owner`.
fn field(owner: &str, field: &str) -> Option<(String, &'static str)> {
    let body = struct_body(owner)?;
    let declaration = format!("pub {field}: ");
    let mut doc: Vec<&str> = Vec::new();
    for line in body.lines().map(str::trim) {
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim());
        } else if let Some(kind) = line.strip_prefix(&declaration) {
            return Some((doc.join(" "), kind.trim_end_matches(',')));
        } else if !line.starts_with("#[") {
            doc.clear();
        }
    }
    None
}

/// The struct a field's type names: `Option<RawX>`, `Vec<RawX>` and
/// `IndexMap<String, RawX>` all lead to `RawX`.
fn inner_type(kind: &str) -> &str {
    let mut kind = kind;
    for wrapper in ["Option<", "Vec<", "IndexMap<String, "] {
        if let Some(inner) = kind.strip_prefix(wrapper) {
            kind = inner.strip_suffix('>').unwrap_or(inner);
        }
    }
    kind
}

/// The doc comment of the scenario field at a dotted path such as
/// `dynamics.engagement.weight` (array indices are skipped), if there is one.
pub fn describe(path: &[String]) -> Option<String> {
    let mut owner = "RawScenario";
    let mut found = None;
    for segment in path.iter().filter(|segment| segment.parse::<usize>().is_err()) {
        let (doc, kind) = field(owner, segment)?;
        found = Some(doc);
        owner = inner_type(kind);
    }
    found.filter(|doc| !doc.is_empty())
}

/// Whether the scenario may leave the field at a path out (its type is an
/// `Option`, or serde defaults it), so it has a default, in numbers or in words.
pub fn optional(path: &[String]) -> bool {
    let mut owner = "RawScenario";
    let mut last = None;
    for segment in path.iter().filter(|segment| segment.parse::<usize>().is_err()) {
        let Some((_, kind)) = field(owner, segment) else { return false };
        last = Some(kind);
        owner = inner_type(kind);
    }
    last.is_some_and(|kind| kind.starts_with("Option<"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(dotted: &str) -> Vec<String> {
        dotted.split('.').map(String::from).collect()
    }

    #[test]
    fn fields_are_found_through_nested_tables() {
        let seed = describe(&path("simulation.seed")).expect("simulation.seed is documented");
        assert!(seed.contains("common random numbers"), "{seed}");
        let skill = describe(&path("workforce.skill")).expect("workforce.skill is documented");
        assert!(skill.contains("Pluchino"), "{skill}");
        assert!(describe(&path("levels.0.positions")).is_some());
        assert_eq!(describe(&path("simulation.no_such_field")), None);
        assert!(optional(&path("simulation.burn_in")) && optional(&path("levels.0.name")));
        assert!(!optional(&path("simulation.seed")) && !optional(&path("levels.0.positions")));
    }
}
