//! The behavioural phases of a step, for scenarios with `[dynamics]`: voluntary
//! quits, grade advancement, and the work pass (manager effectiveness, overhead,
//! output, credit, engagement). The order they run in lives in [`super`].
//!
//! Every pass runs over dense per-position columns, level by level or team by team,
//! and allocates nothing: scratch space lives in [`Scratch`].

use rand::Rng;

use crate::config::{Arm, Config, Dynamics};
use crate::lanes;
use crate::mechanisms::engagement::{self, PressureWeights, Situation};
use crate::mechanisms::performance::{
    self, effectiveness, engagement_factor, manager_multiplier, relative_factor,
};
use crate::mechanisms::quits::{self, HazardWeights};
use crate::mechanisms::separations::SeparationRule;
use crate::mechanisms::{credit, growth, overhead};
use crate::model::events::{EventKind, EventLog, Ranks, Reason};
use crate::model::scratch::{LevelStats, Scratch, Spread};
use crate::model::workforce::Workforce;
use crate::numeric::{self, NormalTable};
use crate::org::Org;
use crate::rng::uniform01;

/// Which pass of [`Behaviour::produce`] this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// The initial state's: recognition is left as hired.
    pub first: bool,
    /// Whether the step is observed (every measured step and the burn-in's last).
    pub observe: bool,
}

/// The per-step constants of the mechanisms, derived once per scenario.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// The validated mechanisms.
    pub dynamics: Dynamics,
    /// Step length, years.
    step_years: f64,
    /// Fraction of the gap to its target engagement closes in a step.
    pull: f64,
    /// Half-width of the step's uniform engagement noise.
    noise_half_width: f64,
    /// Weight of a step's credit ratio in recognition.
    recognition_weight: f64,
    /// Probability that an eligible IC advances a grade in a step.
    grade_probability: f64,
    /// `λ_0 · dt`.
    base_hazard: f64,
    /// Upper bound of the skill scale.
    skill_max: f64,
    /// `Φ`, tabulated.
    normal: NormalTable,
    /// The weights of the engagement pressures.
    pressure_weights: PressureWeights,
    /// The coefficients of the quit hazard, with quits on.
    hazard_weights: Option<HazardWeights>,
    /// The involuntary separations' rule, with them on.
    separation_rule: Option<SeparationRule>,
}

/// What the behavioural phases of a step add to its observation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Observed {
    /// Voluntary quits.
    pub quits: u32,
    /// Of which, regretted: the top fifth of their level by skill.
    pub regretted: u32,
    /// Involuntary separations (layoffs and discharges), counted as dismissals.
    pub separations: u32,
    /// Skill of those who quit.
    pub skill_lost: f64,
    /// Grade advancements.
    pub grades: u32,
    /// Σ IC output.
    pub output: f64,
    /// Σ over ICs of the credit shortfall.
    pub credit_gap: f64,
    /// Mean overhead share of the top IC decile, and of the rest.
    pub overhead_top_decile: f64,
    /// As above, the rest.
    pub overhead_rest: f64,
    /// Mean engagement of everyone employed.
    pub engagement: f64,
    /// Mean effectiveness of the managers.
    pub manager_effectiveness: f64,
    /// The calibration targets' observables at the end of the step.
    pub targets: crate::model::targets::Targets,
}

impl Behaviour {
    /// The constants of `config`'s mechanisms, if it has any.
    pub fn new(config: &Config) -> Option<Self> {
        let dynamics = config.dynamics.clone()?;
        let dt = config.step_years();
        let e = &dynamics.engagement;
        Some(Self {
            step_years: dt,
            pull: 1.0 - (-e.adjustment_rate * dt).exp(),
            // A uniform on [−h, h] has sd h/√3; the year's sd σ spreads as σ·√dt.
            noise_half_width: e.noise * dt.sqrt() * 3f64.sqrt(),
            recognition_weight: dynamics.credit.map_or(0.0, |c| 1.0 - (-dt / c.memory).exp()),
            grade_probability: dynamics.growth.map_or(0.0, |g| 1.0 - (-g.rate * dt).exp()),
            base_hazard: dynamics.quits.map_or(0.0, |q| q.base_rate * dt),
            skill_max: config.workforce.skill.max,
            normal: NormalTable::new(),
            pressure_weights: PressureWeights::new(&dynamics),
            hazard_weights: HazardWeights::new(&dynamics),
            separation_rule: dynamics.separations.map(|s| SeparationRule::new(&s, dt)),
            dynamics,
        })
    }

