//! What guards a run, before it starts and while it runs: the memory limit, the
//! thread count and Ctrl-C. Shared by single runs and sweeps.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::anyhow;

use attrition::config::Config;
use attrition::runner;

use super::Failure;

/// Refuses, before anything starts, a run estimated not to fit in memory.
pub fn check_memory(config: &Config, threads: usize, max_memory: Option<f64>) -> Result<(), Failure> {
    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
    let limit = match max_memory {
        Some(gib) if gib.is_finite() && gib > 0.0 => gib * GIB,
        Some(gib) => {
            return Err(Failure::bad_input(anyhow!("--max-memory {gib}: give a positive number of GiB")));
        }
        None => available_memory().map_or(8.0 * GIB, |bytes| 0.9 * bytes as f64),
    };
    let needed = runner::memory_estimate(config, threads) as f64;
    if needed > limit {
        return Err(Failure::bad_input(anyhow!(
            "{} needs an estimated {:.1} GiB ({} arms x {} steps of time series on each of {threads} threads), \
             over the limit of {:.1} GiB; use fewer steps, arms or --threads, or raise --max-memory",
            config.name,
            needed / GIB,
            config.arms.len(),
            config.steps,
            limit / GIB
        )));
    }
    Ok(())
}

/// Memory available to new processes, where the OS reports it (Linux).
fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|line| line.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
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
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|error| Failure::failed(anyhow!("could not start {threads} threads: {error}")))
}
