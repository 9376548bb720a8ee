//! The behavioural model measured at its steady state: after `tech_org`'s burn-in
//! the baseline's series are stationary, and the quit hazard read off the event
//! log falls with tenure and with age (from the match-quality and career-stage
//! mechanisms, not a table) while keeping its U-shape by performance. Trial counts
//! are a fraction of the scenario's; every run drives the real binary.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{WorkDir, assert_success, column, records, scenario};

const BASELINE: &str = "common practice";

/// Runs `tech_org` with `trials` trials and the extra arguments, returning the
/// results directory.
fn run_tech_org(dir: &WorkDir, out: &str, trials: u32, extra: &[&str]) -> std::path::PathBuf {
    let trials = trials.to_string();
    let mut args = vec!["run", "-q", "--out", out, "--trials", &trials];
    args.extend_from_slice(extra);
    let tech_org = scenario("tech_org.toml");
    args.push(&tech_org);
    assert_success(&dir.run(&args));
    dir.path.join(out).join("tech_org")
}

/// The baseline's voluntary attrition (quits per position) and mean engagement in
/// each measured year, from `timeseries.csv` (monthly steps; step 0 is the start).
fn yearly_series(results: &Path) -> Vec<(f64, f64)> {
    let (header, rows) = records(&results.join("timeseries.csv"));
    let (arm, step, metric, mean) =
        (column(&header, "arm"), column(&header, "step"), column(&header, "metric"), column(&header, "mean"));
    let mut quits: Vec<f64> = Vec::new();
    let mut engagement: Vec<f64> = Vec::new();
    let mut headcount = 0.0;
    for row in &rows {
        if &row[arm] != BASELINE {
            continue;
        }
        let step: usize = row[step].parse().unwrap();
        let value: f64 = row[mean].parse().unwrap();
        if &row[metric] == "headcount" && step == 0 {
            headcount = value;
        }
        if step == 0 {
            continue;
        }
        let year = (step - 1) / 12;
        for (name, series) in [("voluntary_quits", &mut quits), ("engagement", &mut engagement)] {
            if &row[metric] == name {
                series.resize(series.len().max(year + 1), 0.0);
                series[year] += if name == "engagement" { value / 12.0 } else { value };
            }
        }
    }
    assert!(headcount > 0.0 && quits.len() == 5, "five measured years of a staffed organisation");
    quits.iter().zip(&engagement).map(|(&q, &e)| (q / headcount, e)).collect()
}

/// Whether each year's attrition lies within ±1 point of the run's mean and
/// engagement's yearly mean moves less than 0.02 across the years.
fn stationary(years: &[(f64, f64)]) -> Result<(), String> {
    let mean = years.iter().map(|y| y.0).sum::<f64>() / years.len() as f64;
    if let Some(year) = years.iter().position(|y| (y.0 - mean).abs() > 0.01) {
        return Err(format!("year {year}: attrition {:.4} against the mean {mean:.4}", years[year].0));
    }
    let (low, high) =
        years.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| (lo.min(y.1), hi.max(y.1)));
    if high - low >= 0.02 {
        return Err(format!("engagement moves from {low:.4} to {high:.4}"));
    }
    Ok(())
}

#[test]
fn after_the_burn_in_the_baseline_is_stationary() {
    let dir = WorkDir::new("steady");
    let years = yearly_series(&run_tech_org(&dir, "burnt", 60, &[]));
    stationary(&years).unwrap_or_else(|why| panic!("{why}: {years:?}"));
    let mean = years.iter().map(|y| y.0).sum::<f64>() / years.len() as f64;
    assert!((0.125..=0.145).contains(&mean), "steady-state attrition {mean:.4}, Mercer 13.5% ± 1");
    // The same check on the start-up transient fails: it is what the burn-in removes.
    let years = yearly_series(&run_tech_org(&dir, "cold", 60, &["--set", "simulation.burn_in=0"]));
    assert!(stationary(&years).is_err(), "measured from the drawn workforce: {years:?}");
}

/// Quits and exposure (person-years) by band of tenure and of age, and quits by
/// performance quintile, from `events.csv`. Each spell runs from its entry row
/// (`start` or `hire`) to its closing row; tenure and age grow with time along it.
struct Hazards {
    tenure: Bands,
    age: Bands,
    by_performance: [u64; 5],
}

struct Bands {
    edges: &'static [f64],
    quits: Vec<u64>,
    exposure: Vec<f64>,
}

impl Bands {
    fn new(edges: &'static [f64]) -> Self {
        Self { edges, quits: vec![0; edges.len() - 1], exposure: vec![0.0; edges.len() - 1] }
    }

    /// A spell that spent `from..to` (years of tenure or age) employed, closed by a
    /// quit at `to` if `quit`.
    fn add(&mut self, from: f64, to: f64, quit: bool) {
        for band in 0..self.quits.len() {
            let (low, high) = (self.edges[band], self.edges[band + 1]);
            self.exposure[band] += (to.min(high) - from.max(low)).max(0.0);
            if quit && (low..high).contains(&to) {
                self.quits[band] += 1;
            }
        }
    }

    fn hazards(&self) -> Vec<f64> {
        self.quits.iter().zip(&self.exposure).map(|(&q, &x)| q as f64 / x).collect()
    }

    /// Whether each band's hazard is below the one before by more than twice the
    /// standard error of the difference (Poisson counts).
    fn falls(&self) -> bool {
        let hazards = self.hazards();
        (1..hazards.len()).all(|b| {
            let se = (hazards[b - 1] / self.exposure[b - 1] + hazards[b] / self.exposure[b]).sqrt();
            hazards[b - 1] - hazards[b] > 2.0 * se
        })
    }
}