    /// What bore on the holder of `position` when [`Behaviour::settle`] last moved
    /// their engagement and accumulated their hazard: the situation behind the quit
    /// they make now. Read from what settle left, not from the workforce now, because
    /// retirements and dismissals at the start of this step may have emptied their
    /// manager's chair, and the clock has moved on a step.
    #[inline]
    fn settled_situation(
        &self,
        workforce: &Workforce,
        org: &Org,
        scratch: &Scratch,
        position: usize,
    ) -> Situation {
        let is_manager = position < org.level(org.levels() - 1).start;
        Situation {
            overhead: workforce.overhead[position],
            recognition: if is_manager { 1.0 } else { workforce.recognition[position] },
            percentile: scratch.percentile[position],
            manager_effectiveness: scratch.boss[position],
            misfit: scratch.misfit[position],
            years_since_advancement: (scratch.settled_at - workforce.advanced[position]) * self.step_years,
        }
    }

    /// Voluntary quits: whoever's accumulated hazard (see [`Behaviour::settle`]) has
    /// passed their threshold leaves. Counted, attributed and logged before any of
    /// the step's leavers is vacated, so quintiles see the whole level.
    pub fn quit(
        &self,
        workforce: &mut Workforce,
        org: &Org,
        scratch: &mut Scratch,
        step: u32,
        log: &mut EventLog<'_>,
        observed: &mut Observed,
    ) {
        if self.dynamics.quits.is_none() {
            return;
        }
        for level in 0..org.levels() {
            scratch.leavers.clear();
            let positions = org.level(level);
            let people = workforce.occupied[positions.clone()]
                .iter()
                .zip(&workforce.hazard[positions.clone()])
                .zip(&workforce.quit_threshold[positions.clone()]);
            for (position, ((&occupied, &hazard), &threshold)) in positions.zip(people) {
                if occupied & (hazard >= threshold) {
                    scratch.leavers.push(position);
                }
            }
            if scratch.leavers.is_empty() {
                continue;
            }
            // The skill quintile decides a regretted quit; the event log also wants
            // the performance quintile.
            if log.is_on() {
                Ranks::of_each(workforce, org, level, &scratch.leavers, &mut scratch.ranks);
            } else {
                let vacancies = workforce.open[level].len();
                scratch.ranks.skill.find(&workforce.skill, org.level(level), vacancies, &scratch.leavers);
            }
            for (i, &position) in scratch.leavers.iter().enumerate() {
                observed.quits += 1;
                observed.regretted += u32::from(scratch.ranks.skill.found()[i] == 4);
                observed.skill_lost += workforce.skill[position];
                if log.is_on() {
                    let ranks = Some(scratch.ranks.ranks(i));
                    let situation = self.settled_situation(workforce, org, scratch, position);
                    let pressures = self.pressure_weights.of(&situation);
                    let z = scratch.standing[position];
                    // The tenure of the settling pass whose hazard the quit crossed.
                    let tenure = (scratch.settled_at - workforce.hired[position]) * self.step_years;
                    let poor_match = self
                        .hazard_weights
                        .map_or(0.0, |w| w.poor_match(workforce.match_quality[position], tenure));
                    let reason =
                        quits::dominant_reason(&self.dynamics, &pressures, z, situation.misfit, poor_match);
                    log.record(
                        workforce,
                        step,
                        EventKind::Quit,
                        position,
                        level,
                        ranks,
                        Some(Reason::Quit(reason)),
                    );
                }
            }
            for &position in &scratch.leavers {
                workforce.record_exit(position);
                workforce.vacate(position, level);
            }
        }
    }

    /// Involuntary separations: each holder leaves with the probability their
    /// standing at the last settling pass gives ([`SeparationRule`]), from one draw
    /// per position, vacancies included, in position order, so the draws of a step
    /// are the same in every arm. Counted, attributed and logged (as dismissals)
    /// before any of a level's leavers is vacated, as quits are.
    #[allow(clippy::too_many_arguments)]
    pub fn separate<R: Rng + ?Sized>(
        &self,
        workforce: &mut Workforce,
        org: &Org,
        scratch: &mut Scratch,
        step: u32,
        rng: &mut R,
        log: &mut EventLog<'_>,
        observed: &mut Observed,
    ) {
        let Some(rule) = &self.separation_rule else { return };
        // Every probability first, in a pass that vectorises (two `exp` each), then
        // the draws, which must run in order: the same bits as one loop doing both.
        let Scratch { standing, separation, .. } = scratch;
        separation.resize(standing.len(), 0.0);
        lanes::wide(
            #[inline(always)]
            || {
                for (probability, &z) in separation.iter_mut().zip(standing.iter()) {
                    *probability = rule.probability(z);
                }
            },
        );
        for level in 0..org.levels() {
            scratch.leavers.clear();
            let positions = org.level(level);
            let people =
                workforce.occupied[positions.clone()].iter().zip(&scratch.separation[positions.clone()]);
            for (position, (&occupied, &probability)) in positions.zip(people) {
                let draw = uniform01(rng);
                if occupied & (draw < probability) {
                    scratch.leavers.push(position);
                }
            }
            if scratch.leavers.is_empty() {
                continue;
            }
            if log.is_on() {
                Ranks::of_each(workforce, org, level, &scratch.leavers, &mut scratch.ranks);
            }
            for (i, &position) in scratch.leavers.iter().enumerate() {
                observed.separations += 1;
                if log.is_on() {
                    let reason = Reason::Separation(rule.reason(scratch.standing[position]));
                    let ranks = Some(scratch.ranks.ranks(i));
                    log.record(workforce, step, EventKind::Dismissal, position, level, ranks, Some(reason));
                }
            }
            for &position in &scratch.leavers {
                workforce.record_exit(position);
                workforce.vacate(position, level);
            }
        }
    }

