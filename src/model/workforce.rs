//! The people of one trial, stored by position.
//!
//! Struct-of-arrays indexed by position: a level is a contiguous slice of each
//! array, so the per-step scans (ageing, departures, the efficiency sum, choosing a
//! candidate) run over dense memory with no indirection. A vacant position holds
//! skill 0, so level sums need no occupancy test, and every level keeps the list of
//! its open positions, so filling vacancies never scans for them.

use crate::model::scratch::Scratch;
use crate::org::Org;

/// The exit rules of a scenario (docs/model.md §7.1, applied by
/// [`crate::mechanisms::exits`]): kept with the workforce, which decides each
/// holder's leaving step by them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExitRules {
    /// An employee older than this, in steps, retires.
    pub retirement_age: f64,
    /// An employee with skill below this is dismissed; `f64::NEG_INFINITY` for none.
    pub dismissal_threshold: f64,
}

impl ExitRules {
    /// Rules under which nobody ever leaves (a workforce's until a world sets its own).
    pub const NEVER: Self = Self { retirement_age: f64::INFINITY, dismissal_threshold: f64::NEG_INFINITY };

    /// The step at whose start a holder born at `born` with `skill`, placed at step
    /// `now`, leaves: the next step if their skill is below the threshold, else the
    /// first step `s` after `now` at which they are older than the retirement age
    /// (`born < s - retirement_age`, the very comparison of [`crate::mechanisms::exits::age_and_depart`], so the
    /// step is exact in floating point); [`NEVER_LEAVES`] if that is out of reach.
    /// Skill and birth change only at a hire or a promotion, so the step is decided
    /// then and the per-step search for leavers reads one column.
    pub fn leaving_step(self, now: f64, born: f64, skill: f64) -> u32 {
        let next = now + 1.0;
        if skill < self.dismissal_threshold {
            return next as u32;
        }
        let retires = |step: f64| born < step - self.retirement_age;
        let estimate = born + self.retirement_age;
        if estimate >= f64::from(NEVER_LEAVES - 2) {
            return NEVER_LEAVES;
        }
        // The comparison is monotone in the step: walk from the estimate to the first
        // step that passes it, a step or two either way, so truncating the estimate
        // (rather than `floor`, a library call on plain x86-64) is close enough.
        let mut step = (estimate as i64 as f64).max(next);
        while !retires(step) {
            step += 1.0;
        }
        while step > next && retires(step - 1.0) {
            step -= 1.0;
        }
        step as u32
    }
}

