//! Filling a vacancy by promotion (docs/model.md §7.3 and §7.5): which candidate of
//! the level below moves up, and how their skill carries into the new role.

use std::ops::Range;

use rand::Rng;

use crate::config::{Competence, Promotion};
use crate::model::workforce::{Ranking, Workforce};
use crate::rng::{TruncatedNormal, uniform_index, uniform01};

/// The candidate the policy picks among the filled positions of `candidates`, or
/// `None` when there is none (the level below is empty, nobody passes the skill
/// floor, or the policy hires from outside). `best` and `worst` rank by `merit`
/// (performance, or skill in the Peter-principle model), which is 0 at vacant
/// positions. Ties are broken uniformly at random.
#[inline]
pub fn choose_candidate<R: Rng + ?Sized>(
    policy: Promotion,
    workforce: &Workforce,
    merit: &[f64],
    candidates: Range<usize>,
    headcount: usize,
    rng: &mut R,
) -> Option<usize> {
    if headcount == 0 {
        return None;
    }
    let full = headcount == candidates.len();
    match policy {
        Promotion::Best => Some(best_holder(workforce, merit, candidates, rng)),
        Promotion::Worst => Some(worst_holder(workforce, merit, candidates, full, rng)),
        Promotion::Random => Some(random_holder(workforce, candidates, rng)),
        Promotion::Mixed { best_probability } => {
            if uniform01(rng) < best_probability {
                Some(best_holder(workforce, merit, candidates, rng))
            } else {
                Some(worst_holder(workforce, merit, candidates, full, rng))
            }
        }
        // The earliest hire date: a "worst" scan over hire dates.
        Promotion::Seniority => Some(worst_holder(workforce, &workforce.hired, candidates, full, rng)),
        Promotion::LeadershipAssessed { validity, skill_floor } => {
            assessed_holder(workforce, candidates, validity, skill_floor)
        }
        Promotion::External => None,
    }
}

/// The filled position with the highest assessed leadership among those with at
/// least `skill_floor` skill, if any. Assessments are continuous: no ties.
#[inline]
fn assessed_holder(
    workforce: &Workforce,
    candidates: Range<usize>,
    validity: f64,
    skill_floor: f64,
) -> Option<usize> {
    let error_weight = (1.0 - validity * validity).max(0.0).sqrt();
    let mut best: Option<(f64, usize)> = None;
    for position in candidates {
        if !workforce.occupied[position] || workforce.skill[position] < skill_floor {
            continue;
        }
        let assessed = assessed_leadership(workforce, position, validity, error_weight);
        if best.is_none_or(|(top, _)| assessed > top) {
            best = Some((assessed, position));
        }
    }
    best.map(|(_, position)| position)
}

/// The assessment of a holder's leadership: `v·score + √(1−v²)·error`, a standard
/// normal whose correlation with the true score is `v`.
#[inline]
fn assessed_leadership(workforce: &Workforce, position: usize, validity: f64, error_weight: f64) -> f64 {
    validity * workforce.leadership_score[position] + error_weight * workforce.assessment_error[position]
}

