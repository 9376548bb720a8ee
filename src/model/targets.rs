//! What the calibration targets read of a workforce at the end of a step: its
//! tenure distribution (BLS, Employee Tenure, January 2024: median 3.9 years, 22% at
//! one year or less) and how concentrated the individual contributors' overhead is
//! (Cross, Rebele & Grant 2016: the top 5% carry 20–35% of collaborative work; the
//! overhead-and-credit essay: a team's most loaded member near 30% of their time).

use crate::model::workforce::Workforce;
use crate::org::Org;

/// The observables of the calibration targets.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Targets {
    /// Median tenure of everyone employed, years.
    pub median_tenure: f64,
    /// Share of everyone employed with one year of tenure or less.
    pub short_tenure_share: f64,
    /// Share of the ICs' total overhead carried by the `⌈n/20⌉` ICs carrying most.
    pub overhead_top5_share: f64,
    /// Mean over teams of ICs of the largest overhead share of time in the team.
    pub most_loaded_share: f64,
}

/// The targets' observables of `workforce`, using `buffer` as working memory (so a
/// step allocates nothing once it has grown).
pub fn observe(workforce: &Workforce, org: &Org, steps_per_year: f64, buffer: &mut Vec<f64>) -> Targets {
    let mut targets = Targets::default();
    // Tenure in steps: a hire's is a whole number of steps, so "a year or less" is
    // exact.
    buffer.clear();
    for (&occupied, &hired) in workforce.occupied.iter().zip(&workforce.hired) {
        if occupied {
            buffer.push(workforce.now - hired);
        }
    }
    if !buffer.is_empty() {
        let short = buffer.iter().filter(|&&steps| steps <= steps_per_year).count();
        targets.short_tenure_share = short as f64 / buffer.len() as f64;
        targets.median_tenure = median(buffer) / steps_per_year;
    }
    let ic_level = org.levels() - 1;
    let ics = org.level(ic_level);
    buffer.clear();
    for (&occupied, &overhead) in workforce.occupied[ics.clone()].iter().zip(&workforce.overhead[ics.clone()])
    {
        if occupied {
            buffer.push(overhead);
        }
    }
    let total: f64 = buffer.iter().sum();
    if total > 0.0 {
        let top = buffer.len().div_ceil(20);
        buffer.select_nth_unstable_by(top - 1, |a, b| b.total_cmp(a));
        targets.overhead_top5_share = buffer[..top].iter().sum::<f64>() / total;
    }
    let teams = if ic_level == 0 { 0..0 } else { org.level(ic_level - 1) };
    let (mut loaded, mut counted) = (0.0, 0usize);
    let mut add_team = |members: std::ops::Range<usize>| {
        let most = members
            .filter(|&p| workforce.occupied[p])
            .map(|p| workforce.overhead[p])
            .fold(f64::NEG_INFINITY, f64::max);
        if most.is_finite() {
            loaded += most;
            counted += 1;
        }
    };
    if ic_level == 0 {
        add_team(ics);
    } else {
        for manager in teams {
            add_team(org.team(manager));
        }
    }
    targets.most_loaded_share = loaded / counted.max(1) as f64;
    targets
}

/// The median of `values` (not empty), reordering them.
fn median(values: &mut [f64]) -> f64 {
    let n = values.len();
    let (below, upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        upper
    } else {
        let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_odd_and_even_counts() {
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&mut [7.0]), 7.0);
    }

    /// A hand-built organisation: one manager over four ICs with known tenures and
    /// overhead shares.
    #[test]
    fn targets_of_a_known_workforce() {
        let config = crate::config::parse(
            &crate::config::MINIMAL.replace("positions = 3", "positions = 3\nkind = \"ic\""),
            std::path::Path::new("m.toml"),
        )
        .unwrap();
        let org = Org::new(&config);
        let mut workforce = Workforce::vacant(&org);
        for level in 0..org.levels() {
            while let Some(position) = workforce.open[level].pop() {
                workforce.hire(position, 5.0, 30.0);
            }
        }
        workforce.now = 48.0;
        let positions = org.positions();
        // Tenures in steps at 12 a year.
        assert_eq!(positions, 4);
        for (position, steps) in (0..positions).zip([6.0, 12.0, 24.0, 48.0]) {
            workforce.hired[position] = workforce.now - steps;
        }
        let ics = org.level(org.levels() - 1);
        for (position, share) in ics.zip([0.3, 0.1, 0.0]) {
            workforce.overhead[position] = share;
        }
        let t = observe(&workforce, &org, 12.0, &mut Vec::new());
        // Tenures 0.5, 1, 2 and 4 years; overhead 0.3, 0.1 and 0 in one team.
        assert_eq!(t.median_tenure, 1.5);
        assert_eq!(t.short_tenure_share, 0.5, "a year exactly counts as a year or less");
        assert_eq!(t.overhead_top5_share, 0.3 / (0.3 + 0.1), "the top 5% of three is one IC");
        assert_eq!(t.most_loaded_share, 0.3);
    }
}
