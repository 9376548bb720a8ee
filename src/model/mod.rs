//! One trial of one arm: its state and its step, in a fixed, documented order.
//!
//! A step (the order of Pluchino et al. 2010) is:
//! 1. everyone ages one step; whoever is past retirement age retires and whoever is
//!    below the dismissal threshold is dismissed ([`exits`]);
//! 2. vacancies are filled top-down: each vacant position of a level is filled by
//!    promotion from the level below, chosen by the arm's policy, and the promoted
//!    person's skill changes by the arm's competence hypothesis; the vacancy this
//!    opens is filled in turn when its own level is reached, in the same step
//!    ([`promotion`]);
//! 3. vacancies of the bottom level, and any the policy leaves open, are filled by
//!    external hires ([`hiring`]);
//! 4. the step's metrics are observed.
//!
//! Changing this order is a model change: it changes results and the golden files.

pub mod workforce;

use crate::config::{Arm, Config, Promotion};
use crate::mechanisms::exits::{self, ExitRules};
use crate::mechanisms::{hiring, promotion};
use crate::metrics::{STEP_METRICS, StepMetric, StepRow};
use crate::org::Org;
use crate::rng::{Stream, TrialRng, stream_rng};
use workforce::Workforce;

/// What every trial of a scenario shares, computed once.
#[derive(Debug, Clone)]
pub struct World<'c> {
    /// The validated scenario.
    pub config: &'c Config,
    /// Its hierarchy.
    pub org: Org,
    rules: ExitRules,
    /// `responsibility / (max skill · Σ responsibility · positions)` per level, times 100,
    /// so the efficiency is one weighted sum.
    efficiency_weights: Vec<f64>,
}

impl<'c> World<'c> {
    /// Precomputes what the trials of `config` share.
    pub fn new(config: &'c Config) -> Self {
        let org = Org::new(config);
        let capacity: f64 =
            config.levels.iter().map(|level| level.responsibility * f64::from(level.positions)).sum::<f64>()
                * config.workforce.skill.max;
        let efficiency_weights =
            config.levels.iter().map(|level| 100.0 * level.responsibility / capacity).collect();
        let rules = ExitRules {
            retirement_age: config.workforce.retirement_age * f64::from(config.steps_per_year),
            dismissal_threshold: config.workforce.dismissal_threshold.unwrap_or(f64::NEG_INFINITY),
        };
        Self { config, org, rules, efficiency_weights }
    }

    /// Draws the initial workforce of a trial into `workforce`: every position filled
    /// from the hiring distributions, from the trial's `Initial` stream, so every arm
    /// of the trial starts from the same people.
    pub fn draw_initial_workforce(&self, trial_seed: u64, workforce: &mut Workforce) {
        workforce.clear(&self.org);
        let mut rng = stream_rng(trial_seed, Stream::Initial);
        for level in 0..self.org.levels() {
            while let Some(position) = workforce.open[level].pop() {
                hiring::hire(workforce, &self.config.workforce, self.steps_per_year(), position, &mut rng);
            }
        }
        workforce.mark_initial_top_quintile();
    }

    /// Steps per simulated year, the clock's unit conversion.
    pub fn steps_per_year(&self) -> f64 {
        f64::from(self.config.steps_per_year)
    }

    /// Pluchino et al.'s global efficiency, in % of the maximum:
    /// `E = 100 · Σ_l r_l Σ_{j∈l} C_j / (C_max · Σ_l r_l n_l)`, vacancies counting 0.
    pub fn efficiency(&self, workforce: &Workforce) -> f64 {
        (0..self.org.levels())
            .map(|level| sum(&workforce.skill[self.org.level(level)]) * self.efficiency_weights[level])
            .sum()
    }

    /// Observes a workforce with the step's flows.
    fn observe(&self, workforce: &Workforce, flows: Flows) -> StepRow {
        let headcount = workforce.headcount();
        let mut row = [0.0; STEP_METRICS];
        row[StepMetric::Headcount as usize] = headcount as f64;
        row[StepMetric::Vacancies as usize] = (self.org.positions() - headcount) as f64;
        row[StepMetric::Hires as usize] = f64::from(flows.hires);
        row[StepMetric::Promotions as usize] = f64::from(flows.promotions);
        row[StepMetric::Retirements as usize] = f64::from(flows.departures.retirements);
        row[StepMetric::Dismissals as usize] = f64::from(flows.departures.dismissals);
        row[StepMetric::Efficiency as usize] = self.efficiency(workforce);
        row[StepMetric::TopQuintileRetained as usize] =
            f64::from(workforce.initial_top_remaining) / workforce.initial_top.len().div_ceil(5) as f64;
        row
    }
}