/// Chooses, for `vacancies` open positions of one level, the holders of
/// `candidates` (the level below) to promote, in the order the vacancies are filled,
/// into `chosen` (fewer if the level below has fewer holders). For `best`, `worst`
/// and `mixed` only; `random` picks one at a time.
///
/// One pass and a partial selection for the whole level instead of a scan per
/// vacancy: a large level's many vacancies made filling them quadratic. Promoting
/// from the level below changes no other candidate's skill, so the holders filled
/// one by one, each the best remaining, are exactly the top `vacancies` of one
/// ranking, in order; ties are broken uniformly at random at the cut.
#[allow(clippy::too_many_arguments)]
pub fn choose_many<R: Rng + ?Sized>(
    policy: Promotion,
    workforce: &Workforce,
    merit: &[f64],
    candidates: Range<usize>,
    vacancies: usize,
    rng: &mut R,
    ranking: &mut Ranking,
    chosen: &mut Vec<usize>,
) {
    debug_assert!(
        !matches!(policy, Promotion::Random | Promotion::External),
        "random promotes one at a time, external not at all"
    );
    chosen.clear();
    let Ranking { entries, coins, tied, slots } = ranking;
    entries.clear();
    let occupied = &workforce.occupied[candidates.clone()];
    // Each policy ranks by a key, highest first for the policies but `worst`.
    let key: &[f64] = match policy {
        Promotion::Seniority => &workforce.hired[candidates.clone()],
        _ => &merit[candidates.clone()],
    };
    let filled = occupied.iter().zip(key).enumerate().filter(|(_, (filled, _))| **filled);
    match policy {
        Promotion::Seniority => entries.extend(filled.map(|(i, (_, &hired))| (-hired, candidates.start + i))),
        Promotion::LeadershipAssessed { validity, skill_floor } => {
            let error_weight = (1.0 - validity * validity).max(0.0).sqrt();
            entries.extend(
                candidates
                    .clone()
                    .filter(|&p| workforce.occupied[p] && workforce.skill[p] >= skill_floor)
                    .map(|p| (assessed_leadership(workforce, p, validity, error_weight), p)),
            );
        }
        _ => entries.extend(filled.map(|(i, (_, &value))| (value, candidates.start + i))),
    }
    let available = entries.len();
    match policy {
        Promotion::Seniority | Promotion::LeadershipAssessed { .. } => {
            let take = vacancies.min(available);
            select_extreme(entries, take, true, rng, tied, slots);
            chosen.extend(entries[..take].iter().map(|&(_, position)| position));
        }
        Promotion::Best | Promotion::Worst => {
            let take = vacancies.min(available);
            select_extreme(entries, take, matches!(policy, Promotion::Best), rng, tied, slots);
            chosen.extend(entries[..take].iter().map(|&(_, position)| position));
        }
        Promotion::Mixed { best_probability } => {
            coins.clear();
            coins.extend((0..vacancies).map(|_| uniform01(rng) < best_probability));
            let wanted_best = coins.iter().filter(|&&best| best).count();
            let best = wanted_best.min(available);
            let worst = (vacancies - wanted_best).min(available - best);
            select_extreme(entries, best, true, rng, tied, slots);
            select_extreme(&mut entries[best..], worst, false, rng, tied, slots);
            let (mut next_best, mut next_worst) = (0, 0);
            for &coin in coins.iter() {
                // A side that ran out (more vacancies than holders) lends to the other.
                if (coin || next_worst == worst) && next_best < best {
                    chosen.push(entries[next_best].1);
                    next_best += 1;
                } else if next_worst < worst {
                    chosen.push(entries[best + next_worst].1);
                    next_worst += 1;
                }
            }
        }
        Promotion::Random | Promotion::External => {}
    }
}

/// Puts the `take` highest (or lowest) skills first in `entries`, most extreme first
/// (ties by position), choosing uniformly at random among the ties that straddle
/// the cut.
fn select_extreme<R: Rng + ?Sized>(
    entries: &mut [(f64, usize)],
    take: usize,
    highest: bool,
    rng: &mut R,
    tied: &mut Vec<usize>,
    slots: &mut Vec<usize>,
) {
    if take == 0 {
        return;
    }
    let order = |a: &(f64, usize), b: &(f64, usize)| {
        let by_skill = if highest { b.0.total_cmp(&a.0) } else { a.0.total_cmp(&b.0) };
        by_skill.then(a.1.cmp(&b.1))
    };
    if take < entries.len() {
        entries.select_nth_unstable_by(take - 1, order);
        let cut = entries[take - 1].0;
        let inside = entries[..take].iter().filter(|e| e.0 == cut).count();
        if entries[take..].iter().any(|e| e.0 == cut) {
            // Deal the tied positions out again at random: the first `inside` slots
            // holding the cut value are inside the selection.
            slots.clear();
            slots.extend(entries.iter().enumerate().filter(|(_, e)| e.0 == cut).map(|(i, _)| i));
            slots.sort_unstable_by_key(|&i| (i >= take, i));
            tied.clear();
            tied.extend(slots.iter().map(|&i| entries[i].1));
            tied.sort_unstable();
            for i in 0..inside {
                let j = i + uniform_index(rng, tied.len() - i);
                tied.swap(i, j);
            }
            for (&slot, &position) in slots.iter().zip(tied.iter()) {
                entries[slot].1 = position;
            }
        }
    }
    entries[..take].sort_unstable_by(order);
}

