//! External hiring (MODEL.md mechanism 7): a vacancy no one is promoted into is
//! filled from outside, with traits drawn from the scenario's distributions.

use rand::Rng;

use crate::config::Workforce as WorkforceSpec;
use crate::model::workforce::Workforce;

/// Draws a new employee's skill and age (in years, converted to the clock's steps)
/// and puts them into `position`, which the caller has taken off its level's open list.
#[inline]
pub fn hire<R: Rng + ?Sized>(
    workforce: &mut Workforce,
    spec: &WorkforceSpec,
    steps_per_year: f64,
    position: usize,
    rng: &mut R,
) {
    let skill = spec.skill.sample(rng);
    let mut age = spec.age.sample(rng);
    if spec.whole_years {
        // Ages are positive: truncating age + 0.5 is `round` without a libm call.
        age = (age + 0.5) as i64 as f64;
    }
    workforce.hire(position, skill, age * steps_per_year);
}
