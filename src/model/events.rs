//! The optional event log: one row per hire, promotion, grade advancement and exit,
//! one per person employed when measurement starts (the initial snapshot) and one
//! per person still employed at the end (the censored observations a survival
//! analysis needs). Every employment spell in it so has exactly one entry row
//! (`start` or `hire`) and one closing row (an exit, or `end` when censored).
//!
//! Measurement starts at step `s0` ([`EventLog::new`]'s `measure_from`): nothing
//! before it is logged, the snapshot is of the state at its end, and times are
//! reported from it. A promotion also carries its team's output in the year before
//! and the year after ([`TeamOutput`]), for the Benson, Li & Shue (2019) analysis.

use crate::mechanisms::quits::QuitReason;
use crate::mechanisms::separations::SeparationReason;
pub use crate::model::quintiles::Ranks;
use crate::model::quintiles::{self, RankQuintiles};
use crate::model::scratch::Scratch;
use crate::model::workforce::Workforce;
use crate::org::Org;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// An external hire.
    Hire,
    /// A promotion to the level above (`level` is the new level).
    Promotion,
    /// An IC grade advancement (`grade` is the new grade).
    Grade,
    /// A voluntary quit.
    Quit,
    /// A dismissal.
    Dismissal,
    /// A retirement.
    Retirement,
    /// Still employed when the trial ended (censored).
    End,
    /// Employed when measurement started: the initial snapshot, the entry row of
    /// every spell that began before it.
    Start,
}

impl EventKind {
    /// The name written in the event log.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hire => "hire",
            Self::Promotion => "promotion",
            Self::Grade => "grade",
            Self::Quit => "quit",
            Self::Dismissal => "dismissal",
            Self::Retirement => "retirement",
            Self::End => "end",
            Self::Start => "start",
        }
    }

    /// Whether the event closes a spell: an exit, or the censoring at the end.
    pub fn closes_spell(self) -> bool {
        matches!(self, Self::Quit | Self::Dismissal | Self::Retirement | Self::End)
    }
}

/// Why someone left: a quit's dominant reason, or whether an involuntary
/// separation was a layoff or for performance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// A voluntary quit's dominant reason.
    Quit(QuitReason),
    /// An involuntary separation's (logged as a dismissal).
    Separation(SeparationReason),
}

impl Reason {
    /// The name written in the event log.
    pub fn name(self) -> &'static str {
        match self {
            Self::Quit(reason) => reason.name(),
            Self::Separation(reason) => reason.name(),
        }
    }
}

/// One event of one arm of one trial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// The step it happened in, counted from the start of measurement.
    pub step: u32,
    /// What happened.
    pub kind: EventKind,
    /// The employee (unique within the trial and arm).
    pub employee: u64,
    /// Their level (after the event, for a promotion).
    pub level: u8,
    /// Their IC grade (after the event, for a grade advancement).
    pub grade: u8,
    /// Years since hire.
    pub tenure: f64,
    /// Years in the current level (0 for a hire or a promotion).
    pub time_in_role: f64,
    /// Their age, years.
    pub age: f64,
    /// Skill, 0–10.
    pub skill: f64,
    /// Leadership readiness, 0–1.
    pub leadership: f64,
    /// Engagement, 0–1.
    pub engagement: f64,
    /// Performance and skill quintiles within their level before the event; `None`
    /// for a hire.
    pub ranks: Option<Ranks>,
    /// The dominant reason of a quit, or the reason of an involuntary separation.
    pub reason: Option<Reason>,
    /// Their position (after the event, for a promotion). A manager's position is
    /// also the id of the team they manage.
    pub position: u32,
    /// The team they belong to: the position of their manager's chair; `None` at
    /// the top.
    pub team: Option<u32>,
    /// The employee id of their manager; `None` at the top or when the chair is
    /// vacant.
    pub manager: Option<u64>,
    /// When their spell entered the log, in steps from the start of measurement:
    /// their hire, or the start of measurement for whoever was employed then.
    pub entry_step: u32,
    /// Their tenure when the spell entered the log, years (0 for a hire): the
    /// left truncation of a spell that began before measurement.
    pub entry_tenure: f64,
    /// Their performance as last computed (an IC's output, 10 × a manager's
    /// effectiveness): for a promotion, the performance that earned it, in the
    /// level below. `None` for a hire, who has none yet.
    pub performance: Option<f64>,
    /// For a promotion, the output of the team the promoted person now manages
    /// before and after ([`TeamOutput`]).
    pub team_output: TeamOutput,
}

