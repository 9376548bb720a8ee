//! Parameter uncertainty, propagated: a scenario's `[uncertainty]` table gives some
//! fields a distribution instead of a value, and `run` draws each trial's values.
//!
//! Draw `d` is a function of the master seed and `d` alone (its own
//! [`Stream::Parameters`] stream of `trial_seed(seed, d)`), and trial `t` uses draw
//! `t / replications`; every arm of a trial runs at the same draw, so comparisons
//! stay paired, and no thread count or shard split can change which values a trial
//! gets. Each draw is a scenario validated exactly as `--set` would validate those
//! values ([`crate::config::parse_point_as`]).
//!
//! What is reported is the spread of the headline across draws
//! ([`UncertaintyTotals`]: exact per-draw moments, merged like every other
//! accumulator): each arm's and each paired difference's 5th–95th percentile over
//! the draws' means, the share of draws in which an arm beats the baseline, and,
//! with more than one replication per draw, the between-draw standard deviation
//! with the Monte Carlo noise of a draw's mean taken out (a one-way random-effects
//! decomposition: `Var(draw mean) = σ²_parameters + σ²_within / n`).

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::config::{Config, Override};
use crate::metrics::{Direction, TrialMetric, TrialRow};
use crate::rng::{Stream, TruncatedNormal, stream_rng, trial_seed, uniform01};
use crate::scenario::RawDistribution;
use crate::shard::codec::{get_u64, mismatch, put_u64};
use crate::stats::Moments;

/// How far a normal reaches, in standard deviations: it is truncated there (by
/// redrawing), so its support is bounded and both ends can be validated.
pub const NORMAL_REACH: f64 = 3.0;

/// The share of draws in which an arm must beat the baseline (or lose to it) for
/// the terminal table to call its ranking robust.
pub const ROBUST_SHARE: f64 = 0.95;

/// Fewest draws for a verdict of robustness: with fewer, 100% of them is too few
/// to tell a robust ranking from luck (19 of 19 would still leave a 5% share of
/// reversals likely to have gone unseen about a third of the time).
pub const MIN_DRAWS_FOR_VERDICT: u64 = 20;

/// A parameter's distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// Every value in `[low, high)` equally likely.
    Uniform {
        /// Lower end.
        low: f64,
        /// Upper end, above `low`.
        high: f64,
    },
    /// A normal truncated to `mean ± 3 sd`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation, above 0.
        sd: f64,
    },
    /// The triangular distribution on `[low, high]` with its peak at `mode`.
    Triangular {
        /// Lower end.
        low: f64,
        /// The most likely value, in `[low, high]`.
        mode: f64,
        /// Upper end, above `low`.
        high: f64,
    },
}

impl Distribution {
    /// The distribution an `[uncertainty]` entry describes, or why it describes none.
    pub fn from_raw(raw: &RawDistribution) -> Result<Self, String> {
        let given = [raw.uniform.is_some(), raw.normal.is_some(), raw.triangular.is_some()];
        if given.iter().filter(|&&g| g).count() != 1 {
            return Err("give exactly one of uniform = [low, high], normal = [mean, sd] or triangular = \
                        [low, mode, high]"
                .to_owned());
        }
        let finite = |values: &[f64]| values.iter().all(|v| v.is_finite());
        if let Some([low, high]) = raw.uniform {
            if !(finite(&[low, high]) && low < high) {
                return Err(format!(
                    "uniform [{low}, {high}] is not an interval: give [low, high], finite, low below high \
                     (a fixed value belongs in the scenario, not in [uncertainty])"
                ));
            }
            return Ok(Self::Uniform { low, high });
        }
        if let Some([mean, sd]) = raw.normal {
            if !(finite(&[mean, sd]) && sd > 0.0) {
                return Err(format!("normal [{mean}, {sd}]: give [mean, sd], finite, sd above 0"));
            }
            return Ok(Self::Normal { mean, sd });
        }
        let [low, mode, high] = raw.triangular.expect("one of the three is given");
        if !(finite(&[low, mode, high]) && low < high && (low..=high).contains(&mode)) {
            return Err(format!(
                "triangular [{low}, {mode}, {high}]: give [low, mode, high], finite, low below high and the \
                 mode between them"
            ));
        }
        Ok(Self::Triangular { low, mode, high })
    }