/// The filled position with the highest skill, ties broken uniformly at random.
/// Needs one filled position.
#[inline]
fn best_holder<R: Rng + ?Sized>(
    workforce: &Workforce,
    merit: &[f64],
    candidates: Range<usize>,
    rng: &mut R,
) -> usize {
    // Vacant positions hold merit 0, at most any holder's: they can only tie with
    // holders of merit 0, and the tie-break skips them. So no occupancy test.
    let key = &merit[candidates.clone()];
    let (top, first, count) = lane_extreme::<true>(key, None);
    resolve_ties(workforce, key, candidates.start, top, first, count, rng)
}

/// The filled position with the lowest skill, ties broken uniformly at random.
/// Needs one filled position.
#[inline]
fn worst_holder<R: Rng + ?Sized>(
    workforce: &Workforce,
    merit: &[f64],
    candidates: Range<usize>,
    full: bool,
    rng: &mut R,
) -> usize {
    let occupied = &workforce.occupied[candidates.clone()];
    let key = &merit[candidates.clone()];
    // A full level has no vacant zeros to skip: the cheaper unmasked scan will do.
    let mask = (!full).then_some(occupied);
    let (bottom, first, count) = lane_extreme::<false>(key, mask);
    resolve_ties(workforce, key, candidates.start, bottom, first, count, rng)
}

/// The highest (`HIGHEST`) or lowest skill, the offset of one position holding it,
/// and how many hold it; positions marked unfilled in `occupied` are skipped.
/// Without holders (every position skipped), `(±∞, 0, 0)`.
///
/// Two passes: the extreme, in eight independent lanes of plain minima or maxima
/// (which compile to vector min/max instructions, without a branch on the data),
/// then where the first holder of it is and how many hold it. A single pass
/// that carried each lane's offset and count beside its extreme needed three
/// selects per value and did not vectorise; this scan is the hottest loop of the
/// `best` and `worst` policies.
#[inline]
fn lane_extreme<const HIGHEST: bool>(skills: &[f64], occupied: Option<&[bool]>) -> (f64, usize, usize) {
    let start = if HIGHEST { f64::NEG_INFINITY } else { f64::INFINITY };
    // `b` if it beats `a`, else `a`: the operand order of `minpd`/`maxpd`.
    let pick = |a: f64, b: f64| {
        if HIGHEST {
            if b > a { b } else { a }
        } else if b < a {
            b
        } else {
            a
        }
    };
    let mut lanes = [start; 8];
    let (chunks, rest) = skills.as_chunks::<8>();
    let tail = skills.len() - rest.len();
    match occupied {
        None => {
            for chunk in chunks {
                for (lane, &value) in lanes.iter_mut().zip(chunk) {
                    *lane = pick(*lane, value);
                }
            }
        }
        Some(occupied) => {
            let (filled_chunks, _) = occupied.as_chunks::<8>();
            for (chunk, filled) in chunks.iter().zip(filled_chunks) {
                for ((lane, &value), &filled) in lanes.iter_mut().zip(chunk).zip(filled) {
                    *lane = pick(*lane, if filled { value } else { start });
                }
            }
        }
    }
    let filled_at = |i: usize| occupied.is_none_or(|occupied| occupied[i]);
    let mut extreme = lanes.into_iter().fold(start, pick);
    for (i, &value) in rest.iter().enumerate() {
        if filled_at(tail + i) {
            extreme = pick(extreme, value);
        }
    }
    if extreme == start {
        // Only vacancies, which never count.
        return (start, 0, 0);
    }
    let holds = |i: usize, value: f64| value == extreme && filled_at(i);
    let first = (0..skills.len()).find(|&i| holds(i, skills[i])).expect("the extreme is held");
    let count = match occupied {
        None => skills[first..].iter().map(|&value| usize::from(value == extreme)).sum(),
        Some(occupied) => skills[first..]
            .iter()
            .zip(&occupied[first..])
            .map(|(&value, &filled)| usize::from(filled & (value == extreme)))
            .sum(),
    };
    (extreme, first, count)
}