const TENURE_BANDS: &[f64] = &[0.0, 1.0, 2.0, 5.0, 10.0, f64::INFINITY];
const AGE_BANDS: &[f64] = &[0.0, 25.0, 35.0, 45.0, f64::INFINITY];

fn hazards(results: &Path) -> Hazards {
    let (header, rows) = records(&results.join("events.csv"));
    let at = |name| column(&header, name);
    let (trial, employee, event, year, tenure, age, quintile) = (
        at("trial"),
        at("employee"),
        at("event"),
        at("year"),
        at("tenure"),
        at("age"),
        at("performance_quintile"),
    );
    let mut entered: HashMap<(String, String), f64> = HashMap::new();
    let mut h =
        Hazards { tenure: Bands::new(TENURE_BANDS), age: Bands::new(AGE_BANDS), by_performance: [0; 5] };
    for row in &rows {
        let key = (row[trial].to_string(), row[employee].to_string());
        let year: f64 = row[year].parse().unwrap();
        match &row[event] {
            "start" | "hire" => {
                assert!(entered.insert(key, year).is_none(), "one entry per spell");
            }
            kind @ ("quit" | "retirement" | "dismissal" | "end") => {
                let spent = year - entered.remove(&key).expect("a spell closes after it enters");
                let (tenure, age): (f64, f64) = (row[tenure].parse().unwrap(), row[age].parse().unwrap());
                let quit = kind == "quit";
                h.tenure.add(tenure - spent, tenure, quit);
                h.age.add(age - spent, age, quit);
                if quit {
                    h.by_performance[row[quintile].parse::<usize>().unwrap()] += 1;
                }
            }
            _ => {}
        }
    }
    assert!(entered.is_empty(), "every spell closes");
    h
}

fn baseline_events(dir: &WorkDir, out: &str, set: &[&str]) -> Hazards {
    let mut extra = vec!["--events-arm", BASELINE];
    for s in set {
        extra.extend_from_slice(&["--set", s]);
    }
    hazards(&run_tech_org(dir, out, 40, &extra))
}

#[test]
fn the_quit_hazard_falls_with_tenure_and_age_and_is_u_shaped_in_performance() {
    let dir = WorkDir::new("hazard");
    let h = baseline_events(&dir, "on", &[]);
    assert!(h.tenure.falls(), "by tenure band: {:?} ({:?})", h.tenure.hazards(), h.tenure.quits);
    assert!(h.age.falls(), "by age band: {:?} ({:?})", h.age.hazards(), h.age.quits);
    // Each performance quintile holds a fifth of every level at every step, so
    // counts of quits compare hazards.
    let q = h.by_performance.map(|n| n as f64);
    for end in [0, 4] {
        assert!(q[end] - q[2] > 3.0 * (q[end] + q[2]).sqrt(), "U by performance quintile: {q:?}");
    }
}

/// The ablation: with both mechanisms off, nothing makes newcomers leave more than
/// old hands, and the hazard's fall across tenure vanishes (it even rises: blocked
/// growth accumulates with time since the last advancement).
#[test]
fn without_match_quality_and_career_stage_the_tenure_slope_vanishes() {
    let dir = WorkDir::new("ablation");
    let off = ["dynamics.match_quality.enabled=false", "dynamics.career_stage.enabled=false"];
    let h = baseline_events(&dir, "off", &off);
    let hazards = h.tenure.hazards();
    assert!(!h.tenure.falls(), "by tenure band, mechanisms off: {hazards:?}");
    assert!(hazards[4] >= hazards[0], "no fall from the first year to 10+ years: {hazards:?}");
}

/// The baseline's mean of a trial metric, from `summary.csv`.
fn baseline_mean(results: &Path, metric: &str) -> f64 {
    let (header, rows) = records(&results.join("summary.csv"));
    let (arm, name, mean) = (column(&header, "arm"), column(&header, "metric"), column(&header, "mean"));
    let row = rows.iter().find(|row| &row[arm] == BASELINE && &row[name] == metric).unwrap();
    row[mean].parse().unwrap()
}

/// Involuntary separations are dismissals with a reason, not quits: voluntary
/// attrition is the logged quits alone, the dismissal rate the logged separations.
/// The ablation: switched off, nobody is dismissed (`tech_org`'s dismissal threshold
/// lies below its skill range).
#[test]
fn involuntary_separations_are_dismissals_not_quits_and_vanish_when_switched_off() {
    let dir = WorkDir::new("separations");
    let trials = 10;
    let results = run_tech_org(&dir, "on", trials, &["--events-arm", BASELINE]);
    let (header, rows) = records(&results.join("events.csv"));
    let (event, reason) = (column(&header, "event"), column(&header, "reason"));
    let count = |kind: &str| rows.iter().filter(|row| &row[event] == kind).count() as f64;
    let person_years = 357.0 * 5.0 * f64::from(trials);
    let (quits, dismissals) = (count("quit"), count("dismissal"));
    assert!(dismissals > 0.0);
    assert!((baseline_mean(&results, "voluntary_attrition") - quits / person_years).abs() < 1e-6);
    assert!((baseline_mean(&results, "dismissal_rate") - dismissals / person_years).abs() < 1e-6);
    let reasons: std::collections::HashSet<&str> =
        rows.iter().filter(|row| &row[event] == "dismissal").map(|row| &row[reason]).collect();
    assert!(reasons.contains("layoff") && reasons.contains("performance"), "{reasons:?}");
    assert!(reasons.iter().all(|r| ["layoff", "performance"].contains(r)), "{reasons:?}");
    let off = run_tech_org(&dir, "off", trials, &["--set", "dynamics.separations.enabled=false"]);
    assert_eq!(baseline_mean(&off, "dismissal_rate"), 0.0, "switched off: no involuntary exits");
}
