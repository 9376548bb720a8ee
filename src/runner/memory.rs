//! The estimate of a run's peak memory, checked before it starts (`--max-memory`).

use crate::config::Config;
use crate::metrics::{StepMetric, TrialMetric, TrialRow};
use crate::model::events::Event;
use crate::stats::{Accumulator, PairedDifference, Summary, Window};

use super::totals::SERIES_WINDOW;
use super::{Comparison, EventSelection, LEAD_CHUNKS, SeriesBuffers, arms_side_by_side, chunk_size};

/// An estimate, in bytes, of the peak memory of a run of `config` on `threads`
/// worker threads, meant to be within a factor of two of what the run takes.
///
/// It adds up everything that scales: on each thread that gets work, the time
/// series accumulators (arms × steps × step metrics), the workforces and the
/// series buffers of a chunk; on the calling thread, the paired differences of
/// every ordered pair of arms (arms² × trial metrics, which dominate with many
/// arms), the finished trials a worker may run ahead of the hand-over, and the
/// summaries the run returns. Histograms are the part that depends on the data:
/// a window of counts between the lowest and highest value seen, so it widens with
/// the trials a histogram holds, up to a bound (4,096 bins, 1,024 in a time series). Arithmetic saturates,
/// so an absurd size is an absurd estimate, never a wrapped small one.
pub fn memory_estimate(config: &Config, threads: usize) -> u64 {
    let trials = u64::from(config.trials);
    let pool_threads = threads.max(1);
    let threads = busy_threads(config, threads);
    let arms = config.arms.len() as u64;
    let rows = arms.saturating_mul(u64::from(config.steps) + 1);
    let observed_steps = config.step_metrics();
    let cells = rows.saturating_mul(observed_steps.len() as u64);
    let accumulator = size_of::<Accumulator>() as u64;
    // One row of time series cells, one per observed step metric.
    let frame = config.frame();
    let row_histograms = |values: u64| -> u64 {
        observed_steps
            .iter()
            .fold(0u64, |sum, &metric| sum.saturating_add(series_histogram_bytes(metric, &frame, values)))
    };

    // One set of time series accumulators holds every trial, whatever the threads.
    let chunk = config_chunk(config, threads as usize) as u64;
    let workforce = workforce_bytes(config);
    // A chunk's series buffers: the running trial's rows, and every trial's
    // observed metrics waiting for the fold.
    let series_buffer = SeriesBuffers::bytes(config, chunk);
    // Each trial's initial workforce, and under a shared burn-in its state at the
    // end of it; and the workforce under way.
    let shared = u64::from(config.shares_burn_in());
    let per_thread = (chunk * (1 + shared) + 1).saturating_mul(workforce).saturating_add(series_buffer);
    let series =
        cells.saturating_mul(accumulator).saturating_add(rows.saturating_mul(row_histograms(trials)));

    // Ordered pairs of distinct arms, each with one paired difference per trial
    // metric; metrics the scenario does not observe are zero in every trial.
    let pairs = arms.saturating_mul(arms.saturating_sub(1));
    let observed = config.trial_metrics().len() as u64;
    let per_pair = (TrialMetric::ALL.len() as u64)
        .saturating_mul(size_of::<PairedDifference>() as u64 + ALLOCATION_BYTES)
        .saturating_add(observed.saturating_mul(histogram_bytes(trials, 8.0, Window::DEFAULT)));
    let paired = pairs.saturating_mul(per_pair);

    // Finished trials waiting to be handed over, at most `lead` of them.
    let lead = (LEAD_CHUNKS as u64).saturating_mul(chunk).saturating_mul(threads).min(trials);
    let in_flight = lead.saturating_mul(arms.saturating_mul(size_of::<TrialRow>() as u64));

    // Arms run side by side each take a workforce and a chunk's series buffers,
    // one per thread of the pool at a time.
    let pool_chunk = config_chunk(config, pool_threads);
    let side_by_side = if arms_side_by_side(config.trials, pool_chunk, config.arms.len(), pool_threads) {
        (pool_threads as u64).saturating_mul(workforce.saturating_add(series_buffer))
    } else {
        0
    };

    BASE_BYTES
        .saturating_add(side_by_side)
        .saturating_add(threads.saturating_mul(per_thread))
        .saturating_add(series)
        .saturating_add(paired)
        .saturating_add(in_flight)
        .saturating_add(summary_bytes(config))
}

