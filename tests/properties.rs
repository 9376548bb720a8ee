//! Property tests: random valid scenarios (with and without `[dynamics]`, any
//! mechanisms switched off) never panic and keep the engine's
//! invariants at every step; mutated scenario text never panics the parser and
//! always yields a scenario or located errors.

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
    /// seven switchable mechanisms off where its bit is set.
    dynamics: Option<u8>,
}

/// The switchable mechanisms of `[dynamics]`.
const MECHANISMS: [&str; 7] = ["manager", "misfit", "overhead", "credit", "engagement", "growth", "quits"];

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
        (20.0f64..50.0, 1.0f64..10.0, 16.0f64..25.0, 55.0f64..70.0),
        40.0f64..80.0,
        prop::option::of(0.0f64..6.0),
        (1u32..25, prop::sample::select(vec![1u32, 12])),
        prop::collection::vec((0u8..9, 0.0f64..=1.0, any::<bool>(), 0.0f64..2.0), 1..4),
        (any::<u64>(), prop::option::of(any::<u8>())),
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
