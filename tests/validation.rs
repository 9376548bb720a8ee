//! The README's validation table: `tech_org`'s baseline at its steady state against
//! the published targets it is calibrated to. The table is computed here from a run
//! of the real binary; with `ATTRITION_WRITE_TABLES=1` this test writes it into the
//! README between its markers, otherwise it checks that the README's is current.
//! Each target must be met, except the misses the README explains, which must
//! still miss (so the explanation stays true). Since the involuntary separations
//! (docs/model.md §7.24) and the refit of the defaults there are none.

mod common;

use std::path::Path;

use common::{WorkDir, assert_success, scenario};

const BASELINE: &str = "common practice";
const TRIALS: &str = "100";

/// A target: the trial metric, what it is, the accepted band, the source, and how
/// a value is shown.
struct Target {
    metric: &'static str,
    what: &'static str,
    band: (f64, f64),
    target: &'static str,
    source: &'static str,
    percent: bool,
}

const TARGETS: [Target; 5] = [
    Target {
        metric: "voluntary_attrition",
        what: "voluntary attrition, per year",
        band: (0.125, 0.145),
        target: "13.5% ± 1",
        source: "Mercer 2023–24 (US voluntary)",
        percent: true,
    },
    Target {
        metric: "median_tenure",
        what: "median tenure, years",
        band: (3.5, 4.3),
        target: "3.9 ± 0.4",
        source: "BLS, Employee Tenure, January 2024",
        percent: false,
    },
    Target {
        metric: "short_tenure_share",
        what: "share with a year of tenure or less",
        band: (0.18, 0.26),
        target: "22% ± 4",
        source: "BLS, Employee Tenure, January 2024",
        percent: true,
    },
    Target {
        metric: "overhead_top5_share",
        what: "share of overhead the top 5% of ICs carry",
        band: (0.20, 0.35),
        target: "20–35%",
        source: "Cross, Rebele & Grant 2016",
        percent: true,
    },
    Target {
        metric: "most_loaded_share",
        what: "a team's most loaded member, share of time on overhead",
        band: (0.25, 0.35),
        target: "about 30% (25–35%)",
        source: "the overhead-and-credit essay (no published anchor)",
        percent: true,
    },
];

/// The targets the model misses, each explained in the README. Before the
/// involuntary separations the tenure targets missed (a fixed-size organisation
/// hiring only to replace quits and retirements cannot have 22% at a year or less)
/// and so did the most loaded member (overhead fitted off the steady state); the
/// refit of docs/model.md §7.24 meets all five.
const KNOWN_MISSES: [&str; 0] = [];

/// The baseline's mean and 95% interval of `metric`, from `summary.csv`.
fn summary(results: &Path, metric: &str) -> (f64, f64, f64) {
    let mut reader = csv::Reader::from_path(results.join("summary.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (arm, name, mean, low, high) = (at("arm"), at("metric"), at("mean"), at("ci_low"), at("ci_high"));
    let row = reader
        .records()
        .map(Result::unwrap)
        .find(|row| &row[arm] == BASELINE && &row[name] == metric)
        .unwrap_or_else(|| panic!("summary.csv has no {metric} for {BASELINE}"));
    let value = |i: usize| row[i].parse::<f64>().unwrap();
    (value(mean), value(low), value(high))
}

fn show(value: f64, percent: bool) -> String {
    if percent { format!("{:.1}%", 100.0 * value) } else { format!("{value:.2}") }
}

#[test]
fn the_readme_validation_table_is_current_and_its_targets_are_met() {
    let dir = WorkDir::new("validation");
    let tech_org = scenario("tech_org.toml");
    assert_success(&dir.run(&["run", "-q", "--out", "out", "--trials", TRIALS, &tech_org]));
    let results = dir.path.join("out/tech_org");
    let mut table = String::from("\n| target | source | simulated [95% CI] | pass |\n|---|---|---|---|\n");
    let mut unexpected = Vec::new();
    for t in &TARGETS {
        let (mean, low, high) = summary(&results, t.metric);
        let pass = (t.band.0..=t.band.1).contains(&mean);
        if pass == KNOWN_MISSES.contains(&t.metric) {
            unexpected.push(format!("{}: {mean:.4}, band {:?}, pass {pass}", t.metric, t.band));
        }
        table += &format!(
            "| {}: {} | {} | {} [{}, {}] | {} |\n",
            t.what,
            t.target,
            t.source,
            show(mean, t.percent),
            show(low, t.percent),
            show(high, t.percent),
            if pass { "yes" } else { "**no**" }
        );
    }

    let (readme_path, mut readme, write) = common::readme();
    let (start, end) =
        common::marked_table(&readme, "validation").expect("README has the validation table's markers");
    if write {
        readme.replace_range(start..end, &table);
        std::fs::write(&readme_path, readme).unwrap();
    } else {
        assert_eq!(
            &readme[start..end],
            table,
            "README's validation table is stale: refresh with ATTRITION_WRITE_TABLES=1 cargo test --test validation"
        );
    }
    assert!(unexpected.is_empty(), "targets met or missed other than documented: {unexpected:?}");
}
