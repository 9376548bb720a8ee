//! One trial of one arm: its state and its step, in a fixed, documented order.
//!
//! A step is:
//! 1. everyone ages one step; whoever is past retirement age retires and whoever is
//!    below the dismissal threshold is dismissed ([`exits`]);
//! 2. with `[dynamics]`, everyone's quit hazard accumulates over the step and
//!    whoever's passes their threshold quits ([`behaviour::Behaviour::quit`]); then
//!    involuntary separations (layoffs and discharges) take their leavers
//!    ([`behaviour::Behaviour::separate`]);
//! 3. vacancies are filled top-down: each vacant position of a level is filled by
//!    promotion from the level below, chosen by the arm's policy, and the promoted
//!    person's skill changes by the arm's competence hypothesis; the vacancy this
//!    opens is filled in turn when its own level is reached, in the same step
//!    ([`promotion`]); vacancies of the bottom level, and any the policy leaves open,
//!    are filled by external hires ([`hiring`]);
//! 4. with `[dynamics]`, individual contributors may advance a grade, then the work
//!    of the step is done: managers' effectiveness, each team's overhead, output and
//!    credit, and everyone's engagement ([`behaviour`]);
//! 5. the step's metrics are observed.
//!
//! Steps 1 and 3 alone are the model of Pluchino et al. (2010). Changing this order
//! is a model change: it changes results and the golden files.

pub mod behaviour;
pub mod events;
pub mod quintiles;
pub mod scratch;
pub mod targets;
pub mod workforce;

use crate::config::{Arm, Config, Promotion};
use crate::mechanisms::exits;
use crate::mechanisms::hiring::{self, Recruitment};
use crate::mechanisms::promotion;
use crate::metrics::{STEP_METRICS, StepMetric, StepRow};
use crate::org::Org;
use crate::rng::{Stream, TrialRng, stream_rng};
use behaviour::{Behaviour, Observed, Pass};
use events::{Event, EventKind, EventLog, Ranks, TeamHistory};
use workforce::{ExitRules, Workforce};

/// What every trial of a scenario shares, computed once.
#[derive(Debug, Clone)]
pub struct World<'c> {
    /// The validated scenario.
    pub config: &'c Config,
    /// Its hierarchy.
    pub org: Org,
    rules: ExitRules,
    recruitment: Recruitment,
    /// The behavioural mechanisms, if the scenario has `[dynamics]`.
    behaviour: Option<Behaviour>,
    /// `responsibility / (max skill · Σ responsibility · positions)` per level, times 100,
    /// so the efficiency is one weighted sum.
    efficiency_weights: Vec<f64>,
    /// See [`World::measurement_start`]: the burn-in's steps, 0 (the initial
    /// state) without one. Decided here only.
    measurement_start: u32,
    /// Whether anything reads a hire's traits beyond skill and age: the
    /// behavioural model, or an arm that assesses leadership (the event log,
    /// which records them, is a trial's own affair).
    reads_traits: bool,
}

