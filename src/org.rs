//! The shape of the organisation: which positions make up which level.
//!
//! Positions are plain indices `0..positions`, level by level from the top, so the
//! people on a level are one contiguous slice of every per-position array.

use std::ops::Range;

use crate::config::Config;

/// The hierarchy's layout, shared read-only by every trial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// `level_starts[l]..level_starts[l + 1]` are the positions of level `l`;
    /// the last entry is the total number of positions.
    level_starts: Vec<usize>,
}

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
        Self { level_starts }
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
}
