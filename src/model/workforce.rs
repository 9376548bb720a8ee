//! The people of one trial, stored by position.
//!
//! Struct-of-arrays indexed by position: a level is a contiguous slice of each
//! array, so the per-step scans (ageing, departures, the efficiency sum, choosing a
//! candidate) run over dense memory with no indirection. A vacant position holds
//! skill 0, so level sums need no occupancy test.

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
    /// Age of the holder in years.
    pub age: Vec<f64>,
    /// Filled positions per level.
    pub level_headcount: Vec<u32>,
    /// The id the next hire receives.
    pub next_id: u64,
}

impl Workforce {
    /// An empty organisation: every position vacant.
    pub fn vacant(org: &Org) -> Self {
        let positions = org.positions();
        Self {
            occupied: vec![false; positions],
            id: vec![0; positions],
            skill: vec![0.0; positions],
            age: vec![0.0; positions],
            level_headcount: vec![0; org.levels()],
            next_id: 0,
        }
    }

    /// Puts a new employee into a vacant position.
    #[inline]
    pub fn hire(&mut self, position: usize, level: usize, skill: f64, age: f64) {
        debug_assert!(!self.occupied[position], "hiring into a filled position");
        self.occupied[position] = true;
        self.id[position] = self.next_id;
        self.next_id += 1;
        self.skill[position] = skill;
        self.age[position] = age;
        self.level_headcount[level] += 1;
    }

    /// Empties a position (the holder has left).
    #[inline]
    pub fn vacate(&mut self, position: usize, level: usize) {
        debug_assert!(self.occupied[position], "vacating an empty position");
        self.occupied[position] = false;
        self.skill[position] = 0.0;
        self.level_headcount[level] -= 1;
    }

    /// Moves the holder of `from` (on `from_level`) into the vacant `to` (on `to_level`).
    #[inline]
    pub fn move_holder(&mut self, from: usize, from_level: usize, to: usize, to_level: usize) {
        debug_assert!(self.occupied[from] && !self.occupied[to]);
        self.occupied[to] = true;
        self.id[to] = self.id[from];
        self.skill[to] = self.skill[from];
        self.age[to] = self.age[from];
        self.level_headcount[to_level] += 1;
        self.vacate(from, from_level);
    }

    /// Filled positions in the whole organisation.
    pub fn headcount(&self) -> u32 {
        self.level_headcount.iter().sum()
    }

    /// Overwrites this workforce with another of the same organisation, reusing the
    /// allocations (each arm of a trial starts from the same initial workforce).
    pub fn copy_from(&mut self, other: &Workforce) {
        self.occupied.copy_from_slice(&other.occupied);
        self.id.copy_from_slice(&other.id);
        self.skill.copy_from_slice(&other.skill);
        self.age.copy_from_slice(&other.age);
        self.level_headcount.copy_from_slice(&other.level_headcount);
        self.next_id = other.next_id;
    }

    /// Checks the engine's invariants; tests call it after every step.
    ///
    /// Each position holds at most one employee by construction (one slot per
    /// position); this checks that no employee holds two, that the per-level
    /// headcounts match the occupancy, and that traits are in range.
    pub fn check_invariants(
        &self,
        org: &Org,
        skill_range: (f64, f64),
        max_age: f64,
    ) -> Result<(), String> {
        let mut ids: Vec<u64> = Vec::new();
        for level in 0..org.levels() {
            let mut filled = 0;
            for position in org.level(level) {
                if !self.occupied[position] {
                    if self.skill[position] != 0.0 {
                        return Err(format!("vacant position {position} holds skill"));
                    }
                    continue;
                }
                filled += 1;
                ids.push(self.id[position]);
                let skill = self.skill[position];
                if !(skill_range.0..=skill_range.1).contains(&skill) {
                    return Err(format!("position {position}: skill {skill} out of range"));
                }
                let age = self.age[position];
                if !(0.0..=max_age).contains(&age) {
                    return Err(format!("position {position}: age {age} out of range"));
                }
                if self.id[position] >= self.next_id {
                    return Err(format!("position {position}: id never issued"));
                }
            }
            if filled != self.level_headcount[level] {
                return Err(format!(
                    "level {level}: headcount {} but {filled} filled",
                    self.level_headcount[level]
                ));
            }
        }
        ids.sort_unstable();
        if let Some(pair) = ids.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(format!("employee {} holds two positions", pair[0]));
        }
        Ok(())
    }
}