/// Whether anything in `config` reads a hire's traits beyond skill and age: the
/// behavioural model, or any arm that assesses leadership. It decides which random
/// numbers every arm draws, so an arm's results depend on it besides its own levers.
pub fn reads_traits(config: &Config) -> bool {
    config.dynamics.is_some()
        || config.arms.iter().any(|arm| matches!(arm.promotion, Promotion::LeadershipAssessed { .. }))
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
        Self {
            config,
            org,
            rules,
            recruitment: Recruitment::new(config),
            behaviour: Behaviour::new(config),
            efficiency_weights,
            measurement_start: config.burn_in_steps,
            reads_traits: reads_traits(config),
        }
    }

    /// Draws the initial workforce of a trial into `workforce`: every position filled
    /// from the hiring distributions, from the trial's `Initial` streams, so every arm
    /// of the trial starts from the same people.
    pub fn draw_initial_workforce(&self, trial_seed: u64, workforce: &mut Workforce) {
        workforce.clear(&self.org);
        workforce.exit_rules = self.rules;
        let mut people = stream_rng(trial_seed, Stream::Initial);
        let mut traits = stream_rng(trial_seed, Stream::InitialTraits);
        for level in 0..self.org.levels() {
            while let Some(position) = workforce.open[level].pop() {
                let person = self.recruitment.draw_incumbent(&mut people, &mut traits);
                workforce.hire_person(position, &person);
            }
        }
        workforce.mark_initial_top_quintile();
    }

    /// The step at whose end measurement starts (`s0`): the event log records
    /// nothing before it, takes its snapshot of the workforce then, and reports
    /// times from it.
    pub fn measurement_start(&self) -> u32 {
        self.measurement_start
    }

    /// Runs the burn-in of trial `trial_seed` from `initial` under the baseline
    /// arm's levers, for every arm to go on from. `keeps_teams`: whether an arm of
    /// the trial keeps an event log, which needs the team output of the burn-in's
    /// last year.
    pub fn burn_in_baseline(&self, trial_seed: u64, initial: &Workforce, keeps_teams: bool) -> BurntIn {
        let baseline = &self.config.arms[self.config.baseline];
        // Nothing of the burn-in is logged; the log only watches the teams.
        let mut unlogged = Vec::new();
        let events = keeps_teams.then_some(&mut unlogged);
        let mut workforce = Workforce::vacant(&self.org);
        let mut trial = Trial::start(self, baseline, trial_seed, initial, &mut workforce, events);
        let row = trial.burn_in();
        let teams = trial.log.teams().clone();
        let Trial { streams, step, initial: observed, .. } = trial;
        BurntIn { workforce, streams, step, initial: observed, row, teams, keeps_teams }
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
        // Involuntary separations are dismissals too: layoffs and discharges.
        row[StepMetric::Dismissals as usize] =
            f64::from(flows.departures.dismissals + flows.observed.separations);
        row[StepMetric::Efficiency as usize] = self.efficiency(workforce);
        row[StepMetric::TopQuintileRetained as usize] =
            f64::from(workforce.initial_top_remaining) / f64::from(workforce.initial_top_size.max(1));
        if self.behaviour.is_some() {
            self.observe_behaviour(workforce, &flows.observed, &mut row);
        }
        row
    }

    /// The metrics of the behavioural mechanisms.
    fn observe_behaviour(&self, workforce: &Workforce, observed: &Observed, row: &mut StepRow) {
        let org = &self.org;
        let ics = org.level(org.levels() - 1);
        let ic_headcount = workforce.level_headcount(org, org.levels() - 1).max(1) as f64;
        row[StepMetric::VoluntaryQuits as usize] = f64::from(observed.quits);
        row[StepMetric::RegrettedQuits as usize] = f64::from(observed.regretted);
        row[StepMetric::GradeAdvancements as usize] = f64::from(observed.grades);
        row[StepMetric::SkillLost as usize] = observed.skill_lost;
        row[StepMetric::Productivity as usize] = observed.output / ics.len() as f64;
        row[StepMetric::Engagement as usize] = observed.engagement;
        row[StepMetric::ManagerEffectiveness as usize] = observed.manager_effectiveness;
        row[StepMetric::OverheadTopDecile as usize] = observed.overhead_top_decile;
        row[StepMetric::OverheadRest as usize] = observed.overhead_rest;
        row[StepMetric::CreditGap as usize] = observed.credit_gap / ic_headcount;
        let targets = &observed.targets;
        row[StepMetric::MedianTenure as usize] = targets.median_tenure;
        row[StepMetric::ShortTenureShare as usize] = targets.short_tenure_share;
        row[StepMetric::OverheadTopFivePercentShare as usize] = targets.overhead_top5_share;
        row[StepMetric::MostLoadedShare as usize] = targets.most_loaded_share;
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
    observed: Observed,
}

/// A trial at the end of the baseline arm's burn-in: the state every arm goes on
/// from under `burn_in_levers = "baseline"` ([`Config::shares_burn_in`],
/// [`Trial::resume`]). The streams go on too, so each arm's draws after it are
/// those the baseline's own run makes.
#[derive(Debug, Clone)]
pub struct BurntIn {
    workforce: Workforce,
    streams: Streams,
    step: u32,
    initial: Observed,
    /// The observation measurement starts from: step 0 of every arm's series.
    row: StepRow,
    teams: TeamHistory,
    keeps_teams: bool,
}

impl BurntIn {
    /// Whether the state carries the team history an event log needs.
    pub fn keeps_teams(&self) -> bool {
        self.keeps_teams
    }
}

/// The random streams of one arm of one trial.
#[derive(Debug, Clone)]
struct Streams {
    hiring: TrialRng,
    hiring_traits: TrialRng,
    promotion: TrialRng,
    competence: TrialRng,
    overhead: TrialRng,
    engagement: TrialRng,
    growth: TrialRng,
    separations: TrialRng,
}

/// One arm of one trial in progress.
pub struct Trial<'w, 'c> {
    world: &'w World<'c>,
    arm: &'c Arm,
    /// The people, by position.
    pub workforce: &'w mut Workforce,
    streams: Streams,
    log: EventLog<'w>,
    /// Steps completed.
    step: u32,
    /// What the behavioural mechanisms observed of the initial state.
    initial: Observed,
}

