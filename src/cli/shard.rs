//! `attrition run --shard I/K`: one contiguous range of a run's trials, at every
//! point of a sweep, into a shard file that `attrition merge` folds with the others.

use std::path::PathBuf;

use anyhow::anyhow;
use serde::{Deserialize, Serialize};

use attrition::config::Config;
use attrition::experiment::{self, Point};
use attrition::metrics::TRIAL_METRICS;
use attrition::shard::{self, PROGRAM_VERSION, ShardFile, ShardManifest, ShardWriter};

use super::guards::{bound_threads, check_memory, check_sweep_memory, check_threads, interrupt_flag};
use super::progress::Progress;
use super::{Failure, OutputsArg, RunCommand};

/// `I/K`: shard I (0-based) of K.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    /// I.
    pub index: u64,
    /// K.
    pub count: u64,
}

/// Reads `I/K` (clap's value parser).
pub fn parse_spec(text: &str) -> Result<ShardSpec, String> {
    let (index, count) = text
        .split_once('/')
        .ok_or_else(|| format!("{text:?} is not I/K (e.g. 0/8: the first of 8 shards)"))?;
    let number = |part: &str, what: &str| {
        part.trim().parse::<u64>().map_err(|_| format!("{what} {part:?} in {text:?} is not a whole number"))
    };
    let (index, count) = (number(index, "I")?, number(count, "K")?);
    if count == 0 {
        return Err("K must be at least 1".to_owned());
    }
    if index >= count {
        return Err(format!("I = {index} must be below K = {count} (shards are numbered from 0)"));
    }
    Ok(ShardSpec { index, count })
}