/// The mean performance per member of the team a promoted person now manages
/// (their position's team), each averaged over a year of steps: `before` over the
/// `steps_per_year` steps before the promotion's step, `after` over the promotion's
/// step and the `steps_per_year − 1` after it (the new manager's first year,
/// whether or not they stay). Members' performance is an IC's output, so for a
/// first-line manager this is the team's output per member. `None` when the year
/// does not fit in the trial, and for every other event.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TeamOutput {
    /// The year before.
    pub before: Option<f64>,
    /// The first year after.
    pub after: Option<f64>,
}

impl Ranks {
    /// The ranks of the holder of `position` on `level`.
    pub fn of(workforce: &Workforce, org: &Org, level: usize, position: usize) -> Self {
        Self {
            performance: quintile_of(workforce, org, level, position, &workforce.performance),
            skill: quintile_of(workforce, org, level, position, &workforce.skill),
        }
    }

    /// The ranks of the holders of `positions`, all on `level`, as [`Ranks::of`]
    /// gives each: afterwards, `by.performance.found()[i]` and `by.skill.found()[i]`
    /// are those of `positions[i]`.
    pub fn of_each(
        workforce: &Workforce,
        org: &Org,
        level: usize,
        positions: &[usize],
        by: &mut RankQuintiles,
    ) {
        let vacancies = workforce.open[level].len();
        by.performance.find(&workforce.performance, org.level(level), vacancies, positions);
        by.skill.find(&workforce.skill, org.level(level), vacancies, positions);
    }
}

/// The quintile by `column` of the holder of `position` within its level (see
/// [`quintiles::quintile`]). Exact, and O(level): only the rare positions that
/// leave or move need it; [`Ranks::of_each`] serves many at once.
///
/// `column` must hold 0 at every vacant position, as skill and performance do.
pub fn quintile_of(workforce: &Workforce, org: &Org, level: usize, position: usize, column: &[f64]) -> u8 {
    let positions = org.level(level);
    debug_assert!(
        positions.clone().all(|p| workforce.occupied[p] || column[p] == 0.0),
        "a vacant position holds a value"
    );
    quintiles::quintile(&column[positions], workforce.open[level].len(), column[position])
}

/// Where a trial's events go, if anywhere.
pub struct EventLog<'a> {
    events: Option<&'a mut Vec<Event>>,
    org: &'a Org,
    steps_per_year: f64,
    /// The step measurement starts at (`s0`).
    measure_from: u32,
    /// The team output history and the promotions waiting for their year after.
    teams: TeamHistory,
}

/// Each manager chair's team output over the last year of steps, as a ring of
/// `steps_per_year` rows of one value per chair, and the promotions whose year
/// after is still running. Empty when nothing is logged.
#[derive(Debug, Default, Clone)]
pub struct TeamHistory {
    /// Chairs with a team: every position above the bottom level.
    chairs: usize,
    /// Row `k % steps_per_year` holds the team means at the end of step `k`.
    ring: Vec<f64>,
    /// Steps recorded so far (the initial state counts as step 0).
    recorded: u32,
    /// `(event index, chair, sum so far, steps summed)` per promotion in its year after.
    pending: Vec<(usize, usize, f64, u32)>,
}

