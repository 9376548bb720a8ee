//! Exits: ageing, retirement and dismissal (docs/model.md §7.1).

use crate::model::workforce::Workforce;
use crate::org::Org;

/// Departures of one step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Departures {
    /// Employees who retired.
    pub retirements: u32,
    /// Employees who were dismissed.
    pub dismissals: u32,
}

/// The clock advances one step; then whoever is past retirement age retires and
/// whoever is below the dismissal threshold is dismissed (retirement first when
/// both apply). Pluchino et al. 2010 age everyone, then apply both rules to
/// everyone at the start of each step, before the promotion cascade.
///
/// `on_exit` sees each leaver of a level, in position order, before any of them is
/// removed (so ranks within the level are of the whole level, as a quit's are),
/// with their position, level and whether they retired (else they were dismissed).
pub fn age_and_depart(
    workforce: &mut Workforce,
    org: &Org,
    step: u32,
    mut on_exit: impl FnMut(&Workforce, usize, usize, bool),
) -> Departures {
    let now = f64::from(step);
    workforce.now = now;
    // Older than the retirement age means born before this.
    let born_by = now - workforce.exit_rules.retirement_age;
    let mut departures = Departures::default();
    // Find the leavers in one pass over the leaving steps of the whole organisation
    // (levels are contiguous, top first, so this is level by level in position
    // order). Removing a leaver changes no other position, so finding every level's
    // leavers before removing any is the same as going level by level. One column
    // of steps, decided at hire and promotion, replaces the occupancy, birth and
    // skill columns this pass read before.
    let mut leavers = std::mem::take(&mut workforce.leavers);
    leavers.clear();
    find_leavers(&workforce.leaves_at, step, &mut leavers);
    let mut first = 0;
    for level in 0..org.levels() {
        // The leavers are in position order: this level's come next.
        let end = org.level(level).end;
        let of_level = first + leavers[first..].partition_point(|&position| position < end);
        for &position in &leavers[first..of_level] {
            let retired = workforce.born[position] < born_by;
            if retired {
                departures.retirements += 1;
            } else {
                departures.dismissals += 1;
            }
            on_exit(workforce, position, level, retired);
        }
        for &position in &leavers[first..of_level] {
            workforce.record_exit(position);
            workforce.vacate(position, level);
        }
        first = of_level;
    }
    workforce.leavers = leavers;
    departures
}

/// Appends to `leavers`, in position order, the positions whose holders leave at
/// the start of `step` (or should have before). Sixteen at a time become a bit
/// mask without a branch on the data; few leave per step, so most masks are empty
/// and the loop over a mask's bits is seldom entered. (Compiled for AVX-512 the
/// search was no faster, in this form or the earlier one.)
#[inline]
fn find_leavers(leaves_at: &[u32], step: u32, leavers: &mut Vec<usize>) {
    let (blocks, tail) = leaves_at.as_chunks::<16>();
    for (block, leaves_at) in blocks.iter().enumerate() {
        let mut mask = (0..16).fold(0u32, |mask, lane| mask | u32::from(leaves_at[lane] <= step) << lane);
        while mask != 0 {
            leavers.push(16 * block + mask.trailing_zeros() as usize);
            mask &= mask - 1;
        }
    }
    let start = 16 * blocks.len();
    leavers.extend(tail.iter().enumerate().filter(|&(_, &at)| at <= step).map(|(i, _)| start + i));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::workforce::{ExitRules, NEVER_LEAVES};
    use crate::org::Org;

    const RULES: ExitRules = ExitRules { retirement_age: 60.0, dismissal_threshold: 4.0 };

    fn two_level_org() -> Org {
        Org::new(&crate::config::minimal_config())
    }

    /// A vacant workforce of `org` under [`RULES`], with no open positions: the test
    /// hires into each one.
    fn to_fill(org: &Org) -> Workforce {
        let mut workforce = Workforce::vacant(org);
        workforce.exit_rules = RULES;
        workforce.open.iter_mut().for_each(Vec::clear);
        workforce
    }

    /// The two-level organisation with every position filled, by (skill, age).
    fn filled(people: [(f64, f64); 4]) -> (Org, Workforce) {
        let org = two_level_org();
        let mut workforce = to_fill(&org);
        for (position, (skill, age)) in people.into_iter().enumerate() {
            workforce.hire(position, skill, age);
        }
        (org, workforce)
    }

    #[test]
    fn the_old_retire_and_the_weak_are_dismissed() {
        let (org, mut workforce) = filled([
            (8.0, 59.5), // turns 60.5: retires
            (3.9, 30.0), // below 4: dismissed
            (4.0, 59.0), // exactly 60 and exactly 4: stays
            (2.0, 61.0), // both: counted as a retirement
        ]);
        let departures = age_and_depart(&mut workforce, &org, 1, |_, _, _, _| {});
        assert_eq!(workforce.now, 1.0);
        assert_eq!(departures, Departures { retirements: 2, dismissals: 1 });
        assert_eq!(workforce.occupied, vec![false, false, true, false]);
        assert_eq!(workforce.open, vec![vec![0], vec![1, 3]]);
        assert_eq!(workforce.age(2), 60.0);
        assert_eq!(workforce.leaves_at, vec![NEVER_LEAVES, NEVER_LEAVES, 2, NEVER_LEAVES]);
    }

    /// Leavers found sixteen positions at a time are the ones a plain filter finds,
    /// in position order: across blocks, at a block's edges and in the tail.
    #[test]
    fn leavers_across_blocks_are_found_in_position_order() {
        let mut config = crate::config::minimal_config();
        config.levels[1].positions = 34; // 35 positions: two blocks of sixteen and a tail of three
        let org = Org::new(&config);
        let mut workforce = to_fill(&org);
        let leaving = [0, 7, 15, 16, 17, 30, 31, 32, 34];
        for position in 0..org.positions() {
            let skill = if leaving.contains(&position) && position % 2 == 0 { 1.0 } else { 5.0 };
            let age = if leaving.contains(&position) && position % 2 == 1 { 61.0 } else { 30.0 };
            workforce.hire(position, skill, age);
        }
        // A vacancy is never a leaver, whatever its stale columns say.
        workforce.vacate(33, 1);
        workforce.skill[33] = 1.0;
        workforce.born[33] = -100.0;
        let mut seen = Vec::new();
        let departures = age_and_depart(&mut workforce, &org, 1, |_, position, _, retired| {
            seen.push((position, retired));
        });
        let expected: Vec<(usize, bool)> = leaving.iter().map(|&p| (p, p % 2 == 1)).collect();
        assert_eq!(seen, expected);
        assert_eq!(departures, Departures { retirements: 4, dismissals: 5 });
    }

    /// Each leaver is seen in level and position order, before anyone of their
    /// level has been removed, and after the levels above have been.
    #[test]
    fn every_leaver_is_seen_with_their_level_whole() {
        let (org, mut workforce) = filled([(3.0, 30.0), (5.0, 30.0), (3.0, 30.0), (3.5, 61.0)]);
        let mut seen = Vec::new();
        age_and_depart(&mut workforce, &org, 1, |workforce, position, level, retired| {
            seen.push((position, level, retired, workforce.occupied.clone()));
        });
        let whole_below = vec![false, true, true, true];
        assert_eq!(
            seen,
            vec![(0, 0, false, vec![true; 4]), (2, 1, false, whole_below.clone()), (3, 1, true, whole_below),]
        );
    }
}
