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
    headcount: usize,
    rng: &mut R,
) -> Option<usize> {
    if headcount == 0 {
        return None;
    }
    match policy {
        Promotion::Best => Some(best_holder(workforce, candidates, rng)),
        Promotion::Worst => Some(worst_holder(workforce, candidates, rng)),
        Promotion::Random => Some(random_holder(workforce, candidates, rng)),
        Promotion::Mixed { best_probability } => {
            if uniform01(rng) < best_probability {
                Some(best_holder(workforce, candidates, rng))
            } else {
                Some(worst_holder(workforce, candidates, rng))
            }
        }
    }
}

/// The filled position with the highest skill, ties broken uniformly at random.
/// Needs one filled position.
#[inline]
fn best_holder<R: Rng + ?Sized>(workforce: &Workforce, candidates: Range<usize>, rng: &mut R) -> usize {
    // Vacant positions hold skill 0, at most any holder's skill: they can only tie
    // with holders of skill 0, and the tie-break skips them. So no occupancy test.
    let skills = &workforce.skill[candidates.clone()];
    let (top, first, count) = lane_extreme::<true>(skills, None);
    resolve_ties(workforce, candidates, top, first, count, rng)
}

/// The filled position with the lowest skill, ties broken uniformly at random.
/// Needs one filled position.
#[inline]
fn worst_holder<R: Rng + ?Sized>(workforce: &Workforce, candidates: Range<usize>, rng: &mut R) -> usize {
    let occupied = &workforce.occupied[candidates.clone()];
    let skills = &workforce.skill[candidates.clone()];
    let (bottom, first, count) = lane_extreme::<false>(skills, Some(occupied));
    resolve_ties(workforce, candidates, bottom, first, count, rng)
}

/// The highest (`HIGHEST`) or lowest skill, the offset of one position holding it,
/// and how many hold it; positions marked unfilled in `occupied` are skipped.
///
/// Four independent lanes, each a running extreme, its offset and its count, all
/// updated by selects over fixed-size chunks: a branchy running maximum
/// mispredicts at every new record, and this scan is the hottest loop of the
/// `best` and `worst` policies.
#[inline]
fn lane_extreme<const HIGHEST: bool>(skills: &[f64], occupied: Option<&[bool]>) -> (f64, usize, usize) {
    let start = if HIGHEST { f64::NEG_INFINITY } else { f64::INFINITY };
    let beats = |value: f64, current: f64| {
        if HIGHEST { value > current } else { value < current }
    };
    let mut extreme = [start; 4];
    let mut offset = [0usize; 4];
    let mut count = [0usize; 4];
    let mut update = |lane: usize, i: usize, value: f64| {
        let better = beats(value, extreme[lane]);
        let equal = value == extreme[lane];
        extreme[lane] = if better { value } else { extreme[lane] };
        offset[lane] = if better { i } else { offset[lane] };
        count[lane] = if better { 1 } else { count[lane] + usize::from(equal) };
    };
    let (chunks, rest) = skills.as_chunks::<4>();
    match occupied {
        None => {
            for (index, chunk) in chunks.iter().enumerate() {
                for (lane, &value) in chunk.iter().enumerate() {
                    update(lane, 4 * index + lane, value);
                }
            }
        }
        Some(occupied) => {
            let (filled_chunks, _) = occupied.as_chunks::<4>();
            for (index, (chunk, filled)) in chunks.iter().zip(filled_chunks).enumerate() {
                for lane in 0..4 {
                    let value = if filled[lane] { chunk[lane] } else { start };
                    update(lane, 4 * index + lane, value);
                }
            }
        }
    }
    let tail = skills.len() - rest.len();
    for (i, &value) in rest.iter().enumerate() {
        let filled = occupied.is_none_or(|occupied| occupied[tail + i]);
        update(0, tail + i, if filled { value } else { start });
    }
    // A lane still at `start` saw only vacancies, which never count.
    let mut best = (start, 0, 0);
    for lane in 0..4 {
        if extreme[lane] == start {
            continue;
        }
        if best.2 == 0 || beats(extreme[lane], best.0) {
            best = (extreme[lane], offset[lane], count[lane]);
        } else if extreme[lane] == best.0 {
            best.2 += count[lane];
        }
    }
    best
}

/// The position to promote when `count` positions hold the extreme `target`, one
/// of them at `first`: that one when it is the only one, else a filled one
/// uniformly at random among them (a draw, and a second pass, only then; ties are
/// rare, as skills are continuous but clamped at their bounds).
#[inline]
fn resolve_ties<R: Rng + ?Sized>(
    workforce: &Workforce,
    candidates: Range<usize>,
    target: f64,
    first: usize,
    count: usize,
    rng: &mut R,
) -> usize {
    if count == 1 {
        debug_assert!(workforce.occupied[candidates.start + first]);
        return candidates.start + first;
    }
    let occupied = &workforce.occupied[candidates.clone()];
    let skills = &workforce.skill[candidates.clone()];
    let is_tied = |i: &usize| occupied[*i] && skills[*i] == target;
    let tied = (0..skills.len()).filter(is_tied).count();
    let chosen = uniform_index(rng, tied);
    let offset = (0..skills.len()).filter(is_tied).nth(chosen).expect("the tie counted above");
    candidates.start + offset
}

/// A filled position uniformly at random, by rejection: levels are nearly full when
/// a vacancy above them opens, so this takes about one draw.
#[inline]
fn random_holder<R: Rng + ?Sized>(workforce: &Workforce, candidates: Range<usize>, rng: &mut R) -> usize {
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
            born: vec![-30.0; skills.len()],
            now: 0.0,
            open: vec![Vec::new()],
            next_id: 0,
            initial_top: Vec::new(),
            initial_top_remaining: 0,
            leavers: Vec::new(),
        };
        for (position, skill) in skills.iter().enumerate() {
            match skill {
                Some(skill) => workforce.hire(position, *skill, 30.0),
                None => workforce.open[0].push(position),
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
