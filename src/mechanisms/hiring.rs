//! External hiring (docs/model.md §7.4): a vacancy no one is promoted into is
//! filled from outside, with traits drawn from the scenario's distributions.
//!
//! Skill and age come from one stream and every other trait from another, so the
//! Peter-principle model, which uses only skill and age, draws the same people as
//! it did before the other traits existed.

use rand::Rng;

use crate::config::Config;
use crate::model::workforce::{Person, Workforce};
use crate::rng::{TruncatedNormal, normal_cdf, standard_exponential, standard_normal, uniform01};

/// The distributions new people are drawn from, precomputed once per scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recruitment {
    skill: TruncatedNormal,
    /// Mean and standard deviation of drawn skills (of the truncated distribution),
    /// which standardise skill before it is correlated with leadership.
    skill_mean: f64,
    skill_sd: f64,
    age: TruncatedNormal,
    whole_years: bool,
    steps_per_year: f64,
    /// ρ and √(1 − ρ²) of leadership on skill.
    correlation: f64,
    residual: f64,
    engagement_mean: f64,
    engagement_spread: f64,
    /// Mean of the initial tenure's exponential distribution, years.
    mean_tenure: f64,
    /// Years an eligible IC takes to earn a grade (`interval + 1/rate`), if grades exist.
    years_per_grade: Option<f64>,
    /// Whether hires carry a match quality (`[dynamics.match_quality]` on).
    match_quality: bool,
}

impl Recruitment {
    /// The distributions of `config`.
    pub fn new(config: &Config) -> Self {
        let work = &config.workforce;
        let rho = work.leadership_correlation;
        let (engagement_mean, engagement_spread) =
            config.dynamics.as_ref().map_or((0.7, 0.0), |d| (d.engagement.baseline, d.engagement.spread));
        Self {
            skill: work.skill,
            skill_mean: work.skill.truncated_mean(),
            skill_sd: work.skill.truncated_sd(),
            age: work.age,
            whole_years: work.whole_years,
            steps_per_year: f64::from(config.steps_per_year),
            correlation: rho,
            residual: (1.0 - rho * rho).max(0.0).sqrt(),
            engagement_mean,
            engagement_spread,
            mean_tenure: work.median_tenure / std::f64::consts::LN_2,
            years_per_grade: config
                .dynamics
                .as_ref()
                .and_then(|d| d.growth)
                .map(|g| g.interval + if g.rate > 0.0 { 1.0 / g.rate } else { f64::INFINITY }),
            match_quality: config.dynamics.as_ref().is_some_and(|d| d.match_quality.is_some()),
        }
    }

    /// Draws a new hire: skill and age from `people`, the other traits from `traits`.
    #[inline]
    pub fn draw<R: Rng + ?Sized>(&self, people: &mut R, traits: &mut R) -> Person {
        let skill = self.skill.sample(people);
        let mut age = self.age.sample(people);
        if self.whole_years {
            // Ages are positive: truncating age + 0.5 is `round` without a libm call.
            age = (age + 0.5) as i64 as f64;
        }
        let skill_score = (skill - self.skill_mean) / self.skill_sd;
        let leadership_score = self.correlation * skill_score + self.residual * standard_normal(traits);
        let assessment_error = standard_normal(traits);
        let engagement =
            (self.engagement_mean + self.engagement_spread * standard_normal(traits)).clamp(0.0, 1.0);
        let quit_threshold = standard_exponential(traits);
        // Drawn last, and only with the mechanism on, so that switching it off
        // leaves every other trait's draw where it was.
        let match_quality = if self.match_quality { standard_normal(traits) } else { 0.0 };
        Person {
            skill,
            age: age * self.steps_per_year,
            leadership: normal_cdf(leadership_score),
            leadership_score,
            assessment_error,
            engagement,
            tenure: 0.0,
            time_in_role: 0.0,
            grade: 0,
            quit_threshold,
            match_quality,
        }
    }

    /// Draws skill and age as [`Recruitment::draw`] does, and no other trait (each
    /// takes its neutral value: median leadership, no assessment error, mean
    /// engagement, a quit threshold never reached).
    #[inline]
    pub fn draw_plain<R: Rng + ?Sized>(&self, people: &mut R) -> Person {
        let skill = self.skill.sample(people);
        let mut age = self.age.sample(people);
        if self.whole_years {
            age = (age + 0.5) as i64 as f64;
        }
        Person {
            skill,
            age: age * self.steps_per_year,
            leadership: 0.5,
            leadership_score: 0.0,
            assessment_error: 0.0,
            engagement: self.engagement_mean,
            tenure: 0.0,
            time_in_role: 0.0,
            grade: 0,
            quit_threshold: f64::INFINITY,
            match_quality: 0.0,
        }
    }

