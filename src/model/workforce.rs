//! The people of one trial, stored by position.
//!
//! Struct-of-arrays indexed by position: a level is a contiguous slice of each
//! array, so the per-step scans (ageing, departures, the efficiency sum, choosing a
//! candidate) run over dense memory with no indirection. A vacant position holds
//! skill 0, so level sums need no occupancy test, and every level keeps the list of
//! its open positions, so filling vacancies never scans for them.

use crate::org::Org;

/// Who holds which position, and their traits.
#[derive(Debug, Clone, PartialEq)]
pub struct Workforce {
    /// Whether the position is filled.
    pub occupied: Vec<bool>,
    /// Employee id of the holder (unique within a trial); meaningless when vacant.
    pub id: Vec<u64>,
    /// Skill of the holder, 0–10 scale; 0 when vacant.
    pub skill: Vec<f64>,
    /// Birth time of the holder on the trial's clock, in steps (the initial
    /// workforce is born before time 0). Storing birth rather than age means no
    /// per-step ageing pass: age is `now - born`. Counting in steps, not years, keeps
    /// the clock exact: with whole-year ages every value is an integer.
    pub born: Vec<f64>,
    /// The trial's clock: steps since the start of the trial.
    pub now: f64,
    /// Per level, its vacant positions; the next one filled is the last.
    pub open: Vec<Vec<usize>>,
    /// The id the next hire receives.
    pub next_id: u64,
    /// By employee id, for the initial workforce (ids `0..positions`): whether the
    /// employee was in the top quintile by skill at the start.
    pub initial_top: Vec<bool>,
    /// How many of the initial top quintile are still employed.
    pub initial_top_remaining: u32,
    /// Scratch space for the positions whose holders leave in a step, kept to
    /// avoid allocating in the step.
    pub leavers: Vec<usize>,
    /// Scratch space for ranking a level's candidates for promotion.
    pub ranking: Ranking,
    /// Scratch space for the candidates chosen for a level's vacancies.
    pub chosen: Vec<usize>,
}

impl Workforce {
    /// An empty organisation: every position vacant, to be filled from the lowest
    /// position of each level up.
    pub fn vacant(org: &Org) -> Self {
        let positions = org.positions();
        Self {
            occupied: vec![false; positions],
            id: vec![0; positions],
            skill: vec![0.0; positions],
            born: vec![0.0; positions],
            now: 0.0,
            open: (0..org.levels()).map(|level| org.level(level).rev().collect()).collect(),
            next_id: 0,
            initial_top: vec![false; positions],
            initial_top_remaining: 0,
            leavers: Vec::with_capacity(positions),
            ranking: Default::default(),
            chosen: Vec::new(),
        }
    }

    /// Empties every position again, reusing the allocations.
    pub fn clear(&mut self, org: &Org) {
        self.occupied.fill(false);
        self.skill.fill(0.0);
        for (level, open) in self.open.iter_mut().enumerate() {
            open.clear();
            open.extend(org.level(level).rev());
        }
        self.now = 0.0;
        self.next_id = 0;
        self.initial_top.fill(false);
        self.initial_top_remaining = 0;
    }

    /// Puts a new employee, `age` steps old, into a vacant position taken off its
    /// level's open list.
    #[inline]
    pub fn hire(&mut self, position: usize, skill: f64, age: f64) {
        debug_assert!(!self.occupied[position], "hiring into a filled position");
        self.occupied[position] = true;
        self.id[position] = self.next_id;
        self.next_id += 1;
        self.skill[position] = skill;
        self.born[position] = self.now - age;
    }

    /// Marks the initial top quintile by skill: the `ceil(positions / 5)` most
    /// skilled of the initial workforce (ties by id, which has probability zero with
    /// continuous skills). Called once, after the initial workforce is drawn.
    pub fn mark_initial_top_quintile(&mut self) {
        let mut ranked: Vec<(f64, u64)> = self
            .occupied
            .iter()
            .zip(&self.skill)
            .zip(&self.id)
            .filter(|((filled, _), _)| **filled)
            .map(|((_, &skill), &id)| (skill, id))
            .collect();
        ranked.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let top = ranked.len().div_ceil(5);
        self.initial_top.iter_mut().for_each(|flag| *flag = false);
        for &(_, id) in &ranked[..top] {
            self.initial_top[id as usize] = true;
        }
        self.initial_top_remaining = top as u32;
    }