    /// A promoted person's one-off engagement lift.
    #[inline]
    pub fn lift(&self, workforce: &mut Workforce, position: usize) {
        if !self.dynamics.engagement.enabled {
            return;
        }
        let e = &mut workforce.engagement[position];
        *e = (*e + self.dynamics.engagement.advancement_lift).min(1.0);
    }

    /// Grade advancement of the individual contributors (the bottom level): first
    /// who is eligible, in one pass over the level without branches; then a draw
    /// for each of them, in position order.
    #[allow(clippy::too_many_arguments)]
    pub fn advance_grades<R: Rng + ?Sized>(
        &self,
        workforce: &mut Workforce,
        org: &Org,
        arm: &Arm,
        scratch: &mut Scratch,
        step: u32,
        rng: &mut R,
        log: &mut EventLog<'_>,
        observed: &mut Observed,
    ) {
        let Some(growth) = &self.dynamics.growth else { return };
        let level = org.levels() - 1;
        let ics = org.level(level);
        let spread = scratch.levels[level].performance;
        // The ICs' standing and percentile columns are free until `settle`.
        let Scratch { standing, percentile, candidates, .. } = scratch;
        standing.resize(org.positions(), 0.0);
        percentile.resize(org.positions(), 0.0);
        lanes::wide(
            #[inline(always)]
            || {
                let n = ics.len();
                let (z, percentile) = (&mut standing[ics.clone()], &mut percentile[ics.clone()]);
                for (z, &performance) in z.iter_mut().zip(&workforce.performance[ics.clone()]) {
                    *z = spread.z(performance);
                }
                self.normal.cdf_each(z, percentile);
                let (occupied, grade) = (&workforce.occupied[ics.clone()], &workforce.grade[ics.clone()]);
                let advanced = &workforce.advanced[ics.clone()];
                candidates.resize(n, 0);
                let mut count = 0;
                for i in 0..n {
                    // Written always, kept only if eligible.
                    candidates[count] = ics.start + i;
                    let years = (workforce.now - advanced[i]) * self.step_years;
                    let eligible = growth::eligible(growth, grade[i], arm.ic_ceiling, years, percentile[i]);
                    count += usize::from(occupied[i] & eligible);
                }
                candidates.truncate(count);
            },
        );
        let Scratch { candidates, picked: advancing, ranks, .. } = scratch;
        advancing.clear();
        for &position in candidates.iter() {
            if uniform01(rng) < self.grade_probability {
                workforce.grade[position] += 1;
                workforce.advanced[position] = workforce.now;
                self.lift(workforce, position);
                observed.grades += 1;
                advancing.push(position);
            }
        }
        // Logged afterwards, with the ranks of all found in one go: an advancement
        // changes only the advancing person's grade, date and engagement, none of
        // which a rank or another person's event reads.
        if log.is_on() && !advancing.is_empty() {
            Ranks::of_each(workforce, org, level, advancing, ranks);
            for (i, &position) in advancing.iter().enumerate() {
                log.record(workforce, step, EventKind::Grade, position, level, Some(ranks.ranks(i)), None);
            }
        }
    }

    /// The work of a step: managers' effectiveness, then team by team the ICs'
    /// overhead, output and credit; then the levels' performance statistics and,
    /// if the pass is observed, the overhead metrics. On the `first` pass (the
    /// initial state) recognition is left as hired.
    #[allow(clippy::too_many_arguments)]
    pub fn produce<R: Rng + ?Sized>(
        &self,
        workforce: &mut Workforce,
        org: &Org,
        arm: &Arm,
        scratch: &mut Scratch,
        overhead_rng: &mut R,
        observed: &mut Observed,
        pass: Pass,
    ) {
        lanes::wide(
            #[inline(always)]
            || {
                self.manage(workforce, org, arm, observed);
                see_managers(workforce, org, &mut scratch.boss);
                self.work(workforce, org, arm, scratch, overhead_rng, observed, pass.first);
                for level in 0..org.levels() {
                    scratch.levels[level] = level_stats(workforce, org.level(level));
                }
                if pass.observe {
                    self.observe_overhead(workforce, org, scratch, observed);
                }
            },
        );
    }