/// From how many vacancies on one level the level below is ranked once
/// ([`promotion::choose_many`]) rather than scanned once per vacancy. Both choose
/// with the same probabilities; the scan is faster for a few vacancies (it only
/// reads), the ranking for many (it is not quadratic). Measured on the bundled
/// scenarios: below 8 the scans win.
const RANK_FROM: usize = 8;

/// The movements of one step.
#[derive(Debug, Clone, Copy, Default)]
struct Flows {
    departures: exits::Departures,
    promotions: u32,
    hires: u32,
}

/// One arm of one trial in progress.
pub struct Trial<'w, 'c> {
    world: &'w World<'c>,
    arm: &'c Arm,
    /// The people, by position.
    pub workforce: &'w mut Workforce,
    hiring_rng: TrialRng,
    promotion_rng: TrialRng,
    competence_rng: TrialRng,
    /// Steps completed.
    step: u32,
}

impl<'w, 'c> Trial<'w, 'c> {
    /// Starts `arm` of the trial with seed `trial_seed` from `initial`, reusing the
    /// allocations of `workforce`.
    pub fn start(
        world: &'w World<'c>,
        arm: &'c Arm,
        trial_seed: u64,
        initial: &Workforce,
        workforce: &'w mut Workforce,
    ) -> Self {
        workforce.copy_from(initial);
        Self {
            world,
            arm,
            workforce,
            hiring_rng: stream_rng(trial_seed, Stream::Hiring),
            promotion_rng: stream_rng(trial_seed, Stream::Promotion),
            competence_rng: stream_rng(trial_seed, Stream::Competence),
            step: 0,
        }
    }

    /// The observation of the state before the first step (step 0).
    pub fn observe_start(&self) -> StepRow {
        self.world.observe(self.workforce, Flows::default())
    }

    /// Advances one step and returns its observation.
    pub fn step(&mut self) -> StepRow {
        let world = self.world;
        let departures =
            exits::age_and_depart(self.workforce, &world.org, world.rules, f64::from(self.step + 1));
        self.step += 1;
        let mut flows = Flows { departures, ..Flows::default() };
        self.fill_vacancies(&mut flows);
        world.observe(self.workforce, flows)
    }

    /// Fills every vacancy, top-down, by promotion from the level below or, failing
    /// that (the bottom level, or an empty level below), by an external hire.
    fn fill_vacancies(&mut self, flows: &mut Flows) {
        let world = self.world;
        let org = &world.org;
        let spec = &world.config.workforce;
        let levels = org.levels();
        for level in 0..levels {
            let below = level + 1;
            let vacancies = self.workforce.open[level].len();
            if below < levels && vacancies >= RANK_FROM && self.arm.promotion != Promotion::Random {
                // Many vacancies on one level: rank the level below once.
                let mut ranking = std::mem::take(&mut self.workforce.ranking);
                let mut chosen = std::mem::take(&mut self.workforce.chosen);
                promotion::choose_many(
                    self.arm.promotion,
                    self.workforce,
                    org.level(below),
                    vacancies,
                    &mut self.promotion_rng,
                    &mut ranking,
                    &mut chosen,
                );
                for &from in &chosen {
                    let position =
                        self.workforce.open[level].pop().expect("one vacancy per chosen candidate");
                    self.promote(from, below, position, flows);
                }
                self.workforce.ranking = ranking;
                self.workforce.chosen = chosen;
            }
            while let Some(position) = self.workforce.open[level].pop() {
                let candidate = if below < levels {
                    promotion::choose_candidate(
                        self.arm.promotion,
                        self.workforce,
                        org.level(below),
                        self.workforce.level_headcount(org, below),
                        &mut self.promotion_rng,
                    )
                } else {
                    None
                };
                match candidate {
                    Some(from) => self.promote(from, below, position, flows),
                    None => {
                        hiring::hire(
                            self.workforce,
                            spec,
                            world.steps_per_year(),
                            position,
                            &mut self.hiring_rng,
                        );
                        flows.hires += 1;
                    }
                }
            }
        }
    }
}