    /// The least and greatest value a draw can take.
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Self::Uniform { low, high } | Self::Triangular { low, high, .. } => (low, high),
            Self::Normal { mean, sd } => (mean - NORMAL_REACH * sd, mean + NORMAL_REACH * sd),
        }
    }

    /// One draw.
    fn sample(&self, rng: &mut crate::rng::TrialRng) -> f64 {
        match *self {
            Self::Uniform { low, high } => low + (high - low) * uniform01(rng),
            Self::Normal { mean, sd } => {
                let (min, max) = self.support();
                TruncatedNormal { mean, sd, min, max }.sample(rng)
            }
            Self::Triangular { low, mode, high } => {
                // Inversion of the CDF: one uniform per draw.
                let u = uniform01(rng);
                let width = high - low;
                if u < (mode - low) / width {
                    low + (u * width * (mode - low)).sqrt()
                } else {
                    high - ((1.0 - u) * width * (high - mode)).sqrt()
                }
            }
        }
    }

    /// The distribution in the scenario's own words, e.g. `uniform [0.05, 0.2]`.
    pub fn describe(&self) -> String {
        match *self {
            Self::Uniform { low, high } => format!("uniform [{low}, {high}]"),
            Self::Normal { mean, sd } => format!("normal [{mean}, {sd}]"),
            Self::Triangular { low, mode, high } => format!("triangular [{low}, {mode}, {high}]"),
        }
    }
}

/// One uncertain field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UncertainParameter {
    /// The field path, as `--set` takes it.
    pub field: String,
    /// What its values are drawn from.
    pub distribution: Distribution,
}

/// A scenario's `[uncertainty]`, validated.
#[derive(Debug, Clone, Serialize)]
pub struct Uncertainty {
    /// The uncertain fields, in file order (the order values are drawn in).
    pub parameters: Vec<UncertainParameter>,
    /// Trials per draw (`simulation.replications`).
    pub replications: u32,
    /// The scenario text every draw is applied to: the file as validated (with
    /// its `--set` overrides), without `[sweep]` and `[uncertainty]`. Set by the
    /// loader ([`crate::config::parse`]); `None` only for a `Config` validated from
    /// raw values, which cannot be drawn from.
    #[serde(skip)]
    pub(crate) base: Option<Arc<str>>,
    /// The file, to name it in errors.
    #[serde(skip)]
    pub(crate) path: PathBuf,
}

/// A draw that is not a valid scenario (two uncertain fields whose drawn values
/// contradict each other, say: each end of each distribution was checked alone).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("parameter draw {draw} ({values}) is not a valid scenario: {message}")]
pub struct DrawError {
    /// The draw's index.
    pub draw: u64,
    /// Its values, in words.
    pub values: String,
    /// What validation found.
    pub message: String,
}

impl Uncertainty {
    /// The draw trial `trial` runs at.
    pub fn draw_of(&self, trial: u64) -> u64 {
        trial / u64::from(self.replications.max(1))
    }

    /// The values of draw `draw` of master seed `seed`, in parameter order.
    pub fn values(&self, seed: u64, draw: u64) -> Vec<f64> {
        let mut rng = stream_rng(trial_seed(seed, draw), Stream::Parameters);
        self.parameters.iter().map(|parameter| parameter.distribution.sample(&mut rng)).collect()
    }

    /// The values of draw `draw` as overrides of the scenario.
    pub fn overrides(&self, seed: u64, draw: u64) -> Vec<Override> {
        self.parameters
            .iter()
            .zip(self.values(seed, draw))
            .map(|(parameter, value)| Override {
                field: parameter.field.clone(),
                value: toml::Value::Float(value),
            })
            .collect()
    }

    /// The scenario at draw `draw` of `parent` (whose trials, seed and steps it
    /// keeps), validated as `--set` validates, with no uncertainty of its own.
    pub fn config_at(&self, parent: &Config, draw: u64) -> Result<Config, DrawError> {
        let base = self.base.as_deref().expect("a scenario with [uncertainty] is loaded from its text");
        let overrides = self.overrides(parent.seed, draw);
        let values = describe(&overrides);
        let label = |_: usize| format!("parameter draw {draw}");
        let mut config = crate::config::parse_point_as(base, &self.path, &overrides, &label)
            .map_err(|error| DrawError { draw, values: values.clone(), message: error.to_string() })?;
        config.trials = parent.trials;
        config.seed = parent.seed;
        config.uncertainty = None;
        Ok(config)
    }
}