    /// Every manager's effectiveness this step, and their performance with it.
    #[inline(always)]
    fn manage(&self, workforce: &mut Workforce, org: &Org, arm: &Arm, observed: &mut Observed) {
        let weight = self.dynamics.output.engagement_weight;
        let n = org.level(org.levels() - 1).start;
        // A manager at baseline engagement is exactly as effective as competent.
        let baseline_factor = engagement_factor(weight, self.dynamics.engagement.baseline);
        let (occupied, engagement) = (&workforce.occupied[..n], &workforce.engagement[..n]);
        let (skill, leadership) = (&workforce.skill[..n], &workforce.leadership[..n]);
        let (effectiveness_of, performance) =
            (&mut workforce.effectiveness[..n], &mut workforce.performance[..n]);
        for p in 0..n {
            let factor = relative_factor(engagement_factor(weight, engagement[p]), baseline_factor);
            let eff = effectiveness(arm.competence, skill[p], self.skill_max, leadership[p], factor);
            effectiveness_of[p] = if occupied[p] { eff } else { effectiveness_of[p] };
            performance[p] = if occupied[p] { 10.0 * eff } else { performance[p] };
        }
        let (mut effectiveness_sum, mut managers) = (0.0, 0usize);
        for (&occupied, &eff) in occupied.iter().zip(effectiveness_of.iter()) {
            effectiveness_sum += if occupied { eff } else { 0.0 };
            managers += usize::from(occupied);
        }
        observed.manager_effectiveness = effectiveness_sum / managers.max(1) as f64;
    }

    /// The end of a step's work (after [`Behaviour::produce`]): everyone's
    /// engagement moves toward its target (unless `move_engagement` is false, for the
    /// initial state), and everyone's quit hazard for the step to come accumulates
    /// from the state this step ends in. [`Behaviour::quit`] compares it with the
    /// threshold at the start of the next step: the same as accumulating it then,
    /// from the same state, in one pass fewer.
    ///
    /// Each quantity is its own short pass over the positions (vacant ones included
    /// where that costs nothing), reading only the columns it needs. Measured, this
    /// is as fast as one pass per person doing everything, and each pass is a
    /// candidate for vectorising on its own.
    pub fn settle<R: Rng + ?Sized>(
        &self,
        workforce: &mut Workforce,
        org: &Org,
        scratch: &mut Scratch,
        rng: &mut R,
        move_engagement: bool,
        observed: &mut Observed,
    ) {
        let moving = move_engagement && self.dynamics.engagement.enabled;
        scratch.settled_at = workforce.now;
        lanes::wide(
            #[inline(always)]
            || {
                self.stand(workforce, org, scratch);
                if moving {
                    self.move_engagement(workforce, org, scratch, rng);
                }
                if let Some(weights) = &self.hazard_weights {
                    self.accumulate_hazard(weights, workforce, scratch);
                }
            },
        );
        let (mut engagement_sum, mut people) = (0.0, 0usize);
        for (&occupied, &engagement) in workforce.occupied.iter().zip(&workforce.engagement) {
            if occupied {
                engagement_sum += engagement;
                people += 1;
            }
        }
        observed.engagement = engagement_sum / people.max(1) as f64;
    }

    /// Where everyone stands this step: their performance standardised within the
    /// level, its percentile `Φ(z)` and their role misfit (managers only).
    #[inline(always)]
    fn stand(&self, workforce: &Workforce, org: &Org, scratch: &mut Scratch) {
        let positions = org.positions();
        let Scratch { levels, standing, percentile, misfit, .. } = scratch;
        for column in [&mut *standing, &mut *percentile, &mut *misfit] {
            column.resize(positions, 0.0);
        }
        for (level, stats) in levels.iter().enumerate() {
            let range = org.level(level);
            let spread = stats.performance;
            for (z, &performance) in standing[range.clone()].iter_mut().zip(&workforce.performance[range]) {
                *z = spread.z(performance);
            }
        }
        self.normal.cdf_each(standing, percentile);
        let managers = org.level(org.levels() - 1).start;
        misfit.fill(0.0);
        if let Some(fit) = &self.dynamics.misfit {
            for (m, &leadership) in misfit[..managers].iter_mut().zip(&workforce.leadership[..managers]) {
                *m = performance::misfit(leadership, fit.threshold);
            }
        }
    }

