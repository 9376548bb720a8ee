//! Filling a vacancy by promotion (MODEL.md mechanisms 7 and 8): which candidate of
//! the level below moves up, and how their skill carries into the new role.

use std::ops::Range;

use rand::Rng;

use crate::config::{Competence, Promotion};
use crate::model::workforce::Workforce;
use crate::rng::{TruncatedNormal, uniform_index, uniform01};

/// The candidate the policy picks among the filled positions of `candidates`, or
/// `None` when the level below is empty. Ties are broken uniformly at random.
#[inline]
pub fn choose_candidate<R: Rng + ?Sized>(
    policy: Promotion,
    workforce: &Workforce,
    candidates: Range<usize>,
    headcount: u32,
    rng: &mut R,
) -> Option<usize> {
    if headcount == 0 {
        return None;
    }
    match policy {
        Promotion::Best => Some(extreme(workforce, candidates, rng, |a, b| a > b)),
        Promotion::Worst => Some(extreme(workforce, candidates, rng, |a, b| a < b)),
        Promotion::Random => Some(random_holder(workforce, candidates, rng)),
        Promotion::Mixed { best_probability } => {
            if uniform01(rng) < best_probability {
                Some(extreme(workforce, candidates, rng, |a, b| a > b))
            } else {
                Some(extreme(workforce, candidates, rng, |a, b| a < b))
            }
        }
    }
}

/// The filled position whose skill is most `better`, ties broken uniformly at random
/// by reservoir sampling (a draw only when a tie occurs). Needs one filled position.
#[inline]
fn extreme<R: Rng + ?Sized>(
    workforce: &Workforce,
    candidates: Range<usize>,
    rng: &mut R,
    better: impl Fn(f64, f64) -> bool,
) -> usize {
    let mut chosen = usize::MAX;
    let mut chosen_skill = 0.0;
    let mut ties = 0usize;
    for position in candidates {
        if !workforce.occupied[position] {
            continue;
        }
        let skill = workforce.skill[position];
        if chosen == usize::MAX || better(skill, chosen_skill) {
            chosen = position;
            chosen_skill = skill;
            ties = 1;
        } else if skill == chosen_skill {
            ties += 1;
            if uniform_index(rng, ties) == 0 {
                chosen = position;
            }
        }
    }
    debug_assert!(chosen != usize::MAX, "no filled candidate position");
    chosen
}

/// A filled position uniformly at random, by rejection: levels are nearly full when
/// a vacancy above them opens, so this takes about one draw.
#[inline]
fn random_holder<R: Rng + ?Sized>(
    workforce: &Workforce,
    candidates: Range<usize>,
    rng: &mut R,
) -> usize {
    loop {
        let position = candidates.start + uniform_index(rng, candidates.len());
        if workforce.occupied[position] {
            return position;
        }
    }
}

/// The promoted person's skill in the new role.
#[inline]
pub fn skill_after_promotion<R: Rng + ?Sized>(
    hypothesis: Competence,
    skill: f64,
    distribution: &TruncatedNormal,
    rng: &mut R,
) -> f64 {
    match hypothesis {
        Competence::CommonSense { change } => {
            let delta = change * (2.0 * uniform01(rng) - 1.0);
            (skill + delta).clamp(distribution.min, distribution.max)
        }
        Competence::Peter => distribution.sample(rng),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::test_rng;

    fn workforce_with(skills: &[Option<f64>]) -> Workforce {
        let mut workforce = Workforce {
            occupied: vec![false; skills.len()],
            id: vec![0; skills.len()],
            skill: vec![0.0; skills.len()],
            age: vec![30.0; skills.len()],
            level_headcount: vec![0],
            next_id: 0,
        };
        for (position, skill) in skills.iter().enumerate() {
            if let Some(skill) = skill {
                workforce.hire(position, 0, *skill, 30.0);
            }
        }
        workforce
    }

    #[test]
    fn best_and_worst_pick_the_extremes_among_the_filled() {
        let workforce = workforce_with(&[Some(5.0), None, Some(9.0), Some(2.0), None]);
        let mut rng = test_rng(1);
        let pick = |policy, rng: &mut _| choose_candidate(policy, &workforce, 0..5, 3, rng);
        assert_eq!(pick(Promotion::Best, &mut rng), Some(2));
        assert_eq!(pick(Promotion::Worst, &mut rng), Some(3));
        assert_eq!(pick(Promotion::Mixed { best_probability: 1.0 }, &mut rng), Some(2));
        assert_eq!(pick(Promotion::Mixed { best_probability: 0.0 }, &mut rng), Some(3));
        for _ in 0..100 {
            let chosen = pick(Promotion::Random, &mut rng).unwrap();
            assert!(workforce.occupied[chosen]);
        }
        let empty = workforce_with(&[None, None]);
        assert_eq!(choose_candidate(Promotion::Best, &empty, 0..2, 0, &mut rng), None);
    }

    #[test]
    fn ties_are_broken_uniformly() {
        let workforce = workforce_with(&[Some(10.0), Some(3.0), Some(10.0), Some(10.0)]);
        let mut rng = test_rng(2);
        let mut counts = [0u32; 4];
        for _ in 0..30_000 {
            counts[choose_candidate(Promotion::Best, &workforce, 0..4, 4, &mut rng).unwrap()] += 1;
        }
        assert_eq!(counts[1], 0);
        for &count in [counts[0], counts[2], counts[3]].iter() {
            assert!((9_500..10_500).contains(&count), "{counts:?}");
        }
    }

    #[test]
    fn common_sense_keeps_skill_close_and_peter_redraws_it() {
        let distribution = TruncatedNormal { mean: 7.0, sd: 2.0, min: 1.0, max: 10.0 };
        let mut rng = test_rng(3);
        let common = Competence::CommonSense { change: 1.0 };
        for _ in 0..1000 {
            let after = skill_after_promotion(common, 9.8, &distribution, &mut rng);
            assert!((8.8..=10.0).contains(&after));
        }
        let redrawn: Vec<f64> = (0..2000)
            .map(|_| skill_after_promotion(Competence::Peter, 9.8, &distribution, &mut rng))
            .collect();
        let mean = redrawn.iter().sum::<f64>() / redrawn.len() as f64;
        assert!((mean - distribution.truncated_mean()).abs() < 0.15, "{mean}");
    }
}