impl<'w, 'c> Trial<'w, 'c> {
    /// Starts `arm` of the trial with seed `trial_seed` from `initial`, reusing the
    /// allocations of `workforce`; events go to `events` if given.
    pub fn start(
        world: &'w World<'c>,
        arm: &'c Arm,
        trial_seed: u64,
        initial: &Workforce,
        workforce: &'w mut Workforce,
        events: Option<&'w mut Vec<Event>>,
    ) -> Self {
        workforce.copy_from(initial);
        cap_grades(world, arm, workforce);
        let streams = Streams {
            hiring: stream_rng(trial_seed, Stream::Hiring),
            hiring_traits: stream_rng(trial_seed, Stream::HiringTraits),
            promotion: stream_rng(trial_seed, Stream::Promotion),
            competence: stream_rng(trial_seed, Stream::Competence),
            overhead: stream_rng(trial_seed, Stream::Overhead),
            engagement: stream_rng(trial_seed, Stream::Engagement),
            growth: stream_rng(trial_seed, Stream::Growth),
            separations: stream_rng(trial_seed, Stream::Separations),
        };
        let log = EventLog::new(events, &world.org, world.config.steps_per_year, world.measurement_start());
        let mut trial = Self { world, arm, workforce, streams, log, step: 0, initial: Observed::default() };
        if let Some(behaviour) = &world.behaviour {
            // The initial state's overhead, output and credit, without moving
            // engagement or recognition: the observation of step 0 is of the
            // organisation before anything happens (its first overhead allocation
            // aside, which output needs).
            let mut observed = Observed::default();
            let (org, streams) = (&world.org, &mut trial.streams);
            trial.workforce.with_scratch(|workforce, scratch| {
                behaviour.produce(
                    workforce,
                    org,
                    arm,
                    scratch,
                    &mut streams.overhead,
                    &mut observed,
                    Pass { first: true, observe: true },
                );
                behaviour.settle(workforce, org, scratch, &mut streams.engagement, false, &mut observed);
                observed.targets =
                    targets::observe(workforce, org, world.steps_per_year(), &mut scratch.targets);
            });
            trial.initial = observed;
        }
        trial.log.observe_teams(trial.workforce, 0);
        if world.measurement_start() == 0 {
            let log = &mut trial.log;
            trial.workforce.with_scratch(|workforce, scratch| log.record_start(workforce, scratch));
        }
        trial
    }

    /// Goes on with `arm` from the state `burnt` at the end of the baseline's
    /// burn-in, in `workforce`; events go to `events` if given, starting with
    /// everyone employed then. The arm's levers take effect now: grades above its
    /// IC ceiling are capped to it, and from the first measured step on it
    /// promotes, allocates and credits as it says.
    pub fn resume(
        world: &'w World<'c>,
        arm: &'c Arm,
        burnt: &BurntIn,
        workforce: &'w mut Workforce,
        events: Option<&'w mut Vec<Event>>,
    ) -> Self {
        workforce.clone_from(&burnt.workforce);
        cap_grades(world, arm, workforce);
        let mut log =
            EventLog::new(events, &world.org, world.config.steps_per_year, world.measurement_start());
        log.take_over_teams(&burnt.teams);
        let streams = burnt.streams.clone();
        let mut trial =
            Self { world, arm, workforce, streams, log, step: burnt.step, initial: burnt.initial };
        let log = &mut trial.log;
        trial.workforce.with_scratch(|workforce, scratch| log.record_start(workforce, scratch));
        trial
    }

    /// The observation of the state before the first step (step 0).
    pub fn observe_start(&self) -> StepRow {
        self.world.observe(self.workforce, Flows { observed: self.initial, ..Flows::default() })
    }

    /// Runs the burn-in ([`World::measurement_start`] steps, observed by nobody)
    /// and returns the observation measurement starts from (step 0 of the series):
    /// the state at its end, with its last step's flows, so that flow series are
    /// stationary from step 0 too. The retention cohort is the top fifth of the
    /// workforce at that point. Without a burn-in, the initial state's observation.
    pub fn burn_in(&mut self) -> StepRow {
        let steps = self.world.measurement_start();
        if steps == 0 {
            return self.observe_start();
        }
        // Only the last step of the burn-in is observed: nobody reads the others, and
        // observing (the tenure median, the overhead ranks, the level sums) was a
        // sixth of a behavioural run. Observing draws nothing and changes nothing.
        let mut last = [0.0; STEP_METRICS];
        for done in 1..=steps {
            last = self.advance(done == steps);
        }
        self.workforce.mark_initial_top_quintile();
        last[StepMetric::TopQuintileRetained as usize] = 1.0;
        last
    }

