//! The catalogue's moments of employment spells: voluntary attrition by level, by
//! tenure band and by age band, promotion rate by level, the headcount-weighted span
//! of control and the regretted share of quits. The engine measures them from the
//! baseline arm's event log over the measured steps (after the burn-in), one value
//! per trial ([`measure`]); an HR export measures the same definitions from its
//! spells (`hr_export.rs`).
//!
//! Names are `<measure>.<breakdown>.<group>`: `voluntary_attrition.level.engineer`,
//! `voluntary_attrition.tenure.2-5`, `voluntary_attrition.age.<25`,
//! `promotion_rate.level.manager`, and the two without a breakdown,
//! `span_of_control` and `regretted_share`.
//!
//! A rate is events per person-year at risk: a person employed at the end of step
//! `s − 1` is at risk in step `s`, at their level then and in the tenure band and age
//! band they are in at the middle of step `s` (where most of the step lies, as an
//! export splits its days between bands); a quit in step `s` is counted in the
//! groups of that step.

use std::collections::{BTreeMap, HashMap};

use crate::config::Config;
use crate::model::events::{Event, EventKind};

/// Tenure bands, years: `[low, high)`, and their names.
pub const TENURE_BANDS: [(f64, f64, &str); 5] = [
    (0.0, 1.0, "<1"),
    (1.0, 2.0, "1-2"),
    (2.0, 5.0, "2-5"),
    (5.0, 10.0, "5-10"),
    (10.0, f64::INFINITY, "10+"),
];

/// Age bands, years: `[low, high)`, and their names.
pub const AGE_BANDS: [(f64, f64, &str); 4] = [
    (f64::NEG_INFINITY, 25.0, "<25"),
    (25.0, 35.0, "25-35"),
    (35.0, 45.0, "35-45"),
    (45.0, f64::INFINITY, "45+"),
];

/// The band of `bands` that `value` falls in.
pub fn band(bands: &[(f64, f64, &str)], value: f64) -> usize {
    bands.iter().position(|&(_, high, _)| value < high).unwrap_or(bands.len() - 1)
}

/// Which group of people a voluntary attrition rate is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// A level, by index (0 is the top).
    Level(usize),
    /// A tenure band, by index of [`TENURE_BANDS`].
    Tenure(usize),
    /// An age band, by index of [`AGE_BANDS`].
    Age(usize),
}

/// A moment of spells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpellMoment {
    /// Voluntary quits of the group per person-year the group is at risk.
    VoluntaryAttrition(Group),
    /// Promotions out of a level (to the one above) per person-year at the level;
    /// the top level has none.
    PromotionRate(usize),
    /// The span of control an employee with a manager sees: the mean over them of
    /// their manager's number of direct reports, `Σ s² / Σ s` over managers with
    /// `s` reports, at the end of measurement.
    SpanOfControl,
    /// Of the voluntary quits, the share that are regretted: the quitter was in the
    /// top fifth of their level by skill (as `regretted_attrition` counts them).
    RegrettedShare,
}

impl SpellMoment {
    /// Every spell moment of a scenario with `levels` levels; the voluntary ones
    /// only with `[dynamics]` (without it nobody quits).
    pub fn all(levels: usize, dynamics: bool) -> Vec<SpellMoment> {
        let mut all = Vec::new();
        if dynamics {
            all.extend((0..levels).map(|l| Self::VoluntaryAttrition(Group::Level(l))));
            all.extend((0..TENURE_BANDS.len()).map(|b| Self::VoluntaryAttrition(Group::Tenure(b))));
            all.extend((0..AGE_BANDS.len()).map(|b| Self::VoluntaryAttrition(Group::Age(b))));
        }
        all.extend((1..levels).map(Self::PromotionRate));
        all.push(Self::SpanOfControl);
        if dynamics {
            all.push(Self::RegrettedShare);
        }
        all
    }

    /// Its name in targets files, given the scenario's level names.
    pub fn name(self, levels: &[&str]) -> String {
        match self {
            Self::VoluntaryAttrition(Group::Level(l)) => format!("voluntary_attrition.level.{}", levels[l]),
            Self::VoluntaryAttrition(Group::Tenure(b)) => {
                format!("voluntary_attrition.tenure.{}", TENURE_BANDS[b].2)
            }
            Self::VoluntaryAttrition(Group::Age(b)) => format!("voluntary_attrition.age.{}", AGE_BANDS[b].2),
            Self::PromotionRate(l) => format!("promotion_rate.level.{}", levels[l]),
            Self::SpanOfControl => "span_of_control".to_owned(),
            Self::RegrettedShare => "regretted_share".to_owned(),
        }
    }

