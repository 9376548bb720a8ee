//! The shape of the organisation: which positions make up which level.
//!
//! Positions are plain indices `0..positions`, level by level from the top, so the
//! people on a level are one contiguous slice of every per-position array.
//!
//! Teams are slots, not people: position `i` of a level reports to position
//! `⌊i · n_above / n⌋` of the level above (a balanced assignment), so each manager's
//! team is a contiguous slice of the level below and spans of control differ by at
//! most one. Whoever holds a position manages whoever holds its team's positions.

use std::ops::Range;

use crate::config::Config;

/// The hierarchy's layout, shared read-only by every trial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// `level_starts[l]..level_starts[l + 1]` are the positions of level `l`;
    /// the last entry is the total number of positions.
    level_starts: Vec<usize>,
    /// The manager's position of each position; `NO_MANAGER` on the top level.
    managers: Vec<u32>,
    /// The team of each position: positions on the level below (empty at the bottom).
    teams: Vec<Range<u32>>,
}

/// The manager of a top-level position.
const NO_MANAGER: u32 = u32::MAX;

impl Org {
    /// The layout of a configuration's levels.
    pub fn new(config: &Config) -> Self {
        let mut level_starts = Vec::with_capacity(config.levels.len() + 1);
        let mut start = 0usize;
        level_starts.push(start);
        for level in &config.levels {
            start += level.positions as usize;
            level_starts.push(start);
        }
        let positions = start;
        let mut managers = vec![NO_MANAGER; positions];
        let mut teams = vec![0..0; positions];
        for level in 1..config.levels.len() {
            let (above, here) =
                (level_starts[level - 1]..level_starts[level], level_starts[level]..level_starts[level + 1]);
            for (index, position) in here.clone().enumerate() {
                let manager = above.start + index * above.len() / here.len();
                managers[position] = manager as u32;
                let team = &mut teams[manager];
                if team.start == team.end {
                    *team = position as u32..position as u32;
                }
                team.end = position as u32 + 1;
            }
        }
        Self { level_starts, managers, teams }
    }

    /// One level of `positions` positions and no teams (for tests).
    #[cfg(test)]
    pub(crate) fn single_level(positions: usize) -> Self {
        Self {
            level_starts: vec![0, positions],
            managers: vec![NO_MANAGER; positions],
            teams: vec![0..0; positions],
        }
    }

    /// The position a position reports to, or `None` on the top level.
    #[inline]
    pub fn manager(&self, position: usize) -> Option<usize> {
        let manager = self.managers[position];
        (manager != NO_MANAGER).then_some(manager as usize)
    }

    /// The positions reporting to `position` (empty on the bottom level).
    #[inline]
    pub fn team(&self, position: usize) -> Range<usize> {
        let team = &self.teams[position];
        team.start as usize..team.end as usize
    }

    /// Number of levels.
    pub fn levels(&self) -> usize {
        self.level_starts.len() - 1
    }

    /// Total number of positions.
    pub fn positions(&self) -> usize {
        *self.level_starts.last().expect("an org has at least one level")
    }

    /// The positions of a level.
    pub fn level(&self, level: usize) -> Range<usize> {
        self.level_starts[level]..self.level_starts[level + 1]
    }

    /// The level a position belongs to.
    pub fn level_of(&self, position: usize) -> usize {
        debug_assert!(position < self.positions());
        self.level_starts.partition_point(|&start| start <= position) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;
    use std::path::Path;

    #[test]
    fn levels_are_contiguous_from_the_top() {
        let text = include_str!("../scenarios/peter_principle.toml");
        let config = parse(text, Path::new("peter_principle.toml")).unwrap();
        let org = Org::new(&config);
        assert_eq!(org.levels(), 6);
        assert_eq!(org.positions(), 160);
        assert_eq!(org.level(0), 0..1);
        assert_eq!(org.level(5), 79..160);
        assert_eq!(org.level_of(0), 0);
        assert_eq!(org.level_of(1), 1);
        assert_eq!(org.level_of(78), 4);
        assert_eq!(org.level_of(79), 5);
        assert_eq!(org.level_of(159), 5);
    }

    #[test]
    fn teams_partition_each_level_below_in_balanced_slices() {
        let text = include_str!("../scenarios/peter_principle.toml");
        let config = parse(text, Path::new("peter_principle.toml")).unwrap();
        let org = Org::new(&config);
        assert_eq!(org.manager(0), None);
        for level in 0..org.levels() - 1 {
            let mut covered = Vec::new();
            let sizes: Vec<usize> = org.level(level).map(|manager| org.team(manager).len()).collect();
            for manager in org.level(level) {
                for report in org.team(manager) {
                    assert_eq!(org.manager(report), Some(manager));
                    covered.push(report);
                }
            }
            assert_eq!(covered, org.level(level + 1).collect::<Vec<_>>());
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(max - min <= 1 && *min >= 1, "level {level}: spans {sizes:?}");
        }
        assert!(org.team(159).is_empty());
    }
}