    /// Advances one step and returns its observation.
    pub fn step(&mut self) -> StepRow {
        self.advance(true)
    }

    /// Advances one step; returns its observation if `observe`, else zeros.
    fn advance(&mut self, observe: bool) -> StepRow {
        let world = self.world;
        let step = self.step + 1;
        let log = &mut self.log;
        let departures =
            exits::age_and_depart(self.workforce, &world.org, step, |workforce, position, level, retired| {
                if log.logs_step(step) {
                    let kind = if retired { EventKind::Retirement } else { EventKind::Dismissal };
                    let ranks = Ranks::of(workforce, &world.org, level, position);
                    log.record(workforce, step, kind, position, level, Some(ranks), None);
                }
            });
        self.step = step;
        let mut flows = Flows { departures, ..Flows::default() };
        // The scratch space is taken out of the workforce only by the passes that
        // need it beside the workforce: moving its few hundred bytes out and back
        // in every step was 3% of the Peter-principle model's time (a `memmove` in
        // the profile), and that model never reads it.
        if let Some(behaviour) = &world.behaviour {
            let (org, log, observed) = (&world.org, &mut self.log, &mut flows.observed);
            let separations = &mut self.streams.separations;
            self.workforce.with_scratch(|workforce, scratch| {
                behaviour.quit(workforce, org, scratch, step, log, observed);
                behaviour.separate(workforce, org, scratch, step, separations, log, observed);
            });
        }
        self.fill_vacancies(&mut flows);
        if let Some(behaviour) = &world.behaviour {
            let (org, arm) = (&world.org, self.arm);
            let (streams, log, observed) = (&mut self.streams, &mut self.log, &mut flows.observed);
            self.workforce.with_scratch(|workforce, scratch| {
                behaviour.advance_grades(
                    workforce,
                    org,
                    arm,
                    scratch,
                    step,
                    &mut streams.growth,
                    log,
                    observed,
                );
                let pass = Pass { first: false, observe };
                behaviour.produce(workforce, org, arm, scratch, &mut streams.overhead, observed, pass);
                behaviour.settle(workforce, org, scratch, &mut streams.engagement, true, observed);
                if observe {
                    observed.targets =
                        targets::observe(workforce, org, world.steps_per_year(), &mut scratch.targets);
                }
            });
        }
        self.log.observe_teams(self.workforce, step);
        if step == world.measurement_start() {
            let log = &mut self.log;
            self.workforce.with_scratch(|workforce, scratch| log.record_start(workforce, scratch));
        }
        if observe { world.observe(self.workforce, flows) } else { [0.0; STEP_METRICS] }
    }

    /// Records every holder as still employed at the end (for the event log).
    pub fn finish(&mut self) {
        let (log, step) = (&mut self.log, self.step);
        self.workforce.with_scratch(|workforce, scratch| log.record_end(workforce, scratch, step));
    }