    /// Everyone's engagement moves a fraction of the way toward its target, plus
    /// noise drawn for each holder in position order.
    #[inline(always)]
    fn move_engagement<R: Rng + ?Sized>(
        &self,
        workforce: &mut Workforce,
        org: &Org,
        scratch: &mut Scratch,
        rng: &mut R,
    ) {
        let n = org.positions();
        let Scratch { percentile, boss, misfit, noise, .. } = scratch;
        noise.resize(n, 0.0);
        for (noise, &occupied) in noise.iter_mut().zip(&workforce.occupied) {
            if occupied {
                *noise = self.noise_half_width * (2.0 * uniform01(rng) - 1.0);
            }
        }
        let managers = org.level(org.levels() - 1).start;
        let weights = &self.pressure_weights;
        let (baseline, pull, now, step_years) =
            (self.dynamics.engagement.baseline, self.pull, workforce.now, self.step_years);
        // Every column cut to the same length, so the loop has no bounds checks.
        let (percentile, boss, misfit, noise) = (&percentile[..n], &boss[..n], &misfit[..n], &noise[..n]);
        let (overhead, recognition, advanced) =
            (&workforce.overhead[..n], &workforce.recognition[..n], &workforce.advanced[..n]);
        let (occupied, engagement) = (&workforce.occupied[..n], &mut workforce.engagement[..n]);
        for p in 0..n {
            let situation = Situation {
                overhead: overhead[p],
                // Managers are not credited: their recognition is whole.
                recognition: if p < managers { 1.0 } else { recognition[p] },
                percentile: percentile[p],
                manager_effectiveness: boss[p],
                misfit: misfit[p],
                years_since_advancement: (now - advanced[p]) * step_years,
            };
            let target = baseline - weights.of(&situation).total();
            let moved = engagement::adjust(engagement[p], target, pull, noise[p]);
            engagement[p] = if occupied[p] { moved } else { engagement[p] };
        }
    }

    /// Everyone's quit hazard accumulates over the coming step.
    #[inline(always)]
    fn accumulate_hazard(&self, weights: &HazardWeights, workforce: &mut Workforce, scratch: &Scratch) {
        let n = scratch.standing.len();
        let (standing, misfit) = (&scratch.standing[..n], &scratch.misfit[..n]);
        let (engagement, occupied) = (&workforce.engagement[..n], &workforce.occupied[..n]);
        let (hired, born, quality) =
            (&workforce.hired[..n], &workforce.born[..n], &workforce.match_quality[..n]);
        let (now, step_years) = (workforce.now, self.step_years);
        let hazard = &mut workforce.hazard[..n];
        for p in 0..n {
            let (tenure, age) = ((now - hired[p]) * step_years, (now - born[p]) * step_years);
            let log_excess = weights.log_excess(engagement[p], standing[p], misfit[p])
                + weights.log_stage(quality[p], tenure, age);
            let step_hazard = self.base_hazard * numeric::exp(log_excess);
            hazard[p] = if occupied[p] { hazard[p] + step_hazard } else { hazard[p] };
        }
    }