    /// Draws a member of the initial workforce: a hire who has already served an
    /// exponential tenure (the scenario's median, at most the years since the
    /// youngest hiring age) and a uniform part of it, at most one median, in the
    /// current role, and who has earned an IC grade per `interval + 1/rate` years
    /// served before it (each arm caps the grade at its IC ceiling).
    pub fn draw_incumbent<R: Rng + ?Sized>(&self, people: &mut R, traits: &mut R) -> Person {
        let mut person = self.draw(people, traits);
        let years_since_hireable = (person.age / self.steps_per_year - self.age.min).max(0.0);
        let tenure = (standard_exponential(traits) * self.mean_tenure).min(years_since_hireable);
        let in_role = uniform01(traits) * tenure.min(self.mean_tenure * std::f64::consts::LN_2);
        person.tenure = tenure * self.steps_per_year;
        person.time_in_role = in_role * self.steps_per_year;
        if let Some(years) = self.years_per_grade {
            person.grade = ((tenure - in_role) / years).floor().clamp(0.0, 20.0) as u8;
        }
        person
    }
}

/// Draws a new employee and puts them into `position`, which the caller has taken
/// off its level's open list. Without `with_traits` only skill and age are drawn
/// (from `people`, exactly as with them), for a model that reads no other trait:
/// the traits come from a stream of their own, so skipping them changes nothing
/// else, and drawing them was a sixth of the Peter-principle model's time.
#[inline]
pub fn hire<R: Rng + ?Sized>(
    workforce: &mut Workforce,
    recruitment: &Recruitment,
    position: usize,
    people: &mut R,
    traits: &mut R,
    with_traits: bool,
) {
    let person = if with_traits { recruitment.draw(people, traits) } else { recruitment.draw_plain(people) };
    workforce.hire_person(position, &person);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::test_rng;

    fn recruitment_with(correlation: &str) -> Recruitment {
        let text = crate::config::MINIMAL.replace(
            "dismissal_threshold = 4.0",
            &format!("dismissal_threshold = 4.0\nleadership_correlation = {correlation}"),
        );
        Recruitment::new(&crate::config::parse(&text, std::path::Path::new("m.toml")).unwrap())
    }

    fn correlation(pairs: &[(f64, f64)]) -> f64 {
        let n = pairs.len() as f64;
        let (mx, my) =
            (pairs.iter().map(|p| p.0).sum::<f64>() / n, pairs.iter().map(|p| p.1).sum::<f64>() / n);
        let cov: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let vx: f64 = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let vy: f64 = pairs.iter().map(|p| (p.1 - my).powi(2)).sum();
        cov / (vx * vy).sqrt()
    }

    #[test]
    fn leadership_is_uniform_and_correlates_with_skill_as_configured() {
        for (rho, low, high) in [("0.0", -0.03, 0.03), ("0.6", 0.5, 0.62), ("1.0", 0.9, 1.0 + 1e-9)] {
            let recruitment = recruitment_with(rho);
            let (mut people, mut traits) = (test_rng(1), test_rng(2));
            let drawn: Vec<Person> =
                (0..20_000).map(|_| recruitment.draw(&mut people, &mut traits)).collect();
            let pairs: Vec<(f64, f64)> = drawn.iter().map(|p| (p.skill, p.leadership_score)).collect();
            let r = correlation(&pairs);
            assert!((low..=high).contains(&r), "rho {rho}: correlation {r}");
            let below_half = drawn.iter().filter(|p| p.leadership < 0.5).count() as f64 / 20_000.0;
            assert!((below_half - 0.5).abs() < 0.03, "rho {rho}: {below_half}");
        }
    }

    #[test]
    fn incumbents_have_served_a_plausible_tenure() {
        let recruitment = recruitment_with("0.0");
        let (mut people, mut traits) = (test_rng(3), test_rng(4));
        let mut tenures: Vec<f64> = (0..10_001)
            .map(|_| recruitment.draw_incumbent(&mut people, &mut traits))
            .map(|p| {
                assert!(p.time_in_role <= p.tenure && p.tenure <= p.age - 18.0 + 1e-9);
                p.tenure
            })
            .collect();
        tenures.sort_by(f64::total_cmp);
        // Ages of N(25, 5) leave little room, so the median is below the 3.9 target.
        let median = tenures[5_000];
        assert!((1.5..=3.9).contains(&median), "{median}");
    }
}
