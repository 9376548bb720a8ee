//! Exits: ageing, retirement and dismissal (docs/model.md §7.1).

use crate::model::workforce::Workforce;
use crate::org::Org;

/// The exit rules of a scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExitRules {
    /// An employee older than this, in steps, retires.
    pub retirement_age: f64,
    /// An employee with skill below this is dismissed; `f64::NEG_INFINITY` for none.
    pub dismissal_threshold: f64,
}

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
    rules: ExitRules,
    now: f64,
    mut on_exit: impl FnMut(&Workforce, usize, usize, bool),
) -> Departures {
    workforce.now = now;
    // Older than the retirement age means born before this.
    let born_by = now - rules.retirement_age;
    let mut departures = Departures::default();
    // Find the leavers in one pass over the dense columns of the whole organisation
    // (levels are contiguous, top first, so this is level by level in position
    // order). Removing a leaver changes no other position, so finding every level's
    // leavers before removing any is the same as going level by level. Eight
    // positions at a time become a bit mask without a branch on the data; few leave
    // per step, so most masks are empty and the loop over a mask's bits is seldom
    // entered (about 0.97 of the time of a scan that wrote every position into the
    // list and moved past it only for a leaver, paired runs of the Peter model,
    // within a few percent of noise; the masks compiled for AVX2 were no faster).
    let mut leavers = std::mem::take(&mut workforce.leavers);
    let occupied = &workforce.occupied[..];
    let (born, skill) = (&workforce.born[..occupied.len()], &workforce.skill[..occupied.len()]);
    let threshold = rules.dismissal_threshold;
    let leaves = |occupied: bool, born: f64, skill: f64| occupied & ((born < born_by) | (skill < threshold));
    leavers.clear();
    let (occupied_blocks, occupied_tail) = occupied.as_chunks::<8>();
    let (born_blocks, born_tail) = born.as_chunks::<8>();
    let (skill_blocks, skill_tail) = skill.as_chunks::<8>();
    let blocks = occupied_blocks.iter().zip(born_blocks).zip(skill_blocks);
    for (block, ((occupied, born), skill)) in blocks.enumerate() {
        let mut mask = (0..8).fold(0u32, |mask, lane| {
            mask | u32::from(leaves(occupied[lane], born[lane], skill[lane])) << lane
        });
        while mask != 0 {
            leavers.push(8 * block + mask.trailing_zeros() as usize);
            mask &= mask - 1;
        }
    }
    let tail = 8 * occupied_blocks.len();
    for (i, ((&occupied, &born), &skill)) in occupied_tail.iter().zip(born_tail).zip(skill_tail).enumerate() {
        if leaves(occupied, born, skill) {
            leavers.push(tail + i);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Org;

    fn two_level_org() -> Org {
        Org::new(&crate::config::minimal_config())
    }

    /// The two-level organisation with every position filled, by (skill, age).
    fn filled(people: [(f64, f64); 4]) -> (Org, Workforce) {
        let org = two_level_org();
        let mut workforce = Workforce::vacant(&org);
        for level in 0..2 {
            workforce.open[level].clear();
        }
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
        let rules = ExitRules { retirement_age: 60.0, dismissal_threshold: 4.0 };
        let departures = age_and_depart(&mut workforce, &org, rules, 1.0, |_, _, _, _| {});
        assert_eq!(workforce.now, 1.0);
        assert_eq!(departures, Departures { retirements: 2, dismissals: 1 });
        assert_eq!(workforce.occupied, vec![false, false, true, false]);
        assert_eq!(workforce.open, vec![vec![0], vec![1, 3]]);
        assert_eq!(workforce.age(2), 60.0);
    }

    /// Leavers found eight positions at a time are the ones a plain filter finds,
    /// in position order: across blocks, at a block's edges and in the tail.
    #[test]
    fn leavers_across_blocks_are_found_in_position_order() {
        let mut config = crate::config::minimal_config();
        config.levels[1].positions = 26; // 27 positions: three blocks of eight and a tail of three
        let org = Org::new(&config);
        let mut workforce = Workforce::vacant(&org);
        workforce.open.iter_mut().for_each(Vec::clear);
        let leaving = [0, 7, 8, 15, 16, 17, 23, 24, 26];
        for position in 0..org.positions() {
            let skill = if leaving.contains(&position) && position % 2 == 0 { 1.0 } else { 5.0 };
            let age = if leaving.contains(&position) && position % 2 == 1 { 61.0 } else { 30.0 };
            workforce.hire(position, skill, age);
        }
        // A vacancy is never a leaver, whatever its stale columns say.
        workforce.vacate(25, 1);
        workforce.skill[25] = 1.0;
        let rules = ExitRules { retirement_age: 60.0, dismissal_threshold: 4.0 };
        let mut seen = Vec::new();
        let departures = age_and_depart(&mut workforce, &org, rules, 1.0, |_, position, _, retired| {
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
        let rules = ExitRules { retirement_age: 60.0, dismissal_threshold: 4.0 };
        let mut seen = Vec::new();
        age_and_depart(&mut workforce, &org, rules, 1.0, |workforce, position, level, retired| {
            seen.push((position, level, retired, workforce.occupied.clone()));
        });
        let whole_below = vec![false, true, true, true];
        assert_eq!(
            seen,
            vec![(0, 0, false, vec![true; 4]), (2, 1, false, whole_below.clone()), (3, 1, true, whole_below),]
        );
    }
}