/// Field values in words: `a = 1, b = 2`.
pub fn describe(overrides: &[Override]) -> String {
    overrides.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// The exact moments of one draw's trials: each arm's headline, and each arm's
/// headline minus the baseline's, trial by trial.
#[derive(Debug, Clone, PartialEq)]
struct DrawTotals {
    arms: Vec<Moments>,
    differences: Vec<Moments>,
}

impl DrawTotals {
    fn encode(&self, out: &mut impl io::Write) -> io::Result<()> {
        self.arms.iter().chain(&self.differences).try_for_each(|m| m.encode(out))
    }

    fn decode_like(&self, input: &mut impl io::Read) -> io::Result<Self> {
        let arms = self.arms.iter().map(|m| m.decode_like(input)).collect::<io::Result<_>>()?;
        let differences = self.differences.iter().map(|m| m.decode_like(input)).collect::<io::Result<_>>()?;
        Ok(Self { arms, differences })
    }

    fn merge(&mut self, other: &Self) {
        for (total, part) in
            self.arms.iter_mut().chain(&mut self.differences).zip(other.arms.iter().chain(&other.differences))
        {
            total.merge(part);
        }
    }
}

/// The mergeable state of a run's spread across parameter draws: per draw, the
/// exact moments of the headline. Its size grows with the draws (a few hundred
/// bytes per draw and arm), like the per-trial rows a run already writes, not
/// with the replications.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertaintyTotals {
    metric: TrialMetric,
    baseline: usize,
    replications: u32,
    empty: DrawTotals,
    draws: BTreeMap<u64, DrawTotals>,
}

impl UncertaintyTotals {
    /// The totals of no trials of `config`; `None` without `[uncertainty]`.
    pub fn empty(config: &Config) -> Option<Self> {
        let uncertainty = config.uncertainty.as_ref()?;
        let (max_abs, _) = config.headline.accuracy(&config.frame());
        let arms = config.arms.len();
        Some(Self {
            metric: config.headline,
            baseline: config.baseline,
            replications: uncertainty.replications,
            empty: DrawTotals {
                arms: vec![Moments::new(max_abs); arms],
                differences: vec![Moments::new(2.0 * max_abs); arms],
            },
            draws: BTreeMap::new(),
        })
    }

    /// Adds one trial's rows (every arm's, in arm order).
    pub fn add(&mut self, trial: u64, rows: &[TrialRow]) {
        let draw = trial / u64::from(self.replications.max(1));
        let totals = self.draws.entry(draw).or_insert_with(|| self.empty.clone());
        let metric = self.metric as usize;
        let baseline = rows[self.baseline][metric];
        for (arm, row) in rows.iter().enumerate() {
            totals.arms[arm].add(row[metric]);
            totals.differences[arm].add(row[metric] - baseline);
        }
    }

    /// Adds the trials `other` holds; a draw split between the two is joined.
    pub fn merge(&mut self, other: &Self) {
        for (&draw, part) in &other.draws {
            match self.draws.get_mut(&draw) {
                Some(total) => total.merge(part),
                None => {
                    self.draws.insert(draw, part.clone());
                }
            }
        }
    }

    /// Writes the exact state (the shard file's format).
    pub(crate) fn encode(&self, out: &mut impl io::Write) -> io::Result<()> {
        put_u64(out, self.draws.len() as u64)?;
        for (&draw, totals) in &self.draws {
            put_u64(out, draw)?;
            totals.encode(out)?;
        }
        Ok(())
    }

    /// Reads a state written by [`UncertaintyTotals::encode`] into totals built alike.
    pub(crate) fn decode_like(&self, input: &mut impl io::Read) -> io::Result<Self> {
        let count = get_u64(input)?;
        if count > u64::from(crate::config::MAX_TRIALS) {
            return Err(mismatch(format!("{count} parameter draws, more than a run has trials")));
        }
        let mut read = Self { draws: BTreeMap::new(), ..self.clone() };
        for _ in 0..count {
            let draw = get_u64(input)?;
            let totals = self.empty.decode_like(input)?;
            if read.draws.insert(draw, totals).is_some() {
                return Err(mismatch(format!("parameter draw {draw} twice")));
            }
        }
        Ok(read)
    }