impl<'a> EventLog<'a> {
    /// A log into `events`, or nowhere, of a trial of `org` whose measurement
    /// starts at step `measure_from`.
    pub fn new(
        events: Option<&'a mut Vec<Event>>,
        org: &'a Org,
        steps_per_year: u32,
        measure_from: u32,
    ) -> Self {
        let teams = match events {
            Some(_) => {
                let chairs = org.level(org.levels() - 1).start;
                TeamHistory {
                    chairs,
                    ring: vec![0.0; chairs * steps_per_year as usize],
                    ..Default::default()
                }
            }
            None => TeamHistory::default(),
        };
        Self { events, org, steps_per_year: f64::from(steps_per_year), measure_from, teams }
    }

    /// The team output this log has observed so far: an arm that goes on from a
    /// shared burn-in takes it over ([`EventLog::take_over_teams`]), so the year
    /// before its first promotions is known as its own burn-in would have made it.
    pub fn teams(&self) -> &TeamHistory {
        &self.teams
    }

    /// Continues from the team output another log observed (of the same
    /// organisation, up to this log's first step; see [`EventLog::teams`]). A log
    /// that keeps no events ignores it.
    pub fn take_over_teams(&mut self, teams: &TeamHistory) {
        if self.is_on() {
            debug_assert!(teams.pending.is_empty(), "a promotion logged before the start of measurement");
            self.teams.clone_from(teams);
        }
    }

    /// Whether events are being kept (callers skip the work of describing them).
    #[inline]
    pub fn is_on(&self) -> bool {
        self.events.is_some()
    }

    /// Whether events of `step` are logged: those after the start of measurement.
    #[inline]
    pub fn logs_step(&self, step: u32) -> bool {
        self.is_on() && step > self.measure_from
    }

