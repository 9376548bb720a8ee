//! Loading the scenario a command runs: the file, `--set` overrides, `--trials`
//! and `--seed`.

use std::path::Path;

use anyhow::anyhow;

use attrition::config::{self, Config, Override, ScenarioError};

use super::Failure;

/// Loads a scenario and applies the command line's overrides; returns the
/// validated configuration and the file's text (for the manifest and for sweeps),
/// read once.
pub fn load_config(
    path: &Path,
    trials: Option<u32>,
    seed: Option<u64>,
    set: &[String],
) -> Result<(Config, String), Failure> {
    let text = config::read_text(path)
        .map_err(|source| Failure::bad_input(ScenarioError::Read { path: path.to_owned(), source }))?;
    let config = validate_text(path, &text, trials, seed, set)?;
    Ok((config, text))
}

/// Validates a scenario's text (read already, or kept in a shard) named `path`,
/// with the command line's overrides.
pub fn validate_text(
    path: &Path,
    text: &str,
    trials: Option<u32>,
    seed: Option<u64>,
    set: &[String],
) -> Result<Config, Failure> {
    let overrides = parse_overrides(set)?;
    let config = config::parse_with(text, path, &overrides).map_err(Failure::bad_input)?;
    for warning in &config.warnings {
        eprintln!("warning: {}: {warning}", path.display());
    }
    apply_flags(config, trials, seed)
}

/// Parses `--set` flags; a malformed one is named by its position, as the
/// validation's problems name it.
pub fn parse_overrides(set: &[String]) -> Result<Vec<Override>, Failure> {
    set.iter()
        .enumerate()
        .map(|(index, text)| {
            config::overrides::parse_set(text)
                .map_err(|message| Failure::bad_input(anyhow!("--set #{} {message}", index + 1)))
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