    /// Records that the holder of `position` leaves the organisation (not a move).
    #[inline]
    pub fn record_exit(&mut self, position: usize) {
        let id = self.id[position] as usize;
        if id < self.initial_top.len() && self.initial_top[id] {
            self.initial_top_remaining -= 1;
        }
    }

    /// Empties a position (the holder has left) and opens it.
    #[inline]
    pub fn vacate(&mut self, position: usize, level: usize) {
        debug_assert!(self.occupied[position], "vacating an empty position");
        self.occupied[position] = false;
        self.skill[position] = 0.0;
        self.open[level].push(position);
    }

    /// Moves the holder of `from` (on `from_level`) into the vacant `to`, which was
    /// taken off its level's open list; `from` opens.
    #[inline]
    pub fn move_holder(&mut self, from: usize, from_level: usize, to: usize) {
        debug_assert!(self.occupied[from] && !self.occupied[to]);
        self.occupied[to] = true;
        self.id[to] = self.id[from];
        self.skill[to] = self.skill[from];
        self.born[to] = self.born[from];
        self.vacate(from, from_level);
    }

    /// Age in steps of the holder of `position`.
    #[inline]
    pub fn age(&self, position: usize) -> f64 {
        self.now - self.born[position]
    }

    /// Filled positions on a level.
    #[inline]
    pub fn level_headcount(&self, org: &Org, level: usize) -> usize {
        org.level(level).len() - self.open[level].len()
    }

    /// Filled positions in the whole organisation.
    pub fn headcount(&self) -> usize {
        self.occupied.len() - self.open.iter().map(Vec::len).sum::<usize>()
    }

    /// Overwrites this workforce with another of the same organisation, reusing the
    /// allocations (each arm of a trial starts from the same initial workforce).
    pub fn copy_from(&mut self, other: &Workforce) {
        self.occupied.copy_from_slice(&other.occupied);
        self.id.copy_from_slice(&other.id);
        self.skill.copy_from_slice(&other.skill);
        self.born.copy_from_slice(&other.born);
        self.now = other.now;
        for (open, other_open) in self.open.iter_mut().zip(&other.open) {
            open.clone_from(other_open);
        }
        self.next_id = other.next_id;
        self.initial_top.copy_from_slice(&other.initial_top);
        self.initial_top_remaining = other.initial_top_remaining;
    }

    /// Checks the engine's invariants; tests call it after every step.
    ///
    /// Each position holds at most one employee by construction (one slot per
    /// position); this checks that no employee holds two, that the open lists are
    /// exactly the vacant positions, and that traits are in range.
    pub fn check_invariants(
        &self,
        org: &Org,
        skill_range: (f64, f64),
        max_age_steps: f64,
    ) -> Result<(), String> {
        let mut ids: Vec<u64> = Vec::new();
        for level in 0..org.levels() {
            let mut vacant = Vec::new();
            for position in org.level(level) {
                if !self.occupied[position] {
                    if self.skill[position] != 0.0 {
                        return Err(format!("vacant position {position} holds skill"));
                    }
                    vacant.push(position);
                    continue;
                }
                ids.push(self.id[position]);
                let skill = self.skill[position];
                if !(skill_range.0..=skill_range.1).contains(&skill) {
                    return Err(format!("position {position}: skill {skill} out of range"));
                }
                let age = self.age(position);
                if !(0.0..=max_age_steps).contains(&age) {
                    return Err(format!("position {position}: age {age} out of range"));
                }
                if self.id[position] >= self.next_id {
                    return Err(format!("position {position}: id never issued"));
                }
            }
            let mut open = self.open[level].clone();
            open.sort_unstable();
            if open != vacant {
                return Err(format!("level {level}: open list {open:?} but vacant {vacant:?}"));
            }
        }
        let top_employed = ids
            .iter()
            .filter(|&&id| (id as usize) < self.initial_top.len() && self.initial_top[id as usize])
            .count();
        if top_employed != self.initial_top_remaining as usize {
            return Err(format!(
                "{top_employed} of the initial top quintile employed, counted {}",
                self.initial_top_remaining
            ));
        }
        ids.sort_unstable();
        if let Some(pair) = ids.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(format!("employee {} holds two positions", pair[0]));
        }
        Ok(())
    }
}

/// Reusable working memory for ranking the candidates of a level for promotion
/// (see `mechanisms::promotion::choose_many`), kept with the workforce so the step
/// allocates nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ranking {
    pub(crate) entries: Vec<(f64, usize)>,
    pub(crate) coins: Vec<bool>,
    pub(crate) tied: Vec<usize>,
    pub(crate) slots: Vec<usize>,
}