    /// The spread across draws.
    pub fn summarise(&self) -> UncertaintySummary {
        let arms = self.empty.arms.len();
        let direction = self.metric.direction();
        // A partial last draw (the trials not a multiple of the replications) has a
        // noisier mean than the others: the spread is of the complete draws alone,
        // unless there are none.
        let complete: Vec<&DrawTotals> = self
            .draws
            .values()
            .filter(|d| d.arms.first().is_some_and(|m| m.count() == u64::from(self.replications)))
            .collect();
        let used: Vec<&DrawTotals> =
            if complete.is_empty() { self.draws.values().collect() } else { complete };
        let spread = |pick: &dyn Fn(&DrawTotals) -> &Moments| Spread::of(used.iter().map(|d| pick(d)));
        UncertaintySummary {
            metric: self.metric,
            draws: used.len() as u64,
            replications: self.replications,
            arms: (0..arms)
                .map(|arm| ArmSpread {
                    value: spread(&|d| &d.arms[arm]),
                    difference: (arm != self.baseline).then(|| {
                        let means: Vec<f64> = used.iter().map(|d| d.differences[arm].mean()).collect();
                        let better = |x: f64| match direction {
                            Direction::LowerIsBetter => x < 0.0,
                            Direction::HigherIsBetter | Direction::Neutral => x > 0.0,
                        };
                        let worse = |x: f64| match direction {
                            Direction::LowerIsBetter => x > 0.0,
                            Direction::HigherIsBetter | Direction::Neutral => x < 0.0,
                        };
                        let share = |f: &dyn Fn(f64) -> bool| {
                            means.iter().filter(|&&x| f(x)).count() as f64 / means.len().max(1) as f64
                        };
                        DifferenceSpread {
                            spread: spread(&|d| &d.differences[arm]),
                            share_better: share(&better),
                            share_worse: share(&worse),
                        }
                    }),
                })
                .collect(),
        }
    }
}

/// The spread of the headline across parameter draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UncertaintySummary {
    /// The metric (the scenario's headline).
    pub metric: TrialMetric,
    /// Parameter draws run.
    pub draws: u64,
    /// Trials per draw.
    pub replications: u32,
    /// Per arm, in arm order.
    pub arms: Vec<ArmSpread>,
}

/// One arm's spread across draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmSpread {
    /// The arm's headline.
    pub value: Spread,
    /// The arm's headline minus the baseline's; `None` for the baseline.
    pub difference: Option<DifferenceSpread>,
}

/// A paired difference's spread across draws, and how often it favours the arm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DifferenceSpread {
    /// The spread of the draws' mean differences.
    pub spread: Spread,
    /// Share of draws whose mean difference favours the arm (by the metric's
    /// documented direction; "higher" for a neutral metric).
    pub share_better: f64,
    /// Share of draws whose mean difference favours the baseline.
    pub share_worse: f64,
}

impl DifferenceSpread {
    /// The ranking in words, for the terminal table, over `draws` draws.
    pub fn verdict(&self, direction: Direction, draws: u64) -> String {
        let (good, bad) = match direction {
            Direction::Neutral => ("is higher than", "is lower than"),
            _ => ("beats", "loses to"),
        };
        let percent = |share: f64| format!("{:.0}%", 100.0 * share);
        let of = format!("of {}", crate::words::count(draws, "parameter draw", "parameter draws"));
        if draws < MIN_DRAWS_FOR_VERDICT {
            format!(
                "too few draws to judge: {good} the baseline in {}, {bad} it in {} {of}",
                percent(self.share_better),
                percent(self.share_worse)
            )
        } else if self.share_better >= ROBUST_SHARE {
            format!("robust: {good} the baseline in {} {of}", percent(self.share_better))
        } else if self.share_worse >= ROBUST_SHARE {
            format!("robust: {bad} the baseline in {} {of}", percent(self.share_worse))
        } else {
            format!(
                "NOT robust: {good} the baseline in {}, {bad} it in {} {of}",
                percent(self.share_better),
                percent(self.share_worse)
            )
        }
    }
}