    /// Records an event of the holder of `position` in `step`, if that step is
    /// measured.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        workforce: &Workforce,
        step: u32,
        kind: EventKind,
        position: usize,
        level: usize,
        ranks: Option<Ranks>,
        reason: Option<Reason>,
    ) {
        if self.logs_step(step) {
            self.push(workforce, step, kind, position, level, ranks, reason);
        }
    }

    /// Appends an event, whatever its step (at or after the start of measurement).
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        workforce: &Workforce,
        step: u32,
        kind: EventKind,
        position: usize,
        level: usize,
        ranks: Option<Ranks>,
        reason: Option<Reason>,
    ) {
        debug_assert!(step >= self.measure_from, "an event before the start of measurement");
        let Some(events) = self.events.as_deref_mut() else { return };
        let years = |steps: f64| steps / self.steps_per_year;
        let team = self.org.manager(position);
        let entry = workforce.hired[position].max(f64::from(self.measure_from));
        events.push(Event {
            step: step - self.measure_from,
            kind,
            employee: workforce.id[position],
            level: level as u8,
            grade: workforce.grade[position],
            tenure: years(workforce.now - workforce.hired[position]),
            time_in_role: years(workforce.now - workforce.role_since[position]),
            age: years(workforce.age(position)),
            skill: workforce.skill[position],
            leadership: workforce.leadership[position],
            engagement: workforce.engagement[position],
            ranks,
            reason,
            position: position as u32,
            team: team.map(|chair| chair as u32),
            manager: team.filter(|&chair| workforce.occupied[chair]).map(|chair| workforce.id[chair]),
            entry_step: (entry - f64::from(self.measure_from)) as u32,
            entry_tenure: years(entry - workforce.hired[position]),
            performance: (kind != EventKind::Hire).then_some(workforce.performance[position]),
            team_output: TeamOutput::default(),
        });
    }

    /// Records the promotion of the holder of `position` (already moved up to it
    /// on `level`, its performance still the one that earned the promotion), with
    /// its team's output in the year before; the year after is filled in as the
    /// steps run ([`EventLog::observe_teams`]).
    pub fn record_promotion(
        &mut self,
        workforce: &Workforce,
        step: u32,
        position: usize,
        level: usize,
        ranks: Option<Ranks>,
    ) {
        if !self.logs_step(step) {
            return;
        }
        self.record(workforce, step, EventKind::Promotion, position, level, ranks, None);
        let history = &self.teams;
        let year = self.steps_per_year as u32;
        // Steps step − year ..= step − 1 must all have been recorded.
        let before = (step >= year && history.recorded >= step).then(|| {
            let sum: f64 = (step - year..step).map(|k| history.at(k, position, year)).sum();
            sum / f64::from(year)
        });
        let events = self.events.as_deref_mut().expect("the log is on");
        let index = events.len() - 1;
        events[index].team_output.before = before;
        self.teams.pending.push((index, position, 0.0, 0));
    }

    /// Notes every team's output per member at the end of `step` (0 for the
    /// initial state), and adds it to the year after of the promotions waiting
    /// for it. Call once per step, after the step's work, whether or not the step
    /// is measured (the year before a promotion may reach back before `s0`).
    pub fn observe_teams(&mut self, workforce: &Workforce, step: u32) {
        let Some(events) = self.events.as_deref_mut() else { return };
        let history = &mut self.teams;
        let year = self.steps_per_year as u32;
        let row = (step % year) as usize * history.chairs;
        for chair in 0..history.chairs {
            let team = self.org.team(chair);
            let (mut sum, mut filled) = (0.0, 0usize);
            for member in team {
                sum += if workforce.occupied[member] { workforce.performance[member] } else { 0.0 };
                filled += usize::from(workforce.occupied[member]);
            }
            history.ring[row + chair] = sum / filled.max(1) as f64;
        }
        history.recorded = step + 1;
        let ring = &history.ring;
        history.pending.retain_mut(|(index, chair, sum, summed)| {
            *sum += ring[row + *chair];
            *summed += 1;
            if *summed < year {
                return true;
            }
            events[*index].team_output.after = Some(*sum / f64::from(year));
            false
        });
    }

    /// Records every holder as employed at the start of measurement (call at the
    /// end of step `s0`, or for `s0 = 0` on the initial state): the entry rows of
    /// the spells already running.
    pub fn record_start(&mut self, workforce: &Workforce, scratch: &mut Scratch) {
        let step = self.measure_from;
        self.record_everyone(workforce, scratch, step, EventKind::Start);
    }

    /// Records every holder as still employed at the end of `step` (censored).
    pub fn record_end(&mut self, workforce: &Workforce, scratch: &mut Scratch, step: u32) {
        self.record_everyone(workforce, scratch, step, EventKind::End);
    }

    /// Records every holder, with their ranks, as `kind` at `step` (at or after
    /// the start of measurement), bypassing the rule that only later steps log.
    fn record_everyone(&mut self, workforce: &Workforce, scratch: &mut Scratch, step: u32, kind: EventKind) {
        if !self.is_on() {
            return;
        }
        let org = self.org;
        for level in 0..org.levels() {
            let holders = &mut scratch.picked;
            holders.clear();
            holders.extend(org.level(level).filter(|&position| workforce.occupied[position]));
            Ranks::of_each(workforce, org, level, holders, &mut scratch.ranks);
            for (i, &position) in holders.iter().enumerate() {
                let ranks = scratch.ranks.ranks(i);
                self.push(workforce, step, kind, position, level, Some(ranks), None);
            }
        }
    }
}

