//! A scenario as a sensitivity [`Model`]: each design point is the scenario with
//! its parameters set (as `--set` sets them, so every point is validated like the
//! file), and every point is evaluated through [`crate::experiment`] over the same
//! trials (common random numbers). A point's replicates are its trials' outputs.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::{DesignPoint, Model};
use crate::config::overrides::render_value;
use crate::config::{self, Config, Override, ScenarioError};
use crate::experiment::{self, ExperimentError, Point};
use crate::metrics::{TrialMetric, TrialRow};

/// What is measured at each point: one arm's trial metric, or the paired
/// difference of a trial metric between two arms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// The metric of one arm.
    Metric {
        /// The arm's index.
        arm: usize,
        /// The trial metric.
        metric: TrialMetric,
    },
    /// The metric of `arm` minus that of `versus`, trial by trial.
    Contrast {
        /// The arm's index.
        arm: usize,
        /// The arm it is compared with.
        versus: usize,
        /// The trial metric.
        metric: TrialMetric,
    },
}

impl Output {
    /// The scenario's headline contrast: its headline metric, the last arm (in file
    /// order) that is not the baseline minus the baseline; with one arm, that arm's
    /// headline metric.
    pub fn headline(config: &Config) -> Self {
        let metric = config.headline;
        let versus = config.baseline;
        match (0..config.arms.len()).rev().find(|&arm| arm != versus) {
            Some(arm) => Self::Contrast { arm, versus, metric },
            None => Self::Metric { arm: versus, metric },
        }
    }

    /// The output of one trial, from its arms' rows.
    pub fn of(&self, arms: &[TrialRow]) -> f64 {
        match *self {
            Self::Metric { arm, metric } => arms[arm][metric as usize],
            Self::Contrast { arm, versus, metric } => {
                arms[arm][metric as usize] - arms[versus][metric as usize]
            }
        }
    }

    /// The output in words, as `sensitivity.csv` names it: `metric[arm]` or
    /// `metric[arm - versus]`.
    pub fn describe(&self, config: &Config) -> String {
        match *self {
            Self::Metric { arm, metric } => format!("{}[{}]", metric.name(), config.arms[arm].name),
            Self::Contrast { arm, versus, metric } => {
                format!("{}[{} - {}]", metric.name(), config.arms[arm].name, config.arms[versus].name)
            }
        }
    }

    /// The metric measured.
    pub fn metric(&self) -> TrialMetric {
        match *self {
            Self::Metric { metric, .. } | Self::Contrast { metric, .. } => metric,
        }
    }
}

/// Why a scenario could not be evaluated at a design's points.
#[derive(Debug, thiserror::Error)]
pub enum SensitivityError {
    /// A design point is not a valid scenario (a value outside a field's range, a
    /// float for an integer field, a field the scenario has not got).
    #[error("at the design point {assignment}: {source}")]
    Invalid {
        /// The point's index.
        point: usize,
        /// Its field values, in words.
        assignment: String,
        /// What validation found.
        #[source]
        source: ScenarioError,
    },
    /// The experiment failed or was interrupted.
    #[error(transparent)]
    Experiment(#[from] ExperimentError),
}

/// A scenario evaluated point by point through the experiment layer.
pub struct ScenarioModel<'a, P: FnMut(u64, u64)> {
    /// The scenario's text, as read.
    pub text: &'a str,
    /// Its file, to name it in errors.
    pub path: &'a Path,
    /// Overrides applied at every point first (`--set`).
    pub fixed: &'a [Override],
    /// The field of each parameter, in the analysis's order.
    pub fields: Vec<String>,
    /// Trials per point (every point runs the same trials).
    pub trials: u32,
    /// The master seed of every point.
    pub seed: u64,
    /// What is measured.
    pub output: Output,
    /// How the experiment runs.
    pub options: experiment::Options,
    /// Set to stop between chunks of trials.
    pub stop: &'a AtomicBool,
    /// `(trials done, trials in all)` over the whole design.
    pub progress: P,
}

