//! Loading the scenario a command runs: the file, `--set` overrides, `--trials`
//! and `--seed`.

use std::path::Path;

use anyhow::anyhow;

use attrition::config::{self, Config, Override};

use super::Failure;

/// Loads a scenario and applies the command line's overrides.
pub fn load_config(
    path: &Path,
    trials: Option<u32>,
    seed: Option<u64>,
    set: &[String],
) -> Result<Config, Failure> {
    let overrides = parse_overrides(set)?;
    let config = config::load_with(path, &overrides).map_err(Failure::bad_input)?;
    apply_flags(config, trials, seed)
}

/// Parses `--set` flags.
pub fn parse_overrides(set: &[String]) -> Result<Vec<Override>, Failure> {
    set.iter()
        .map(|text| {
            config::overrides::parse_set(text)
                .map_err(|message| Failure::bad_input(anyhow!("--set {message}")))
        })
        .collect()
}

/// Applies `--trials` and `--seed`.
pub fn apply_flags(mut config: Config, trials: Option<u32>, seed: Option<u64>) -> Result<Config, Failure> {
    if let Some(trials) = trials {
        config = config
            .with_trials(trials)
            .map_err(|problems| Failure::bad_input(anyhow!("--trials {trials}: {}", problems[0].message)))?;
    }
    if let Some(seed) = seed {
        config = config.with_seed(seed);
    }
    Ok(config)
}
