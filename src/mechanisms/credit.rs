//! Credit attribution and recognition (docs/model.md §7.10).
//!
//! Of an individual contributor's output, the share `credit_accuracy` is credited to
//! them; the rest goes into the team's pool, of which the manager keeps `take` and
//! the rest is spread evenly (by visibility, not by output). Recognition is the
//! exponentially weighted average of credit received over credit deserved.

/// Credit received for a step: `a · output + (1 − a) · (1 − take) · team mean output`.
#[inline]
pub fn received(accuracy: f64, take: f64, output: f64, team_mean: f64) -> f64 {
    accuracy * output + (1.0 - accuracy) * (1.0 - take) * team_mean
}

/// Received over deserved; 1 when nothing was deserved.
#[inline]
pub fn ratio(received: f64, deserved: f64) -> f64 {
    if deserved > 0.0 { received / deserved } else { 1.0 }
}

/// Recognition after a step with credit ratio `ratio`, moving a fraction `alpha`
/// of the way toward it.
#[inline]
pub fn recognise(recognition: f64, ratio: f64, alpha: f64) -> f64 {
    recognition + alpha * (ratio - recognition)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_credit_is_full_recognition_and_misattribution_favours_the_weak() {
        assert_eq!(ratio(received(1.0, 0.5, 8.0, 5.0), 8.0), 1.0);
        // Half the credit misattributed: the best get less than they earn, the
        // weakest more.
        let strong = ratio(received(0.5, 0.5, 8.0, 5.0), 8.0);
        let weak = ratio(received(0.5, 0.5, 2.0, 5.0), 2.0);
        assert!(strong < 1.0 && weak > 1.0, "{strong} {weak}");
        assert_eq!(recognise(1.0, 0.5, 0.25), 0.875);
    }
}