    /// The individual contributors' work: overhead shares, output and credit, team
    /// by team. Each step of it is one pass over the whole level (teams are
    /// contiguous slices of it), which costs far less than a few passes per team.
    /// Per-person arithmetic and the sums over people are separate passes: the
    /// sums must run in order, the arithmetic need not.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn work<R: Rng + ?Sized>(
        &self,
        workforce: &mut Workforce,
        org: &Org,
        arm: &Arm,
        scratch: &mut Scratch,
        rng: &mut R,
        observed: &mut Observed,
        first: bool,
    ) {
        let d = &self.dynamics;
        let ic_level = org.levels() - 1;
        let ics = org.level(ic_level);
        let (start, n) = (ics.start, ics.len());
        let weight = d.output.engagement_weight;
        let Scratch { shares, capabilities, team_means, boss: scratch_boss, .. } = scratch;
        // Capability (skill × engagement factor), vacancies counting 0.
        capabilities.resize(n, 0.0);
        let occupied = &workforce.occupied[ics.clone()];
        for (((capability, &occupied), &skill), &engagement) in capabilities
            .iter_mut()
            .zip(occupied)
            .zip(&workforce.skill[ics.clone()])
            .zip(&workforce.engagement[ics.clone()])
        {
            *capability = if occupied { skill * engagement_factor(weight, engagement) } else { 0.0 };
        }
        shares.clone_from(capabilities);
        // The teams: each manager's slice of the level, or the whole level when
        // nobody manages it.
        let teams = if ic_level == 0 { 0..1 } else { org.level(ic_level - 1) };
        let team_of = |manager: usize| -> std::ops::Range<usize> {
            if ic_level == 0 {
                0..n
            } else {
                let team = org.team(manager);
                team.start - start..team.end - start
            }
        };
        if let Some(overhead) = &d.overhead {
            overhead::weigh(arm.overhead_allocation, overhead, shares, rng);
            for manager in teams.clone() {
                let team = team_of(manager);
                overhead::share_out(arm.overhead_allocation, overhead, &mut shares[team]);
            }
        } else {
            shares.fill(0.0);
        }
        // Output, with the manager multiplier of each IC's team.
        let managed_by = &scratch_boss[ics.clone()];
        let output = &mut workforce.performance[ics.clone()];
        let people = output.iter_mut().zip(occupied).zip(managed_by);
        for (((output, &occupied), &boss), (&capability, &share)) in
            people.zip(capabilities.iter().zip(shares.iter()))
        {
            let multiplier = manager_multiplier(d.manager.as_ref(), boss);
            *output = if occupied { capability * (1.0 - share) * multiplier } else { *output };
        }
        let overheads = &mut workforce.overhead[ics.clone()];
        for ((overhead, &share), &occupied) in overheads.iter_mut().zip(shares.iter()).zip(occupied) {
            *overhead = if occupied { share } else { *overhead };
        }
        // Each team's mean output, for every member.
        team_means.resize(n, 0.0);
        for manager in teams.clone() {
            let team = team_of(manager);
            let (mut team_output, mut filled) = (0.0, 0usize);
            for (&output, &occupied) in output[team.clone()].iter().zip(&occupied[team.clone()]) {
                team_output += if occupied { output } else { 0.0 };
                filled += usize::from(occupied);
            }
            observed.output += team_output;
            team_means[team].fill(team_output / filled.max(1) as f64);
        }
        let Some(credit) = &d.credit else { return };
        let recognition_weight = if first { 0.0 } else { self.recognition_weight };
        // Each IC's credit shortfall goes in `capabilities`, no longer needed.
        let shortfalls = capabilities;
        let recognition = &mut workforce.recognition[ics];
        let people = recognition.iter_mut().zip(output.iter()).zip(occupied);
        for (((recognition, &deserved), &occupied), (shortfall, &team_mean)) in
            people.zip(shortfalls.iter_mut().zip(team_means.iter()))
        {
            let received = credit::received(arm.credit_accuracy, credit.manager_take, deserved, team_mean);
            let ratio = credit::ratio(received, deserved);
            *shortfall = if occupied { (1.0 - ratio).max(0.0) } else { 0.0 };
            let recognised = credit::recognise(*recognition, ratio, recognition_weight);
            *recognition = if occupied { recognised } else { *recognition };
        }
        for &shortfall in shortfalls.iter() {
            observed.credit_gap += shortfall;
        }
    }

    /// The mean overhead share of the top decile of ICs by skill (performance would
    /// hide the effect: overhead lowers the measured output of whoever carries it), and of the
    /// rest (exact: one selection over the level).
    fn observe_overhead(
        &self,
        workforce: &Workforce,
        org: &Org,
        scratch: &mut Scratch,
        observed: &mut Observed,
    ) {
        let level = org.level(org.levels() - 1);
        let n = workforce.level_headcount(org, org.levels() - 1);
        if n == 0 {
            return;
        }
        let top = n.div_ceil(10);
        // The cut is the top-th largest skill. Skills change only as people come and
        // go, so a skill a little below last step's cut is a good guess: if at least
        // `top` skills reach it, the cut is among them and only they need ranking.
        // The guess saves time; it never changes the cut.
        let ranked = &mut scratch.ranked;
        let (occupied, skill) = (&workforce.occupied[level.clone()], &workforce.skill[level.clone()]);
        let (mut cut, mut next_guess) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for guess in [scratch.overhead_cut, f64::NEG_INFINITY] {
            // Every skill is written, and the next overwrites it unless it qualified.
            ranked.resize(level.len(), 0.0);
            let mut qualified = 0;
            for (&occupied, &skill) in occupied.iter().zip(skill) {
                ranked[qualified] = skill;
                qualified += usize::from(occupied & (skill >= guess));
            }
            ranked.truncate(qualified);
            if ranked.len() >= top {
                let index = ranked.len() - top;
                let (below, at, _) = ranked.select_nth_unstable_by(index, f64::total_cmp);
                cut = *at;
                // The next guess: the skill `margin` places below the cut, so that a
                // few of the top leaving does not send the next step back to ranking
                // the whole level.
                let margin = top / 2 + 4;
                next_guess = if below.len() >= margin {
                    *below.select_nth_unstable_by(below.len() - margin, f64::total_cmp).1
                } else {
                    guess
                };
                break;
            }
        }
        scratch.overhead_cut = next_guess;
        // Without branches, as in `spread`. The top is the first `top` holders at or
        // above the cut, in position order: only ties at the cut can make more than
        // `top` of them (rare, with continuous skills), and then the position past
        // which they fall to the rest is found first, so the pass carries nothing but
        // its two sums.
        let at_or_above =
            occupied.iter().zip(skill).filter(|&(&occupied, &skill)| occupied & (skill >= cut)).count();
        let end = if at_or_above <= top {
            level.len()
        } else {
            let mut counted = 0;
            let last = occupied.iter().zip(skill).position(|(&occupied, &skill)| {
                counted += usize::from(occupied & (skill >= cut));
                counted == top
            });
            last.map_or(level.len(), |last| last + 1)
        };
        let top_count = at_or_above.min(top);
        let (mut top_sum, mut rest_sum) = (0.0, 0.0);
        let overhead = &workforce.overhead[level];
        for (i, ((&occupied, &skill), &overhead)) in occupied.iter().zip(skill).zip(overhead).enumerate() {
            let in_top = occupied & (skill >= cut) & (i < end);
            top_sum += if in_top { overhead } else { 0.0 };
            rest_sum += if occupied & !in_top { overhead } else { 0.0 };
        }
        observed.overhead_top_decile = top_sum / top_count.max(1) as f64;
        observed.overhead_rest = rest_sum / (n - top_count).max(1) as f64;
    }
}

