//! `attrition validate`: checks scenario files without running them.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;

use super::Failure;

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
                "ok: {} ({} arms, {} positions, {} steps, {} trials)",
                path.display(),
                config.arms.len(),
                config.positions(),
                config.steps,
                config.trials
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