impl TeamHistory {
    /// The team output of `chair` at the end of step `k`, one of the last `year`.
    fn at(&self, k: u32, chair: usize, year: u32) -> f64 {
        self.ring[(k % year) as usize * self.chairs + chair]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A promotion's team output is the mean output per member of the team it now
    /// manages, averaged over the year of steps before it and over its first year,
    /// as computed here independently from the workforce after every step; a year
    /// that does not fit in the trial is left empty.
    #[test]
    fn a_promotion_carries_its_team_output_in_the_year_before_and_after() {
        use crate::model::{Trial, World};
        // Measured from the start: the history below counts steps from 0.
        let text = include_str!("../../scenarios/tech_org.toml").replace("burn_in = 40", "burn_in = 0");
        let config = crate::config::parse(&text, std::path::Path::new("tech_org.toml")).unwrap();
        let world = World::new(&config);
        let (org, year) = (&world.org, config.steps_per_year as usize);
        let steps = 40;
        let mut initial = Workforce::vacant(org);
        world.draw_initial_workforce(3, &mut initial);
        let mut workforce = Workforce::vacant(org);
        let mut events = Vec::new();
        // history[k][chair]: the team's mean output per member at the end of step k.
        let mut history: Vec<Vec<f64>> = Vec::new();
        let chairs = org.level(org.levels() - 1).start;
        let team_means = |w: &Workforce| -> Vec<f64> {
            (0..chairs)
                .map(|chair| {
                    let members: Vec<usize> = org.team(chair).filter(|&p| w.occupied[p]).collect();
                    members.iter().map(|&p| w.performance[p]).sum::<f64>() / members.len().max(1) as f64
                })
                .collect()
        };
        {
            let mut trial =
                Trial::start(&world, &config.arms[0], 3, &initial, &mut workforce, Some(&mut events));
            history.push(team_means(trial.workforce));
            for _ in 0..steps {
                trial.step();
                history.push(team_means(trial.workforce));
            }
            trial.finish();
        }
        let mean = |window: std::ops::Range<usize>, chair: usize| {
            window.clone().map(|k| history[k][chair]).sum::<f64>() / window.len() as f64
        };
        let (mut before, mut after) = (0, 0);
        for event in events.iter().filter(|e| e.kind == EventKind::Promotion) {
            let (s, chair) = (event.step as usize, event.position as usize);
            let expected_before = (s >= year).then(|| mean(s - year..s, chair));
            let expected_after = (s + year - 1 <= steps).then(|| mean(s..s + year, chair));
            let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-12,
                (a, b) => a == b,
            };
            assert!(
                close(event.team_output.before, expected_before),
                "{event:?}: before {expected_before:?}"
            );
            assert!(close(event.team_output.after, expected_after), "{event:?}: after {expected_after:?}");
            before += usize::from(expected_before.is_some());
            after += usize::from(expected_after.is_some());
        }
        assert!(before > 5 && after > 5, "too few promotions checked: {before} before, {after} after");
        for event in events.iter().filter(|e| e.kind != EventKind::Promotion) {
            assert_eq!(event.team_output, TeamOutput::default(), "{event:?}");
        }
    }

    /// With measurement starting at step `s0 > 0` (a burn-in), nothing before it is
    /// logged, the snapshot is of the state at the end of `s0` with times counted
    /// from it, every spell still opens and closes once, and a promotion's year
    /// before may reach back before `s0`.
    #[test]
    fn measurement_can_start_after_a_burn_in() {
        use crate::model::{Trial, World};
        use std::collections::BTreeMap;
        let text = include_str!("../../scenarios/tech_org.toml");
        let config = crate::config::parse(text, std::path::Path::new("tech_org.toml")).unwrap();
        let mut world = World::new(&config);
        let s0 = 6;
        world.measurement_start = s0;
        let org = &world.org;
        let mut initial = Workforce::vacant(org);
        world.draw_initial_workforce(5, &mut initial);
        let mut workforce = Workforce::vacant(org);
        let mut events = Vec::new();
        let steps = 30;
        let (mut quits, mut at_s0) = (0, Vec::new());
        {
            let mut trial =
                Trial::start(&world, &config.arms[0], 5, &initial, &mut workforce, Some(&mut events));
            for step in 1..=steps {
                let row = trial.step();
                if step > s0 {
                    quits += row[crate::metrics::StepMetric::VoluntaryQuits as usize] as usize;
                }
                if step == s0 {
                    let w = &trial.workforce;
                    at_s0 =
                        (0..org.positions()).filter(|&p| w.occupied[p]).map(|p| w.id[p] as usize).collect();
                }
            }
            trial.finish();
        }
        let starts: Vec<&Event> = events.iter().filter(|e| e.kind == EventKind::Start).collect();
        assert_eq!(starts.len(), org.positions(), "one snapshot row per position");
        let ids: Vec<usize> = starts.iter().map(|e| e.employee as usize).collect();
        assert_eq!(ids, at_s0, "the snapshot is of the workforce at the end of step s0");
        assert!(starts.iter().all(|e| e.step == 0 && e.entry_step == 0));
        assert!(events.iter().all(|e| e.step <= steps - s0), "times count from s0");
        let logged_quits = events.iter().filter(|e| e.kind == EventKind::Quit).count();
        assert_eq!(logged_quits, quits, "exactly the quits after s0 are logged");
        let mut spells = BTreeMap::<u64, Vec<EventKind>>::new();
        for event in &events {
            spells.entry(event.employee).or_default().push(event.kind);
        }
        for (id, kinds) in &spells {
            assert!(matches!(kinds[0], EventKind::Start | EventKind::Hire), "{id}: {kinds:?}");
            assert!(kinds.last().unwrap().closes_spell(), "{id}: {kinds:?}");
            assert_eq!(kinds.iter().filter(|k| k.closes_spell()).count(), 1, "{id}: {kinds:?}");
            let entries = kinds.iter().filter(|k| matches!(k, EventKind::Start | EventKind::Hire)).count();
            assert_eq!(entries, 1, "{id}: {kinds:?}");
        }
        // 12 steps before a promotion at measured step 1..6 reach back before s0.
        let year = config.steps_per_year;
        let early = events
            .iter()
            .filter(|e| e.kind == EventKind::Promotion && e.step + s0 >= year && e.step + s0 < year + s0);
        assert!(early.clone().count() > 0 && early.clone().all(|e| e.team_output.before.is_some()));
    }