    /// Its unit.
    pub fn unit(self) -> &'static str {
        match self {
            Self::VoluntaryAttrition(_) | Self::PromotionRate(_) => "per person-year",
            Self::SpanOfControl => "direct reports",
            Self::RegrettedShare => "share of quits",
        }
    }

    /// Whether a scenario without `[dynamics]` measures it.
    pub fn needs_dynamics(self) -> bool {
        matches!(self, Self::VoluntaryAttrition(_) | Self::RegrettedShare)
    }

    /// The largest magnitude it can take in `config`: one event per person per
    /// step, a share, or every position reporting to one manager.
    pub fn bound(self, config: &Config) -> f64 {
        match self {
            Self::VoluntaryAttrition(_) | Self::PromotionRate(_) => f64::from(config.steps_per_year),
            Self::SpanOfControl => config.positions() as f64,
            Self::RegrettedShare => 1.0,
        }
    }
}

/// What one trial's events add up to (counts and person-steps at risk).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Per level: person-steps at risk, quits, promotions out of it.
    pub level_exposure: Vec<u64>,
    /// Per level.
    pub level_quits: Vec<u64>,
    /// Per level.
    pub promotions_out: Vec<u64>,
    /// Per tenure band: person-steps at risk and quits.
    pub tenure_exposure: [u64; TENURE_BANDS.len()],
    /// Per tenure band.
    pub tenure_quits: [u64; TENURE_BANDS.len()],
    /// Per age band: person-steps at risk and quits.
    pub age_exposure: [u64; AGE_BANDS.len()],
    /// Per age band.
    pub age_quits: [u64; AGE_BANDS.len()],
    /// Voluntary quits, and of them the regretted.
    pub quits: u64,
    /// Regretted quits.
    pub regretted: u64,
    /// Per manager still in their chair at the end: direct reports then.
    pub spans: Vec<u64>,
    /// Steps per year, to turn person-steps into person-years.
    pub steps_per_year: f64,
}

/// A spell's stretch at one level, open since `since` (a step).
struct Stretch {
    since: u32,
    level: usize,
    tenure: f64,
    age: f64,
}

impl Tally {
    /// Adds up one trial's events (one arm's, in the order logged).
    pub fn of(events: &[Event], levels: usize, steps_per_year: u32) -> Self {
        let spy = f64::from(steps_per_year);
        let mut tally = Self {
            level_exposure: vec![0; levels],
            level_quits: vec![0; levels],
            promotions_out: vec![0; levels],
            steps_per_year: spy,
            ..Self::default()
        };
        let mut open: HashMap<u64, Stretch> = HashMap::new();
        // Direct reports per manager (by employee id) of those still employed at the end.
        let mut reports: BTreeMap<u64, u64> = BTreeMap::new();
        for event in events {
            let stretch = |event: &Event| Stretch {
                since: event.step,
                level: usize::from(event.level),
                tenure: event.tenure,
                age: event.age,
            };
            match event.kind {
                EventKind::Start | EventKind::Hire => {
                    open.insert(event.employee, stretch(event));
                }
                EventKind::Grade => {}
                EventKind::Promotion => {
                    if let Some(before) = open.insert(event.employee, stretch(event)) {
                        tally.close(&before, event.step);
                        tally.promotions_out[before.level] += 1;
                    }
                }
                EventKind::Quit | EventKind::Dismissal | EventKind::Retirement | EventKind::End => {
                    if let Some(before) = open.remove(&event.employee) {
                        tally.close(&before, event.step);
                    }
                    if event.kind == EventKind::Quit {
                        // In the band of the step it ends, as its time at risk is.
                        let half_step = 0.5 / tally.steps_per_year;
                        tally.level_quits[usize::from(event.level)] += 1;
                        tally.tenure_quits[band(&TENURE_BANDS, event.tenure - half_step)] += 1;
                        tally.age_quits[band(&AGE_BANDS, event.age - half_step)] += 1;
                        tally.quits += 1;
                        tally.regretted += u64::from(event.ranks.is_some_and(|r| r.skill == 4));
                    }
                    if event.kind == EventKind::End
                        && let Some(manager) = event.manager
                    {
                        *reports.entry(manager).or_default() += 1;
                    }
                }
            }
        }
        tally.spans = reports.into_values().collect();
        tally
    }

