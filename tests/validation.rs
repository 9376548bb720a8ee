//! The README's validation table: `tech_org`'s baseline at its steady state against
//! the published targets it is calibrated to. The table is computed here from a run
//! of the real binary; with `ATTRITION_WRITE_TABLES=1` this test writes it into the
//! README between its markers, otherwise it checks that the README's is current.
//! Each target must be met, except the misses the README explains, which must
//! still miss (so the explanation stays true). Since the involuntary separations
//! (docs/model.md §7.24) and the refit of the defaults there are none.
//!
//! The last row, the promotion–performance gradient of Benson, Li & Shue (2019),
//! comes from the baseline arm's event log of the same run, by the regression
//! `scripts/benson.py` documents (computed here again, so the test needs no Python).

mod common;

use std::path::Path;

use common::{WorkDir, assert_success, column, records, scenario};

const BASELINE: &str = "common practice";
/// Enough trials that the Benson gradient's standard error (about 1.4 points per
/// doubling at 400) is small beside its band; the other rows need far fewer.
const TRIALS: &str = "400";

/// Benson, Li & Shue (2019): doubling a new manager's pre-promotion sales lowers
/// each subordinate's sales by about 7.5% (10% in their 2016 working paper). "Near"
/// is fixed before measuring, as within a factor of two of 7.5% in either
/// direction: a fall of 3.75% to 15% per doubling.
const BENSON_BAND: (f64, f64) = (-0.15, -0.0375);

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
    let (header, rows) = records(&results.join("summary.csv"));
    let at = |name| column(&header, name);
    let (arm, name, mean, low, high) = (at("arm"), at("metric"), at("mean"), at("ci_low"), at("ci_high"));
    let row = rows
        .iter()
        .find(|row| &row[arm] == BASELINE && &row[name] == metric)
        .unwrap_or_else(|| panic!("summary.csv has no {metric} for {BASELINE}"));
    let value = |i: usize| row[i].parse::<f64>().unwrap();
    (value(mean), value(low), value(high))
}

/// The Benson gradient from the event log: across the baseline arm's promotions
/// into the first level of managers (the level above the individual
/// contributors) with a team output before and after, the least-squares slope of
/// ln(team output after / before) on log2(the promoted person's pre-promotion
/// performance), and its standard error clustered by trial. Returned as the
/// percentage change per doubling, `exp(slope) − 1`, with the 95% interval's ends.
fn benson_gradient(events: &Path) -> (f64, f64, f64, usize) {
    let (header, rows) = records(events);
    let at = |name| column(&header, name);
    let (event, arm, trial, level) = (at("event"), at("arm"), at("trial"), at("level"));
    let (performance, before, after) = (at("performance"), at("team_output_before"), at("team_output_after"));
    let bottom = rows.iter().map(|row| row[level].parse::<u32>().unwrap()).max().unwrap_or(0);
    let number = |row: &csv::StringRecord, i: usize| row[i].parse::<f64>().unwrap();
    let points: Vec<(&str, f64, f64)> = rows
        .iter()
        .filter(|row| {
            &row[event] == "promotion"
                && &row[arm] == BASELINE
                && row[level].parse::<u32>().unwrap() + 1 == bottom
                && !row[before].is_empty()
                && !row[after].is_empty()
        })
        .map(|row| (&row[trial], number(row, performance), number(row, before), number(row, after)))
        .filter(|&(_, p, b, a)| p > 0.0 && b > 0.0 && a > 0.0)
        .map(|(t, p, b, a)| (t, p.log2(), (a / b).ln()))
        .collect();
    let n = points.len() as f64;
    assert!(n > 1000.0, "only {n} promotions into the first level of managers have team outputs");
    let mean_x = points.iter().map(|p| p.1).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.2).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.1 - mean_x).powi(2)).sum();
    let slope = points.iter().map(|p| (p.1 - mean_x) * (p.2 - mean_y)).sum::<f64>() / sxx;
    let intercept = mean_y - slope * mean_x;
    // Cluster-robust (sandwich) variance by trial, with the small-sample factor
    // G/(G−1) · (n−1)/(n−2).
    let mut by_trial = std::collections::BTreeMap::<&str, f64>::new();
    for (t, x, y) in &points {
        *by_trial.entry(*t).or_default() += (x - mean_x) * (y - intercept - slope * x);
    }
    let g = by_trial.len() as f64;
    let meat: f64 = by_trial.values().map(|s| s * s).sum();
    let se = (g / (g - 1.0) * (n - 1.0) / (n - 2.0) * meat).sqrt() / sxx;
    let percent = |s: f64| s.exp() - 1.0;
    (percent(slope), percent(slope - 1.96 * se), percent(slope + 1.96 * se), points.len())
}

fn show(value: f64, percent: bool) -> String {
    let shown = if percent { format!("{:.1}%", 100.0 * value) } else { format!("{value:.2}") };
    shown.replace('-', "−")
}

/// One row of the table: the target, its source, the simulated value with its
/// interval, and whether it passes.
fn table_row(
    target: &str,
    source: &str,
    (mean, low, high): (f64, f64, f64),
    percent: bool,
    pass: bool,
) -> String {
    let [mean, low, high] = [mean, low, high].map(|value| show(value, percent));
    format!("| {target} | {source} | {mean} [{low}, {high}] | {} |\n", if pass { "yes" } else { "**no**" })
}

#[test]
fn the_readme_validation_table_is_current_and_its_targets_are_met() {
    let dir = WorkDir::new("validation");
    let tech_org = scenario("tech_org.toml");
    assert_success(&dir.run(&[
        "run",
        "-q",
        "--out",
        "out",
        "--trials",
        TRIALS,
        "--events-arm",
        BASELINE,
        &tech_org,
    ]));
    let results = dir.path.join("out/tech_org");
    let mut table = String::from("\n| target | source | simulated [95% CI] | pass |\n|---|---|---|---|\n");
    let mut unexpected = Vec::new();
    for t in &TARGETS {
        let (mean, low, high) = summary(&results, t.metric);
        let pass = (t.band.0..=t.band.1).contains(&mean);
        if pass == KNOWN_MISSES.contains(&t.metric) {
            unexpected.push(format!("{}: {mean:.4}, band {:?}, pass {pass}", t.metric, t.band));
        }
        table +=
            &table_row(&format!("{}: {}", t.what, t.target), t.source, (mean, low, high), t.percent, pass);
    }
    let (gradient, low, high, promotions) = benson_gradient(&results.join("events.csv"));
    let pass = (BENSON_BAND.0..=BENSON_BAND.1).contains(&gradient);
    if !pass {
        unexpected.push(format!(
            "Benson gradient: {gradient:.4} over {promotions} promotions, band {BENSON_BAND:?}"
        ));
    }
    table += &table_row(
        "team output per doubling of a new manager's pre-promotion performance: −7.5% (−3.75% to −15%)",
        "Benson, Li & Shue 2019",
        (gradient, low, high),
        true,
        pass,
    );

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
