//! The correlations between an HR export's moments, by a bootstrap over its
//! employees: each replicate draws as many employees as the export has, with
//! replacement, every spell of a drawn employee together (their promotions and
//! their tenure stay theirs), and measures every moment again; the moments'
//! correlation across the replicates is how their sampling errors move together.
//!
//! Only the correlation is taken from the bootstrap: each moment keeps its analytic
//! standard error ([`super::hr_export::moments`]), so the diagonal of the data's
//! covariance is what `hr_moments.csv` reports.

use rayon::prelude::*;

use super::covariance;
use super::hr_export::{self, Measured, Spell, Window};
use crate::config::Config;
use crate::rng::{Stream, stream_rng, trial_seed, uniform_index};

/// Replicates of the bootstrap: the standard error of a correlation near 0 is
/// about `1/√200 ≈ 0.07`, well inside what matters for the sandwich, and 200
/// measurements of an export of a few thousand spells take a fraction of a second.
pub const REPLICATES: u32 = 200;

/// What a copy's `employee_id` is suffixed with when an employee is drawn more than
/// once: a character no export's identifiers hold, so copies never merge with a
/// real employee.
const COPY: char = '\u{0}';

/// The correlation of the moments `measured` (one row and column each, in their
/// order) across `replicates` resamples of the employees of `spells`, seeded from
/// `seed` ([`Stream::ExportBootstrap`], one generator per replicate, so the result
/// does not depend on the thread count). A replicate that does not measure a moment
/// (nobody drawn in its group) leaves it out of that moment's pairs.
///
/// A drawn manager's first copy keeps the manager's id, and every drawn report of
/// theirs reports to it: a span of control is counted from the reports drawn.
pub fn correlation(
    spells: &[Spell],
    window: Window,
    config: &Config,
    measured: &[Measured],
    seed: u64,
    replicates: u32,
) -> Vec<Vec<f64>> {
    let mut employees: std::collections::BTreeMap<&str, Vec<usize>> = std::collections::BTreeMap::new();
    for (index, spell) in spells.iter().enumerate() {
        employees.entry(spell.employee.as_str()).or_default().push(index);
    }
    let people: Vec<&Vec<usize>> = employees.values().collect();
    let rows: Vec<Vec<Option<f64>>> = (0..replicates)
        .into_par_iter()
        .map(|replicate| {
            let mut rng = stream_rng(trial_seed(seed, u64::from(replicate)), Stream::ExportBootstrap);
            let mut copies = vec![0u32; people.len()];
            let mut resampled = Vec::with_capacity(spells.len());
            for _ in 0..people.len() {
                let person = uniform_index(&mut rng, people.len());
                let copy = copies[person];
                copies[person] += 1;
                for &index in people[person] {
                    let mut spell = spells[index].clone();
                    if copy > 0 {
                        spell.employee = format!("{}{COPY}{copy}", spell.employee);
                    }
                    resampled.push(spell);
                }
            }
            match hr_export::moments(&resampled, window, config) {
                Ok(again) => measured
                    .iter()
                    .map(|m| again.iter().find(|a| a.moment == m.moment).map(|a| a.value))
                    .collect(),
                // Nobody drawn was employed in the window: the replicate measures nothing.
                Err(_) => vec![None; measured.len()],
            }
        })
        .collect();
    covariance::correlation(&rows, measured.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::hr_export::{parse, parse_window};
    use std::path::Path;

    fn config() -> Config {
        let text = crate::config::MINIMAL.replace("positions = 3", "positions = 3\nkind = \"ic\"");
        crate::config::parse(&text, Path::new("m.toml")).unwrap()
    }

    /// An export of two firms' worth of people at the bottom level: the young
    /// (born 2000) and the old (born 1960), each quitting or staying by a fixed
    /// pattern, so the age bands' rates are measured on disjoint people.
    fn export() -> (Vec<Spell>, Window) {
        let config = config();
        let bottom = config.levels.last().unwrap().name.clone();
        let mut text = "employee_id,level,hire_date,exit_date,exit_reason,birth_year\n".to_owned();
        for i in 0..300 {
            let born = if i % 2 == 0 { 2000 } else { 1960 };
            // About one in four of each group quits, at dates spread over the window.
            let exit = if (i / 2) % 4 == 0 {
                format!("2022-{:02}-15,voluntary", 1 + (i % 12))
            } else {
                ",".to_owned()
            };
            text.push_str(&format!("E{i},{bottom},2019-06-01,{exit},{born}\n"));
        }
        (parse(&text, &config).unwrap(), parse_window("2022-01-01:2023-01-01").unwrap())
    }

    #[test]
    fn the_same_quantity_correlates_fully_and_disjoint_people_not_at_all() {
        let (spells, window) = export();
        let config = config();
        let measured = hr_export::moments(&spells, window, &config).unwrap();
        let index = |name: &str| measured.iter().position(|m| m.moment.name() == name).unwrap();
        let bottom = config.levels.last().unwrap().name.clone();
        let r = correlation(&spells, window, &config, &measured, 11, REPLICATES);
        // Everyone is at the bottom level: its quit rate is the overall one.
        let overall = index("voluntary_attrition");
        let level = index(&format!("voluntary_attrition.level.{bottom}"));
        assert!(r[overall][level] > 0.999, "{}", r[overall][level]);
        // The young and the old are different people: their rates are about
        // independent (the standard error of a correlation of 0 over 200
        // replicates is about 0.07; 0.25 is three and a half of it).
        let young = index("voluntary_attrition.age.<25");
        let old = index("voluntary_attrition.age.45+");
        assert!(r[young][old].abs() < 0.25, "{}", r[young][old]);
        // Each half of the people is about half of the overall rate's variance.
        assert!((0.5..0.9).contains(&r[overall][young]), "{}", r[overall][young]);
        // The same seed, the same resamples; another seed, others.
        assert_eq!(r, correlation(&spells, window, &config, &measured, 11, REPLICATES));
        assert_ne!(r, correlation(&spells, window, &config, &measured, 12, REPLICATES));
    }

    #[test]
    fn the_bootstrap_does_not_depend_on_the_thread_count() {
        let (spells, window) = export();
        let config = config();
        let measured = hr_export::moments(&spells, window, &config).unwrap();
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| correlation(&spells, window, &config, &measured, 3, 40))
        };
        assert_eq!(on(1), on(2));
    }
}