impl<P: FnMut(u64, u64)> ScenarioModel<'_, P> {
    /// Every design point as a validated scenario, before any runs.
    pub fn points(&self, design: &[DesignPoint]) -> Result<Vec<Point>, SensitivityError> {
        design
            .iter()
            .enumerate()
            .map(|(index, values)| {
                let assignment: Vec<Override> = self
                    .fields
                    .iter()
                    .zip(values)
                    .filter_map(|(field, value)| {
                        value.map(|v| Override { field: field.clone(), value: toml::Value::Float(v) })
                    })
                    .collect();
                let invalid = |source| SensitivityError::Invalid {
                    point: index,
                    assignment: describe(&assignment),
                    source,
                };
                let overrides: Vec<Override> = self.fixed.iter().chain(&assignment).cloned().collect();
                // A value from the design is named as the design's, not as a --set flag.
                let source = |at: usize| match at.checked_sub(self.fixed.len()) {
                    None => format!("--set #{} {}", at + 1, overrides[at]),
                    Some(_) => format!("the design point {}", overrides[at]),
                };
                let mut config =
                    config::parse_point_as(self.text, self.path, &overrides, &source).map_err(invalid)?;
                // The analysis varies parameters itself, at fixed values: a draw of
                // [uncertainty] would replace the very values it sets.
                config.uncertainty = None;
                let config = config
                    .with_trials(self.trials)
                    .map_err(|problems| {
                        invalid(ScenarioError::Invalid { path: self.path.to_owned(), problems })
                    })?
                    .with_seed(self.seed);
                Ok(Point { assignment, config })
            })
            .collect()
    }
}

/// A point's field values in words (the scenario's own values: "the scenario").
fn describe(assignment: &[Override]) -> String {
    if assignment.is_empty() {
        return "of the scenario's own values".to_owned();
    }
    assignment
        .iter()
        .map(|o| format!("{}={}", o.field, render_value(&o.value)))
        .collect::<Vec<_>>()
        .join(", ")
}

impl<P: FnMut(u64, u64)> Model for ScenarioModel<'_, P> {
    type Error = SensitivityError;

    fn evaluate(&mut self, design: &[DesignPoint]) -> Result<Vec<Vec<f64>>, SensitivityError> {
        let points = self.points(design)?;
        let mut replicates: Vec<Vec<f64>> = vec![Vec::with_capacity(self.trials as usize); points.len()];
        let output = self.output;
        let total = points.len() as u64 * u64::from(self.trials);
        // A batch at a time: the experiment keeps each point's whole summary (its
        // time series too), which a design of thousands of points need not hold.
        for (batch, chunk) in points.chunks(POINTS_PER_BATCH).enumerate() {
            let first = batch * POINTS_PER_BATCH;
            let done_before = first as u64 * u64::from(self.trials);
            let progress = &mut self.progress;
            experiment::evaluate(
                chunk,
                &self.options,
                self.stop,
                |point, outcomes| {
                    // Chunks arrive in trial order, so replicate r is trial r at every point.
                    replicates[first + point].extend(outcomes.iter().map(|outcome| output.of(&outcome.arms)));
                    Ok(())
                },
                |done, _| progress(done_before + done, total),
            )
            .map_err(|error| in_design(error, first))?;
        }
        Ok(replicates)
    }
}

/// An error of a batch's experiment, its point counted in the whole design (the
/// batch starts at point `first`).
fn in_design(error: ExperimentError, first: usize) -> ExperimentError {
    match error {
        ExperimentError::Run { point, source } => ExperimentError::Run { point: first + point, source },
        other => other,
    }
}

