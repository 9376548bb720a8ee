//! `attrition merge SHARDS... --out DIR`: the shards of a run (`run --shard I/K`),
//! given in any order, folded into exactly the files the whole run writes.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::Args;

use attrition::shard::{self, ShardError, ShardFile};

use super::run::run_or_merge;
use super::scenario::validate_text;
use super::shard::Recipe;
use super::{Failure, RunArgs, RunCommand, SweepArgs};

/// Flags of `merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard files, in any order; a directory stands for every `*.shard` file
    /// in it (e.g. output/peter_principle.shards).
    #[arg(required = true, value_name = "SHARDS")]
    shards: Vec<PathBuf>,
    /// Directory under which results go, as <out>/<scenario name>/.
    #[arg(long, default_value = "output")]
    out: PathBuf,
    /// Threads for the charts and checksums (default: all cores, or
    /// RAYON_NUM_THREADS; at most 1024). The files do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar and no summary table; errors are still reported.
    #[arg(long, short)]
    quiet: bool,
    /// Replace <out>/<scenario name>/ even if it does not look like attrition output.
    #[arg(long)]
    force: bool,
    /// Print the merged run's summary as one JSON document on stdout, as `run --json` does.
    #[arg(long)]
    json: bool,
    /// Refuse to start a merge estimated to need more memory than this many GiB
    /// (estimated as for the whole run).
    #[arg(long, value_name = "GIB")]
    max_memory: Option<f64>,
}

/// `attrition merge`.
pub fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let mut files = Vec::new();
    for path in &args.shards {
        files.extend(shard_files(path)?);
    }
    let shards = files
        .iter()
        .map(|path| ShardFile::open(path))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::bad_input)?;
    shard::check_set(&shards).map_err(Failure::bad_input)?;
    let manifest = &shards[0].manifest;
    let recipe: Recipe = serde_json::from_value(manifest.flags.clone()).map_err(|error| {
        Failure::bad_input(anyhow!("{}: its flags do not read: {error}", shards[0].path.display()))
    })?;
    let (design, design_text) = match recipe.design {
        Some((file, text)) => (Some(file), Some(text)),
        None => (None, None),
    };
    let command = RunCommand {
        run: RunArgs {
            scenario: PathBuf::from(&manifest.scenario_file),
            trials: recipe.trials,
            seed: recipe.seed,
            out: args.out.clone(),
            threads: args.threads,
            quiet: args.quiet,
            force: args.force,
            set: recipe.set,
            no_sweep: recipe.no_sweep,
            replay_trial: None,
            max_memory: args.max_memory,
            events: false,
            events_trials: None,
            events_arm: Vec::new(),
            events_gzip: false,
            outputs: recipe.outputs,
        },
        sweep: SweepArgs {
            sweep: recipe.sweep,
            sweep_trials: recipe.sweep_trials,
            design,
            design_lhs: recipe.design_lhs,
            range: recipe.range,
            design_text,
        },
        json: args.json,
        shard: None,
        precision: None,
        report: false,
        pdf: false,
    };
    let text = &manifest.scenario_text;
    let run = &command.run;
    let config = validate_text(&run.scenario, text, run.trials, run.seed, &run.set)?;
    run_or_merge(&command, &config, text, Some(&shards))
}

/// The shard files `path` names: itself, or a directory's `*.shard` files.
fn shard_files(path: &Path) -> Result<Vec<PathBuf>, Failure> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|error| Failure::bad_input(anyhow!("reading {}: {error}", path.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|file| file.extension().is_some_and(|extension| extension == "shard") && file.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Failure::bad_input(anyhow!("{} holds no *.shard files", path.display())));
    }
    Ok(files)
}

/// A merge's error as a failure: shards that do not make a run are bad input, an
/// interrupt leaves the previous results.
pub fn failure(error: ShardError, target: &Path) -> Failure {
    match error {
        ShardError::Interrupted => Failure::interrupted(anyhow!(
            "merge interrupted; nothing was written and any previous results in {} are intact",
            target.display()
        )),
        ShardError::Io { .. } | ShardError::Sink(_) => Failure::failed(error),
        other => Failure::bad_input(other),
    }
}
