//! `attrition validate`: checks scenario files, and expectations files against
//! their scenarios, without running them.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::Args;

use attrition::calibrate::targets;
use attrition::config::{Config, ScenarioError};
use attrition::expect;
use attrition::words::count;

use super::Failure;

/// Flags of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files, expectations files and targets files to check. An
    /// expectations file (`x.expect.toml`, or one with [[expect]] tables and no
    /// [simulation]) is checked against the scenario `x.toml` beside it, or the one
    /// --scenario names; a targets file (`x.targets.toml`) against `x.toml` beside it
    /// or in the directory above, or --scenario.
    #[arg(required_unless_present = "targets")]
    files: Vec<PathBuf>,
    /// A targets file of `attrition calibrate` to check, whatever its name
    /// (repeatable), against --scenario or the scenario its name gives.
    #[arg(long, value_name = "T.toml")]
    targets: Vec<PathBuf>,
    /// The scenario the expectations or targets files belong to, instead of the one
    /// their names give.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
}

/// Checks every file and reports every problem; fails if any file is invalid.
pub fn validate(args: &ValidateArgs) -> Result<(), Failure> {
    let mut invalid = 0;
    let named_targets = args.files.iter().filter(|path| targets::scenario_beside(path).is_some());
    let targets_files: Vec<&PathBuf> = args.targets.iter().chain(named_targets).collect();
    for path in &targets_files {
        match validate_targets(path, args.scenario.as_deref()) {
            Ok(line) => println!("{line}"),
            Err(message) => {
                eprintln!("{message}");
                invalid += 1;
            }
        }
    }
    for path in args.files.iter().filter(|path| targets::scenario_beside(path).is_none()) {
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
        let checked = args.files.len() + args.targets.len();
        Err(Failure::bad_input(anyhow!("{invalid} of {checked} files are invalid")))
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

/// A targets file, against the scenario it calibrates.
fn validate_targets(path: &Path, scenario: Option<&Path>) -> Result<String, String> {
    let scenario = match scenario.map(Path::to_path_buf).or_else(|| targets::scenario_beside(path)) {
        Some(scenario) => scenario,
        None => {
            return Err(format!(
                "targets file {}: name the scenario it calibrates with --scenario (or name the file \
                 <scenario>.targets.toml beside it), so its moments can be checked against the scenario's \
                 levels and metrics",
                path.display()
            ));
        }
    };
    let config = attrition::config::load(&scenario).map_err(|error| {
        format!(
            "targets file {} calibrates {}, which is not a valid scenario:\n{error}",
            path.display(),
            scenario.display()
        )
    })?;
    let (file, _) = targets::load(path, &config).map_err(|error| error.to_string())?;
    Ok(format!(
        "ok: {} ({}, {}, of {})",
        path.display(),
        count(file.targets.len() as u64, "target", "targets"),
        count(file.fit.len() as u64, "fitted field", "fitted fields"),
        scenario.display()
    ))
}
