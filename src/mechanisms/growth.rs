//! Grade advancement of individual contributors (docs/model.md §7.6): not
//! slot-limited, up to the arm's IC ceiling. Blocked growth, its absence, is an
//! engagement pressure ([`crate::mechanisms::engagement::blocked_growth`]).

use crate::config::Growth;

/// Whether an IC may advance a grade this step: below the ceiling, long enough
/// since their last advancement, and performing at or above the eligible percentile
/// of their level. Whether they do is then a draw.
#[inline(always)]
pub fn eligible(
    growth: &Growth,
    grade: u8,
    ceiling: u32,
    years_since_advancement: f64,
    percentile: f64,
) -> bool {
    // `&`, not `&&`: three comparisons are cheaper than two branches.
    (u32::from(grade) < ceiling)
        & (years_since_advancement >= growth.interval)
        & (percentile >= growth.percentile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_the_interval_and_the_percentile_all_bind() {
        let growth =
            Growth { interval: 2.0, rate: 0.7, percentile: 0.5, patience: 3.0, engagement_weight: 0.3 };
        assert!(eligible(&growth, 0, 1, 2.0, 0.5));
        assert!(!eligible(&growth, 1, 1, 5.0, 0.9), "at the ceiling");
        assert!(!eligible(&growth, 0, 1, 1.9, 0.9), "too soon");
        assert!(!eligible(&growth, 0, 1, 5.0, 0.4), "not strong enough");
    }
}
