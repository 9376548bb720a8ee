//! Property tests: random valid scenarios (with and without `[dynamics]`, any
//! mechanisms switched off) never panic and keep the engine's
//! invariants at every step; scenarios with every `[dynamics]` parameter and lever
//! at the edges of its range never panic and give only finite outputs; mutated
//! scenario text never panics the parser and always yields a scenario or located
//! errors.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use proptest::prelude::*;

use attrition::config::{ScenarioError, parse};
use attrition::metrics::StepMetric;
use attrition::model::workforce::Workforce;
use attrition::model::{Trial, World};
use attrition::runner::{RunOptions, run};

/// A valid scenario's parameters, written out as TOML.
#[derive(Debug, Clone)]
struct Shape {
    positions: Vec<u32>,
    last_is_ic: bool,
    responsibility: Vec<f64>,
    skill: (f64, f64, f64, f64),
    age: (f64, f64, f64, f64),
    retirement_age: f64,
    dismissal: Option<f64>,
    steps: u32,
    steps_per_year: u32,
    arms: Vec<(u8, f64, bool, f64)>,
    seed: u64,
    /// With a bottom level of individual contributors: `[dynamics]`, each of its
    /// switchable mechanisms off where its bit is set.
    dynamics: Option<u16>,
}

/// The switchable mechanisms of `[dynamics]`.
const MECHANISMS: [&str; 10] = [
    "manager",
    "misfit",
    "overhead",
    "credit",
    "engagement",
    "growth",
    "quits",
    "match_quality",
    "career_stage",
    "separations",
];

impl Shape {
    fn toml(&self) -> String {
        let mut text = format!(
            "[simulation]\nsteps = {}\nsteps_per_year = {}\ntrials = 2\nseed = {}\n\n",
            self.steps, self.steps_per_year, self.seed
        );
        for (index, (positions, responsibility)) in
            self.positions.iter().zip(&self.responsibility).enumerate()
        {
            let kind = if self.last_is_ic && index + 1 == self.positions.len() { "ic" } else { "management" };
            text += &format!(
                "[[levels]]\npositions = {positions}\nkind = \"{kind}\"\nresponsibility = {responsibility:?}\n"
            );
        }
        let (mean, sd, min, max) = self.skill;
        text += &format!(
            "\n[workforce]\nskill = {{ mean = {mean:?}, sd = {sd:?}, min = {min:?}, max = {max:?} }}\n"
        );
        let (mean, sd, min, max) = self.age;
        text += &format!("age = {{ mean = {mean:?}, sd = {sd:?}, min = {min:?}, max = {max:?} }}\n");
        text += &format!("retirement_age = {:?}\n", self.retirement_age);
        if let Some(threshold) = self.dismissal {
            text += &format!("dismissal_threshold = {threshold:?}\n");
        }
        let dynamics = self.dynamics.filter(|_| self.last_is_ic);
        if let Some(off) = dynamics {
            text += "\n[dynamics]\n";
            for (bit, mechanism) in MECHANISMS.iter().enumerate() {
                if off & (1 << bit) != 0 {
                    text += &format!("[dynamics.{mechanism}]\nenabled = false\n");
                }
            }
        }
        let policies = [
            "best",
            "worst",
            "random",
            "alternate",
            "mixed",
            "seniority",
            "leadership_assessed",
            "dual_track",
            "external",
        ];
        let choices = if dynamics.is_some() { policies.len() } else { 5 };
        for (index, &(policy, best_probability, peter, change)) in self.arms.iter().enumerate() {
            let promotion = policies[policy as usize % choices];
            text += &format!("\n[arms.arm{index}]\npromotion = \"{promotion}\"\n");
            if promotion == "mixed" {
                text += &format!("best_probability = {best_probability:?}\n");
            }
            if peter {
                text += "competence = \"peter\"\n";
            } else {
                text += &format!("common_sense_change = {change:?}\n");
            }
        }
        text
    }
}

