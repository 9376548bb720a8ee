//! Working memory of the behavioural passes, kept across steps so a step
//! allocates nothing, and the level statistics the passes share.

use crate::model::quintiles::RankQuintiles;

/// Per-level statistics of the last work pass.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LevelStats {
    /// Performance of the holders.
    pub performance: Spread,
}

/// The mean and standard deviation of a quantity over a level's holders.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// Mean.
    pub mean: f64,
    /// Standard deviation (1 when the level has fewer than two holders or none vary).
    pub sd: f64,
}

impl Default for Spread {
    fn default() -> Self {
        Self { mean: 0.0, sd: 1.0 }
    }
}

impl Spread {
    /// A value standardised within the level.
    #[inline]
    pub fn z(&self, value: f64) -> f64 {
        (value - self.mean) / self.sd
    }
}

/// Working memory of the behavioural passes, kept across steps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scratch {
    /// Per level, the statistics of the last work pass.
    pub levels: Vec<LevelStats>,
    /// The ICs' capabilities.
    pub(super) capabilities: Vec<f64>,
    /// The ICs' overhead weights, then shares.
    pub(super) shares: Vec<f64>,
    /// Per IC, the mean output per holder of their team.
    pub(super) team_means: Vec<f64>,
    /// The ICs' skills, for the top decile.
    pub(super) ranked: Vec<f64>,
    /// Positions leaving this step.
    pub(super) leavers: Vec<usize>,
    /// Per position, performance standardised within the level.
    pub(super) standing: Vec<f64>,
    /// Per position, the percentile of that standing.
    pub(super) percentile: Vec<f64>,
    /// Per position, their manager's effectiveness.
    pub(super) boss: Vec<f64>,
    /// Per position, role misfit.
    pub(super) misfit: Vec<f64>,
    /// The ICs eligible for a grade this step, by position.
    pub(super) candidates: Vec<usize>,
    /// Per position, this step's engagement noise.
    pub(super) noise: Vec<f64>,
    /// Per position, the probability of an involuntary separation this step.
    pub(super) separation: Vec<f64>,
    /// Positions whose ranks are wanted together (grade advancements, the end of a
    /// trial), for the event log.
    pub(super) picked: Vec<usize>,
    /// Quintiles of several holders of a level: a level's leavers by skill (which
    /// decides a regretted quit), and for the event log by performance too.
    pub(super) ranks: RankQuintiles,
    /// The clock (`Workforce::now`) when the last settle ran.
    pub(super) settled_at: f64,
    /// A skill a little below the last cut of the top IC decile (a guess for the next step).
    pub(super) overhead_cut: f64,
    /// Working memory of the calibration targets' observables.
    pub(super) targets: Vec<f64>,
}

impl Scratch {
    /// Working memory for an organisation of `levels` levels.
    pub fn new(levels: usize) -> Self {
        Self { levels: vec![LevelStats::default(); levels], ..Self::default() }
    }
}