/// The effectiveness a report sees in the holder of `manager` (by the workforce's
/// occupancy and effectiveness columns): 0.5 (neutral, see
/// [`engagement::Situation`]) with no manager above or a vacancy there.
#[inline]
fn effectiveness_seen(occupied: &[bool], effectiveness: &[f64], manager: Option<usize>) -> f64 {
    match manager {
        Some(manager) if occupied[manager] => effectiveness[manager],
        _ => 0.5,
    }
}

/// The effectiveness everyone sees in their manager this step (`boss`, by
/// position): 0.5 at the top or under a vacancy.
#[inline(always)]
fn see_managers(workforce: &Workforce, org: &Org, boss: &mut Vec<f64>) {
    boss.resize(org.positions(), 0.0);
    // Teams are contiguous slices of the level below their manager's, and cover
    // it: one fill per team.
    boss[org.level(0)].fill(effectiveness_seen(&workforce.occupied, &workforce.effectiveness, None));
    for manager in 0..org.level(org.levels() - 1).start {
        let seen = effectiveness_seen(&workforce.occupied, &workforce.effectiveness, Some(manager));
        boss[org.team(manager)].fill(seen);
    }
}

/// The performance statistics of a level's holders.
fn level_stats(workforce: &Workforce, level: std::ops::Range<usize>) -> LevelStats {
    LevelStats { performance: spread(workforce, level, &workforce.performance) }
}

