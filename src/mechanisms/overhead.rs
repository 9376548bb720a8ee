//! Overhead allocation within a team (docs/model.md §7.8): firefighting, audits
//! and ad-hoc presentations take a fraction of the team's time, and the arm's
//! policy decides who does them.

use rand::Rng;

use crate::config::{Overhead, OverheadAllocation};
use crate::numeric;
use crate::rng::uniform01;

/// Shares out a team's overhead: on entry `shares[i]` is member i's capability
/// (skill × engagement factor); on exit it is the share of their own time spent on
/// overhead, capped at `max_share`. The team's load is `load × members` of time;
/// what the cap cuts off is dropped, not passed on. The same as [`weigh`] and then
/// [`share_out`], which do it for many teams at once.
pub fn allocate<R: Rng + ?Sized>(
    allocation: OverheadAllocation,
    overhead: &Overhead,
    shares: &mut [f64],
    rng: &mut R,
) {
    weigh(allocation, overhead, shares, rng);
    share_out(allocation, overhead, shares);
}

/// Each member's weight in the allocation, in place of their capability: their
/// capability to the power `concentration`, a uniform draw (one per member, in
/// order), or (for the rota) their share already. Runs over any number of whole
/// teams, since it treats members one by one.
#[inline(always)]
pub fn weigh<R: Rng + ?Sized>(
    allocation: OverheadAllocation,
    overhead: &Overhead,
    weights: &mut [f64],
    rng: &mut R,
) {
    match allocation {
        OverheadAllocation::Rotation => weights.fill(overhead.load.min(overhead.max_share)),
        OverheadAllocation::CompetenceWeighted => {
            let gamma = overhead.concentration;
            // Integer exponents are a few multiplications; others e^(γ ln c) in our
            // own arithmetic, not the library's powf, whose last bits vary by platform.
            if gamma.fract() == 0.0 {
                let exponent = gamma as u32;
                numeric::powi_each(weights, exponent);
            } else {
                // A plain loop: `for_each` is not always inlined, and then not wide.
                for c in weights.iter_mut() {
                    *c = numeric::pow(*c, gamma);
                }
            }
        }
        OverheadAllocation::Random => weights.iter_mut().for_each(|w| *w = uniform01(rng)),
    }
}

/// One team's shares from its members' weights ([`weigh`]): `load · n · w_i / Σw`,
/// capped.
#[inline]
pub fn share_out(allocation: OverheadAllocation, overhead: &Overhead, weights: &mut [f64]) {
    if allocation == OverheadAllocation::Rotation || weights.is_empty() {
        return;
    }
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        weights.fill(overhead.load.min(overhead.max_share));
        return;
    }
    let scale = overhead.load * weights.len() as f64 / total;
    weights.iter_mut().for_each(|w| *w = (*w * scale).min(overhead.max_share));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::test_rng;

    const OVERHEAD: Overhead =
        Overhead { load: 0.10, concentration: 12.0, max_share: 0.8, tolerance: 0.15, engagement_weight: 1.5 };

    #[test]
    fn each_policy_shares_the_whole_load() {
        let mut rng = test_rng(1);
        for allocation in
            [OverheadAllocation::Rotation, OverheadAllocation::CompetenceWeighted, OverheadAllocation::Random]
        {
            let mut shares = [4.0, 5.0, 6.0, 7.0, 8.0, 5.5];
            allocate(allocation, &OVERHEAD, &mut shares, &mut rng);
            let total: f64 = shares.iter().sum();
            assert!((total - 0.10 * 6.0).abs() < 1e-12, "{allocation:?}: {shares:?}");
        }
    }

    /// Weighing a whole level and then sharing out team by team gives each team
    /// what allocating it alone gives, random draws included (they are taken in
    /// member order either way).
    #[test]
    fn weighing_a_level_then_sharing_by_team_is_allocating_each_team() {
        let capabilities = [4.0, 5.0, 0.0, 7.0, 8.0, 5.5, 6.0];
        let teams = [0..3, 3..3, 3..7];
        for allocation in
            [OverheadAllocation::Rotation, OverheadAllocation::CompetenceWeighted, OverheadAllocation::Random]
        {
            let mut level = capabilities;
            let mut rng = test_rng(7);
            weigh(allocation, &OVERHEAD, &mut level, &mut rng);
            for team in teams.clone() {
                share_out(allocation, &OVERHEAD, &mut level[team]);
            }
            let mut by_team = capabilities;
            let mut rng = test_rng(7);
            for team in teams.clone() {
                allocate(allocation, &OVERHEAD, &mut by_team[team], &mut rng);
            }
            assert_eq!(level, by_team, "{allocation:?}");
        }
    }

    #[test]
    fn competence_weighting_loads_the_strongest_most() {
        // A team of seven around a skill of 6.5 (sd 1.5), its best at +1.5 sd.
        let mut shares = [4.25, 5.0, 5.75, 6.5, 7.25, 8.0, 8.75];
        allocate(OverheadAllocation::CompetenceWeighted, &OVERHEAD, &mut shares, &mut test_rng(0));
        assert!(shares[6] > 0.3 && shares[0] < 0.01, "{shares:?}");
        assert!(shares.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn the_cap_drops_what_nobody_can_carry() {
        let heavy = Overhead { load: 0.5, concentration: 20.0, ..OVERHEAD };
        let mut shares = [1.0, 1.0, 9.0];
        allocate(OverheadAllocation::CompetenceWeighted, &heavy, &mut shares, &mut test_rng(0));
        assert_eq!(shares[2], 0.8);
        assert!(shares[0] < 1e-6);
    }
}