/// An estimate, in bytes, of the event log a run of `config` on `threads` threads
/// holds at once when it keeps the events of `selection`: those of the trials run
/// but not yet handed over, which the caller writes as they arrive. Workers may run
/// `LEAD_CHUNKS` chunks ahead, but the writer keeps up with them: measured, the
/// peak holds about half that lead, plus a chunk under way on each thread, when
/// every step logs. A burn-in's steps log nothing, and while the workers run them
/// the writer catches up, so the lead shrinks with the share of steps that log:
/// `tech_org` at 64 trials holds an event log of about 96, 58 and 33 MB with
/// burn-ins of 0, 10 and 40 years, which this gives as 99, 56 and 42 MB.
pub fn event_log_estimate(config: &Config, threads: usize, selection: &EventSelection) -> u64 {
    let trials = u64::from(config.trials);
    let busy = busy_threads(config, threads);
    let chunk = config_chunk(config, threads.max(1)) as u64;
    let logging = f64::from(config.steps) / (f64::from(config.steps) + f64::from(config.burn_in_steps));
    let lead = 1.0 + (LEAD_CHUNKS / 2) as f64 * logging;
    let held = (lead * chunk as f64 * busy as f64).ceil() as u64;
    let kept_trials = selection.first_trials.unwrap_or(trials).min(trials).min(held);
    let kept_arms = selection.arms.as_ref().map_or(config.arms.len(), Vec::len) as u64;
    // Measured on the bundled scenarios: a row per position at the start and at the
    // end, and per position and year about 0.35 more with `[dynamics]` (quits and
    // the hires and promotions that fill their places), 0.1 without.
    let per_position_year = if config.dynamics.is_some() { 0.4 } else { 0.1 };
    let years = f64::from(config.steps) / f64::from(config.steps_per_year.max(1));
    let per_trial_arm = config.positions() as f64 * (2.0 + per_position_year * years);
    // A list grows by doubling, so on average half again as long as it is full.
    let bytes = 1.5 * per_trial_arm * size_of::<Event>() as f64;
    kept_trials.saturating_mul(kept_arms).saturating_mul(bytes as u64)
}

/// The bytes of the [`super::RunSummary`] a run of `config` returns: one summary per arm,
/// step and step metric, and one comparison per ordered pair of arms and trial
/// metric. A sweep keeps one per point until it writes its files.
pub fn summary_bytes(config: &Config) -> u64 {
    let arms = config.arms.len() as u64;
    let cells =
        arms.saturating_mul(u64::from(config.steps) + 1).saturating_mul(config.step_metrics().len() as u64);
    let comparisons =
        arms.saturating_mul(arms).saturating_add(arms).saturating_mul(TrialMetric::ALL.len() as u64);
    cells
        .saturating_mul(size_of::<Summary>() as u64)
        .saturating_add(comparisons.saturating_mul(size_of::<Comparison>() as u64))
}

/// The threads of a pool of `threads` that can get work: no more than there are
/// chunks of trials (rayon's default of 0 counts as one here; callers pass the
/// pool's size).
fn busy_threads(config: &Config, threads: usize) -> u64 {
    let threads = threads.max(1);
    let chunks = u64::from(config.trials).div_ceil(config_chunk(config, threads) as u64);
    (threads as u64).min(chunks).max(1)
}

/// The trials per work item of a run of every arm of `config` on `threads` threads.
fn config_chunk(config: &Config, threads: usize) -> usize {
    chunk_size(config, config.arms.len(), threads)
}

/// Memory of the process before any run: the binary, the allocator, the thread pool.
const BASE_BYTES: u64 = 12 << 20;

/// What the allocator adds to each heap block (header and rounding).
const ALLOCATION_BYTES: u64 = 16;

