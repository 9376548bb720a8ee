//! Quintiles within a level, from mid-ranks, exact: for the people a regretted
//! quit or the event log needs them for.
//!
//! A level's column holds 0 at each vacant position (as skill and performance do),
//! so counts run over the whole level with no test of occupancy, and the
//! vacancies' zeros are taken off afterwards.

use std::ops::Range;

/// From this many people of one level on, their quintiles are found from the
/// level's four quintile cut points instead of a pass each. Below it a pass each is
/// as fast or faster: it is a plain count, which vectorises, where the cut points
/// need a copy of the level and a selection.
const ONE_PASS_FROM: usize = 8;

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
    /// A copy of the level's values, partly ordered by the selection of the cut
    /// points.
    ordered: Vec<f64>,
    /// The last quintiles found, in the order of the positions asked for.
    found: Vec<u8>,
}

impl Quintiles {
    /// Finds the quintile within `level` of the holder of each of `positions`, by
    /// `column`, each exactly as [`quintile`] gives it; [`Quintiles::found`] then
    /// holds them in order. `vacancies` is the number of vacant positions of the
    /// level. For many positions it selects the level's four cut points once and
    /// compares each holder with them: O(level + positions) instead of
    /// O(level · positions), so a large organisation's leavers cost what a small
    /// one's do per person.
    pub fn find(&mut self, column: &[f64], level: Range<usize>, vacancies: usize, positions: &[usize]) {
        let values = &column[level];
        self.found.clear();
        if positions.len() < ONE_PASS_FROM {
            self.found.extend(positions.iter().map(|&p| quintile(values, vacancies, column[p])));
            return;
        }
        let cuts = self.cut_points(values, vacancies);
        self.found.extend(positions.iter().map(|&p| {
            let own = column[p];
            cuts.iter().filter(|&&cut| own > cut).count() as u8
        }));
    }

    /// The values `c₁ < … ` such that a holder is in quintile `j` or above exactly
    /// when their value exceeds `c_j`. By [`from_mid_rank`], quintile ≥ `j` when
    /// `10·below + 5 ≥ 2j·holders`, that is when at least
    /// `m_j = ⌈(2j·holders − 5) / 10⌉` holders are strictly lower, that is when the
    /// value exceeds the `m_j`-th smallest holder's (every value does when
    /// `m_j ≤ 0`).
    fn cut_points(&mut self, values: &[f64], vacancies: usize) -> [f64; 4] {
        let holders = values.len() - vacancies;
        // The holders' values in order are the level's without the vacancies'
        // zeros, which sit after the negative values, if any.
        let negative = values.iter().filter(|&&value| value < 0.0).count();
        let level_index = |m: usize| if m <= negative { m - 1 } else { m - 1 + vacancies };
        self.ordered.clear();
        self.ordered.extend_from_slice(values);
        let mut cuts = [f64::NEG_INFINITY; 4];
        // Ascending, so each selection works on what lies above the last.
        let mut from = 0;
        for (j, cut) in (1..=4).zip(&mut cuts) {
            let twice = 2 * j * holders;
            if twice <= 5 {
                continue;
            }
            let m = (twice - 5).div_ceil(10);
            let index = level_index(m);
            let (_, nth, _) = self.ordered[from..].select_nth_unstable_by(index - from, f64::total_cmp);
            *cut = *nth;
            from = index;
        }
        cuts
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

    /// The cut points give what a pass each gives, with ties, holders at 0 like the
    /// vacancies, values below 0, and any number of positions asked for (repeats
    /// included).
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
                    // Below the vacancies' zeros, in a third of the cases.
                    _ if u < 0.6 && case % 3 == 0 => -u * 10.0,
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
            let asked = (uniform01(&mut rng) * 200.0) as usize;
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
