//! Sensitivity analysis: which parameters an output depends on, and how much.
//!
//! A design (points in the box of the parameters' ranges) is built by [`design`],
//! evaluated by a [`Model`] (a scenario through the experiment layer,
//! [`scenario::ScenarioModel`], or an analytic test function, [`ishigami`]), and its
//! outputs turned into indices by [`estimate`]. Every model goes through the same
//! [`analyse`], so the estimators are checked on a function whose indices are known.
//!
//! Everything random (the design and the bootstrap) is drawn from streams of the
//! master seed, so the indices are a function of (scenario, seed) alone.

pub mod design;
pub mod estimate;
pub mod ishigami;
pub mod scenario;

use std::fmt;

use crate::config::design::LhsRange;

/// A parameter of the analysis: a field and the interval it spans.
pub type Parameter = LhsRange;

/// A point of a design: one value per parameter, or `None` where the parameter
/// keeps its value in the scenario (only one-at-a-time designs leave any).
pub type DesignPoint = Vec<Option<f64>>;

/// What can be analysed: something that gives an output at every point of a batch.
pub trait Model {
    /// Why an evaluation failed.
    type Error;

    /// The output at each point, as replicates: every point has the same number of
    /// replicates, and replicate `r` of every point is drawn from the same random
    /// numbers (common random numbers), so differences between points are paired.
    /// A deterministic model gives one replicate.
    fn evaluate(&mut self, points: &[DesignPoint]) -> Result<Vec<Vec<f64>>, Self::Error>;
}

/// How parameters are varied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One at a time: each parameter at its low and high end, the others at the
    /// scenario's values (a tornado chart).
    Oat,
    /// Morris elementary effects along random one-at-a-time trajectories, for
    /// screening many parameters.
    Morris,
    /// Sobol first- and total-order variance shares from a Saltelli design.
    Sobol,
}

impl Method {
    /// Every method, in the order the command line lists them.
    pub const ALL: [Method; 3] = [Method::Oat, Method::Morris, Method::Sobol];

    /// The method's name in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Method::Oat => "oat",
            Method::Morris => "morris",
            Method::Sobol => "sobol",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which index an estimate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    /// One at a time: the output at the parameter's low end minus the output at the
    /// scenario's values.
    Low,
    /// One at a time: the output at the high end minus the output at the scenario's values.
    High,
    /// Morris: the mean of the absolute elementary effects (Campolongo et al. 2007).
    MuStar,
    /// Morris: the mean of the elementary effects (signed).
    Mu,
    /// Morris: the standard deviation of the elementary effects (interactions and
    /// non-linearity).
    Sigma,
    /// Sobol: first-order index (Saltelli et al. 2010).
    FirstOrder,
    /// Sobol: total-order index (Jansen 1999).
    TotalOrder,
}

impl IndexKind {
    /// The index's name in `sensitivity.csv`.
    pub fn name(self) -> &'static str {
        match self {
            IndexKind::Low => "low",
            IndexKind::High => "high",
            IndexKind::MuStar => "mu_star",
            IndexKind::Mu => "mu",
            IndexKind::Sigma => "sigma",
            IndexKind::FirstOrder => "S1",
            IndexKind::TotalOrder => "ST",
        }
    }
}

/// One estimated index of one parameter, with its 95 % interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// Position of the parameter in the analysis.
    pub parameter: usize,
    /// Which index.
    pub kind: IndexKind,
    /// The estimate.
    pub estimate: f64,
    /// Lower end of the 95 % interval.
    pub ci_low: f64,
    /// Upper end of the 95 % interval.
    pub ci_high: f64,
}

/// How large a design is and how its intervals are made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The method.
    pub method: Method,
    /// Morris: trajectories; Sobol: rows of each base matrix (N). Ignored by OAT.
    pub samples: usize,
    /// Bootstrap resamples for the Morris and Sobol intervals.
    pub resamples: usize,
    /// The master seed: the design and the bootstrap draw from its streams.
    pub seed: u64,
}

impl Settings {
    /// The default number of samples of a method: Morris trajectories, or Sobol's N.
    pub fn default_samples(method: Method) -> usize {
        match method {
            Method::Oat => 1,
            Method::Morris => 20,
            Method::Sobol => 256,
        }
    }

    /// Points the design evaluates for `parameters` parameters.
    pub fn points(&self, parameters: usize) -> usize {
        match self.method {
            Method::Oat => 1 + 2 * parameters,
            Method::Morris => self.samples * (parameters + 1),
            Method::Sobol => self.samples * (parameters + 2),
        }
    }
}

/// The results of an analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The method used.
    pub method: Method,
    /// Points evaluated.
    pub points: usize,
    /// Every index of every parameter, parameter by parameter.
    pub indices: Vec<Index>,
}

/// Runs the design of `settings` over `parameters` through `model` and estimates
/// the method's indices.
pub fn analyse<M: Model>(
    model: &mut M,
    parameters: &[Parameter],
    settings: &Settings,
) -> Result<Analysis, M::Error> {
    let points = match settings.method {
        Method::Oat => design::one_at_a_time(parameters),
        Method::Morris => design::morris(parameters, settings.samples, settings.seed).points,
        Method::Sobol => design::saltelli(parameters, settings.samples, settings.seed),
    };
    let replicates = model.evaluate(&points)?;
    let indices = match settings.method {
        Method::Oat => estimate::one_at_a_time(parameters.len(), &replicates),
        Method::Morris => {
            let trajectories = design::morris(parameters, settings.samples, settings.seed);
            let outputs = estimate::means(&replicates);
            estimate::morris(&trajectories, &outputs, settings.resamples, settings.seed)
        }
        Method::Sobol => {
            let outputs = estimate::means(&replicates);
            estimate::sobol(parameters.len(), settings.samples, &outputs, settings.resamples, settings.seed)
        }
    };
    Ok(Analysis { method: settings.method, points: points.len(), indices })
}