    /// Vacancies (zeros, off the open list) do not count, whatever the holder's
    /// value: the same quintiles as counting the holders alone.
    #[test]
    fn vacancies_do_not_count_in_a_quintile() {
        let n = 12;
        let mut workforce = Workforce::vacant(&Org::single_level(n));
        let values = [3.0, 0.0, 7.5, 1.0, 0.0, 9.0, 2.0, 0.0, 4.0, 0.5, 8.0, 0.0];
        let vacant = [1usize, 4, 11];
        workforce.occupied = (0..n).map(|p| !vacant.contains(&p)).collect();
        workforce.open = vec![vacant.to_vec()];
        // One holder sits at 0 like the vacancies, and one at 0.5.
        workforce.skill = values.to_vec();
        let level = Org::single_level(n);
        for p in (0..n).filter(|p| !vacant.contains(p)) {
            let holders: Vec<f64> = (0..n).filter(|q| !vacant.contains(q)).map(|q| values[q]).collect();
            let below = holders.iter().filter(|&&v| v < values[p]).count();
            let naive = ((10 * below + 5) / (2 * holders.len())).min(4) as u8;
            assert_eq!(quintile_of(&workforce, &level, 0, p, &workforce.skill), naive, "position {p}");
        }
    }

    #[test]
    fn quintiles_are_balanced_and_symmetric() {
        let org = Org::new(&crate::config::minimal_config());
        for n in [1usize, 2, 3, 4, 5, 12, 300] {
            let mut workforce = Workforce::vacant(&org);
            for column in [&mut workforce.skill, &mut workforce.born, &mut workforce.performance] {
                column.resize(n, 0.0);
            }
            workforce.occupied = vec![true; n];
            workforce.open = vec![Vec::new()];
            let level = Org::single_level(n);
            let skills: Vec<f64> = (0..n).map(|i| i as f64).collect();
            let counts = (0..n).fold([0usize; 5], |mut counts, p| {
                counts[quintile_of(&workforce, &level, 0, p, &skills) as usize] += 1;
                counts
            });
            let mirrored: Vec<usize> = counts.iter().rev().copied().collect();
            assert_eq!(counts.to_vec(), mirrored, "n = {n}: {counts:?}");
            assert!(
                counts.iter().max().unwrap() - counts.iter().filter(|&&c| c > 0).min().unwrap() <= 1 || n < 5,
                "n = {n}: {counts:?}"
            );
            if n >= 4 {
                assert_eq!(counts[4], counts[0]);
                assert!(counts[4] >= 1, "n = {n}: the top fifth is reachable");
            }
        }
    }
}
