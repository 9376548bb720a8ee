//! `attrition validate`: checks scenario files, and expectations files against
//! their scenarios, without running them.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::Args;

use attrition::config::{Config, ScenarioError};
use attrition::expect;
use attrition::words::count;

use super::Failure;

/// Flags of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files and expectations files to check. An expectations file
    /// (`x.expect.toml`, or one with [[expect]] tables and no [simulation]) is checked
    /// against the scenario `x.toml` beside it, or the one --scenario names.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The scenario the expectations files test, instead of the one beside each.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
}

/// Checks every file and reports every problem; fails if any file is invalid.
pub fn validate(args: &ValidateArgs) -> Result<(), Failure> {
    let mut invalid = 0;
    for path in &args.files {
        // Read once: the text decides whether it is an expectations file or a scenario.
        let outcome = match attrition::config::read_text(path) {
            Ok(text) if expect::is_expectations_file(path, &text) => {
                validate_expectations(path, &text, args.scenario.as_deref())
            }
            Ok(text) => attrition::config::parse(&text, path)
                .map(|config| describe_scenario(path, &config))
                .map_err(|e| e.to_string()),
            Err(source) if expect::scenario_beside(path).is_some() => {
                Err(expect::ExpectError::Read { path: path.clone(), source }.to_string())
            }
            Err(source) => Err(ScenarioError::Read { path: path.clone(), source }.to_string()),
        };
        match outcome {
            Ok(line) => println!("{line}"),
            Err(message) => {
                eprintln!("{message}");
                invalid += 1;
            }
        }
    }
    if invalid == 0 {
        Ok(())
    } else {
        Err(Failure::bad_input(anyhow!("{invalid} of {} files are invalid", args.files.len())))
    }
}

fn describe_scenario(path: &Path, config: &Config) -> String {
    format!(
        "ok: {} ({}, {}, {}, {})",
        path.display(),
        count(config.arms.len() as u64, "arm", "arms"),
        count(config.positions(), "position", "positions"),
        count(config.steps, "step", "steps"),
        count(config.trials, "trial", "trials")
    )
}

/// An expectations file, against the scenario it belongs to.
fn validate_expectations(path: &Path, text: &str, scenario: Option<&Path>) -> Result<String, String> {
    let scenario = match scenario.map(Path::to_path_buf).or_else(|| expect::scenario_beside(path)) {
        Some(scenario) => scenario,
        None => {
            return Err(format!(
                "expectations file {}: name it <scenario>.expect.toml beside its scenario, or name the \
                 scenario with --scenario, so its arms and metrics can be checked",
                path.display()
            ));
        }
    };
    let config = attrition::config::load(&scenario).map_err(|error| {
        format!(
            "expectations file {} tests {}, which is not a valid scenario:\n{error}",
            path.display(),
            scenario.display()
        )
    })?;
    let expectations = expect::parse(text, path, &config).map_err(|error| error.to_string())?;
    Ok(format!(
        "ok: {} ({}, of {})",
        path.display(),
        count(expectations.len() as u64, "expectation", "expectations"),
        scenario.display()
    ))
}