    /// Fills every vacancy, top-down, by promotion from the level below or, failing
    /// that (the bottom level, an empty level below, or a policy that finds no
    /// candidate), by an external hire.
    fn fill_vacancies(&mut self, flows: &mut Flows) {
        let world = self.world;
        let org = &world.org;
        let levels = org.levels();
        let ranked_policy = !matches!(self.arm.promotion, Promotion::Random | Promotion::External);
        for level in 0..levels {
            let below = level + 1;
            let vacancies = self.workforce.open[level].len();
            if below < levels && vacancies >= RANK_FROM && ranked_policy {
                // Many vacancies on one level: rank the level below once.
                let mut ranking = std::mem::take(&mut self.workforce.ranking);
                let mut chosen = std::mem::take(&mut self.workforce.chosen);
                promotion::choose_many(
                    self.arm.promotion,
                    self.workforce,
                    merit(world, self.workforce),
                    org.level(below),
                    vacancies,
                    &mut self.streams.promotion,
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
                        merit(world, self.workforce),
                        org.level(below),
                        self.workforce.level_headcount(org, below),
                        &mut self.streams.promotion,
                    )
                } else {
                    None
                };
                match candidate {
                    Some(from) => self.promote(from, below, position, flows),
                    None => {
                        let streams = &mut self.streams;
                        hiring::hire(
                            self.workforce,
                            &world.recruitment,
                            position,
                            &mut streams.hiring,
                            &mut streams.hiring_traits,
                            world.reads_traits || self.log.is_on(),
                        );
                        flows.hires += 1;
                        if self.log.logs_step(self.step) {
                            self.log.record(
                                self.workforce,
                                self.step,
                                EventKind::Hire,
                                position,
                                level,
                                None,
                                None,
                            );
                        }
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
        let ranks =
            self.log.logs_step(self.step).then(|| Ranks::of(self.workforce, &self.world.org, below, from));
        self.workforce.move_holder(from, below, position, self.world.behaviour.is_some());
        let skill = promotion::skill_after_promotion(
            self.arm.competence,
            self.workforce.skill[position],
            &self.world.config.workforce.skill,
            &mut self.streams.competence,
        );
        self.workforce.set_skill(position, skill);
        if let Some(behaviour) = &self.world.behaviour {
            behaviour.lift(self.workforce, position);
        }
        flows.promotions += 1;
        self.log.record_promotion(self.workforce, self.step, position, below - 1, ranks);
        if self.world.behaviour.is_none() {
            // Without `[dynamics]` performance is the skill: the promotion's event
            // has the one that earned it, and from now on it is the new role's.
            self.workforce.performance[position] = self.workforce.skill[position];
        }
    }
}

/// Caps grades earned before as far as `arm`'s IC ladder reaches; managers hold none.
fn cap_grades(world: &World<'_>, arm: &Arm, workforce: &mut Workforce) {
    let ic_start = world.org.level(world.org.levels() - 1).start;
    for position in 0..world.org.positions() {
        let ceiling = if position >= ic_start { arm.ic_ceiling } else { 0 };
        workforce.grade[position] = workforce.grade[position].min(ceiling.min(255) as u8);
    }
}

/// What `best` and `worst` rank by: performance with `[dynamics]`, else skill
/// (Pluchino's competence).
#[inline]
fn merit<'a>(world: &World<'_>, workforce: &'a Workforce) -> &'a [f64] {
    if world.behaviour.is_some() { &workforce.performance } else { &workforce.skill }
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
    events: Option<&mut Vec<Event>>,
) {
    debug_assert_eq!(series.len(), world.config.steps as usize + 1);
    let mut trial = Trial::start(world, arm, trial_seed, initial, workforce, events);
    series[0] = trial.burn_in();
    for row in &mut series[1..] {
        *row = trial.step();
    }
    trial.finish();
}

/// Runs `arm` of one trial on from the baseline's burn-in `burnt` to the end, as
/// [`run_arm`] does from the initial workforce.
pub fn run_arm_from(
    world: &World<'_>,
    arm: &Arm,
    burnt: &BurntIn,
    workforce: &mut Workforce,
    series: &mut [StepRow],
    events: Option<&mut Vec<Event>>,
) {
    debug_assert_eq!(series.len(), world.config.steps as usize + 1);
    let mut trial = Trial::resume(world, arm, burnt, workforce, events);
    series[0] = burnt.row;
    for row in &mut series[1..] {
        *row = trial.step();
    }
    trial.finish();
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
                let mut trial_state = Trial::start(&world, arm, trial, &initial, &mut workforce, None);
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
                    // Without [dynamics] performance is the skill, promoted or not.
                    let w = &trial_state.workforce;
                    assert!(
                        w.performance == w.skill,
                        "{} step {step}: performance is not the skill",
                        arm.name
                    );
                }
            }
        }
    }

    /// With every mechanism on, the engine invariants still hold after every step of
    /// every arm, every exit is replaced by a hire, and the behavioural metrics stay
    /// in their ranges.
    /// `tech_org` with the department's arms and every other policy, allocation
    /// and hypothesis.
    fn every_policy_config() -> Config {
        let text = format!(
            "{}{}",
            include_str!("../../scenarios/tech_org.toml"),
            r#"
            [arms."random overhead, seniority"]
            overhead_allocation = "random"
            promotion = "seniority"
            [arms."external"]
            promotion = "external"
            [arms."mixed, common sense"]
            promotion = "mixed"
            best_probability = 0.3
            competence = "common_sense"
            [arms."worst, peter"]
            promotion = "worst"
            competence = "peter"
            "#
        );
        parse(&text, Path::new("tech_org.toml")).unwrap()
    }

    #[test]
    fn invariants_hold_with_every_mechanism_on() {
        let config = every_policy_config();
        assert_eq!(config.arms.len(), 10);
        let world = World::new(&config);
        let skill = &config.workforce.skill;
        let max_age = config.workforce.retirement_age * world.steps_per_year() + 1.0;
        for trial in 0..3u64 {
            let mut initial = Workforce::vacant(&world.org);
            world.draw_initial_workforce(trial, &mut initial);
            for arm in &config.arms {
                let mut workforce = Workforce::vacant(&world.org);
                let mut events = Vec::new();
                let mut state = Trial::start(&world, arm, trial, &initial, &mut workforce, Some(&mut events));
                state.burn_in();
                state
                    .workforce
                    .check_invariants(&world.org, (skill.min, skill.max), max_age)
                    .unwrap_or_else(|e| panic!("{} after the burn-in: {e}", arm.name));
                let mut quits = 0.0;
                for step in 1..=config.steps {
                    let row = state.step();
                    let exits = row[StepMetric::Retirements as usize]
                        + row[StepMetric::Dismissals as usize]
                        + row[StepMetric::VoluntaryQuits as usize];
                    assert_eq!(row[StepMetric::Hires as usize], exits, "{} step {step}", arm.name);
                    assert!(
                        row[StepMetric::RegrettedQuits as usize] <= row[StepMetric::VoluntaryQuits as usize]
                    );
                    for metric in [
                        StepMetric::Engagement,
                        StepMetric::ManagerEffectiveness,
                        StepMetric::OverheadTopDecile,
                        StepMetric::OverheadRest,
                        StepMetric::CreditGap,
                    ] {
                        assert!((0.0..=1.0).contains(&row[metric as usize]), "{metric:?}: {row:?}");
                    }
                    quits += row[StepMetric::VoluntaryQuits as usize];
                    state
                        .workforce
                        .check_invariants(&world.org, (skill.min, skill.max), max_age)
                        .unwrap_or_else(|e| panic!("{} step {step}: {e}", arm.name));
                    for position in world.org.level(world.org.levels() - 1) {
                        assert!(u32::from(state.workforce.grade[position]) <= arm.ic_ceiling);
                    }
                }
                state.finish();
                let logged = events.iter().filter(|e| e.kind == EventKind::Quit).count();
                assert_eq!(logged as f64, quits, "{}: every quit is logged", arm.name);
                let ends = events.iter().filter(|e| e.kind == EventKind::End).count();
                assert_eq!(ends, world.org.positions(), "everyone employed at the end is logged once");
            }
        }
    }

    /// The wide passes (AVX-512 and AVX2, where the processor has them) and the
    /// narrow ones give the same bits: every observation and the final workforce of
    /// every arm, with every policy, allocation and hypothesis. (On a processor
    /// without them the runs are narrow and this checks nothing; it says which ran.)
    #[test]
    fn wide_and_narrow_passes_give_the_same_bits() {
        use crate::lanes::{Width, set_widest, width};
        let config = every_policy_config();
        let world = World::new(&config);
        let run = |widest: Width, arm: &Arm| {
            set_widest(widest);
            println!("{widest:?} allowed: {:?} runs", width());
            let mut initial = Workforce::vacant(&world.org);
            world.draw_initial_workforce(11, &mut initial);
            let mut workforce = Workforce::vacant(&world.org);
            let mut series = vec![[0.0; STEP_METRICS]; config.steps as usize + 1];
            run_arm(&world, arm, 11, &initial, &mut workforce, &mut series, None);
            set_widest(Width::Avx512);
            let bits = |column: &[f64]| column.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let state =
                [&workforce.engagement, &workforce.hazard, &workforce.recognition, &workforce.performance]
                    .map(|column| bits(column));
            (series.iter().map(|row| bits(row)).collect::<Vec<_>>(), state)
        };
        for arm in &config.arms {
            let narrow = run(Width::Narrow, arm);
            assert!(narrow == run(Width::Avx2, arm), "AVX2: {}", arm.name);
            assert!(narrow == run(Width::Avx512, arm), "AVX-512: {}", arm.name);
        }
    }

    /// The overhead calibration of docs/references.md §4: under `competence_weighted`,
    /// the 5% of individual contributors who carry the most overhead carry 20–35%
    /// of it (Cross, Rebele & Grant 2016), and a team's top performer spends about
    /// 30% of their time on it (the overhead-and-credit essay).
    #[test]
    fn competence_weighted_overhead_is_as_concentrated_as_published() {
        let text = include_str!("../../scenarios/overhead_tax.toml");
        let config = parse(text, Path::new("overhead_tax.toml")).unwrap();
        let world = World::new(&config);
        let arm = &config.arms[0];
        let ics = world.org.level(world.org.levels() - 1);
        let (mut top_share, mut best_in_team, mut samples) = (0.0, 0.0, 0.0);
        for trial in 0..20u64 {
            let mut initial = Workforce::vacant(&world.org);
            world.draw_initial_workforce(trial, &mut initial);
            let mut workforce = Workforce::vacant(&world.org);
            let mut state = Trial::start(&world, arm, trial, &initial, &mut workforce, None);
            for _ in 0..24 {
                state.step();
            }
            let w = &state.workforce;
            let mut shares: Vec<f64> = ics.clone().map(|p| w.overhead[p]).collect();
            shares.sort_by(|a, b| b.total_cmp(a));
            let top = shares.len().div_ceil(20);
            top_share += shares[..top].iter().sum::<f64>() / shares.iter().sum::<f64>();
            // The most capable member carries the most; after overhead they need not
            // be the best performer, so this takes the largest share in each team.
            let managers = world.org.level(world.org.levels() - 2);
            for manager in managers.clone() {
                let most = world.org.team(manager).map(|p| w.overhead[p]).fold(0.0, f64::max);
                best_in_team += most / managers.len() as f64;
            }
            samples += 1.0;
        }
        let (top_share, best_in_team) = (top_share / samples, best_in_team / samples);
        assert!((0.20..=0.35).contains(&top_share), "top 5% carry {top_share:.3}");
        assert!((0.25..=0.40).contains(&best_in_team), "a team's most loaded: {best_in_team:.3}");
    }

    /// A burn-in only moves where measurement starts: the series after a burn-in of
    /// `b` steps is the series of a run without one from step `b` on, draw for draw,
    /// except the retention of the top fifth, whose cohort is the top fifth of the
    /// workforce at the end of the burn-in (all retained at step 0).
    #[test]
    fn a_burn_in_measures_the_same_trial_from_its_end() {
        let text = include_str!("../../scenarios/tech_org.toml");
        let with = |burn_in: &str, steps: &str| {
            let text = text.replace("burn_in = 40", &format!("burn_in = {burn_in}"));
            parse(&text.replace("steps = 60", &format!("steps = {steps}")), Path::new("t.toml")).unwrap()
        };
        let (burnt, cold) = (with("2", "12"), with("0", "36"));
        assert_eq!(burnt.burn_in_steps, 24);
        let series = |config: &Config| {
            let world = World::new(config);
            let mut initial = Workforce::vacant(&world.org);
            world.draw_initial_workforce(4, &mut initial);
            let mut workforce = Workforce::vacant(&world.org);
            let mut series = vec![[0.0; STEP_METRICS]; config.steps as usize + 1];
            run_arm(&world, &config.arms[0], 4, &initial, &mut workforce, &mut series, None);
            (series, workforce)
        };
        let ((burnt_series, workforce), (cold_series, _)) = (series(&burnt), series(&cold));
        let retained = StepMetric::TopQuintileRetained as usize;
        for (k, row) in burnt_series.iter().enumerate() {
            let mut expected = cold_series[24 + k];
            expected[retained] = row[retained];
            assert_eq!(*row, expected, "step {k}");
        }
        assert_eq!(burnt_series[0][retained], 1.0, "the cohort is marked at the end of the burn-in");
        assert!(burnt_series[12][retained] < 1.0 && burnt_series[12][retained] > cold_series[36][retained]);
        assert_eq!(u64::from(workforce.initial_top_size), burnt.positions().div_ceil(5));
    }

    /// Involuntary separations are dismissals, never quits: each is logged as a
    /// dismissal with its reason, counted in the step's dismissals and replaced by
    /// a hire; the weak are managed out more than the strong. Switched off (the
    /// ablation), nobody is separated.
    #[test]
    fn involuntary_separations_are_dismissals_and_vanish_when_switched_off() {
        let run = |enabled: bool| {
            let text = include_str!("../../scenarios/tech_org.toml")
                .replace("burn_in = 40", "burn_in = 2")
                .replace("[policy]", &format!("[dynamics.separations]\nenabled = {enabled}\n\n[policy]"));
            let config = parse(&text, Path::new("tech_org.toml")).unwrap();
            let world = World::new(&config);
            let (mut dismissals, mut quits, mut events) = (0.0, 0.0, Vec::new());
            for trial in 0..2u64 {
                let mut initial = Workforce::vacant(&world.org);
                world.draw_initial_workforce(trial, &mut initial);
                let mut workforce = Workforce::vacant(&world.org);
                let mut state =
                    Trial::start(&world, &config.arms[0], trial, &initial, &mut workforce, Some(&mut events));
                state.burn_in();
                for _ in 0..config.steps {
                    let row = state.step();
                    dismissals += row[StepMetric::Dismissals as usize];
                    quits += row[StepMetric::VoluntaryQuits as usize];
                }
                state.finish();
            }
            (dismissals, quits, events)
        };
        let (dismissals, quits, events) = run(true);
        let separated: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Dismissal).collect();
        assert_eq!(separated.len() as f64, dismissals, "every separation is a logged dismissal");
        assert_eq!(events.iter().filter(|e| e.kind == EventKind::Quit).count() as f64, quits);
        let yearly = dismissals / (2.0 * 357.0 * 5.0);
        assert!((0.05..0.2).contains(&yearly), "about the default rate a year: {yearly}");
        assert!(separated.iter().all(|e| matches!(e.reason, Some(events::Reason::Separation(_)))));
        let by_quintile = |q: u8| separated.iter().filter(|e| e.ranks.unwrap().performance == q).count();
        assert!(
            by_quintile(0) > by_quintile(4),
            "the weak are managed out: {} vs {}",
            by_quintile(0),
            by_quintile(4)
        );
        let (dismissals, _, events) = run(false);
        assert_eq!(dismissals, 0.0, "switched off: nobody is separated");
        assert!(events.iter().all(|e| e.kind != EventKind::Dismissal));
    }

    /// Under `burn_in_levers = "baseline"` every arm goes on from the baseline's
    /// burn-in: step 0 is the baseline's for every arm; the baseline arm runs
    /// exactly as it does burning in under its own levers (series, final workforce,
    /// and events, whose first promotions reach back into the burn-in for their
    /// team's year before); another arm's run differs from its own-levers run.
    #[test]
    fn under_a_shared_burn_in_every_arm_goes_on_from_the_baseline_s() {
        let text = include_str!("../../scenarios/tech_org.toml")
            .replace("burn_in = 40", "burn_in = 3")
            .replace("steps = 60", "steps = 24");
        let own = parse(&text, Path::new("tech_org.toml")).unwrap();
        let shared_text = text.replace("burn_in = 3", "burn_in = 3\nburn_in_levers = \"baseline\"");
        let shared = parse(&shared_text, Path::new("tech_org.toml")).unwrap();
        assert!(shared.shares_burn_in() && !own.shares_burn_in());
        let run = |config: &Config, arm: usize, logged: bool| {
            let world = World::new(config);
            let mut initial = Workforce::vacant(&world.org);
            world.draw_initial_workforce(6, &mut initial);
            let mut workforce = Workforce::vacant(&world.org);
            let mut series = vec![[0.0; STEP_METRICS]; config.steps as usize + 1];
            let mut events = Vec::new();
            let log = logged.then_some(&mut events);
            if config.shares_burn_in() {
                let burnt = world.burn_in_baseline(6, &initial, logged);
                run_arm_from(&world, &config.arms[arm], &burnt, &mut workforce, &mut series, log);
            } else {
                run_arm(&world, &config.arms[arm], 6, &initial, &mut workforce, &mut series, log);
            }
            (series, workforce, events)
        };
        let baseline = own.baseline;
        let (own_series, own_workforce, own_events) = run(&own, baseline, true);
        let (shared_series, shared_workforce, shared_events) = run(&shared, baseline, true);
        assert_eq!(own_series, shared_series);
        assert!(own_workforce == shared_workforce, "the baseline's final workforce");
        assert_eq!(own_events, shared_events);
        let reaching_back = shared_events
            .iter()
            .filter(|e| e.kind == EventKind::Promotion && e.step <= 12 && e.team_output.before.is_some())
            .count();
        assert!(reaching_back > 0, "a first-year promotion knows its team's year before");
        let assessed = own.arms.iter().position(|arm| arm.name == "assessed leaders").unwrap();
        let (own_assessed, ..) = run(&own, assessed, false);
        let (shared_assessed, ..) = run(&shared, assessed, false);
        assert_eq!(shared_assessed[0], shared_series[0], "step 0 is the baseline's");
        assert_ne!(own_assessed[0], shared_assessed[0], "under its own levers it burns in elsewhere");
        assert_ne!(own_assessed[1..], shared_assessed[1..]);
        assert_ne!(shared_assessed[1..], shared_series[1..], "its levers act from step 1");
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
        let a = Trial::start(&world, &config.arms[0], 7, &initial, &mut first, None).observe_start();
        let b = Trial::start(&world, &config.arms[5], 7, &initial, &mut second, None).observe_start();
        assert_eq!(a, b);
    }
}
