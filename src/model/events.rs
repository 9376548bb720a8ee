//! The optional event log: one row per hire, promotion, grade advancement and exit,
//! and one per person still employed at the end (the censored observations a
//! survival analysis needs).

use crate::mechanisms::quits::QuitReason;
pub use crate::model::quintiles::Ranks;
use crate::model::quintiles::{self, RankQuintiles};
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
        }
    }
}

/// One event of one arm of one trial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// The step it happened in.
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
    /// The dominant reason of a quit.
    pub reason: Option<QuitReason>,
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
    steps_per_year: f64,
}

impl<'a> EventLog<'a> {
    /// A log into `events`, or nowhere.
    pub fn new(events: Option<&'a mut Vec<Event>>, steps_per_year: f64) -> Self {
        Self { events, steps_per_year }
    }

    /// Whether events are being kept (callers skip the work of describing them).
    #[inline]
    pub fn is_on(&self) -> bool {
        self.events.is_some()
    }

    /// Records an event of the holder of `position`.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        workforce: &Workforce,
        step: u32,
        kind: EventKind,
        position: usize,
        level: usize,
        ranks: Option<Ranks>,
        reason: Option<QuitReason>,
    ) {
        let Some(events) = self.events.as_deref_mut() else { return };
        let years = |steps: f64| steps / self.steps_per_year;
        events.push(Event {
            step,
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
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