    /// Adds a stretch's steps at risk, `since + 1 ..= until`, to its level and to
    /// the tenure and age bands it is in at each of them: at the middle of the step,
    /// so a step is where most of it lies, as an export's days are split between
    /// bands (a step that ends on an anniversary was spent below it).
    fn close(&mut self, stretch: &Stretch, until: u32) {
        self.level_exposure[stretch.level] += u64::from(until.saturating_sub(stretch.since));
        for step in stretch.since + 1..=until {
            let years = (f64::from(step - stretch.since) - 0.5) / self.steps_per_year;
            self.tenure_exposure[band(&TENURE_BANDS, stretch.tenure + years)] += 1;
            self.age_exposure[band(&AGE_BANDS, stretch.age + years)] += 1;
        }
    }

    /// `moment` in this trial as a ratio of counts.
    pub fn ratio(&self, moment: SpellMoment) -> Ratio {
        let spy = self.steps_per_year;
        let rate =
            |events: u64, exposure: u64| Ratio { numerator: events, denominator: exposure, scale: spy };
        let share = |part: u64, whole: u64| Ratio { numerator: part, denominator: whole, scale: 1.0 };
        match moment {
            SpellMoment::VoluntaryAttrition(Group::Level(l)) => {
                rate(self.level_quits[l], self.level_exposure[l])
            }
            SpellMoment::VoluntaryAttrition(Group::Tenure(b)) => {
                rate(self.tenure_quits[b], self.tenure_exposure[b])
            }
            SpellMoment::VoluntaryAttrition(Group::Age(b)) => rate(self.age_quits[b], self.age_exposure[b]),
            SpellMoment::PromotionRate(l) => rate(self.promotions_out[l], self.level_exposure[l]),
            SpellMoment::SpanOfControl => {
                share(self.spans.iter().map(|s| s * s).sum(), self.spans.iter().sum())
            }
            SpellMoment::RegrettedShare => share(self.regretted, self.quits),
        }
    }

    /// The value of `moment` in this trial; `None` when nobody was at risk (or
    /// nobody quit, for the regretted share, or no one had a manager).
    pub fn value(&self, moment: SpellMoment) -> Option<f64> {
        self.ratio(moment).value()
    }
}

/// A spell moment of one trial as `scale · numerator / denominator`: events over
/// person-steps at risk (scale: steps per year), regretted quits over quits, or
/// `Σ s²` over `Σ s` for the span of control. Kept as counts so that trials add up
/// exactly, in any order: the model's moment over many trials is the ratio of their
/// sums ([`Pooled`]), which is what an HR export of several firms measures, and not
/// the mean of each trial's ratio, which a group of a few people at risk in some
/// trials pulls far from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    /// Events (or the span's `Σ s²`).
    pub numerator: u64,
    /// Person-steps at risk (or quits, or `Σ s`).
    pub denominator: u64,
    /// Multiplies the ratio into the moment's unit.
    pub scale: f64,
}

impl Ratio {
    /// Its value; `None` when the denominator is 0.
    pub fn value(self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 * self.scale / self.denominator as f64)
    }
}

/// A spell moment over trials: the ratio of the sums of each trial's counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pooled {
    numerators: Vec<u64>,
    denominators: Vec<u64>,
    scale: f64,
}

impl Pooled {
    /// Adds a trial (trials may come in any order: the sums are exact).
    pub fn add(&mut self, ratio: Ratio) {
        self.numerators.push(ratio.numerator);
        self.denominators.push(ratio.denominator);
        self.scale = ratio.scale;
    }

    /// Trials added.
    pub fn trials(&self) -> usize {
        self.numerators.len()
    }

    /// `scale · Σ numerator / Σ denominator`; `None` when nobody was at risk in any trial.
    pub fn value(&self) -> Option<f64> {
        Ratio {
            numerator: self.numerators.iter().sum(),
            denominator: self.denominators.iter().sum(),
            scale: self.scale,
        }
        .value()
    }