fn shapes() -> impl Strategy<Value = Shape> {
    let levels = (1usize..=5).prop_flat_map(|levels| {
        (
            1u32..4,
            prop::collection::vec(0u32..12, levels - 1),
            prop::collection::vec(0.1f64..2.0, levels),
            any::<bool>(),
        )
    });
    (
        levels,
        (3.0f64..8.0, 0.5f64..3.0, 0.0f64..3.0, 7.0f64..10.0),
        // Age's mean at or above its lowest bound: a mean below it with a small sd puts
        // almost no mass inside, which validation rightly refuses.
        (25.0f64..50.0, 1.0f64..10.0, 16.0f64..25.0, 55.0f64..70.0),
        40.0f64..80.0,
        prop::option::of(0.0f64..6.0),
        (1u32..25, prop::sample::select(vec![1u32, 12])),
        prop::collection::vec((0u8..9, 0.0f64..=1.0, any::<bool>(), 0.0f64..2.0), 1..4),
        (any::<u64>(), prop::option::of(any::<u16>())),
    )
        .prop_map(
            |(
                (first, growth, responsibility, last_is_ic),
                skill,
                age,
                retirement_age,
                dismissal,
                (steps, steps_per_year),
                arms,
                (seed, dynamics),
            )| {
                let mut positions = vec![first];
                for extra in growth {
                    let previous = *positions.last().unwrap();
                    positions.push(previous + extra);
                }
                Shape {
                    positions,
                    last_is_ic,
                    responsibility,
                    skill,
                    age,
                    retirement_age,
                    dismissal,
                    steps,
                    steps_per_year,
                    arms,
                    seed: seed >> 1,
                    dynamics,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// Every step of every arm of a random valid scenario keeps the invariants,
    /// balances its flows and keeps its metrics in range.
    #[test]
    fn random_valid_scenarios_keep_the_invariants(shape in shapes()) {
        let text = shape.toml();
        let config = parse(&text, Path::new("random.toml"))
            .unwrap_or_else(|error| panic!("generated scenario is invalid: {error}\n{text}"));
        let world = World::new(&config);
        let positions = world.org.positions() as f64;
        let skill = &config.workforce.skill;
        // In steps, the clock's unit: the oldest anyone can be before retiring (a hire's
        // age, rounded to whole years, may exceed age.max by half a year).
        let oldest =
            (config.workforce.retirement_age.max(config.workforce.age.max) + 0.5) * world.steps_per_year() + 1.0;
        let mut initial = Workforce::vacant(&world.org);
        world.draw_initial_workforce(shape.seed, &mut initial);
        initial.check_invariants(&world.org, (skill.min, skill.max), oldest).unwrap();
        for arm in &config.arms {
            let mut workforce = Workforce::vacant(&world.org);
            let mut trial = Trial::start(&world, arm, shape.seed, &initial, &mut workforce, None);
            let mut headcount = trial.observe_start()[StepMetric::Headcount as usize];
            for step in 1..=config.steps {
                let row = trial.step();
                let value = |metric: StepMetric| row[metric as usize];
                let exits = value(StepMetric::Retirements)
                    + value(StepMetric::Dismissals)
                    + value(StepMetric::VoluntaryQuits);
                prop_assert_eq!(value(StepMetric::Headcount) - headcount, value(StepMetric::Hires) - exits,
                    "flows do not balance at step {}", step);
                headcount = value(StepMetric::Headcount);
                prop_assert_eq!(value(StepMetric::Headcount) + value(StepMetric::Vacancies), positions);
                prop_assert!((0.0..=100.0).contains(&value(StepMetric::Efficiency)));
                prop_assert!((0.0..=1.0).contains(&value(StepMetric::TopQuintileRetained)));
                for metric in StepMetric::ALL {
                    prop_assert!(value(metric).is_finite() && value(metric) >= 0.0, "{:?} = {}", metric, value(metric));
                }
                if let Err(problem) = trial.workforce.check_invariants(&world.org, (skill.min, skill.max), oldest) {
                    return Err(TestCaseError::fail(format!("{} step {step}: {problem}\n{text}", arm.name)));
                }
            }
        }
        // The whole pipeline, aggregation included, runs without a panic.
        let summary = run(&config, RunOptions { threads: Some(2), ..RunOptions::default() }, &AtomicBool::new(false), |_| Ok(()), |_, _| {})
            .unwrap();
        prop_assert_eq!(summary.trials, 2);
    }

    /// Deleting, duplicating and swapping pieces of a real scenario never panics the
    /// parser, and what it returns is either a scenario or errors with locations.
    #[test]
    fn mutated_scenario_text_never_panics_the_parser(
        source in 0usize..2,
        edits in prop::collection::vec((0u8..3, any::<prop::sample::Index>(), any::<prop::sample::Index>(), 1usize..12), 1..4),
    ) {
        let originals = [
            include_str!("../scenarios/peter_principle.toml"),
            include_str!("golden/tiny.toml"),
        ];
        let mut text: Vec<char> = originals[source].chars().collect();
        for (operation, at, other, length) in edits {
            if text.is_empty() {
                break;
            }
            let start = at.index(text.len());
            let end = (start + length).min(text.len());
            match operation {
                0 => {
                    text.drain(start..end);
                }
                1 => {
                    let piece: Vec<char> = text[start..end].to_vec();
                    let target = other.index(text.len());
                    text.splice(target..target, piece);
                }
                _ => {
                    let target = other.index(text.len());
                    text.swap(start, target);
                }
            }
        }
        let text: String = text.into_iter().collect();
        match parse(&text, Path::new("mutated.toml")) {
            Ok(_) => {}
            Err(ScenarioError::Invalid { problems, .. }) => {
                prop_assert!(!problems.is_empty());
                for problem in &problems {
                    prop_assert!(problem.location.is_some(), "unlocated problem {:?}\n{}", problem, text);
                }
            }
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }
}

/// Every parameter of `[dynamics]` with the range `validate` accepts, as
/// (table, field, lowest, highest). An open bound `(0, x]` is accepted from 1e-9.
/// `the_edge_table_is_the_validated_ranges` holds this table to the validation.
const DYNAMICS_RANGES: &[(&str, &str, f64, f64)] = &[
    ("output", "engagement_weight", 0.0, 1.0),
    ("manager", "output_weight", 0.0, 2.0),
    ("manager", "engagement_weight", 0.0, 2.0),
    ("misfit", "threshold", 1e-9, 1.0),
    ("misfit", "engagement_weight", 0.0, 2.0),
    ("misfit", "hazard_weight", 0.0, 10.0),
    ("overhead", "load", 0.0, 0.9),
    ("overhead", "concentration", 0.0, 20.0),
    ("overhead", "max_share", 1e-9, 1.0),
    ("overhead", "tolerance", 0.0, 1.0),
    ("overhead", "engagement_weight", 0.0, 5.0),
    ("credit", "manager_take", 0.0, 1.0),
    ("credit", "memory", 1e-9, 10.0),
    ("credit", "engagement_weight", 0.0, 5.0),
    ("engagement", "baseline", 0.0, 1.0),
    ("engagement", "spread", 0.0, 0.5),
    ("engagement", "adjustment_rate", 1e-9, 100.0),
    ("engagement", "noise", 0.0, 1.0),
    ("engagement", "advancement_lift", 0.0, 1.0),
    ("growth", "interval", 0.0, 50.0),
    ("growth", "rate", 0.0, 100.0),
    ("growth", "percentile", 0.0, 1.0),
    ("growth", "patience", 1e-9, 50.0),
    ("growth", "engagement_weight", 0.0, 2.0),
    ("quits", "base_rate", 0.0, 10.0),
    ("quits", "engagement_sensitivity", 0.0, 50.0),
    ("quits", "market_pull", 0.0, 10.0),
    ("quits", "push", 0.0, 10.0),
    ("match_quality", "hazard_weight", 0.0, 10.0),
    ("match_quality", "learning_time", 1e-9, 50.0),
    ("career_stage", "age_weight", 0.0, 1.0),
    ("career_stage", "pivot_age", 0.0, 100.0),
    ("separations", "rate", 0.0, 5.0),
    ("separations", "performance_weight", 0.0, 10.0),
];

/// The `[dynamics]` tables that can be switched off.
const SWITCHABLE: [&str; 10] = [
    "manager",
    "misfit",
    "overhead",
    "credit",
    "engagement",
    "growth",
    "quits",
    "match_quality",
    "career_stage",
    "separations",
];

/// A value at an edge of `[low, high]` or inside it, each a third of the time.
fn edge(low: f64, high: f64) -> BoxedStrategy<f64> {
    prop_oneof![Just(low), Just(high), low..high].boxed()
}

/// One arm's levers, each drawn at the edges of its range where the arm uses it.
#[derive(Debug, Clone)]
struct EdgeArm {
    promotion: &'static str,
    competence: &'static str,
    allocation: &'static str,
    /// best_probability, common_sense_change, assessment_validity, skill_floor,
    /// credit_accuracy.
    levers: (f64, f64, f64, f64, f64),
    ic_ceiling: u32,
}

/// A valid scenario with `[dynamics]` whose every parameter, and every lever of its
/// arms, lies at an edge of its documented range or inside it.
#[derive(Debug, Clone)]
struct EdgeScenario {
    /// Positions per level, top first; the last level is of individual contributors.
    levels: [u32; 3],
    steps: u32,
    steps_per_year: u32,
    seed: u64,
    /// Years run before measurement (0 or 1): the burn-in's hand-over of the clock
    /// and the cohorts is at the edges too.
    burn_in: f64,
    /// mean, sd, min, max of skill.
    skill: (f64, f64, f64, f64),
    whole_years: bool,
    leadership_correlation: f64,
    median_tenure: f64,
    dismissal: Option<f64>,
    /// Which of [`SWITCHABLE`] are off, one bit each.
    off: u16,
    /// In the order of [`DYNAMICS_RANGES`].
    parameters: Vec<f64>,
    arms: Vec<EdgeArm>,
}

impl EdgeScenario {
    fn toml(&self) -> String {
        let (mean, sd, min, max) = self.skill;
        let mut text = format!(
            "[simulation]\nsteps = {}\nsteps_per_year = {}\ntrials = 2\nseed = {}\nburn_in = {:?}\n\n\
             [[levels]]\npositions = {}\n[[levels]]\npositions = {}\n[[levels]]\npositions = {}\nkind = \"ic\"\n\n\
             [workforce]\nskill = {{ mean = {mean:?}, sd = {sd:?}, min = {min:?}, max = {max:?} }}\n\
             age = {{ mean = 32.0, sd = 7.0, min = 21.0, max = 60.0 }}\nwhole_years = {}\n\
             retirement_age = 65.0\nleadership_correlation = {:?}\nmedian_tenure = {:?}\n",
            self.steps,
            self.steps_per_year,
            self.seed,
            self.burn_in,
            self.levels[0],
            self.levels[1],
            self.levels[2],
            self.whole_years,
            self.leadership_correlation,
            self.median_tenure
        );
        if let Some(threshold) = self.dismissal {
            text += &format!("dismissal_threshold = {threshold:?}\n");
        }
        text += "\n[dynamics]\n";
        let tables: Vec<&str> = DYNAMICS_RANGES.iter().map(|&(table, ..)| table).collect();
        let mut seen = Vec::new();
        for table in tables {
            if seen.contains(&table) {
                continue;
            }
            seen.push(table);
            text += &format!("[dynamics.{table}]\n");
            if let Some(bit) = SWITCHABLE.iter().position(|&t| t == table) {
                text += &format!("enabled = {}\n", self.off & (1 << bit) == 0);
            }
            for (&(_, field, ..), value) in
                DYNAMICS_RANGES.iter().zip(&self.parameters).filter(|((t, ..), _)| *t == table)
            {
                text += &format!("{field} = {value:?}\n");
            }
        }
        for (index, arm) in self.arms.iter().enumerate() {
            let (best_probability, change, validity, floor, accuracy) = arm.levers;
            text += &format!(
                "\n[arms.arm{index}]\npromotion = \"{}\"\ncompetence = \"{}\"\noverhead_allocation = \"{}\"\n\
                 credit_accuracy = {accuracy:?}\nic_ceiling = {}\n",
                arm.promotion, arm.competence, arm.allocation, arm.ic_ceiling
            );
            if arm.promotion == "mixed" {
                text += &format!("best_probability = {best_probability:?}\n");
            }
            if arm.competence == "common_sense" {
                text += &format!("common_sense_change = {change:?}\n");
            }
            if matches!(arm.promotion, "leadership_assessed" | "dual_track") {
                text += &format!("assessment_validity = {validity:?}\nskill_floor = {floor:?}\n");
            }
        }
        text
    }
}

fn edge_arms() -> impl Strategy<Value = EdgeArm> {
    (
        prop::sample::select(vec![
            "best",
            "worst",
            "random",
            "alternate",
            "mixed",
            "seniority",
            "leadership_assessed",
            "dual_track",
            "external",
        ]),
        prop::sample::select(vec!["common_sense", "peter", "readiness"]),
        prop::sample::select(vec!["competence_weighted", "rotation", "random"]),
        (edge(0.0, 1.0), edge(0.0, 10.0), edge(0.0, 1.0), edge(0.0, 10.0), edge(0.0, 1.0)),
        prop_oneof![Just(0u32), Just(20u32), 0u32..20],
    )
        .prop_map(|(promotion, competence, allocation, levers, ic_ceiling)| EdgeArm {
            promotion,
            competence,
            allocation,
            levers,
            ic_ceiling,
        })
}

fn edge_scenarios() -> impl Strategy<Value = EdgeScenario> {
    let parameters: Vec<BoxedStrategy<f64>> =
        DYNAMICS_RANGES.iter().map(|&(_, _, low, high)| edge(low, high)).collect();
    (
        (prop::sample::select(vec![1u32, 2, 12]), prop::sample::select(vec![1u32, 12, 365]), any::<u64>()),
        // One person a level; a small department; levels large enough for the
        // passes that rank a whole level at once (many leavers, many vacancies).
        prop::sample::select(vec![[1u32, 1, 1], [1, 3, 9], [3, 12, 100]]),
        // Skill over the whole scale (so a skill, and a competence, of 0 can occur), the
        // default department's, and a narrow band near the top.
        prop::sample::select(vec![(5.0, 3.0, 0.0, 10.0), (6.0, 1.5, 2.0, 10.0), (9.95, 0.02, 9.9, 10.0)]),
        (
            any::<bool>(),
            edge(-1.0, 1.0),
            edge(1e-9, 50.0),
            prop::option::of(prop_oneof![Just(0.0), 0.0..1.5]),
        ),
        any::<u16>(),
        parameters,
        prop::collection::vec(edge_arms(), 1..4),
    )
        .prop_map(
            |(
                (steps, steps_per_year, seed),
                levels,
                skill,
                (whole_years, leadership_correlation, median_tenure, dismissal),
                off,
                parameters,
                arms,
            )| EdgeScenario {
                levels,
                steps: steps * 6,
                steps_per_year,
                seed: seed >> 1,
                burn_in: (seed & 1) as f64,
                skill,
                whole_years,
                leadership_correlation,
                median_tenure,
                dismissal,
                off,
                parameters,
                arms,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, .. ProptestConfig::default() })]

    /// No valid scenario panics or produces a number that is not finite, with every
    /// `[dynamics]` parameter and every lever at the edges of its documented range:
    /// every trial row, every time-series summary and every comparison is finite.
    #[test]
    fn scenarios_at_the_edges_of_every_range_run_and_stay_finite(scenario in edge_scenarios()) {
        let text = scenario.toml();
        let config = parse(&text, Path::new("edges.toml"))
            .unwrap_or_else(|error| panic!("generated scenario is invalid: {error}\n{text}"));
        let mut bad_rows = Vec::new();
        let summary = run(
            &config,
            RunOptions { threads: Some(1), ..RunOptions::default() },
            &AtomicBool::new(false),
            |trials| {
                for outcome in trials {
                    for (arm, row) in outcome.arms.iter().enumerate() {
                        if let Some(index) = row.iter().position(|value| !value.is_finite()) {
                            bad_rows.push(format!("trial {} arm {arm}: metric {index} = {}", outcome.trial, row[index]));
                        }
                    }
                }
                Ok(())
            },
            |_, _| {},
        );
        let summary = match summary {
            Ok(summary) => summary,
            Err(error) => return Err(TestCaseError::fail(format!("{error}\n{text}"))),
        };
        prop_assert!(bad_rows.is_empty(), "{:?}\n{}", bad_rows, text);
        for arm in 0..config.arms.len() {
            for step in 0..=config.steps as usize {
                for &metric in summary.step_metrics {
                    let value = summary.series(arm, step, metric).mean;
                    prop_assert!(value.is_finite(), "{:?} at step {} of arm {}: {}\n{}", metric, step, arm, value, text);
                }
            }
            for value in &summary.arms[arm] {
                prop_assert!(value.mean.is_finite() && value.ci_low.is_finite() && value.ci_high.is_finite(),
                    "{:?}\n{}", value, text);
            }
            for comparison in summary.comparisons[arm].iter().flatten() {
                prop_assert!(comparison.difference.mean.is_finite(), "{:?}\n{}", comparison, text);
            }
        }
    }
}

/// The edge table is what `validate` accepts: it names every parameter of every
/// `[dynamics]` table (read from the parser's list of a table's fields), each bound
/// is accepted and a value just beyond it refused.
#[test]
fn the_edge_table_is_the_validated_ranges() {
    let base = |dynamics: &str| {
        format!(
            "[simulation]\nsteps = 1\nsteps_per_year = 1\ntrials = 1\nseed = 1\n\
             [[levels]]\npositions = 1\n[[levels]]\npositions = 2\nkind = \"ic\"\n\
             [workforce]\nskill = {{ mean = 6.0, sd = 1.5, min = 2.0, max = 10.0 }}\n\
             age = {{ mean = 32.0, sd = 7.0, min = 21.0, max = 60.0 }}\nretirement_age = 65.0\n\
             [dynamics]\n{dynamics}\n[arms.a]\n"
        )
    };
    let accepts = |table: &str, field: &str, value: f64| {
        parse(&base(&format!("[dynamics.{table}]\n{field} = {value:?}\n")), Path::new("t.toml")).is_ok()
    };
    let mut tables: Vec<&str> = DYNAMICS_RANGES.iter().map(|&(table, ..)| table).collect();
    tables.dedup();
    // Every table of `[dynamics]` is in the edge table (a new mechanism must be).
    let Err(error) = parse(&base("[dynamics.not_a_table]\n"), Path::new("t.toml")) else {
        panic!("an unknown table is accepted");
    };
    let message = &error.problems()[0].message;
    let known: Vec<&str> = message.split('`').skip(3).step_by(2).collect();
    assert!(!known.is_empty(), "{message}");
    for table in known {
        assert!(tables.contains(&table), "dynamics.{table} is missing from the edge table ({message})");
    }
    for table in tables {
        let Err(error) = parse(&base(&format!("[dynamics.{table}]\nnot_a_field = 1\n")), Path::new("t.toml"))
        else {
            panic!("an unknown field is accepted");
        };
        let message = &error.problems()[0].message;
        let fields: Vec<&str> = message.split('`').skip(3).step_by(2).collect();
        assert!(!fields.is_empty(), "{message}");
        for field in fields.into_iter().filter(|&f| f != "enabled") {
            assert!(
                DYNAMICS_RANGES.iter().any(|&(t, f, ..)| t == table && f == field),
                "dynamics.{table}.{field} is missing from the edge table"
            );
        }
    }
    for &(table, field, low, high) in DYNAMICS_RANGES {
        let step = (high - low) * 1e-6;
        assert!(
            accepts(table, field, low) && accepts(table, field, high),
            "{table}.{field}: [{low}, {high}]"
        );
        assert!(!accepts(table, field, low - step.max(low)), "{table}.{field} accepts below {low}");
        assert!(!accepts(table, field, high + step), "{table}.{field} accepts above {high}");
    }
}