/// Quantiles of the draws' means, and the parts of their variance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    /// Mean of the draws' means.
    pub mean: f64,
    /// 5th percentile of the draws' means (linear interpolation between order
    /// statistics); NaN without draws.
    pub p5: f64,
    /// Median of the draws' means.
    pub p50: f64,
    /// 95th percentile of the draws' means.
    pub p95: f64,
    /// Standard deviation of the draws' means (parameters and Monte Carlo noise
    /// together); NaN with fewer than two draws.
    pub between_draws_sd: f64,
    /// The 95% interval of the mean over the parameters' distribution, from the
    /// draws' means (`mean ± t(0.975, D − 1) · between_draws_sd / √D` over `D`
    /// draws): the trials of a draw share its values, so an interval over trials
    /// as if independent is too narrow when a draw has several. NaN with fewer
    /// than two draws.
    pub mean_ci: (f64, f64),
    /// The part due to the parameters: `sqrt(max(0, Var(draw means) − mean over
    /// draws of s²_within / n))`; `None` without replications (a draw of one
    /// trial has no within-draw variance to take out).
    pub parameter_sd: Option<f64>,
    /// The Monte Carlo part, `sqrt(mean over draws of s²_within / n)`: the noise
    /// of one draw's mean; `None` without replications.
    pub monte_carlo_sd: Option<f64>,
}

impl Spread {
    fn of<'a>(draws: impl Iterator<Item = &'a Moments>) -> Self {
        let draws: Vec<&Moments> = draws.collect();
        let mut means: Vec<f64> = draws.iter().map(|m| m.mean()).collect();
        means.sort_by(f64::total_cmp);
        let n = means.len();
        let mean = means.iter().sum::<f64>() / n as f64;
        let between = if n >= 2 {
            means.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64
        } else {
            f64::NAN
        };
        // Draws of several trials tell the noise of their means; a partial last
        // draw of one trial does not, and is left out of that average.
        let noise: Vec<f64> =
            draws.iter().filter(|m| m.count() >= 2).map(|m| m.variance() / m.count() as f64).collect();
        let monte_carlo = (!noise.is_empty()).then(|| noise.iter().sum::<f64>() / noise.len() as f64);
        Self {
            mean,
            p5: quantile(&means, 0.05),
            p50: quantile(&means, 0.5),
            p95: quantile(&means, 0.95),
            between_draws_sd: between.sqrt(),
            mean_ci: {
                let half = crate::stats::half_width_95(n as u64, between.sqrt());
                (mean - half, mean + half)
            },
            parameter_sd: monte_carlo.filter(|_| n >= 2).map(|noise| (between - noise).max(0.0).sqrt()),
            monte_carlo_sd: monte_carlo.map(f64::sqrt),
        }
    }
}