/// The leaving step of a vacancy, or of a holder who never leaves within reach.
pub const NEVER_LEAVES: u32 = u32::MAX;

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
    /// The step at whose start the holder leaves by retirement or dismissal
    /// ([`ExitRules::leaving_step`], decided whenever skill or birth is set);
    /// [`NEVER_LEAVES`] when vacant.
    pub leaves_at: Vec<u32>,
    /// The rules the leaving steps follow: [`ExitRules::NEVER`] until a world sets
    /// the scenario's, before anyone is hired.
    pub exit_rules: ExitRules,
    /// Leadership readiness of the holder, 0–1 (uniform in the population).
    pub leadership: Vec<f64>,
    /// The standard-normal score behind `leadership` (`leadership = Φ(score)`).
    pub leadership_score: Vec<f64>,
    /// The standard-normal error of the holder's leadership assessment, drawn once
    /// at hire: an assessment of validity v reads `v·score + √(1−v²)·error`.
    pub assessment_error: Vec<f64>,
    /// When the holder was hired, in steps (before 0 for the initial workforce).
    pub hired: Vec<f64>,
    /// When the holder entered their current level, in steps.
    pub role_since: Vec<f64>,
    /// When the holder last advanced (hire, promotion or grade), in steps.
    pub advanced: Vec<f64>,
    /// IC grade above entry (0 = entry); 0 for managers.
    pub grade: Vec<u8>,
    /// Engagement, 0–1.
    pub engagement: Vec<f64>,
    /// Recognition: the running ratio of credit received to credit deserved.
    pub recognition: Vec<f64>,
    /// This step's share of the holder's time spent on overhead, 0–1.
    pub overhead: Vec<f64>,
    /// This step's performance, 0–10 scale: an IC's output, or 10 × a manager's
    /// effectiveness. 0 when vacant. With no `[dynamics]` it is the skill.
    pub performance: Vec<f64>,
    /// A manager's effectiveness this step, 0–1.
    pub effectiveness: Vec<f64>,
    /// The quit hazard accumulated since hire (years × per-year hazard).
    pub hazard: Vec<f64>,
    /// The cumulative hazard at which the holder quits: an Exp(1) draw made at hire.
    /// Quitting when the accumulated hazard first passes it is the same, in
    /// distribution, as a Bernoulli draw of `1 − exp(−λ·dt)` every step, and needs
    /// no draw per step.
    pub quit_threshold: Vec<f64>,
    /// Latent match quality with the job, standard normal, drawn at hire (0 with
    /// `[dynamics.match_quality]` off); kept on promotion.
    pub match_quality: Vec<f64>,
    /// Per level, its vacant positions; the next one filled is the last.
    pub open: Vec<Vec<usize>>,
    /// The id the next hire receives.
    pub next_id: u64,
    /// By employee id, for everyone employed when measurement starts: whether the
    /// employee was in the top quintile by skill then (the retention cohort).
    pub initial_top: Vec<bool>,
    /// The size of that cohort.
    pub initial_top_size: u32,
    /// How many of the initial top quintile are still employed.
    pub initial_top_remaining: u32,
    /// Scratch space for the positions whose holders leave in a step, kept to
    /// avoid allocating in the step.
    pub leavers: Vec<usize>,
    /// Scratch space for ranking a level's candidates for promotion.
    pub ranking: Ranking,
    /// Scratch space for the candidates chosen for a level's vacancies.
    pub chosen: Vec<usize>,
    /// Scratch space of the behavioural mechanisms.
    pub scratch: Scratch,
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
            leaves_at: vec![NEVER_LEAVES; positions],
            exit_rules: ExitRules::NEVER,
            leadership: vec![0.0; positions],
            leadership_score: vec![0.0; positions],
            assessment_error: vec![0.0; positions],
            hired: vec![0.0; positions],
            role_since: vec![0.0; positions],
            advanced: vec![0.0; positions],
            grade: vec![0; positions],
            engagement: vec![0.0; positions],
            recognition: vec![1.0; positions],
            overhead: vec![0.0; positions],
            performance: vec![0.0; positions],
            effectiveness: vec![0.0; positions],
            hazard: vec![0.0; positions],
            quit_threshold: vec![f64::INFINITY; positions],
            match_quality: vec![0.0; positions],
            open: (0..org.levels()).map(|level| org.level(level).rev().collect()).collect(),
            next_id: 0,
            initial_top: vec![false; positions],
            initial_top_size: 0,
            initial_top_remaining: 0,
            leavers: Vec::with_capacity(positions),
            ranking: Default::default(),
            chosen: Vec::new(),
            scratch: Scratch::new(org.levels()),
        }
    }

    /// Empties every position again, reusing the allocations.
    pub fn clear(&mut self, org: &Org) {
        self.occupied.fill(false);
        self.skill.fill(0.0);
        self.performance.fill(0.0);
        self.leaves_at.fill(NEVER_LEAVES);
        for (level, open) in self.open.iter_mut().enumerate() {
            open.clear();
            open.extend(org.level(level).rev());
        }
        self.now = 0.0;
        self.next_id = 0;
        self.initial_top.fill(false);
        self.initial_top_size = 0;
        self.initial_top_remaining = 0;
    }

    /// Puts a new employee with plain default traits, `age` steps old, into a
    /// vacant position taken off its level's open list (for tests).
    #[inline]
    pub fn hire(&mut self, position: usize, skill: f64, age: f64) {
        self.hire_person(position, &Person::plain(skill, age));
    }

    /// Puts a new employee into a vacant position taken off its level's open list.
    #[inline]
    pub fn hire_person(&mut self, position: usize, person: &Person) {
        debug_assert!(!self.occupied[position], "hiring into a filled position");
        self.occupied[position] = true;
        self.id[position] = self.next_id;
        self.next_id += 1;
        self.skill[position] = person.skill;
        self.born[position] = self.now - person.age;
        self.leaves_at[position] = self.exit_rules.leaving_step(self.now, self.born[position], person.skill);
        self.leadership[position] = person.leadership;
        self.leadership_score[position] = person.leadership_score;
        self.assessment_error[position] = person.assessment_error;
        self.hired[position] = self.now - person.tenure;
        self.role_since[position] = self.now - person.time_in_role;
        self.advanced[position] = self.now - person.time_in_role;
        self.grade[position] = person.grade;
        self.engagement[position] = person.engagement;
        self.recognition[position] = 1.0;
        self.overhead[position] = 0.0;
        self.performance[position] = person.skill;
        self.effectiveness[position] = 0.0;
        self.hazard[position] = 0.0;
        self.quit_threshold[position] = person.quit_threshold;
        self.match_quality[position] = person.match_quality;
    }

    /// Marks the initial top quintile by skill: the `ceil(headcount / 5)` most
    /// skilled of the workforce when measurement starts (ties by id, which has
    /// probability zero with continuous skills). Called once, after the initial
    /// workforce is drawn, and again at the end of a burn-in.
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
        // After a burn-in, ids run past the number of positions.
        self.initial_top.clear();
        self.initial_top.resize(self.next_id as usize, false);
        for &(_, id) in &ranked[..top] {
            self.initial_top[id as usize] = true;
        }
        self.initial_top_size = top as u32;
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
        self.performance[position] = 0.0;
        self.leaves_at[position] = NEVER_LEAVES;
        self.open[level].push(position);
    }

    /// Sets the skill of the holder of `position` (a promotion's), and with it
    /// when they leave. Birth is unchanged, so is the retirement step: only a
    /// dismissal, or the end of one (a leaving step of the next step, which
    /// retirement may share), needs the rule again.
    #[inline]
    pub fn set_skill(&mut self, position: usize, skill: f64) {
        self.skill[position] = skill;
        let next = self.now as u32 + 1;
        if skill < self.exit_rules.dismissal_threshold || self.leaves_at[position] <= next {
            self.leaves_at[position] = self.exit_rules.leaving_step(self.now, self.born[position], skill);
        }
    }

    /// Moves the holder of `from` (on `from_level`) into the vacant `to`, which was
    /// taken off its level's open list; `from` opens. With `behaviour` false (a
    /// scenario without `[dynamics]`) the columns only the behavioural model reads
    /// (recognition, overhead, effectiveness, quit hazard and threshold, match
    /// quality) stay behind: a promotion is a tenth of the Peter-principle model's
    /// time, and a third of what it moved was never read.
    #[inline]
    pub fn move_holder(&mut self, from: usize, from_level: usize, to: usize, behaviour: bool) {
        debug_assert!(self.occupied[from] && !self.occupied[to]);
        self.occupied[to] = true;
        self.id[to] = self.id[from];
        self.skill[to] = self.skill[from];
        self.born[to] = self.born[from];
        self.leaves_at[to] = self.leaves_at[from];
        self.leadership[to] = self.leadership[from];
        self.leadership_score[to] = self.leadership_score[from];
        self.assessment_error[to] = self.assessment_error[from];
        self.hired[to] = self.hired[from];
        self.role_since[to] = self.now;
        self.advanced[to] = self.now;
        self.grade[to] = 0;
        self.engagement[to] = self.engagement[from];
        self.performance[to] = self.performance[from];
        if behaviour {
            self.recognition[to] = self.recognition[from];
            self.overhead[to] = 0.0;
            self.effectiveness[to] = self.effectiveness[from];
            self.hazard[to] = self.hazard[from];
            self.quit_threshold[to] = self.quit_threshold[from];
            self.match_quality[to] = self.match_quality[from];
        }
        self.vacate(from, from_level);
    }

    /// Runs `pass` on this workforce and its scratch space side by side: the
    /// scratch is taken out for the pass (a borrow of both at once is not possible,
    /// as the workforce holds it) and put back after, so it keeps its allocations.
    #[inline]
    pub fn with_scratch<T>(&mut self, pass: impl FnOnce(&mut Workforce, &mut Scratch) -> T) -> T {
        let mut scratch = std::mem::take(&mut self.scratch);
        let result = pass(self, &mut scratch);
        self.scratch = scratch;
        result
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
        self.leaves_at.copy_from_slice(&other.leaves_at);
        self.exit_rules = other.exit_rules;
        self.leadership.copy_from_slice(&other.leadership);
        self.leadership_score.copy_from_slice(&other.leadership_score);
        self.assessment_error.copy_from_slice(&other.assessment_error);
        self.hired.copy_from_slice(&other.hired);
        self.role_since.copy_from_slice(&other.role_since);
        self.advanced.copy_from_slice(&other.advanced);
        self.grade.copy_from_slice(&other.grade);
        self.engagement.copy_from_slice(&other.engagement);
        self.recognition.copy_from_slice(&other.recognition);
        self.overhead.copy_from_slice(&other.overhead);
        self.performance.copy_from_slice(&other.performance);
        self.effectiveness.copy_from_slice(&other.effectiveness);
        self.hazard.copy_from_slice(&other.hazard);
        self.quit_threshold.copy_from_slice(&other.quit_threshold);
        self.match_quality.copy_from_slice(&other.match_quality);
        for (open, other_open) in self.open.iter_mut().zip(&other.open) {
            open.clone_from(other_open);
        }
        self.next_id = other.next_id;
        self.initial_top.clone_from(&other.initial_top);
        self.initial_top_size = other.initial_top_size;
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
                    if self.skill[position] != 0.0
                        || self.performance[position] != 0.0
                        || self.leaves_at[position] != NEVER_LEAVES
                    {
                        return Err(format!(
                            "vacant position {position} holds skill, performance or an exit"
                        ));
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
                let leaves_at = self.exit_rules.leaving_step(self.now, self.born[position], skill);
                if self.leaves_at[position] != leaves_at {
                    return Err(format!(
                        "position {position}: leaves at step {}, but its skill and age say {leaves_at}",
                        self.leaves_at[position]
                    ));
                }
                if self.id[position] >= self.next_id {
                    return Err(format!("position {position}: id never issued"));
                }
                let unit = [
                    ("leadership", self.leadership[position]),
                    ("engagement", self.engagement[position]),
                    ("overhead", self.overhead[position]),
                    ("effectiveness", self.effectiveness[position]),
                ];
                if let Some((name, value)) = unit.iter().find(|(_, value)| !(0.0..=1.0).contains(value)) {
                    return Err(format!("position {position}: {name} {value} outside [0, 1]"));
                }
                let performance = self.performance[position];
                if !(0.0..=20.0).contains(&performance) || !self.recognition[position].is_finite() {
                    return Err(format!(
                        "position {position}: performance {performance} or recognition broken"
                    ));
                }
                let (hired, since, advanced) =
                    (self.hired[position], self.role_since[position], self.advanced[position]);
                if hired > since || since > advanced || advanced > self.now || self.born[position] > hired {
                    return Err(format!(
                        "position {position}: born {}, hired {hired}, in role {since}, advanced {advanced}, now {}",
                        self.born[position], self.now
                    ));
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

/// A new employee's traits, drawn by [`crate::mechanisms::hiring`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Person {
    /// Skill, 0–10.
    pub skill: f64,
    /// Age, steps.
    pub age: f64,
    /// Leadership readiness, 0–1.
    pub leadership: f64,
    /// Its standard-normal score.
    pub leadership_score: f64,
    /// The standard-normal error of their leadership assessment.
    pub assessment_error: f64,
    /// Engagement, 0–1.
    pub engagement: f64,
    /// Tenure already served, steps (0 for a hire).
    pub tenure: f64,
    /// Time already spent in the current role, steps, at most the tenure.
    pub time_in_role: f64,
    /// IC grades already earned (0 for a hire); an arm caps it at its IC ceiling.
    pub grade: u8,
    /// Cumulative quit hazard at which they quit.
    pub quit_threshold: f64,
    /// Latent match quality with the job, standard normal (0 with match quality off).
    pub match_quality: f64,
}

impl Person {
    /// Someone with the given skill and age and middling everything else.
    pub fn plain(skill: f64, age: f64) -> Self {
        Self {
            skill,
            age,
            leadership: 0.5,
            leadership_score: 0.0,
            assessment_error: 0.0,
            engagement: 0.7,
            tenure: 0.0,
            time_in_role: 0.0,
            grade: 0,
            quit_threshold: f64::INFINITY,
            match_quality: 0.0,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The leaving step is the first step after placement at which the rule of
    /// [`age_and_depart`] holds, found by trying every step: over fractional births
    /// and retirement ages (monthly steps of ages in years), whose sums round.
    #[test]
    fn the_leaving_step_is_the_first_step_the_rule_holds() {
        let mut rng = crate::rng::stream_rng(5, crate::rng::Stream::Initial);
        for case in 0..20_000 {
            let retirement_age =
                (crate::rng::uniform01(&mut rng) * 100.0 + 1.0) * [1.0, 12.0, 52.0][case % 3];
            let rules = ExitRules { retirement_age, dismissal_threshold: 4.0 };
            let now = (crate::rng::uniform01(&mut rng) * 500.0).floor();
            let born = now - crate::rng::uniform01(&mut rng) * retirement_age * 1.1;
            let skill = crate::rng::uniform01(&mut rng) * 10.0;
            let expected = if skill < 4.0 {
                now + 1.0
            } else {
                (1..).map(|k| now + f64::from(k)).find(|&s| born < s - retirement_age).unwrap()
            };
            let step = rules.leaving_step(now, born, skill);
            assert_eq!(f64::from(step), expected, "born {born}, retirement {retirement_age}, now {now}");
        }
        assert_eq!(ExitRules::NEVER.leaving_step(3.0, -40.0, 0.0), NEVER_LEAVES);
    }
}
