//! `attrition validate`: checks scenario files without running them.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;

use super::Failure;
use attrition::words::count;

/// Flags of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
}

/// Checks every file and reports every problem; fails if any file is invalid.
pub fn validate(args: &ValidateArgs) -> Result<(), Failure> {
    let mut invalid = 0;
    for path in &args.scenarios {
        match attrition::config::load(path) {
            Ok(config) => println!(
                "ok: {} ({}, {}, {}, {})",
                path.display(),
                count(config.arms.len() as u64, "arm", "arms"),
                count(config.positions(), "position", "positions"),
                count(config.steps, "step", "steps"),
                count(config.trials, "trial", "trials")
            ),
            Err(error) => {
                eprintln!("{error}");
                invalid += 1;
            }
        }
    }
    if invalid == 0 {
        Ok(())
    } else {
        Err(Failure::bad_input(anyhow!("{invalid} of {} scenario files are invalid", args.scenarios.len())))
    }
}