    /// Each trial's linearised contribution to the pooled ratio `R`,
    /// `(scale · numerator − R · denominator) / mean denominator` (the delta
    /// method), in the order added: mean 0, and their standard deviation over
    /// `√trials` is the standard error of `R`; their correlation across trials with
    /// another moment's is the two estimates'. `None` when [`Self::value`] is.
    pub fn influence(&self) -> Option<Vec<f64>> {
        let ratio = self.value()?;
        let n = self.trials() as f64;
        let mean = self.denominators.iter().sum::<u64>() as f64 / n;
        Some(
            self.numerators
                .iter()
                .zip(&self.denominators)
                .map(|(&num, &den)| (num as f64 * self.scale - ratio * den as f64) / mean)
                .collect(),
        )
    }
}

/// The headcount-weighted span `Σ s² / Σ s` of managers with `s` direct reports
/// each; `None` when nobody has a manager.
pub fn span_of_control(spans: &[u64]) -> Option<f64> {
    let reports: u64 = spans.iter().sum();
    let squares: u64 = spans.iter().map(|s| s * s).sum();
    (reports > 0).then(|| squares as f64 / reports as f64)
}

/// `moments` in one trial's events, as ratios of counts.
pub fn measure(events: &[Event], config: &Config, moments: &[SpellMoment]) -> Vec<Ratio> {
    let tally = Tally::of(events, config.levels.len(), config.steps_per_year);
    moments.iter().map(|&moment| tally.ratio(moment)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::events::{Ranks, TeamOutput};

    fn event(step: u32, kind: EventKind, employee: u64, level: u8, tenure: f64, age: f64) -> Event {
        Event {
            step,
            kind,
            employee,
            level,
            grade: 0,
            tenure,
            time_in_role: 0.0,
            age,
            skill: 5.0,
            leadership: 0.5,
            engagement: 0.5,
            ranks: None,
            reason: None,
            position: 0,
            team: None,
            manager: None,
            entry_step: 0,
            entry_tenure: 0.0,
            performance: None,
            team_output: TeamOutput::default(),
        }
    }

    /// Two levels, 12 steps a year, 24 measured steps. Manager M (level 0) stays
    /// throughout. A (level 1, tenure 0.5, age 24.5) is promoted at step 6 and
    /// quits at step 17, regretted. B (level 1, tenure 9.75, age 44.9) quits at
    /// step 12. C is hired at step 12 at level 1, age 30, and stays to the end,
    /// reporting to M.
    #[test]
    fn a_hand_made_log_gives_the_hand_counts() {
        use EventKind::*;
        let mut quit_a = event(17, Quit, 1, 0, 1.0 + 11.0 / 12.0, 25.0 + 11.0 / 12.0);
        quit_a.ranks = Some(Ranks { performance: 2, skill: 4 });
        let mut quit_b = event(12, Quit, 2, 1, 10.75, 45.9);
        quit_b.ranks = Some(Ranks { performance: 4, skill: 3 });
        let mut end_c = event(24, End, 3, 1, 1.0, 31.0);
        end_c.manager = Some(0);
        let events = vec![
            event(0, Start, 0, 0, 5.0, 50.0),
            event(0, Start, 1, 1, 0.5, 24.5),
            event(0, Start, 2, 1, 9.75, 44.9),
            event(6, Promotion, 1, 0, 1.0, 25.0),
            event(9, Grade, 3, 1, 0.0, 30.0),
            quit_b,
            event(12, Hire, 3, 1, 0.0, 30.0),
            quit_a,
            event(24, End, 0, 0, 7.0, 52.0),
            end_c,
        ];
        let tally = Tally::of(&events, 2, 12);
        // Level 0: M 24 steps, A 11 (steps 7..=17). Level 1: A 6, B 12, C 12.
        assert_eq!(tally.level_exposure, vec![35, 30]);
        assert_eq!(tally.level_quits, vec![1, 1]);
        assert_eq!(tally.promotions_out, vec![0, 1]);
        let value = |m| tally.value(m).unwrap();
        assert_eq!(value(SpellMoment::VoluntaryAttrition(Group::Level(0))), 12.0 / 35.0);
        assert_eq!(value(SpellMoment::VoluntaryAttrition(Group::Level(1))), 12.0 / 30.0);
        assert_eq!(value(SpellMoment::PromotionRate(1)), 12.0 / 30.0);
        // Tenure at the middle of each step at risk, `(s − 0.5)/12` in: A under a
        // year at steps 1..=6 (0.5 + 5.5/12 at step 6, which ends on the
        // anniversary), 1-2 from step 7 to 17; B 5-10 at steps 1..=3, 10+ from step
        // 4 (9.75 + 3.5/12); C under a year at all of its 12 steps (a year exactly
        // at the end of step 24, spent below it); M 5-10 throughout. A quit is in
        // the band of the step it ends: A's (1 + 11/12 at its end) in 1-2, B's in 10+.
        assert_eq!(tally.tenure_exposure, [6 + 12, 11, 0, 3 + 24, 9]);
        assert_eq!(tally.tenure_quits, [0, 1, 0, 0, 1]);
        // Age: A under 25 to step 6 (24.5 + 5.5/12), 25-35 after; B 35-45 at
        // step 1, 45+ after (44.9 + 1.5/12 > 45); C 25-35; M 45+.
        assert_eq!(tally.age_exposure, [6, 11 + 12, 1, 11 + 24]);
        assert_eq!(tally.age_quits, [0, 1, 0, 1]);
        assert_eq!(value(SpellMoment::VoluntaryAttrition(Group::Tenure(4))), 12.0 / 9.0);
        assert_eq!(value(SpellMoment::VoluntaryAttrition(Group::Age(1))), 12.0 / 23.0);
        assert_eq!(value(SpellMoment::RegrettedShare), 0.5, "A by skill; B's performance does not count");
        // At the end only C reports to M.
        assert_eq!(value(SpellMoment::SpanOfControl), 1.0);
        assert_eq!(tally.value(SpellMoment::VoluntaryAttrition(Group::Tenure(2))), None, "nobody at risk");
    }

    #[test]
    fn trials_pool_as_the_ratio_of_their_sums_with_delta_method_influence() {
        let mut pooled = Pooled::default();
        assert_eq!(pooled.value(), None);
        for (numerator, denominator) in [(1, 1), (0, 3), (3, 4)] {
            pooled.add(Ratio { numerator, denominator, scale: 2.0 });
        }
        // 2 · 4 / 8, not the mean of the trials' ratios (2 + 0 + 1.5) / 3.
        assert_eq!(pooled.value(), Some(1.0));
        // (2 · num − 1 · den) / (8 / 3), in the order added; they sum to 0.
        let influence = pooled.influence().unwrap();
        for (got, want) in influence.iter().zip([0.375, -1.125, 0.75]) {
            assert!((got - want).abs() < 1e-12, "{influence:?}");
        }
        let mut nobody = Pooled::default();
        nobody.add(Ratio { numerator: 0, denominator: 0, scale: 1.0 });
        assert_eq!((nobody.value(), nobody.influence()), (None, None));
    }

    #[test]
    fn spans_are_weighted_by_headcount_and_bands_are_half_open() {
        // Teams of 2 and 6: the average employee's manager has (4 + 36) / 8 = 5.
        assert_eq!(span_of_control(&[2, 6]), Some(5.0));
        assert_eq!(span_of_control(&[]), None);
        assert_eq!(band(&TENURE_BANDS, 0.99), 0);
        assert_eq!(band(&TENURE_BANDS, 1.0), 1);
        assert_eq!(band(&TENURE_BANDS, 40.0), 4);
        assert_eq!(band(&AGE_BANDS, 18.0), 0);
        assert_eq!(band(&AGE_BANDS, 45.0), 3);
    }

    #[test]
    fn names_are_unique_and_read_back() {
        let all = SpellMoment::all(3, true);
        let names: Vec<String> = all.iter().map(|m| m.name(&["vp", "manager", "engineer"])).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert!(names.contains(&"voluntary_attrition.tenure.<1".to_owned()));
        assert!(names.contains(&"promotion_rate.level.engineer".to_owned()));
        assert!(!names.contains(&"promotion_rate.level.vp".to_owned()), "the top is promoted to nothing");
        assert!(SpellMoment::all(3, false).iter().all(|m| !m.needs_dynamics()));
    }
}