/// The command line's choices that shape a run's results and files, as a shard
/// records them, so `merge` repeats them exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    /// `--set`, in order.
    pub set: Vec<String>,
    /// `--trials`.
    pub trials: Option<u32>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--no-sweep`.
    pub no_sweep: bool,
    /// `--sweep`, in order.
    pub sweep: Vec<String>,
    /// `--design`: the file as named, and its text.
    pub design: Option<(PathBuf, String)>,
    /// `--design-lhs`.
    pub design_lhs: Option<u64>,
    /// `--range`, in order.
    pub range: Vec<String>,
    /// `--sweep-trials`.
    pub sweep_trials: bool,
    /// `--outputs`.
    pub outputs: OutputsArg,
}

impl Recipe {
    fn of(command: &RunCommand) -> Result<Self, Failure> {
        let (args, sweep) = (&command.run, &command.sweep);
        let design = match (&sweep.design, super::sweep::design_text(sweep)?) {
            (Some(file), Some(text)) => Some((file.clone(), text)),
            _ => None,
        };
        Ok(Self {
            set: args.set.clone(),
            trials: args.trials,
            seed: args.seed,
            no_sweep: args.no_sweep,
            sweep: sweep.sweep.clone(),
            design,
            design_lhs: sweep.design_lhs,
            range: sweep.range.clone(),
            sweep_trials: sweep.sweep_trials,
            outputs: args.outputs,
        })
    }
}

/// Where shard I of K of the scenario `name` goes under `out`.
pub fn shard_path(out: &std::path::Path, name: &str, spec: ShardSpec) -> PathBuf {
    out.join(format!("{name}.shards")).join(ShardManifest::file_name(spec.index, spec.count))
}

/// Runs shard `spec` of what `command` asks for (a run of `config`, or its sweep),
/// unless it is complete already.
pub fn run_shard(command: &RunCommand, spec: ShardSpec, config: &Config, text: &str) -> Result<(), Failure> {
    let args = &command.run;
    let sweeping = command.sweep.asks_for_points() || args.sweeps_from_file(config);
    if command.sweep.sweep_trials && !sweeping {
        return Err(Failure::bad_input(anyhow!(
            "--sweep-trials writes a sweep's per-trial rows, and this run does not sweep (its trials.csv has \
             them)"
        )));
    }
    let points = match sweeping {
        true => super::sweep::plan(args, &command.sweep, config, text)?.points,
        false => vec![Point { assignment: Vec::new(), config: config.clone() }],
    };
    let trials = u64::from(points[0].config.trials);
    if spec.count > trials {
        return Err(Failure::bad_input(anyhow!(
            "--shard {}/{}: K = {} is more than the run's {} trials: at most one shard per trial",
            spec.index,
            spec.count,
            spec.count,
            trials
        )));
    }
    let range = shard::trial_range(trials, spec.count, spec.index);
    let recipe = Recipe::of(command)?;
    let manifest = ShardManifest {
        program: "attrition".to_owned(),
        version: PROGRAM_VERSION.to_owned(),
        format_version: shard::FORMAT_VERSION,
        scenario: config.name.clone(),
        scenario_file: args.scenario.display().to_string(),
        scenario_sha256: shard::sha256_hex(text.as_bytes()),
        scenario_text: text.to_owned(),
        flags: serde_json::to_value(&recipe).expect("a recipe always serialises"),
        shards: spec.count,
        shard: spec.index,
        first_trial: range.start,
        end_trial: range.end,
        trials,
        points: points.len() as u64,
        arms: config.arms.len() as u64,
        trial_metrics: TRIAL_METRICS as u64,
        rows: !sweeping || command.sweep.sweep_trials,
    };
    let path = shard_path(&args.out, &config.name, spec);
    let label = format!("shard {}/{} of {}", spec.index, spec.count, config.name);
    if path.exists() {
        let existing = ShardFile::open(&path).and_then(|file| file.verify().map(|()| file));
        match existing {
            Ok(file) if file.manifest == manifest => {
                eprintln!("{label}: already complete in {} (checksum verified); skipping", path.display());
                return Ok(());
            }
            Ok(_) => eprintln!(
                "{label}: {} is a shard of another run (scenario, flags or version); running it again",
                path.display()
            ),
            Err(error) => eprintln!("{label}: {error}; running it again"),
        }
    }

    let count = u32::try_from(range.end - range.start).expect("a shard has at most the run's trials");
    let mut shard_points = Vec::with_capacity(points.len());
    for point in points {
        let config = point
            .config
            .with_trials(count)
            .map_err(|problems| Failure::bad_input(anyhow!("--shard: {}", problems[0].message)))?;
        shard_points.push(Point { assignment: point.assignment, config });
    }
    let threads = check_threads(args.threads)?;
    match sweeping {
        true => {
            let configs: Vec<&Config> = shard_points.iter().map(|point| &point.config).collect();
            check_sweep_memory(&configs, threads, args.max_memory)?;
        }
        false => check_memory(&shard_points[0].config, threads, None, args.max_memory)?,
    }
    bound_threads(args.threads)?;
    let stop = interrupt_flag();
    let mut writer = ShardWriter::create(path, manifest).map_err(Failure::failed)?;
    // The reference point's rows wait beside the shard, in a directory removed
    // when this ends, however it ends.
    let directory = writer_directory(&args.out, &config.name);
    let spill = match sweeping {
        true => Some(attrition::output::private_dir().prefix(".reference-").tempdir_in(&directory).map_err(
            |error| Failure::failed(anyhow!("creating a directory in {}: {error}", directory.display())),
        )?),
        false => None,
    };
    let options = experiment::Options {
        threads: args.threads,
        first_trial: range.start,
        pair_with_reference: sweeping,
        spill: spill.as_ref().map(|directory| directory.path().join("reference_trials.bin")),
        events: None,
    };
    let mut progress = Progress::new(!args.quiet);
    let totals = experiment::evaluate_totals(
        &shard_points,
        &options,
        &stop,
        |point, outcomes| writer.write_rows(point, outcomes).map_err(|error| error.to_string()),
        |done, total| progress.update(done, total),
    );
    progress.finish();
    let totals = totals.map_err(|error| match error.interrupted() {
        true => Failure::interrupted(anyhow!("{label}: {error}; no shard file was written")),
        false => Failure::failed(anyhow!("{label}: {error}")),
    })?;
    let path = writer.finish(&totals).map_err(Failure::failed)?;
    if !args.quiet {
        println!(
            "{label}: trials {} to {} of {} written to {}",
            range.start,
            range.end - 1,
            trials,
            path.display()
        );
    }
    Ok(())
}

/// The directory of a scenario's shards.
fn writer_directory(out: &std::path::Path, name: &str) -> PathBuf {
    out.join(format!("{name}.shards"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_is_named_by_its_index_and_count() {
        assert_eq!(parse_spec("3/8"), Ok(ShardSpec { index: 3, count: 8 }));
        assert!(parse_spec("8/8").unwrap_err().contains("below K"));
        assert!(parse_spec("0/0").unwrap_err().contains("at least 1"));
        assert!(parse_spec("3").unwrap_err().contains("I/K"));
        assert!(parse_spec("a/2").unwrap_err().contains("whole number"));
    }
}