/// A workforce's columns and the passes' scratch space, per position (about twenty
/// 8-byte columns, with room for the level lists).
const WORKFORCE_BYTES_PER_POSITION: u64 = 200;

/// About how many bytes one workforce of `config` takes.
pub(super) fn workforce_bytes(config: &Config) -> u64 {
    config.positions().saturating_mul(WORKFORCE_BYTES_PER_POSITION)
}

/// The counts of a histogram of `values` finely resolved values (a paired
/// difference of a trial metric, or a share or a productivity in the time
/// series): resolved to 1e-6 (a rate) or 1e-4 (a share), a value that varies
/// soon spans the most its window may ([`Window::DEFAULT`]'s bins for a paired
/// difference, [`SERIES_WINDOW`]'s in a time series), while some never vary (twin
/// arms, a rule that never fires). Measured on the bundled scenarios, a paired
/// difference, whose room doubles as it widens, averages about 3/8 of its bound
/// times `1 − exp(−n/8)` after `n` values; a time series cell, whose window takes
/// its whole bound once it spans a quarter of it (some never do), 3/4 of it times
/// `1 − exp(−n/4)`.
fn histogram_bytes(values: u64, scale: f64, window: Window) -> u64 {
    let share = if window.eager { 0.75 } else { 3.0 / 8.0 };
    let full = share * (usize::from(window.bins) * size_of::<u32>()) as f64;
    let filled = 1.0 - (-(values as f64) / scale).exp();
    ALLOCATION_BYTES + (full * filled) as u64
}

/// The counts of the histogram of one time series cell of `metric` after
/// `values` trials. A count (resolved to 1), the efficiency (to 0.01 of a point)
/// and the share of the initial top quintile retained (whose steps are one person
/// of that quintile) spread over few bins, whose number grows about as the
/// logarithm of the trials (measured on the bundled scenarios); the finely
/// resolved shares and productivity of `[dynamics]` fill their window as a paired
/// difference does.
fn series_histogram_bytes(metric: StepMetric, frame: &crate::metrics::Frame, values: u64) -> u64 {
    let (_, resolution) = metric.accuracy(frame);
    let spreads = resolution < 0.01 && metric != StepMetric::TopQuintileRetained;
    if spreads || metric == StepMetric::Efficiency {
        return histogram_bytes(values, 4.0, SERIES_WINDOW);
    }
    let range = 94.0 * (values.max(1) as f64).log2();
    let most = (usize::from(SERIES_WINDOW.bins) * size_of::<u32>()) as u64;
    ALLOCATION_BYTES + (32 + range as u64).min(most)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;
    use crate::runner::tests::small_peter;
    use std::path::Path;

    #[test]
    fn the_memory_estimate_grows_with_steps_threads_and_trials_up_to_a_bound() {
        let small = small_peter(10);
        let many_trials = small_peter(100_000);
        let more_trials = small_peter(1_000_000);
        assert!(memory_estimate(&many_trials, 2) > memory_estimate(&small, 2));
        // The histograms' windows stop widening: ten times the trials, not ten times the memory.
        assert!(memory_estimate(&more_trials, 2) < 2 * memory_estimate(&many_trials, 2));
        assert!(memory_estimate(&small, 4) > memory_estimate(&small, 2));
        let text = include_str!("../../scenarios/peter_principle.toml");
        let long = parse(text, Path::new("p.toml")).unwrap();
        // Sixteen times the steps, over the process's fixed base.
        assert!(memory_estimate(&long, 2) > 3 * memory_estimate(&small, 2));
    }

    /// An absurd thread count saturates the estimate instead of wrapping it to a
    /// small number (`--threads 2^63` was estimated at 0.0 GiB).
    #[test]
    fn the_memory_estimate_saturates_instead_of_wrapping() {
        let config = small_peter(1_000_000);
        let sensible = memory_estimate(&config, 1024);
        assert!(sensible > memory_estimate(&config, 2));
        // No more threads get work than there are chunks of trials; more cost no less.
        assert!(memory_estimate(&config, 1 << 63) >= sensible);
        assert!(memory_estimate(&config, usize::MAX) >= sensible);
    }
}