impl Trial<'_, '_> {
    /// Moves the holder of `from` (on `below`) up into the vacant `position`, whose
    /// skill then changes by the arm's competence hypothesis.
    #[inline]
    fn promote(&mut self, from: usize, below: usize, position: usize, flows: &mut Flows) {
        self.workforce.move_holder(from, below, position);
        self.workforce.skill[position] = promotion::skill_after_promotion(
            self.arm.competence,
            self.workforce.skill[position],
            &self.world.config.workforce.skill,
            &mut self.competence_rng,
        );
        flows.promotions += 1;
    }
}

/// A sum in four independent lanes: the dependency chain of a plain sum costs four
/// times as long, and the per-step efficiency is a sum over every position.
fn sum(values: &[f64]) -> f64 {
    let mut lanes = [0.0; 4];
    let chunks = values.chunks_exact(4);
    let rest: f64 = chunks.remainder().iter().sum();
    for chunk in chunks {
        for (lane, value) in lanes.iter_mut().zip(chunk) {
            *lane += value;
        }
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + rest
}

/// Runs `arm` of one trial to the end, writing the observation of step `s` into
/// `series[s]` (`series` has `steps + 1` rows). Allocates nothing.
pub fn run_arm(
    world: &World<'_>,
    arm: &Arm,
    trial_seed: u64,
    initial: &Workforce,
    workforce: &mut Workforce,
    series: &mut [StepRow],
) {
    debug_assert_eq!(series.len(), world.config.steps as usize + 1);
    let mut trial = Trial::start(world, arm, trial_seed, initial, workforce);
    series[0] = trial.observe_start();
    for row in &mut series[1..] {
        *row = trial.step();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;
    use std::path::Path;

    fn peter_config() -> Config {
        let text = include_str!("../../scenarios/peter_principle.toml");
        parse(text, Path::new("peter_principle.toml")).unwrap()
    }

    /// The engine invariants hold after every step of every arm.
    #[test]
    fn invariants_hold_after_every_step() {
        let config = peter_config();
        let world = World::new(&config);
        let positions = world.org.positions() as f64;
        let skill = &config.workforce.skill;
        for trial in 0..3u64 {
            let mut initial = Workforce::vacant(&world.org);
            world.draw_initial_workforce(trial, &mut initial);
            initial.check_invariants(&world.org, (skill.min, skill.max), 60.0).unwrap();
            for arm in &config.arms {
                let mut workforce = Workforce::vacant(&world.org);
                let mut trial_state = Trial::start(&world, arm, trial, &initial, &mut workforce);
                for step in 1..=300 {
                    let row = trial_state.step();
                    let headcount = row[StepMetric::Headcount as usize];
                    let vacancies = row[StepMetric::Vacancies as usize];
                    assert_eq!(headcount + vacancies, positions);
                    let exits = row[StepMetric::Retirements as usize] + row[StepMetric::Dismissals as usize];
                    assert_eq!(row[StepMetric::Hires as usize], exits, "{} step {step}", arm.name);
                    let efficiency = row[StepMetric::Efficiency as usize];
                    assert!((10.0..=100.0).contains(&efficiency), "{efficiency}");
                    trial_state
                        .workforce
                        .check_invariants(&world.org, (skill.min, skill.max), 61.0)
                        .unwrap_or_else(|e| panic!("{} step {step}: {e}", arm.name));
                }
            }
        }
    }

    #[test]
    fn the_initial_efficiency_is_ten_times_the_mean_skill() {
        let config = peter_config();
        let world = World::new(&config);
        let mut workforce = Workforce::vacant(&world.org);
        let mut sum = 0.0;
        let trials = 400;
        for trial in 0..trials {
            world.draw_initial_workforce(trial, &mut workforce);
            sum += world.efficiency(&workforce);
        }
        let expected = 10.0 * config.workforce.skill.truncated_mean();
        assert!((sum / trials as f64 - expected).abs() < 0.3, "{}", sum / trials as f64);
    }

    #[test]
    fn every_arm_starts_from_the_same_people() {
        let config = peter_config();
        let world = World::new(&config);
        let mut initial = Workforce::vacant(&world.org);
        world.draw_initial_workforce(7, &mut initial);
        let mut first = Workforce::vacant(&world.org);
        let mut second = Workforce::vacant(&world.org);
        let a = Trial::start(&world, &config.arms[0], 7, &initial, &mut first).observe_start();
        let b = Trial::start(&world, &config.arms[5], 7, &initial, &mut second).observe_start();
        assert_eq!(a, b);
    }
}