/// The `p` quantile of sorted values, interpolating between order statistics
/// (Hyndman and Fan's type 7, R's default).
fn quantile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n => {
            let h = p * (n - 1) as f64;
            let (low, high) = (h.floor() as usize, h.ceil() as usize);
            sorted[low] + (h - low as f64) * (sorted[high] - sorted[low])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(
        uniform: Option<[f64; 2]>,
        normal: Option<[f64; 2]>,
        triangular: Option<[f64; 3]>,
    ) -> RawDistribution {
        RawDistribution { uniform, normal, triangular }
    }

    #[test]
    fn malformed_distributions_are_refused() {
        assert!(Distribution::from_raw(&raw(None, None, None)).is_err());
        assert!(Distribution::from_raw(&raw(Some([0.0, 1.0]), Some([0.0, 1.0]), None)).is_err());
        // A degenerate uniform is refused, not taken as the fixed value.
        let degenerate = Distribution::from_raw(&raw(Some([0.1, 0.1]), None, None)).unwrap_err();
        assert!(degenerate.contains("not an interval"), "{degenerate}");
        assert!(Distribution::from_raw(&raw(Some([0.2, 0.1]), None, None)).is_err());
        assert!(Distribution::from_raw(&raw(None, Some([1.0, 0.0]), None)).is_err());
        assert!(Distribution::from_raw(&raw(None, None, Some([0.0, 2.0, 1.0]))).is_err());
        assert!(Distribution::from_raw(&raw(None, None, Some([0.0, f64::NAN, 1.0]))).is_err());
        assert_eq!(
            Distribution::from_raw(&raw(None, None, Some([0.0, 0.0, 1.0]))).unwrap(),
            Distribution::Triangular { low: 0.0, mode: 0.0, high: 1.0 }
        );
    }

    /// Each distribution's draws stay in its support and have its mean.
    #[test]
    fn draws_follow_their_distribution() {
        let cases = [
            (Distribution::Uniform { low: 1.0, high: 3.0 }, 2.0),
            (Distribution::Normal { mean: 5.0, sd: 0.5 }, 5.0),
            (Distribution::Triangular { low: 0.0, mode: 0.0, high: 3.0 }, 1.0),
        ];
        for (distribution, expected) in cases {
            let mut rng = crate::rng::test_rng(7);
            let draws: Vec<f64> = (0..20_000).map(|_| distribution.sample(&mut rng)).collect();
            let (low, high) = distribution.support();
            assert!(draws.iter().all(|x| (low..=high).contains(x)), "{distribution:?}");
            let mean = draws.iter().sum::<f64>() / draws.len() as f64;
            assert!((mean - expected).abs() < 0.02, "{distribution:?}: mean {mean}");
        }
    }

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&sorted, 0.5), 3.0);
        assert_eq!(quantile(&sorted, 0.05), 1.2);
        assert!(quantile(&[], 0.5).is_nan());
    }

    /// The interval over draws covers the mean over the parameters' distribution
    /// as a 95% interval should, where one over the trials as if independent does
    /// not: the eight trials of a draw share its centre.
    #[test]
    fn the_interval_over_draws_covers_where_one_over_trials_does_not() {
        let mut rng = crate::rng::test_rng(11);
        let (repetitions, mut over_draws, mut over_trials) = (400, 0, 0);
        for _ in 0..repetitions {
            let mut all = crate::stats::Accumulator::new(100.0, 1e-3);
            let draws: Vec<Moments> = (0..30)
                .map(|_| {
                    let centre = 2.0 * crate::rng::standard_normal(&mut rng);
                    let mut m = Moments::new(100.0);
                    for _ in 0..8 {
                        let x = centre + 4.0 * crate::rng::standard_normal(&mut rng);
                        m.add(x);
                        all.add(x);
                    }
                    m
                })
                .collect();
            let (low, high) = Spread::of(draws.iter()).mean_ci;
            over_draws += usize::from(low < 0.0 && 0.0 < high);
            let naive = all.summarise();
            over_trials += usize::from(naive.ci_low < 0.0 && 0.0 < naive.ci_high);
        }
        let coverage = |hits: usize| hits as f64 / f64::from(repetitions);
        assert!((0.92..=0.98).contains(&coverage(over_draws)), "over draws {}", coverage(over_draws));
        assert!(coverage(over_trials) < 0.9, "over trials {}", coverage(over_trials));
    }

    /// The decomposition separates a known between-draw spread from known noise.
    #[test]
    fn the_parameter_part_is_the_spread_left_after_the_noise() {
        let mut rng = crate::rng::test_rng(3);
        let draws: Vec<Moments> = (0..400)
            .map(|_| {
                let centre = 2.0 * crate::rng::standard_normal(&mut rng);
                let mut m = Moments::new(100.0);
                for _ in 0..8 {
                    m.add(centre + 4.0 * crate::rng::standard_normal(&mut rng));
                }
                m
            })
            .collect();
        let spread = Spread::of(draws.iter());
        // Var(mean) = 4 + 16/8 = 6: between ≈ 2.45, parameters ≈ 2, noise ≈ 1.41.
        assert!((spread.between_draws_sd - 6f64.sqrt()).abs() < 0.25, "{spread:?}");
        assert!((spread.parameter_sd.unwrap() - 2.0).abs() < 0.3, "{spread:?}");
        assert!((spread.monte_carlo_sd.unwrap() - 2f64.sqrt()).abs() < 0.1, "{spread:?}");
        let single: Vec<Moments> = draws
            .iter()
            .map(|_| {
                let mut m = Moments::new(100.0);
                m.add(1.0);
                m
            })
            .collect();
        assert_eq!(Spread::of(single.iter()).parameter_sd, None);
    }

    #[test]
    fn the_verdict_says_plainly_whether_a_ranking_is_robust() {
        let spread = Spread::of(std::iter::empty());
        let verdict = |better, worse, draws| {
            DifferenceSpread { spread: spread.clone(), share_better: better, share_worse: worse }
                .verdict(Direction::LowerIsBetter, draws)
        };
        assert_eq!(verdict(0.97, 0.03, 100), "robust: beats the baseline in 97% of 100 parameter draws");
        assert_eq!(verdict(0.0, 1.0, 40), "robust: loses to the baseline in 100% of 40 parameter draws");
        assert!(verdict(0.6, 0.4, 100).starts_with("NOT robust"), "{}", verdict(0.6, 0.4, 100));
        assert!(verdict(1.0, 0.0, 4).starts_with("too few draws to judge"), "{}", verdict(1.0, 0.0, 4));
    }

    use crate::config::{Config, parse, parse_point};
    use crate::runner::{RunOptions, RunTotals, TrialOutcome, accumulate};
    use std::path::Path;
    use std::sync::atomic::AtomicBool;

    /// The short Peter-principle scenario with the dismissal threshold uncertain,
    /// three trials per draw.
    fn uncertain_peter(trials: u32) -> Config {
        let text = include_str!("../scenarios/peter_principle.toml")
            .replace("steps = 1000", "steps = 60")
            .replacen("[simulation]\n", "[simulation]\nreplications = 3\n", 1)
            + "\n[uncertainty]\n\"workforce.dismissal_threshold\" = { uniform = [3.0, 5.0] }\n";
        parse(&text, Path::new("peter_principle.toml")).unwrap().with_trials(trials).unwrap()
    }

    fn run(config: &Config, threads: usize, first_trial: u64) -> (RunTotals, Vec<TrialOutcome>) {
        let mut rows = Vec::new();
        let options = RunOptions { threads: Some(threads), first_trial, ..RunOptions::default() };
        let totals = accumulate(
            config,
            options,
            &AtomicBool::new(false),
            |batch| {
                rows.extend_from_slice(batch);
                Ok(())
            },
            |_, _| {},
        )
        .unwrap();
        (totals, rows)
    }

    /// Every arm of trial i ran at trial i's draw: the trial replayed alone as a
    /// plain scenario with the drawn values set gives the same rows, arm by arm.
    #[test]
    fn every_arm_of_a_trial_runs_at_its_draw() {
        let config = uncertain_peter(12);
        let uncertainty = config.uncertainty.clone().unwrap();
        let (_, rows) = run(&config, 2, 0);
        let base = uncertainty.base.as_deref().unwrap();
        for trial in [0u64, 4, 5, 11] {
            let draw = uncertainty.draw_of(trial);
            assert_eq!(draw, trial / 3);
            let plain = parse_point(base, Path::new("p.toml"), &uncertainty.overrides(config.seed, draw))
                .unwrap()
                .with_trials(1)
                .unwrap()
                .with_seed(config.seed);
            assert!(plain.uncertainty.is_none());
            let (_, replayed) = run(&plain, 1, trial);
            assert_eq!(replayed[0], rows[trial as usize], "trial {trial}");
        }
        // The draws differ, so the comparison has teeth: the scenario's own value
        // gives other rows.
        let fixed = parse_point(base, Path::new("p.toml"), &[]).unwrap().with_trials(12).unwrap();
        assert_ne!(run(&fixed, 2, 0).1, rows);
        let values: Vec<f64> = (0..4).map(|draw| uncertainty.values(config.seed, draw)[0]).collect();
        assert!(values.iter().all(|v| (3.0..5.0).contains(v)), "{values:?}");
        assert!(values.windows(2).all(|w| w[0] != w[1]), "{values:?}");
    }

    /// The same seed gives the same draws and totals on any thread count, and the
    /// totals of parts of the run (a draw split between them) merge into the whole.
    #[test]
    fn draws_do_not_depend_on_threads_or_on_how_the_trials_are_split() {
        let (one, rows_one) = run(&uncertain_peter(10), 1, 0);
        let (three, rows_three) = run(&uncertain_peter(10), 3, 0);
        assert_eq!(rows_one, rows_three);
        assert_eq!(one, three);
        // Parts 0..4, 4..5, 5..10: draws 1 and 3 straddle them.
        let parts = [
            run(&uncertain_peter(4), 2, 0).0,
            run(&uncertain_peter(1), 1, 4).0,
            run(&uncertain_peter(5), 2, 5).0,
        ];
        let mut merged = RunTotals::empty(&uncertain_peter(10));
        for part in [&parts[2], &parts[0], &parts[1]] {
            merged.merge(part);
        }
        assert_eq!(merged, one);
        let mut bytes = Vec::new();
        one.encode(&mut bytes).unwrap();
        assert_eq!(RunTotals::empty(&uncertain_peter(10)).decode_like(&mut bytes.as_slice()).unwrap(), one);
        // Ten trials of three per draw: the partial fourth draw, of one trial, is
        // left out of the spread.
        let summary = one.summarise().uncertainty.unwrap();
        assert_eq!((summary.draws, summary.replications), (3, 3));
    }
}