/// Points evaluated together, so memory is bounded by a batch's summaries.
const POINTS_PER_BATCH: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::overrides::parse_set;
    use crate::sensitivity::{IndexKind, Method, Parameter, Settings, analyse};

    const TECH: &str = include_str!("../../scenarios/ci/tech_org.toml");

    /// A short run of the CI tech_org scenario, with role misfit switched off.
    fn fixed() -> Vec<Override> {
        ["simulation.burn_in=3", "simulation.steps=24", "dynamics.misfit.enabled=false"]
            .map(|set| parse_set(set).unwrap())
            .to_vec()
    }

    fn model<'a>(
        stop: &'a AtomicBool,
        fixed: &'a [Override],
        fields: &[&str],
        threads: usize,
    ) -> ScenarioModel<'a, fn(u64, u64)> {
        let path = Path::new("tech_org.toml");
        let config = config::parse(TECH, path).unwrap();
        ScenarioModel {
            text: TECH,
            path,
            fixed,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            trials: 3,
            seed: 11,
            output: Output::headline(&config),
            options: experiment::Options { threads: Some(threads), ..Default::default() },
            stop,
            progress: |_, _| (),
        }
    }

    #[test]
    fn the_headline_contrast_is_the_last_arm_against_the_baseline() {
        let config = config::parse(TECH, Path::new("tech_org.toml")).unwrap();
        let output = Output::headline(&config);
        assert_eq!(output.metric(), config.headline);
        assert_eq!(output.describe(&config), "regretted_attrition[all three - common practice]");
    }

    #[test]
    fn an_invalid_design_point_is_named() {
        let stop = AtomicBool::new(false);
        let fixed = fixed();
        let mut model = model(&stop, &fixed, &["workforce.leadership_correlation"], 1);
        let error = model.evaluate(&[vec![Some(0.5)], vec![Some(7.0)]]).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("workforce.leadership_correlation=7.0"), "{message}");
        // The value came from the design, not from a --set flag.
        assert!(message.contains("(from the design point workforce.leadership_correlation=7"), "{message}");
        assert!(!message.contains("--set #"), "{message}");
        assert!(matches!(error, SensitivityError::Invalid { point: 1, .. }));
    }

    /// A failure in a later batch names its point in the whole design.
    #[test]
    fn a_batch_failure_counts_its_point_in_the_whole_design() {
        let source = crate::runner::RunError::Sink("full".into());
        let error = in_design(ExperimentError::Run { point: 3, source }, 2 * POINTS_PER_BATCH);
        assert!(matches!(error, ExperimentError::Run { point: 35, .. }), "{error:?}");
    }

    /// Common random numbers: a lever of a switched-off mechanism moves no trial,
    /// so its Sobol indices are exactly zero with intervals that cover 0, while a
    /// lever that matters gets a positive total-order index.
    #[test]
    fn a_switched_off_mechanism_gets_sobol_indices_of_zero() {
        let stop = AtomicBool::new(false);
        let fixed = fixed();
        let fields = ["dynamics.overhead.load", "dynamics.misfit.threshold"];
        let mut model = model(&stop, &fixed, &fields, 2);
        let parameters = [
            Parameter { field: fields[0].into(), low: 0.05, high: 0.3 },
            Parameter { field: fields[1].into(), low: 0.3, high: 0.7 },
        ];
        let settings = Settings { method: Method::Sobol, samples: 6, resamples: 50, seed: 5 };
        let analysis = analyse(&mut model, &parameters, &settings).unwrap();
        assert_eq!(analysis.points, 6 * 4);
        let of = |parameter: usize, kind: IndexKind| {
            analysis.indices.iter().find(|i| i.parameter == parameter && i.kind == kind).unwrap().clone()
        };
        for kind in [IndexKind::FirstOrder, IndexKind::TotalOrder] {
            let off = of(1, kind);
            assert!(off.ci_low <= 0.0 && 0.0 <= off.ci_high && off.estimate == 0.0, "{off:?}");
        }
        assert!(of(0, IndexKind::TotalOrder).estimate > 0.0, "{:?}", analysis.indices);
    }
}
