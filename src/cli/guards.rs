//! What guards a run, before it starts and while it runs: the memory limit, the
//! thread count and Ctrl-C. Shared by single runs and sweeps.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::anyhow;

use attrition::config::Config;
use attrition::runner::{self, EventSelection};

use super::Failure;

/// Most worker threads a run may ask for. Far more than any machine's cores (a
/// thread beyond the cores only adds memory), and few enough to start in a moment:
/// 10,000 threads took minutes to start before the first trial.
pub const MAX_THREADS: usize = 1024;

/// The worker threads a run will use, refused (before any thread starts) beyond
/// [`MAX_THREADS`]: `--threads`, or with no flag (or 0) rayon's default, read as
/// rayon reads it (`RAYON_NUM_THREADS`, else every core) without starting its pool.
pub fn check_threads(threads: Option<usize>) -> Result<usize, Failure> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let from_environment =
        || std::env::var("RAYON_NUM_THREADS").ok()?.parse::<usize>().ok().filter(|&n| n > 0);
    let (threads, asked) = match (threads.filter(|&n| n > 0), from_environment()) {
        (Some(threads), _) => (threads, format!("--threads {threads}")),
        (None, Some(threads)) => (threads, format!("RAYON_NUM_THREADS={threads}")),
        (None, None) => (cores, format!("{cores} cores")),
    };
    if threads > MAX_THREADS {
        return Err(Failure::bad_input(anyhow!(
            "{asked}: at most {MAX_THREADS} threads (this machine has {cores} cores; 0 or no flag uses them all)"
        )));
    }
    Ok(threads)
}

/// Refuses, before anything starts, a run estimated not to fit in memory, with
/// the event log of `events` if it keeps one.
pub fn check_memory(
    config: &Config,
    threads: usize,
    events: Option<&EventSelection>,
    max_memory: Option<f64>,
) -> Result<(), Failure> {
    let log = events.map_or(0, |selection| runner::event_log_estimate(config, threads, selection));
    let needed = runner::memory_estimate(config, threads).saturating_add(log);
    refuse_above(needed, max_memory, || {
        format!(
            "{} needs an estimated {} ({} arms, so {} pairs of arms compared; {} steps of time series; {} \
             positions; {} trials on {threads} threads)",
            config.name,
            gib(needed),
            config.arms.len(),
            config.arms.len() * config.arms.len().saturating_sub(1),
            config.steps,
            config.positions(),
            config.trials,
        )
    })
}

/// Refuses, before anything starts, a sweep estimated not to fit in memory: its
/// largest point while it runs, plus the summary of every point, which the sweep
/// keeps until it writes its files.
pub fn check_sweep_memory(
    points: &[&Config],
    threads: usize,
    max_memory: Option<f64>,
) -> Result<(), Failure> {
    let largest = points.iter().map(|config| runner::memory_estimate(config, threads)).max().unwrap_or(0);
    let kept = points.iter().fold(0u64, |sum, config| sum.saturating_add(runner::summary_bytes(config)));
    let needed = largest.saturating_add(kept);
    refuse_above(needed, max_memory, || {
        format!(
            "the sweep of {} needs an estimated {} ({} for its largest point, {} for the results of its {} points)",
            points.first().map_or("", |config| config.name.as_str()),
            gib(needed),
            gib(largest),
            gib(kept),
            points.len()
        )
    })
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Bytes in GiB, with enough digits to show a small estimate too.
fn gib(bytes: u64) -> String {
    format!("{:.3} GiB", bytes as f64 / GIB)
}

/// A limit in GiB: to a tenth, unless that would show a small limit as zero.
fn limit_gib(gib: f64) -> String {
    if gib >= 0.1 { format!("{gib:.1} GiB") } else { format!("{gib} GiB") }
}

/// Fails with `describe()`'s account of the need when `needed` bytes exceed the
/// limit: `--max-memory`, else 90% of the memory available.
fn refuse_above(
    needed: u64,
    max_memory: Option<f64>,
    describe: impl FnOnce() -> String,
) -> Result<(), Failure> {
    let limit = match max_memory {
        Some(gib) if gib.is_finite() && gib > 0.0 => gib * GIB,
        Some(gib) => {
            return Err(Failure::bad_input(anyhow!("--max-memory {gib}: give a positive number of GiB")));
        }
        None => available_memory().map_or(8.0 * GIB, |bytes| 0.9 * bytes as f64),
    };
    if needed as f64 > limit {
        return Err(Failure::bad_input(anyhow!(
            "{}, over the limit of {}; use fewer arms, steps, trials or --threads, or raise --max-memory",
            describe(),
            limit_gib(limit / GIB)
        )));
    }
    Ok(())
}

/// Memory available to new processes, where the OS reports it (Linux).
fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|line| line.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// A flag set by Ctrl-C; a second Ctrl-C exits at once.
pub fn interrupt_flag() -> Arc<AtomicBool> {
    static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let handler_flag = Arc::clone(&flag);
        // If a handler cannot be installed the run simply cannot be interrupted
        // gracefully; Ctrl-C still kills it and the staging directory stays hidden.
        let _ = ctrlc::set_handler(move || {
            if handler_flag.swap(true, Ordering::SeqCst) {
                std::process::exit(i32::from(super::EXIT_INTERRUPTED));
            }
            // Checked after the trials under way and between output files, so the
            // run stops in any phase before its results replace the previous ones.
            eprintln!(
                "\ninterrupt: stopping; the previous results stay as they were (Ctrl-C again to quit now)"
            );
        });
        flag
    })
    .clone()
}

/// Sizes rayon's global pool to `--threads`. The simulation runs on a pool of its
/// own of that size, but charts and checksums run on the global one, which would
/// otherwise take every core: `--threads` bounds the whole run, as a shared machine
/// or a CI job expects. No flag (or 0) leaves rayon's default. Called once per
/// process (a run, a check or a sweep), after the memory check, which may refuse a
/// large `--threads` before any thread starts.
pub fn bound_threads(threads: Option<usize>) -> Result<(), Failure> {
    let Some(threads) = threads.filter(|&n| n > 0) else {
        return Ok(());
    };
    // `run --precision` runs one batch after another in one process: the pool the
    // first batch started, of the same size, serves the next.
    // (Asking rayon for its size first would build a default pool.)
    if POOL_BOUND.load(std::sync::atomic::Ordering::SeqCst) && rayon::current_num_threads() == threads {
        return Ok(());
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|error| Failure::failed(anyhow!("could not start {threads} threads: {error}")))?;
    POOL_BOUND.store(true, std::sync::atomic::Ordering::SeqCst);
    Ok(())
}

/// Whether [`bound_threads`] has built the global pool.
static POOL_BOUND: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