/// The position to promote when `count` positions hold the extreme `target`, one
/// of them at `first`: that one when it is the only one, else a filled one
/// uniformly at random among them (a draw, and a second pass, only then; ties are
/// rare, as skills are continuous but clamped at their bounds).
#[inline]
fn resolve_ties<R: Rng + ?Sized>(
    workforce: &Workforce,
    key: &[f64],
    start: usize,
    target: f64,
    first: usize,
    count: usize,
    rng: &mut R,
) -> usize {
    if count == 1 {
        debug_assert!(workforce.occupied[start + first]);
        return start + first;
    }
    let occupied = &workforce.occupied[start..start + key.len()];
    let is_tied = |i: &usize| occupied[*i] && key[*i] == target;
    let tied = (0..key.len()).filter(is_tied).count();
    let chosen = uniform_index(rng, tied);
    let offset = (0..key.len()).filter(is_tied).nth(chosen).expect("the tie counted above");
    start + offset
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
        // Craft skill is kept; effectiveness as a manager comes from leadership.
        Competence::Readiness => skill,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::test_rng;

    fn workforce_with(skills: &[Option<f64>]) -> Workforce {
        let org = crate::org::Org::new(&crate::config::minimal_config());
        let mut workforce = Workforce::vacant(&org);
        let n = skills.len();
        for column in [&mut workforce.skill, &mut workforce.born, &mut workforce.performance] {
            column.resize(n, 0.0);
        }
        for column in [&mut workforce.leadership_score, &mut workforce.assessment_error, &mut workforce.hired]
        {
            column.resize(n, 0.0);
        }
        for column in [&mut workforce.leadership, &mut workforce.engagement, &mut workforce.recognition] {
            column.resize(n, 0.0);
        }
        for column in [&mut workforce.role_since, &mut workforce.advanced, &mut workforce.overhead] {
            column.resize(n, 0.0);
        }
        for column in [&mut workforce.effectiveness, &mut workforce.hazard, &mut workforce.quit_threshold] {
            column.resize(n, 0.0);
        }
        workforce.match_quality.resize(n, 0.0);
        workforce.leaves_at.resize(n, crate::model::workforce::NEVER_LEAVES);
        workforce.occupied = vec![false; n];
        workforce.id = vec![0; n];
        workforce.grade = vec![0; n];
        workforce.open = vec![Vec::new()];
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
        let pick = |policy, rng: &mut _| choose_candidate(policy, &workforce, &workforce.skill, 0..5, 3, rng);
        assert_eq!(pick(Promotion::Best, &mut rng), Some(2));
        assert_eq!(pick(Promotion::Worst, &mut rng), Some(3));
        assert_eq!(pick(Promotion::Mixed { best_probability: 1.0 }, &mut rng), Some(2));
        assert_eq!(pick(Promotion::Mixed { best_probability: 0.0 }, &mut rng), Some(3));
        for _ in 0..100 {
            let chosen = pick(Promotion::Random, &mut rng).unwrap();
            assert!(workforce.occupied[chosen]);
        }
        let empty = workforce_with(&[None, None]);
        assert_eq!(choose_candidate(Promotion::Best, &empty, &empty.skill, 0..2, 0, &mut rng), None);
    }

    #[test]
    fn ties_are_broken_uniformly() {
        let workforce = workforce_with(&[Some(10.0), Some(3.0), Some(10.0), Some(10.0)]);
        let mut rng = test_rng(2);
        let mut counts = [0u32; 4];
        for _ in 0..30_000 {
            counts[choose_candidate(Promotion::Best, &workforce, &workforce.skill, 0..4, 4, &mut rng)
                .unwrap()] += 1;
        }
        assert_eq!(counts[1], 0);
        for &count in [counts[0], counts[2], counts[3]].iter() {
            assert!((9_500..10_500).contains(&count), "{counts:?}");
        }
    }

    #[test]
    fn ranking_a_level_chooses_what_one_by_one_scans_would() {
        let skills: Vec<Option<f64>> =
            (0..40).map(|i| if i % 7 == 3 { None } else { Some(((i * 37) % 23) as f64 / 2.0) }).collect();
        let workforce = workforce_with(&skills);
        let mut rng = test_rng(5);
        let mut ranking = Ranking::default();
        let mut chosen = Vec::new();
        let holders: Vec<(f64, usize)> =
            skills.iter().enumerate().filter_map(|(p, s)| s.map(|s| (s, p))).collect();
        for (policy, highest) in [(Promotion::Best, true), (Promotion::Worst, false)] {
            choose_many(policy, &workforce, &workforce.skill, 0..40, 9, &mut rng, &mut ranking, &mut chosen);
            let mut expected: Vec<f64> = holders.iter().map(|h| h.0).collect();
            expected.sort_by(|a, b| if highest { b.total_cmp(a) } else { a.total_cmp(b) });
            let got: Vec<f64> = chosen.iter().map(|&p| workforce.skill[p]).collect();
            assert_eq!(got, expected[..9].to_vec(), "{policy:?}");
            assert!(chosen.iter().all(|&p| workforce.occupied[p]));
        }
        // More vacancies than holders: everyone, once.
        choose_many(
            Promotion::Mixed { best_probability: 0.5 },
            &workforce,
            &workforce.skill,
            0..40,
            60,
            &mut rng,
            &mut ranking,
            &mut chosen,
        );
        let mut all = chosen.clone();
        all.sort_unstable();
        all.dedup();
        assert_eq!((chosen.len(), all.len()), (holders.len(), holders.len()));
    }

    #[test]
    fn ranking_breaks_ties_at_the_cut_uniformly() {
        let workforce = workforce_with(&[Some(10.0), Some(5.0), Some(10.0), Some(10.0), Some(2.0)]);
        let mut rng = test_rng(9);
        let mut ranking = Ranking::default();
        let mut chosen = Vec::new();
        let mut counts = [0u32; 5];
        for _ in 0..30_000 {
            choose_many(
                Promotion::Best,
                &workforce,
                &workforce.skill,
                0..5,
                2,
                &mut rng,
                &mut ranking,
                &mut chosen,
            );
            for &p in &chosen {
                counts[p] += 1;
            }
        }
        assert_eq!((counts[1], counts[4]), (0, 0));
        for &count in [counts[0], counts[2], counts[3]].iter() {
            assert!((19_400..20_600).contains(&count), "{counts:?}");
        }
    }

    #[test]
    fn seniority_and_assessed_leadership_pick_by_their_own_keys() {
        let mut workforce = workforce_with(&[Some(5.0), Some(9.0), None, Some(6.0), Some(4.0)]);
        workforce.hired[..5].copy_from_slice(&[-10.0, -3.0, 0.0, -20.0, -40.0]);
        workforce.leadership_score[..5].copy_from_slice(&[0.5, 2.0, 0.0, 1.0, 3.0]);
        workforce.assessment_error[..5].copy_from_slice(&[1.0, -1.0, 0.0, 0.0, 0.0]);
        let mut rng = test_rng(4);
        let merit = workforce.skill.clone();
        let pick = |policy, rng: &mut _| choose_candidate(policy, &workforce, &merit, 0..5, 4, rng);
        assert_eq!(pick(Promotion::Seniority, &mut rng), Some(4));
        // A perfect assessment, above a floor that excludes position 4: position 1.
        let perfect = Promotion::LeadershipAssessed { validity: 1.0, skill_floor: 5.0 };
        assert_eq!(pick(perfect, &mut rng), Some(1));
        // A worthless one reads the error only: position 0.
        let noise = Promotion::LeadershipAssessed { validity: 0.0, skill_floor: 5.0 };
        assert_eq!(pick(noise, &mut rng), Some(0));
        let nobody = Promotion::LeadershipAssessed { validity: 1.0, skill_floor: 9.5 };
        assert_eq!(pick(nobody, &mut rng), None);
        assert_eq!(pick(Promotion::External, &mut rng), None);
        // Ranking the level picks the same, in order.
        let (mut ranking, mut chosen) = (Ranking::default(), Vec::new());
        choose_many(Promotion::Seniority, &workforce, &merit, 0..5, 2, &mut rng, &mut ranking, &mut chosen);
        assert_eq!(chosen, vec![4, 3]);
        choose_many(perfect, &workforce, &merit, 0..5, 9, &mut rng, &mut ranking, &mut chosen);
        assert_eq!(chosen, vec![1, 3, 0]);
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