/// Mean and standard deviation of `column` over a level's holders.
fn spread(workforce: &Workforce, level: std::ops::Range<usize>, column: &[f64]) -> Spread {
    let (mut n, mut sum, mut squares) = (0usize, 0.0, 0.0);
    // Without a branch: a vacancy adds +0.0, which leaves a sum begun at +0.0 as
    // it was, to the bit.
    for (&occupied, &x) in workforce.occupied[level.clone()].iter().zip(&column[level]) {
        let x = if occupied { x } else { 0.0 };
        n += usize::from(occupied);
        sum += x;
        squares += x * x;
    }
    if n < 2 {
        return Spread { mean: sum / n.max(1) as f64, sd: 1.0 };
    }
    let mean = sum / n as f64;
    let variance = ((squares - sum * mean) / (n - 1) as f64).max(0.0);
    Spread { mean, sd: if variance > 0.0 { variance.sqrt() } else { 1.0 } }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;
    use crate::model::{Trial, World};
    use std::path::Path;

    /// Runs the first arm of `tech_org` for `steps` steps from the trial seed
    /// `seed`, then hands `check` the world, its behaviour and the workforce.
    fn after_tech_org_steps(
        seed: u64,
        steps: usize,
        check: impl FnOnce(&World<'_>, &Behaviour, &mut Workforce),
    ) {
        let text = include_str!("../../scenarios/tech_org.toml");
        let config = parse(text, Path::new("tech_org.toml")).unwrap();
        let world = World::new(&config);
        let mut initial = Workforce::vacant(&world.org);
        world.draw_initial_workforce(seed, &mut initial);
        let mut workforce = Workforce::vacant(&world.org);
        let mut trial = Trial::start(&world, &config.arms[0], seed, &initial, &mut workforce, None);
        for _ in 0..steps {
            trial.step();
        }
        check(&world, world.behaviour.as_ref().unwrap(), &mut workforce);
    }

    /// Ties at the top-decile cut: the top holds the first holders at the cut, in
    /// position order, up to its size, and the rest hold the others.
    #[test]
    fn ties_at_the_top_decile_cut_fill_the_top_in_position_order() {
        after_tech_org_steps(9, 6, |world, behaviour, workforce| {
            let org = &world.org;
            let ics = org.level(org.levels() - 1);
            let holders: Vec<usize> = ics.clone().filter(|&p| workforce.occupied[p]).collect();
            let top = holders.len().div_ceil(10);
            // Twice the decile's size share the highest skill, spread over the level.
            let peak = holders.iter().map(|&p| workforce.skill[p]).fold(0.0, f64::max) + 0.5;
            let tied: Vec<usize> =
                holders.iter().copied().step_by(holders.len() / (2 * top)).take(2 * top).collect();
            for &p in &tied {
                workforce.skill[p] = peak;
            }
            let in_top: Vec<usize> = tied[..top].to_vec();
            let mean = |positions: &mut dyn Iterator<Item = usize>| {
                let (mut sum, mut count) = (0.0, 0);
                for p in positions {
                    sum += workforce.overhead[p];
                    count += 1;
                }
                sum / f64::from(count)
            };
            let expected_top = mean(&mut in_top.iter().copied());
            let expected_rest = mean(&mut holders.iter().copied().filter(|p| !in_top.contains(p)));
            let mut observed = Observed::default();
            let mut scratch = Scratch::new(org.levels());
            behaviour.observe_overhead(workforce, org, &mut scratch, &mut observed);
            assert_eq!(observed.overhead_top_decile, expected_top);
            assert_eq!(observed.overhead_rest, expected_rest);
        });
    }

    /// A quit's logged reason reads the situation of the step whose hazard the quit
    /// passed. Between that step's settle and the quit, the clock moves on and
    /// retirements may empty the manager's chair; neither changes the reason.
    #[test]
    fn a_quit_reason_reads_the_settled_situation() {
        after_tech_org_steps(5, 24, |world, behaviour, workforce| {
            let org = &world.org;
            let scratch = std::mem::take(&mut workforce.scratch);
            // An IC under an occupied manager whose effectiveness is far from that of
            // an empty chair (0.5).
            let ics = org.level(org.levels() - 1);
            let report = ics
                .clone()
                .filter(|&p| workforce.occupied[p])
                .find(|&p| {
                    let manager = org.manager(p).unwrap();
                    workforce.occupied[manager] && (workforce.effectiveness[manager] - 0.5).abs() > 0.05
                })
                .unwrap();
            let manager = org.manager(report).unwrap();
            let settled = behaviour.settled_situation(workforce, org, &scratch, report);
            assert_eq!(settled.manager_effectiveness, workforce.effectiveness[manager]);
            assert_eq!(settled.percentile, behaviour.normal.cdf(scratch.standing[report]));

            // The start of the next step: the clock moves and the manager retires.
            workforce.now += 1.0;
            workforce.vacate(manager, org.level_of(manager));
            assert_eq!(behaviour.settled_situation(workforce, org, &scratch, report), settled);
            let seen_now = effectiveness_seen(&workforce.occupied, &workforce.effectiveness, Some(manager));
            assert_ne!(seen_now, settled.manager_effectiveness, "the chair is empty now");
        });
    }

    /// Last step's cut only speeds up finding the top decile: any guess, too high,
    /// too low or absurd, gives the same shares.
    #[test]
    fn the_top_decile_does_not_depend_on_the_guessed_cut() {
        after_tech_org_steps(3, 12, |world, behaviour, workforce| {
            let mut reference = None;
            for guess in [f64::NEG_INFINITY, 0.0, 5.0, 7.5, 9.9, f64::INFINITY] {
                let mut scratch = Scratch { overhead_cut: guess, ..Scratch::new(world.org.levels()) };
                let mut observed = Observed::default();
                behaviour.observe_overhead(workforce, &world.org, &mut scratch, &mut observed);
                let shares = (observed.overhead_top_decile, observed.overhead_rest);
                assert!(shares.0 > shares.1, "competence-weighted overhead loads the top: {shares:?}");
                assert_eq!(*reference.get_or_insert(shares), shares, "guess {guess}");
            }
        });
    }
}
