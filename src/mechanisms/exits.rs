//! Exits: ageing, retirement and dismissal (MODEL.md mechanism 6).

use crate::model::workforce::Workforce;
use crate::org::Org;

/// The exit rules of a scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExitRules {
    /// An employee older than this (years) retires.
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

/// Everyone ages by `step_years`; then whoever is past retirement age retires and
/// whoever is below the dismissal threshold is dismissed (retirement first when
/// both apply). Pluchino et al. 2010 apply both rules to everyone at the start of
/// each step, before the promotion cascade.
pub fn age_and_depart(
    workforce: &mut Workforce,
    org: &Org,
    rules: ExitRules,
    step_years: f64,
) -> Departures {
    // Vacant positions age too: harmless (a hire overwrites the age) and it keeps
    // the loop branch-free so it vectorises.
    for age in &mut workforce.age {
        *age += step_years;
    }
    let mut departures = Departures::default();
    for level in 0..org.levels() {
        for position in org.level(level) {
            if !workforce.occupied[position] {
                continue;
            }
            if workforce.age[position] > rules.retirement_age {
                workforce.vacate(position, level);
                departures.retirements += 1;
            } else if workforce.skill[position] < rules.dismissal_threshold {
                workforce.vacate(position, level);
                departures.dismissals += 1;
            }
        }
    }
    departures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Org;

    fn two_level_org() -> Org {
        let text = r#"
            [simulation]
            steps = 1
            steps_per_year = 1
            trials = 1
            seed = 1
            [[levels]]
            positions = 1
            [[levels]]
            positions = 3
            [workforce]
            skill = { mean = 7.0, sd = 2.0, min = 1.0, max = 10.0 }
            age = { mean = 25.0, sd = 5.0, min = 18.0, max = 60.0 }
            retirement_age = 60.0
            [arms.a]
        "#;
        Org::new(&crate::config::parse(text, std::path::Path::new("t.toml")).unwrap())
    }

    #[test]
    fn the_old_retire_and_the_weak_are_dismissed() {
        let org = two_level_org();
        let mut workforce = Workforce::vacant(&org);
        workforce.hire(0, 0, 8.0, 59.5); // turns 60.5: retires
        workforce.hire(1, 1, 3.9, 30.0); // below 4: dismissed
        workforce.hire(2, 1, 4.0, 59.0); // exactly 60 and exactly 4: stays
        workforce.hire(3, 1, 2.0, 61.0); // both: counted as a retirement
        let rules = ExitRules { retirement_age: 60.0, dismissal_threshold: 4.0 };
        let departures = age_and_depart(&mut workforce, &org, rules, 1.0);
        assert_eq!(departures, Departures { retirements: 2, dismissals: 1 });
        assert_eq!(workforce.occupied, vec![false, false, true, false]);
        assert_eq!(workforce.level_headcount, vec![0, 1]);
        assert_eq!(workforce.age[2], 60.0);
    }
}
