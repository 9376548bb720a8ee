//! The shared burn-ins of a scenario's trials, kept from one run to the next.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::config::Config;
use crate::model::BurntIn;

/// Each trial's state at the end of the baseline's burn-in (under
/// `burn_in_levers = "baseline"`), kept for later runs of the same history: the
/// live page re-runs one arm after another from them, and a run of one arm then
/// costs its measured steps only. A run of another history (any change but to the
/// arms other than the baseline) starts the store afresh, so whatever is passed in
/// the results are those of a run without it. Holds at most its budget of bytes.
#[derive(Debug)]
pub struct BurnIns {
    budget: u64,
    kept: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    /// What the states are of: the configuration with its baseline as its only arm.
    history: String,
    states: HashMap<u64, Arc<BurntIn>>,
    bytes: u64,
}

impl BurnIns {
    /// A store of at most `budget` bytes of states.
    pub fn with_budget(budget: u64) -> Self {
        Self { budget, kept: Mutex::default() }
    }

    /// How many trials' states are kept.
    pub fn len(&self) -> usize {
        self.lock().states.len()
    }

    /// Whether no state is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes the store one of `config`'s history, dropping what it kept of another.
    pub(super) fn adopt(&self, config: &Config) {
        let history = Self::history_of(config);
        let mut kept = self.lock();
        if kept.history != history {
            *kept = Kept { history, ..Kept::default() };
        }
    }

    /// Trial `trial`'s state, if kept (with the team history an event log needs,
    /// when `with_teams`).
    pub(super) fn get(&self, trial: u64, with_teams: bool) -> Option<Arc<BurntIn>> {
        let kept = self.lock();
        kept.states.get(&trial).filter(|state| state.keeps_teams() || !with_teams).cloned()
    }

    /// Keeps trial `trial`'s state of `bytes` bytes, within the budget.
    pub(super) fn keep(&self, trial: u64, state: &Arc<BurntIn>, bytes: u64) {
        let mut kept = self.lock();
        if kept.bytes.saturating_add(bytes) <= self.budget
            && kept.states.insert(trial, Arc::clone(state)).is_none()
        {
            kept.bytes += bytes;
        }
    }

    /// What a shared burn-in depends on: everything but the arms other than the
    /// baseline (and the baseline's name, label and place) and the trial count
    /// (each trial's state depends on its own index and seed only). Two
    /// configurations of one history share their trials' states.
    pub fn history_of(config: &Config) -> String {
        let mut history = config.clone();
        history.arms = vec![config.arms[config.baseline].levers()];
        history.baseline = 0;
        history.trials = 1;
        serde_json::to_string(&history).expect("a configuration serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{RunOptions, run};
    use std::sync::atomic::AtomicBool;

    fn shared_peter(trials: u32) -> Config {
        let text = include_str!("../../scenarios/ci/peter_principle.toml")
            .replace("steps = 300", "steps = 30\nburn_in = 20\nburn_in_levers = \"baseline\"");
        crate::config::parse(&text, std::path::Path::new("p.toml")).unwrap().with_trials(trials).unwrap()
    }

    /// A run from kept burn-ins is the run without them, bit for bit; the store
    /// keeps one state per trial, of one history at a time, within its budget.
    #[test]
    fn runs_from_kept_burn_ins_are_the_runs_without_them() {
        let config = shared_peter(5);
        assert!(config.shares_burn_in());
        let summary = |config: &Config, store: Option<&Arc<BurnIns>>| {
            let options = RunOptions { burn_ins: store.cloned(), threads: Some(2), ..RunOptions::default() };
            let whole = run(config, options, &AtomicBool::new(false), |_| Ok(()), |_, _| ()).unwrap();
            crate::output::tables::SummaryTables::of(config, &whole).summary
        };
        let plain = summary(&config, None);
        let store = Arc::new(BurnIns::with_budget(u64::MAX));
        assert_eq!(summary(&config, Some(&store)), plain, "the first run, keeping");
        assert_eq!(store.len(), 5);
        assert_eq!(summary(&config, Some(&store)), plain, "the second, from what was kept");
        let mut other = config.clone();
        other.arms[1].promotion = crate::config::Promotion::Mixed { best_probability: 0.2 };
        assert_eq!(BurnIns::history_of(&other), BurnIns::history_of(&config), "another arm, one history");
        assert_eq!(summary(&other, Some(&store)), summary(&other, None));
        assert_eq!(store.len(), 5);
        let mut seeded = config.clone();
        seeded.seed += 1;
        assert_eq!(summary(&seeded, Some(&store)), summary(&seeded, None), "another history starts afresh");
        assert_eq!(store.len(), 5);
        let small = Arc::new(BurnIns::with_budget(2 * config.positions() * 200));
        assert_eq!(summary(&config, Some(&small)), plain);
        assert_eq!(small.len(), 2, "within the budget");
    }
}
