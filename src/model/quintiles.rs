//! Quintiles within a level, from mid-ranks, exact: for the people a regretted
//! quit or the event log needs them for.
//!
//! A level's column holds 0 at each vacant position (as skill and performance do),
//! so counts run over the whole level with no test of occupancy, and the
//! vacancies' zeros are taken off afterwards.

use std::ops::Range;

/// From this many people of one level on, their quintiles are found in one pass
/// over the level instead of a pass each. Below it a pass each is as fast or
/// faster: it is a plain count, which vectorises, where the one pass needs a sort
/// and a binary search per position. Measured on `tech_org` scaled up: a
/// 3,561-person version loses about 40 people a step (no faster either way), a
/// 35,601-person one about 400 (with the one pass, the whole run takes 0.6 of the
/// time).
const ONE_PASS_FROM: usize = 64;

/// The quintile, from 0 (bottom fifth) to 4 (top), of a holder with `below` of the
/// level's `holders` strictly lower, from their mid-rank:
/// `⌊5 · (below + 1/2) / holders⌋`. The quintiles are as equal as the level's size
/// allows and symmetric (in a level of four, one person in each of quintiles 0, 1,
/// 3 and 4; a level of one is the middle).
#[inline]
pub fn from_mid_rank(below: usize, holders: usize) -> u8 {
    ((10 * below + 5) / (2 * holders.max(1))).min(4) as u8
}

/// The quintile of a holder whose value is `own`, within `level` (the level's
/// column, zeros at its `vacancies` vacant positions). O(level).
#[inline]
pub fn quintile(level: &[f64], vacancies: usize, own: f64) -> u8 {
    let lower = level.iter().filter(|&&value| value < own).count();
    let below = lower - if own > 0.0 { vacancies } else { 0 };
    from_mid_rank(below, level.len() - vacancies)
}

/// The quintiles of several holders of one level at once, with its working memory
/// (kept across steps, so a step allocates nothing).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Quintiles {
    /// The holders' values, ascending.
    sorted: Vec<f64>,
    /// Indexed like `sorted` (plus one): first how many of the level's values
    /// exceed exactly that many of `sorted`, then the running sum of those counts.
    lower: Vec<usize>,
    /// The last quintiles found, in the order of the positions asked for.
    found: Vec<u8>,
}

impl Quintiles {
    /// Finds the quintile within `level` of the holder of each of `positions`, by
    /// `column`, each exactly as [`quintile`] gives it; [`Quintiles::found`] then
    /// holds them in order. `vacancies` is the number of vacant positions of the
    /// level. For many positions it is one pass over the level, with a binary search
    /// among the holders' sorted values for each position: O(level · log positions)
    /// instead of O(level · positions).
    pub fn find(&mut self, column: &[f64], level: Range<usize>, vacancies: usize, positions: &[usize]) {
        let values = &column[level];
        self.found.clear();
        if positions.len() < ONE_PASS_FROM {
            self.found.extend(positions.iter().map(|&p| quintile(values, vacancies, column[p])));
            return;
        }
        self.sorted.clear();
        self.sorted.extend(positions.iter().map(|&p| column[p]));
        self.sorted.sort_unstable_by(f64::total_cmp);
        // A value `v` of the level is lower than a holder's own value `x` exactly when
        // fewer of the sorted values than those below `x` are at most `v` (`x` itself
        // is among them). So count the level's values by how many sorted values they
        // reach, and sum.
        self.lower.clear();
        self.lower.resize(self.sorted.len() + 1, 0);
        for &value in values {
            self.lower[self.sorted.partition_point(|&x| x <= value)] += 1;
        }
        let mut running = 0;
        for count in &mut self.lower {
            running += *count;
            *count = running;
        }
        let holders = values.len() - vacancies;
        for &p in positions {
            let own = column[p];
            let lower = self.lower[self.sorted.partition_point(|&x| x < own)];
            let below = lower - if own > 0.0 { vacancies } else { 0 };
            self.found.push(from_mid_rank(below, holders));
        }
    }

    /// The quintiles of the last [`Quintiles::find`], in the order of its positions.
    #[inline]
    pub fn found(&self) -> &[u8] {
        &self.found
    }
}

/// Where a person stands in their level: quintiles from 0 (bottom fifth) to 4 (top).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranks {
    /// By this step's performance.
    pub performance: u8,
    /// By skill.
    pub skill: u8,
}

/// Working memory for the ranks of many holders of one level at once
/// (`Ranks::of_each`, with the event log).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RankQuintiles {
    /// By performance.
    pub performance: Quintiles,
    /// By skill.
    pub skill: Quintiles,
}

impl RankQuintiles {
    /// The ranks of the `i`th position of the last [`Ranks::of_each`].
    #[inline]
    pub fn ranks(&self, i: usize) -> Ranks {
        Ranks { performance: self.performance.found()[i], skill: self.skill.found()[i] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{TrialRng, uniform01};
    use rand::SeedableRng;

    /// One pass for many gives what a pass each gives, with ties, holders at 0 like
    /// the vacancies, and any number of positions asked for (repeats included).
    #[test]
    fn one_pass_gives_the_quintile_of_each() {
        let mut rng = TrialRng::seed_from_u64(7);
        let mut quintiles = Quintiles::default();
        for case in 0..200 {
            let n = 1 + (uniform01(&mut rng) * 400.0) as usize;
            let offset = (uniform01(&mut rng) * 5.0) as usize;
            let mut column = vec![0.0; offset + n];
            for value in &mut column[offset..] {
                let u = uniform01(&mut rng);
                *value = match u {
                    // Vacant, or a holder at 0: both hold 0.
                    _ if u < 0.15 => 0.0,
                    // Coarse values, for ties.
                    _ if u < 0.5 => (u * 20.0).floor() / 2.0,
                    _ => u * 10.0,
                };
            }
            let zeros: Vec<usize> = (offset..offset + n).filter(|&p| column[p] == 0.0).collect();
            let vacant = &zeros[..zeros.len() / 2];
            let vacancies = vacant.len();
            let holders: Vec<usize> = (offset..offset + n).filter(|p| !vacant.contains(p)).collect();
            if holders.is_empty() {
                continue;
            }
            let asked = (uniform01(&mut rng) * 3.0 * ONE_PASS_FROM as f64) as usize;
            let positions: Vec<usize> =
                (0..asked).map(|_| holders[(uniform01(&mut rng) * holders.len() as f64) as usize]).collect();
            quintiles.find(&column, offset..offset + n, vacancies, &positions);
            let each: Vec<u8> = positions
                .iter()
                .map(|&p| quintile(&column[offset..offset + n], vacancies, column[p]))
                .collect();
            assert_eq!(quintiles.found(), each.as_slice(), "case {case}: n {n}, {} asked", positions.len());
        }
    }
}
