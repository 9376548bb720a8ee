//! Runs the trials of a scenario in parallel and aggregates them.
//!
//! Trial *i* runs every arm from the same seed (common random numbers) as one work
//! item. Worker threads of a rayon pool take chunks of trials in order; each folds
//! the time series of its trials into the run's accumulators (one set, locked arm
//! by arm while a chunk folds an arm in), and sends the per-trial
//! summaries to the calling thread, which puts them back in trial order, hands
//! them to the caller (who writes them) and folds them into the per-arm summaries
//! and the paired differences. Every accumulator is exact and order-independent
//! ([`crate::stats`]), so the result does not depend on the thread count or on how
//! rayon splits the work. Memory depends on the scenario; with the trial count it
//! grows only until the accumulators' histograms span their most (a few dozen
//! trials), see [`memory_estimate`].
//!
//! `totals.rs` holds the run's exact accumulators and their summary, `memory.rs`
//! the estimate of a run's peak memory.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::Duration;

use crate::config::Config;
use crate::metrics::{STEP_METRICS, StepMetric, StepRow, TrialRow};
use crate::model::events::Event;
use crate::model::workforce::Workforce;
use crate::model::{BurntIn, World, run_arm, run_arm_from};
use crate::rng::trial_seed;
use crate::stats::Accumulator;

mod burn_ins;
mod memory;
mod totals;

pub use burn_ins::BurnIns;
pub use memory::{event_log_estimate, memory_estimate, summary_bytes};
pub use totals::{Comparison, RunSummary, RunTotals};
use totals::{empty_arm_series, fold_trial};

/// One trial's results: every arm's summary row, in arm order.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialOutcome {
    /// Trial index, 0-based.
    pub trial: u64,
    /// The trial's seed, `trial_seed(master, trial)`. Replay the trial alone with
    /// `--replay-trial <trial>`: the index survives spreadsheets, which read a seed
    /// above 2^53 as a rounded double.
    pub seed: u64,
    /// One summary row per arm.
    pub arms: Vec<TrialRow>,
    /// Per arm, its events, when the run keeps an event log (else empty); an arm
    /// or trial the log's [`EventSelection`] leaves out has none.
    pub events: Vec<Vec<Event>>,
}

/// Why a run stopped without a result.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// rayon's message.
        message: String,
    },
    /// A trial panicked: a bug, reported with what replays it.
    #[error(
        "trial {trial} (seed {seed}) failed (a bug in the engine): {message}\n  replay it alone with --replay-trial {trial}"
    )]
    TrialPanicked {
        /// Trial index.
        trial: u64,
        /// Its seed.
        seed: u64,
        /// The panic message.
        message: String,
    },
    /// The bookkeeping of a chunk of trials panicked, outside any one trial: a bug.
    #[error("trials {first} to {last} failed (a bug in the engine's bookkeeping): {message}")]
    ChunkPanicked {
        /// First trial of the chunk.
        first: u64,
        /// Last trial of the chunk.
        last: u64,
        /// The panic message.
        message: String,
    },
    /// The caller asked the run to stop (Ctrl-C).
    #[error("interrupted after {completed} of {}", crate::words::count(*total, "trial", "trials"))]
    Interrupted {
        /// Trials finished and handed to the caller.
        completed: u64,
        /// Trials asked for.
        total: u64,
    },
    /// The caller's handler of finished trials failed (e.g. a write error).
    #[error("{0}")]
    Sink(String),
    /// A trial's parameter draw is not a valid scenario.
    #[error("trial {trial}: {source}")]
    ParameterDraw {
        /// The first trial at that draw in the chunk that found it.
        trial: u64,
        /// What validation found.
        #[source]
        source: crate::uncertainty::DrawError,
    },
}

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Worker threads; `None` lets rayon decide (all cores, or `RAYON_NUM_THREADS`).
    pub threads: Option<usize>,
    /// Keep the event log of the trials and arms selected in their
    /// [`TrialOutcome`]; `None` keeps none.
    pub events: Option<EventSelection>,
    /// Index of the first trial: the run covers trials `first_trial ..
    /// first_trial + config.trials`, each with the seed it has in a full run, so a
    /// run of one trial from `first_trial = i` replays trial `i` exactly.
    pub first_trial: u64,
    /// Most trials a work item runs, below the usual (the runner's `CHUNK` or fewer): a stop
    /// is seen between work items, so smaller ones stop sooner (at some cost in
    /// folding). `None` for the usual. Results do not depend on it.
    pub max_chunk: Option<usize>,
    /// Under a shared burn-in, where to keep each trial's state at the end of it
    /// and find it again in a later run of the same history; `None` keeps nothing.
    /// Results do not depend on it.
    pub burn_ins: Option<Arc<BurnIns>>,
}

/// Which trials and arms keep an event log. The others run exactly as they would
/// with it (the log draws no random numbers), but skip the work of describing
/// their events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventSelection {
    /// Only the first this many trials; `None` for every trial.
    pub first_trials: Option<u64>,
    /// Only these arms, by index; `None` for every arm.
    pub arms: Option<Vec<usize>>,
}

impl EventSelection {
    /// Every trial and arm.
    pub fn all() -> Self {
        Self::default()
    }

    /// Whether arm `arm` of trial `trial` keeps its events.
    pub fn keeps(&self, trial: u64, arm: usize) -> bool {
        self.first_trials.is_none_or(|n| trial < n)
            && self.arms.as_ref().is_none_or(|arms| arms.contains(&arm))
    }
}

/// Most trials one work item runs. Their time series are folded into the
/// accumulators together, cell by cell, so each accumulator is fetched from memory
/// once per chunk rather than once per trial: with tens of thousands of cells per
/// thread, fetching them dominated the run. The chunk size does not affect results.
const CHUNK: usize = 16;

/// Trials per work item of a run of `arms` arms of `config` on `threads` threads:
/// [`spread_chunk`]'s, except that a short run of at most [`CHUNK`] trials whose
/// arms share the threads out evenly is one chunk, its arms side by side
/// ([`arms_side_by_side`]). Each time series cell then takes all of the run's
/// values in one fold rather than two at a time: the 16-trial CI scenario of the
/// Peter-principle model (8 arms) ran in 0.85–0.91 of the wall time. Not when the
/// chunk's initial workforces would hold more than [`ONE_CHUNK_POSITIONS`], nor
/// when an arm's trials take more than [`ONE_CHUNK_AGENT_STEPS`]: progress and
/// Ctrl-C come a chunk at a time.
pub(super) fn chunk_size(config: &Config, arms: usize, threads: usize) -> usize {
    let trials = u64::from(config.trials);
    let positions = trials.saturating_mul(config.positions());
    let steps = u64::from(config.steps) + u64::from(config.burn_in_steps);
    let one_chunk = trials <= CHUNK as u64
        && arms.is_multiple_of(threads.max(1))
        && positions <= ONE_CHUNK_POSITIONS
        && positions.saturating_mul(steps) <= ONE_CHUNK_AGENT_STEPS;
    if one_chunk { (config.trials as usize).max(1) } else { spread_chunk(config.trials, threads) }
}

/// The most positions, summed over its trials, of a run made one chunk: such a
/// chunk keeps every trial's initial workforce (about 200 bytes a position), here
/// at most about 13 MB; `large_org`'s 4 trials of 100,000 positions stay spread.
const ONE_CHUNK_POSITIONS: u64 = 65_536;

/// The most agent-steps of one arm's trials in a run made one chunk: well under a
/// second of one core (the CI scenario's are 768,000).
const ONE_CHUNK_AGENT_STEPS: u64 = 1 << 24;

/// Trials per work item: [`CHUNK`], or fewer when there are too few trials to give
/// every thread several items (a run of 4 trials on 2 threads must still use both).
pub(super) fn spread_chunk(trials: u32, threads: usize) -> usize {
    (trials as usize / threads.max(1).saturating_mul(4)).clamp(1, CHUNK)
}

/// Whether a run's chunks of `chunk` trials run their arms side by side: when there
/// are fewer chunks than twice the threads, so that some threads would idle.
pub(super) fn arms_side_by_side(trials: u32, chunk: usize, arms: usize, threads: usize) -> bool {
    let threads = threads.max(1);
    let chunks = u64::from(trials).div_ceil(chunk.max(1) as u64);
    arms > 1 && chunks < (threads as u64).saturating_mul(2)
}

/// How many chunks per thread a worker may run ahead of the trials handed over.
pub(super) const LEAD_CHUNKS: usize = 4;

/// The trials handed over so far, for workers that have run too far ahead to wait on.
#[derive(Default)]
struct Handover {
    done: Mutex<u64>,
    advanced: Condvar,
}

impl Handover {
    /// Waits until the chunk starting at trial `first` is fewer than `lead` trials
    /// ahead of those handed over, or `halted()`. The oldest chunk not handed over
    /// is always running, and either is handed over or fails (which halts), so the
    /// wait ends. It also re-checks `halted()` every 50 ms, for a stop requested
    /// from outside.
    fn wait_for_room(&self, first: u64, lead: u64, halted: impl Fn() -> bool) {
        let mut done = self.done.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while first >= *done + lead && !halted() {
            done = match self.advanced.wait_timeout(done, Duration::from_millis(50)) {
                Ok((done, _)) => done,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Records that the first `done` trials have been handed over.
    fn advance(&self, done: u64) {
        *self.done.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = done;
        self.advanced.notify_all();
    }

    /// Wakes every waiting worker (to see a halt).
    fn wake(&self) {
        self.advanced.notify_all();
    }
}

/// Halts the workers and wakes them if the thread holding it unwinds.
struct WakeOnUnwind<'a> {
    halt: &'a AtomicBool,
    handover: &'a Handover,
}

impl Drop for WakeOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.halt.store(true, Ordering::Relaxed);
            self.handover.wake();
        }
    }
}

/// Per-thread working memory, reused across trials so the hot loop allocates nothing.
struct ThreadSlot {
    initial: Vec<Workforce>,
    workforce: Workforce,
    series_buffers: SeriesBuffers,
}

/// Where a chunk's time series wait for the fold, for the arm being run.
struct SeriesBuffers {
    /// The trial being run, a row per step.
    rows: Vec<StepRow>,
    /// Every trial's observed metrics, by step, then metric, then trial: each time
    /// series cell's values of the chunk lie side by side, ready for
    /// [`Accumulator::add_all`]. A row per step and trial holds every metric (176
    /// bytes) where the Peter-principle model observes 8 (64 bytes).
    folded: Vec<f64>,
}

impl SeriesBuffers {
    fn new(config: &Config, chunk: usize) -> Self {
        let (rows, folded) = Self::lengths(config, chunk as u64);
        Self { rows: vec![[0.0; STEP_METRICS]; rows as usize], folded: vec![0.0; folded as usize] }
    }

    /// The lengths of the two buffers for a chunk of `chunk` trials: a row per
    /// step, and a value per step, observed metric and trial.
    fn lengths(config: &Config, chunk: u64) -> (u64, u64) {
        let rows = u64::from(config.steps) + 1;
        (rows, rows.saturating_mul(config.step_metrics().len() as u64).saturating_mul(chunk))
    }

    /// The bytes [`SeriesBuffers::new`] allocates for a chunk of `chunk` trials.
    fn bytes(config: &Config, chunk: u64) -> u64 {
        let (rows, folded) = Self::lengths(config, chunk);
        rows.saturating_mul(size_of::<StepRow>() as u64)
            .saturating_add(folded.saturating_mul(size_of::<f64>() as u64))
    }
}

/// Runs every trial of every arm of `config`: [`accumulate`], summarised.
pub fn run(
    config: &Config,
    options: RunOptions,
    stop: &AtomicBool,
    on_trials: impl FnMut(&[TrialOutcome]) -> Result<(), String>,
    progress: impl FnMut(u64, u64),
) -> Result<RunSummary, RunError> {
    accumulate(config, options, stop, on_trials, progress).map(|totals| totals.summarise())
}

/// Runs every trial of every arm of `config`, into the exact accumulators of the
/// run ([`RunTotals`]).
///
/// `on_trials` receives the finished trials in trial order, a chunk at a time (to
/// write the per-trial file); `progress(done, total)` is called after each chunk;
/// setting `stop` makes the run return [`RunError::Interrupted`] once the chunks
/// under way have finished.
pub fn accumulate(
    config: &Config,
    options: RunOptions,
    stop: &AtomicBool,
    mut on_trials: impl FnMut(&[TrialOutcome]) -> Result<(), String>,
    progress: impl FnMut(u64, u64),
) -> Result<RunTotals, RunError> {
    let mut totals = RunTotals::empty(config);
    totals.trials = u64::from(config.trials);
    let every_arm: Vec<usize> = (0..config.arms.len()).collect();
    let (arms, paired, uncertainty) = (&mut totals.arms, &mut totals.paired, &mut totals.uncertainty);
    let series = drive(
        config,
        &every_arm,
        options,
        stop,
        |outcomes| {
            for outcome in outcomes {
                fold_trial(&outcome.arms, arms, paired);
                if let Some(uncertainty) = uncertainty.as_mut() {
                    uncertainty.add(outcome.trial, &outcome.arms);
                }
            }
            on_trials(outcomes)
        },
        progress,
    )?;
    totals.series = series;
    Ok(totals)
}

/// One arm's share of some consecutive trials of a run: its time series and its
/// per-trial rows. The arms of a trial are independent given its seed (they share
/// only the initial workforce, drawn from the seed), so runs of single arms put
/// together with [`RunTotals::of_arms`] are the run of every arm, bit for bit:
/// the live page re-runs only the arms a change touches.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmRun {
    /// The arm's index in its configuration.
    pub arm: usize,
    /// The first trial.
    pub first_trial: u64,
    /// The arm's time series accumulators (steps × step metrics).
    series: Vec<Accumulator>,
    /// One row per trial, in trial order.
    rows: Vec<TrialRow>,
}

impl ArmRun {
    /// Trials run.
    pub fn trials(&self) -> u64 {
        self.rows.len() as u64
    }

    /// Approximate bytes held, for a cache's budget.
    pub fn heap_bytes(&self) -> u64 {
        let series: u64 = self.series.iter().map(Accumulator::heap_bytes).sum();
        series + (self.rows.len() * size_of::<TrialRow>()) as u64
    }
}

/// Runs only the arms `arms` (indices into `config.arms`, each once) of every
/// trial of `config`: one [`ArmRun`] per arm, in the order asked. Everything else
/// is as [`accumulate`]; `options.events` is ignored.
pub fn run_arms(
    config: &Config,
    arms: &[usize],
    options: RunOptions,
    stop: &AtomicBool,
    progress: impl FnMut(u64, u64),
) -> Result<Vec<ArmRun>, RunError> {
    assert!(
        arms.iter().enumerate().all(|(i, &arm)| arm < config.arms.len() && !arms[..i].contains(&arm)),
        "arms to run must be distinct arms of the configuration"
    );
    let first_trial = options.first_trial;
    let options = RunOptions { events: None, ..options };
    let mut rows: Vec<Vec<TrialRow>> = vec![Vec::with_capacity(config.trials as usize); arms.len()];
    let series = drive(
        config,
        arms,
        options,
        stop,
        |outcomes| {
            for outcome in outcomes {
                for (rows, row) in rows.iter_mut().zip(&outcome.arms) {
                    rows.push(*row);
                }
            }
            Ok(())
        },
        progress,
    )?;
    let width = config.step_metrics().len() * (config.steps as usize + 1);
    Ok(arms
        .iter()
        .zip(rows)
        .map(|(&arm, rows)| ArmRun {
            arm,
            first_trial,
            series: series[arm * width..(arm + 1) * width].to_vec(),
            rows,
        })
        .collect())
}

/// Runs the arms `arms` of every trial of `config` on the pool's workers, handing
/// each chunk of finished trials to `on_chunk` in trial order (each outcome's rows
/// in the order of `arms`), and returns the time series accumulators (laid out for
/// every arm; those not run stay empty).
fn drive(
    config: &Config,
    arms: &[usize],
    options: RunOptions,
    stop: &AtomicBool,
    mut on_chunk: impl FnMut(&[TrialOutcome]) -> Result<(), String>,
    mut progress: impl FnMut(u64, u64),
) -> Result<Vec<Accumulator>, RunError> {
    let threads = options.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|error| RunError::ThreadPool { threads, message: error.to_string() })?;
    let world = World::new(config);
    let first_trial = options.first_trial;
    let total = u64::from(config.trials);
    let burn_ins = options.burn_ins.as_deref().filter(|_| config.shares_burn_in());
    if let Some(kept) = burn_ins {
        kept.adopt(config);
    }

    // Each thread's working memory is allocated when the thread first runs a chunk,
    // so threads that never get work cost nothing.
    let threads = pool.current_num_threads();
    // A capped chunk (the live page's, so that a newer request waits little) is cut
    // from the spread one, whose count of chunks decides whether arms run side by side.
    let (chunk, side_by_side_chunk) = match options.max_chunk {
        Some(max) => {
            let spread = spread_chunk(config.trials, threads);
            (spread.min(max.max(1)), spread)
        }
        None => {
            let chunk = chunk_size(config, arms.len(), threads);
            (chunk, chunk)
        }
    };
    let new_slot = || ThreadSlot {
        initial: vec![Workforce::vacant(&world.org); chunk],
        workforce: Workforce::vacant(&world.org),
        series_buffers: SeriesBuffers::new(config, chunk),
    };
    // The time series accumulators, one set for the whole run, locked arm by arm:
    // a chunk folds an arm's series in once it has run that arm's trials (a small
    // part of its time, so threads seldom wait), and as adding and merging are
    // exact in any order, which chunk folds first changes no bit. One set, not one
    // per thread, keeps memory from growing with the threads.
    let series: Vec<Mutex<Vec<Accumulator>>> =
        config.arms.iter().map(|_| Mutex::new(empty_arm_series(config))).collect();
    // Working memory free for a chunk to take. A chunk takes a slot and gives it
    // back when done, holding no lock while it runs: with its arms in parallel, a
    // thread waiting for them may pick up another worker's loop, which must not
    // wait on a lock that thread holds.
    let slots: Mutex<Vec<ThreadSlot>> = Mutex::new(Vec::new());
    // With fewer chunks than can keep every thread busy to the end, a chunk's arms
    // run in parallel (the idle threads take them). Every chunk then starts within
    // `lead` of the hand-over, so no worker ever waits for room while another
    // thread's chunk waits on it.
    let parallel_arms = arms_side_by_side(config.trials, side_by_side_chunk, arms.len(), threads);

    // Workers take chunks in trial order from a shared counter and send each
    // finished chunk here; this thread puts them back in order and hands them on.
    // No thread waits for another between chunks unless it runs more than `lead`
    // trials ahead of those handed over, so the finished chunks waiting here for an
    // earlier one stay few and memory stays independent of the trial count.
    let next = AtomicU64::new(0);
    let halt = AtomicBool::new(false);
    let handover = Handover::default();
    let lead = (LEAD_CHUNKS * chunk * pool.current_num_threads()) as u64;
    let (sender, receiver) = mpsc::channel::<(u64, Result<Vec<TrialOutcome>, RunError>)>();
    let mut done = 0u64;
    // The failure of the earliest chunk that failed (or whose hand-over failed), so
    // the error reported does not depend on which thread finished first.
    let mut failure: Option<(u64, RunError)> = None;
    pool.in_place_scope(|scope| {
        for _ in 0..pool.current_num_threads() {
            let sender = sender.clone();
            let (next, halt, handover, slots, world, new_slot, series) =
                (&next, &halt, &handover, &slots, &world, &new_slot, &series);
            let keep = Keep { events: options.events.as_ref(), burn_ins };
            scope.spawn(move |_| {
                let halted = || stop.load(Ordering::Relaxed) || halt.load(Ordering::Relaxed);
                while !halted() {
                    let first = next.fetch_add(chunk as u64, Ordering::Relaxed);
                    if first >= total {
                        break;
                    }
                    handover.wait_for_room(first, lead, halted);
                    if halted() {
                        break;
                    }
                    // Trial indices (and so seeds) are those of a full run.
                    let trials = first_trial.saturating_add(first)
                        ..first_trial.saturating_add((first + chunk as u64).min(total));
                    // A panic outside a trial's own guard (a bug in the bookkeeping)
                    // must still reach the calling thread, or it would wait for this
                    // chunk for ever.
                    let outcomes = catch_unwind(AssertUnwindSafe(|| {
                        let free = slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
                        let mut slot = free.unwrap_or_else(new_slot);
                        let outcomes =
                            run_chunk(world, trials.clone(), arms, &mut slot, series, keep, parallel_arms);
                        slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(slot);
                        outcomes
                    }))
                    .unwrap_or_else(|payload| {
                        Err(RunError::ChunkPanicked {
                            first: trials.start,
                            last: trials.end - 1,
                            message: panic_message(&*payload),
                        })
                    });
                    if sender.send((first, outcomes)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        // Should this thread panic (in the caller's sink, say), the workers must not
        // wait for room that will never come.
        let _wake_on_unwind = WakeOnUnwind { halt: &halt, handover: &handover };
        let mut waiting = BTreeMap::new();
        for (first, outcomes) in receiver {
            let outcomes = match outcomes {
                Ok(outcomes) if failure.is_none() => outcomes,
                Ok(_) => continue,
                Err(error) => {
                    if failure.as_ref().is_none_or(|(earliest, _)| first < *earliest) {
                        failure = Some((first, error));
                    }
                    halt.store(true, Ordering::Relaxed);
                    handover.wake();
                    continue;
                }
            };
            waiting.insert(first, outcomes);
            while let Some(outcomes) = waiting.remove(&done) {
                if let Err(message) = on_chunk(&outcomes) {
                    failure = Some((done, RunError::Sink(message)));
                    halt.store(true, Ordering::Relaxed);
                    handover.wake();
                    break;
                }
                done += outcomes.len() as u64;
                handover.advance(done);
                progress(done, total);
            }
        }
    });
    if let Some((_, error)) = failure {
        return Err(error);
    }
    if done < total {
        return Err(RunError::Interrupted { completed: done, total });
    }

    Ok(series
        .into_iter()
        .flat_map(|arm| arm.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()))
        .collect())
}

/// Runs every arm of a chunk of trials, folding their time series into the run's
/// accumulators (`series`, one set per arm); a panic becomes an error that names
/// the trial and its seed.
/// With `parallel_arms`, the arms run side by side on the pool, each with working
/// memory of its own; an arm's results do not depend on which thread ran it.
fn run_chunk(
    world: &World<'_>,
    trials: std::ops::Range<u64>,
    arms: &[usize],
    slot: &mut ThreadSlot,
    series: &[Mutex<Vec<Accumulator>>],
    keep: Keep<'_>,
    parallel_arms: bool,
) -> Result<Vec<TrialOutcome>, RunError> {
    let config = world.config;
    let keep_events = keep.events;
    let ThreadSlot { initial, workforce, series_buffers } = slot;
    let mut outcomes: Vec<TrialOutcome> = trials
        .clone()
        .map(|trial| TrialOutcome {
            trial,
            seed: trial_seed(config.seed, trial),
            arms: Vec::with_capacity(arms.len()),
            events: Vec::new(),
        })
        .collect();
    #[cfg(test)]
    assert!(
        !(config.name == tests::BROKEN_BOOKKEEPING && trials.contains(&16)),
        "injected bookkeeping failure"
    );
    // With `[uncertainty]`, each trial runs in the world of its parameter draw
    // (one per distinct draw of the chunk), every arm alike; else all share `world`.
    let drawn = drawn_configs(config, trials.clone())?;
    let drawn_worlds: Vec<World<'_>> = drawn.iter().map(|(_, config)| World::new(config)).collect();
    let world_of = |trial: u64| -> &World<'_> {
        match &config.uncertainty {
            // A chunk's trials are consecutive, so are their draws.
            Some(uncertainty) => &drawn_worlds[(uncertainty.draw_of(trial) - drawn[0].0) as usize],
            None => world,
        }
    };
    // Each trial's initial workforce; or, under `burn_in_levers = "baseline"`, its
    // burn-in under the baseline's levers, once, for every arm to go on from
    // (whichever arms this chunk runs), unless a store of them from an earlier run
    // holds it already (and then the initial workforce is not needed either).
    let state_bytes = memory::workforce_bytes(config);
    let mut burnt: Vec<Option<Arc<BurntIn>>> = Vec::with_capacity(outcomes.len());
    for (outcome, initial) in outcomes.iter().zip(initial.iter_mut()) {
        let world = world_of(outcome.trial);
        if !world.config.shares_burn_in() {
            guard(outcome, || world.draw_initial_workforce(outcome.seed, initial))?;
            burnt.push(None);
            continue;
        }
        let keeps_teams =
            keep_events.is_some_and(|selection| arms.iter().any(|&arm| selection.keeps(outcome.trial, arm)));
        let state = match keep.burn_ins.and_then(|kept| kept.get(outcome.trial, keeps_teams)) {
            Some(state) => state,
            None => {
                let state = Arc::new(guard(outcome, || {
                    world.draw_initial_workforce(outcome.seed, initial);
                    world.burn_in_baseline(outcome.seed, initial, keeps_teams)
                })?);
                if let Some(kept) = keep.burn_ins {
                    kept.keep(outcome.trial, &state, state_bytes);
                }
                state
            }
        };
        burnt.push(Some(state));
    }
    let initial = &initial[..outcomes.len()];
    let chunk = Chunk {
        world_of: &world_of,
        frame: &config.frame(),
        observed: config.step_metrics(),
        outcomes: &outcomes,
        initial,
        burnt: &burnt,
        keep_events,
    };
    let work: Vec<(usize, &Mutex<Vec<Accumulator>>)> = arms.iter().map(|&arm| (arm, &series[arm])).collect();
    let arm_results: Vec<Result<Vec<ArmTrial>, RunError>> = if parallel_arms {
        use rayon::prelude::*;
        let chunk_trials = chunk.outcomes.len();
        work.into_par_iter()
            .map(|(arm, cells)| {
                let mut workforce = Workforce::vacant(&world.org);
                let mut buffers = SeriesBuffers::new(config, chunk_trials);
                chunk.run_arm(arm, &mut workforce, &mut buffers, cells)
            })
            .collect()
    } else {
        work.into_iter().map(|(arm, cells)| chunk.run_arm(arm, workforce, series_buffers, cells)).collect()
    };
    // The first failure in arm order, as a run of the arms one after another meets it.
    for trials_of_arm in arm_results {
        for (outcome, (row, events)) in outcomes.iter_mut().zip(trials_of_arm?) {
            outcome.arms.push(row);
            if keep_events.is_some() {
                // One list per arm, empty for an arm left out, so lists stay in arm order.
                outcome.events.push(events.unwrap_or_default());
            }
        }
    }
    Ok(outcomes)
}

/// What a chunk keeps besides its results: the events selected, and the shared
/// burn-ins for a later run.
#[derive(Clone, Copy)]
struct Keep<'a> {
    events: Option<&'a EventSelection>,
    burn_ins: Option<&'a BurnIns>,
}

/// One arm's result in one trial: its summary row and, when kept, its events.
type ArmTrial = (TrialRow, Option<Vec<Event>>);

/// A chunk of trials ready to run: their worlds, initial workforces and what to keep.
struct Chunk<'c, 'w, W: Fn(u64) -> &'w World<'w>> {
    world_of: &'c W,
    frame: &'c crate::metrics::Frame,
    observed: &'static [StepMetric],
    outcomes: &'c [TrialOutcome],
    /// Each trial's initial workforce, where `burnt` is `None` (else not drawn).
    initial: &'c [Workforce],
    /// Per trial, the baseline's burn-in every arm goes on from, under
    /// `burn_in_levers = "baseline"`; else `None`, and each arm starts from `initial`.
    burnt: &'c [Option<Arc<BurntIn>>],
    keep_events: Option<&'c EventSelection>,
}

impl<'w, W: Fn(u64) -> &'w World<'w>> Chunk<'_, 'w, W> {
    /// Runs arm `arm_index` of every trial of the chunk from its initial workforce
    /// and folds the time series into that arm's cells step by step, so each
    /// accumulator is fetched once per chunk; the cells are locked only for the fold.
    fn run_arm(
        &self,
        arm_index: usize,
        workforce: &mut Workforce,
        series_buffers: &mut SeriesBuffers,
        cells: &Mutex<Vec<Accumulator>>,
    ) -> Result<Vec<ArmTrial>, RunError> {
        let mut results = Vec::with_capacity(self.outcomes.len());
        let trials = self.outcomes.len();
        let SeriesBuffers { rows, folded } = series_buffers;
        let folded = &mut folded[..rows.len() * self.observed.len() * trials];
        let starts = self.initial.iter().zip(self.burnt);
        for (index, (outcome, (initial, burnt))) in self.outcomes.iter().zip(starts).enumerate() {
            let world = (self.world_of)(outcome.trial);
            let arm = &world.config.arms[arm_index];
            let mut events = self
                .keep_events
                .filter(|selection| selection.keeps(outcome.trial, arm_index))
                .map(|_| Vec::new());
            let row = guard(outcome, || {
                match burnt {
                    Some(burnt) => run_arm_from(world, arm, burnt, workforce, rows, events.as_mut()),
                    None => run_arm(world, arm, outcome.seed, initial, workforce, rows, events.as_mut()),
                }
                crate::metrics::summarise_trial(self.frame, rows)
            })?;
            for (step_row, cells_of_step) in
                rows.iter().zip(folded.chunks_exact_mut(self.observed.len() * trials))
            {
                for (&metric, cell) in self.observed.iter().zip(cells_of_step.chunks_exact_mut(trials)) {
                    cell[index] = step_row[metric as usize];
                }
            }
            results.push((row, events));
        }
        let mut cells = cells.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Each cell takes the chunk's values at once (see `Accumulator::add_all`).
        for (accumulator, values) in cells.iter_mut().zip(folded.chunks_exact(trials)) {
            accumulator.add_all(values);
        }
        Ok(results)
    }
}

/// The validated scenario of each parameter draw the trials use, in draw order
/// (consecutive, as the trials are); empty without `[uncertainty]`.
fn drawn_configs(config: &Config, trials: std::ops::Range<u64>) -> Result<Vec<(u64, Config)>, RunError> {
    let Some(uncertainty) = &config.uncertainty else { return Ok(Vec::new()) };
    let mut drawn: Vec<(u64, Config)> = Vec::new();
    for trial in trials {
        let draw = uncertainty.draw_of(trial);
        if drawn.last().is_none_or(|&(last, _)| last != draw) {
            let at = uncertainty
                .config_at(config, draw)
                .map_err(|source| RunError::ParameterDraw { trial, source })?;
            drawn.push((draw, at));
        }
    }
    Ok(drawn)
}

/// Runs `work`, turning a panic into an error that names the trial and its seed.
fn guard<T>(outcome: &TrialOutcome, work: impl FnOnce() -> T) -> Result<T, RunError> {
    catch_unwind(AssertUnwindSafe(work)).map_err(|payload| RunError::TrialPanicked {
        trial: outcome.trial,
        seed: outcome.seed,
        message: panic_message(&*payload),
    })
}

/// The message a panic was raised with.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;
    use crate::metrics::TrialMetric;
    use std::path::Path;

    pub(super) fn small_peter(trials: u32) -> Config {
        let text = include_str!("../../scenarios/peter_principle.toml").replace("steps = 1000", "steps = 60");
        parse(&text, Path::new("peter_principle.toml")).unwrap().with_trials(trials).unwrap()
    }

    fn run_collecting(config: &Config, threads: usize) -> (RunSummary, Vec<TrialOutcome>) {
        run_collecting_with(config, RunOptions { threads: Some(threads), ..RunOptions::default() })
    }

    fn run_collecting_with(config: &Config, options: RunOptions) -> (RunSummary, Vec<TrialOutcome>) {
        let mut rows = Vec::new();
        let stop = AtomicBool::new(false);
        let summary = run(
            config,
            options,
            &stop,
            |batch| {
                rows.extend_from_slice(batch);
                Ok(())
            },
            |_, _| {},
        )
        .unwrap();
        (summary, rows)
    }

    /// Runs `config` on two threads, handing the trials to `sink`.
    fn run_on_two_threads(
        config: &Config,
        stop: &AtomicBool,
        sink: impl FnMut(&[TrialOutcome]) -> Result<(), String>,
    ) -> Result<RunSummary, RunError> {
        run(config, RunOptions { threads: Some(2), ..RunOptions::default() }, stop, sink, |_, _| {})
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let config = small_peter(24);
        let (one, rows_one) = run_collecting(&config, 1);
        let (three, rows_three) = run_collecting(&config, 3);
        assert_eq!(rows_one, rows_three);
        assert_eq!(one.series, three.series);
        assert_eq!(one.arms, three.arms);
        assert_eq!(one.comparisons, three.comparisons);
        assert_eq!(rows_one.iter().map(|r| r.trial).collect::<Vec<_>>(), (0..24).collect::<Vec<_>>());
        // Nor on the size of the work items.
        for max_chunk in [1, 5] {
            let options =
                RunOptions { threads: Some(2), max_chunk: Some(max_chunk), ..RunOptions::default() };
            let (small, rows_small) = run_collecting_with(&config, options);
            assert_eq!(rows_small, rows_one);
            assert_eq!(
                (small.series, small.arms, small.comparisons),
                (one.series.clone(), one.arms.clone(), one.comparisons.clone())
            );
        }
    }

    /// A few trials whose arms share the threads evenly are one chunk, arms side
    /// by side; otherwise, or for a large organisation, chunks spread the trials
    /// over the threads as before.
    #[test]
    fn few_trials_whose_arms_share_the_threads_run_as_one_chunk() {
        let scenario = |name: &str, text: &str| parse(text, Path::new(name)).unwrap();
        // The 16-trial CI scenario of the Peter-principle model: 8 arms, 160 positions.
        let ci = scenario("peter_principle.toml", include_str!("../../scenarios/ci/peter_principle.toml"));
        assert_eq!(chunk_size(&ci, 8, 2), 16);
        assert!(arms_side_by_side(16, 16, 8, 2));
        assert_eq!(chunk_size(&ci, 8, 1), 16);
        // Three arms on two threads would leave one thread a third of the work idle.
        assert_eq!(chunk_size(&ci, 3, 2), spread_chunk(16, 2));
        // More trials than a chunk, too many positions to keep every trial's
        // initial workforce, or arms too long to wait for: spread.
        assert_eq!(chunk_size(&ci.clone().with_trials(17).unwrap(), 8, 2), spread_chunk(17, 2));
        let large = scenario("large_org.toml", include_str!("../../scenarios/large_org.toml"));
        assert_eq!(chunk_size(&large, 2, 2), spread_chunk(4, 2));
        let long =
            include_str!("../../scenarios/ci/peter_principle.toml").replace("steps = 300 ", "steps = 9000 ");
        assert_eq!(chunk_size(&scenario("peter_principle.toml", &long), 8, 2), spread_chunk(16, 2));
        assert_eq!(spread_chunk(16, 2), 2);
    }

    /// With fewer trials than keep the threads busy, a trial's arms run side by
    /// side; the rows, events and time series are those of one thread, in the
    /// behavioural model too.
    #[test]
    fn arms_run_side_by_side_give_the_results_of_one_thread() {
        let behavioural = include_str!("../../scenarios/ci/tech_org.toml")
            .replace("burn_in = 40 ", "burn_in = 2 ")
            .replace("steps = 60 ", "steps = 12 ");
        let behavioural = crate::config::parse(&behavioural, Path::new("tech_org.toml")).unwrap();
        for config in
            [small_peter(1), behavioural.clone().with_trials(1).unwrap(), behavioural.with_trials(3).unwrap()]
        {
            let collect = |threads: usize| {
                let events = Some(EventSelection::all());
                run_collecting_with(
                    &config,
                    RunOptions { threads: Some(threads), events, ..RunOptions::default() },
                )
            };
            let (one, rows_one) = collect(1);
            for threads in [2, 4] {
                let (many, rows_many) = collect(threads);
                assert_eq!(rows_one, rows_many);
                assert!(rows_many.iter().all(|row| row.events.iter().all(|events| !events.is_empty())));
                // One trial's spread is NaN, which equals nothing: compare the bits as printed.
                let same =
                    |a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| format!("{a:?}") == format!("{b:?}");
                assert!(same(&one.series, &many.series), "{threads} threads: other time series");
                assert!(same(&one.arms, &many.arms), "{threads} threads: other trial metrics");
                assert!(same(&one.comparisons, &many.comparisons), "{threads} threads: other comparisons");
            }
        }
    }

    #[test]
    fn the_baseline_compared_with_itself_is_absent_and_others_are_paired() {
        let config = small_peter(8);
        let (summary, rows) = run_collecting(&config, 2);
        assert!(summary.comparisons[0].is_none());
        let gain = TrialMetric::EfficiencyGain as usize;
        let expected: f64 = rows.iter().map(|r| r.arms[4][gain] - r.arms[0][gain]).sum::<f64>() / 8.0;
        let measured = summary.comparisons[4].as_ref().unwrap()[gain].difference.mean;
        assert!((expected - measured).abs() < 1e-9, "{expected} vs {measured}");
    }

    /// Two arms with the same levers see the same draws, so their paired difference
    /// is exactly zero in every trial, with an interval of width zero.
    #[test]
    fn an_arm_compared_with_its_twin_differs_by_exactly_zero() {
        let text = include_str!("../../scenarios/peter_principle.toml")
            .replace("steps = 1000", "steps = 80")
            .replace(
                "[arms.\"worst, common sense\"]\npromotion = \"worst\"",
                "[arms.\"twin\"]\npromotion = \"best\"",
            );
        let config = parse(&text, Path::new("twin.toml")).unwrap().with_trials(10).unwrap();
        assert_eq!(config.arms[1].name, "twin");
        assert_eq!(config.arms[1].promotion, config.arms[0].promotion);
        let (summary, _) = run_collecting(&config, 2);
        for comparison in summary.comparisons[1].as_ref().unwrap() {
            let d = &comparison.difference;
            assert_eq!((d.mean, d.ci_low, d.ci_high, d.std_dev), (0.0, 0.0, 0.0, 0.0));
            assert_eq!((comparison.share_higher, comparison.share_lower), (0.0, 0.0));
        }
        // And a different arm does differ.
        let gain = TrialMetric::EfficiencyGain as usize;
        assert!(summary.comparisons[4].as_ref().unwrap()[gain].difference.std_dev > 0.0);
    }

    /// A run of one trial from `first_trial = i` is trial `i` of the full run: the
    /// same index, seed and rows, draw for draw.
    #[test]
    fn a_run_from_a_first_trial_replays_that_trial_of_the_full_run() {
        let (_, full) = run_collecting(&small_peter(20), 2);
        let stop = AtomicBool::new(false);
        for index in [0, 13, 19] {
            let mut replayed = Vec::new();
            let options = RunOptions { threads: Some(1), first_trial: index, ..RunOptions::default() };
            let summary = run(
                &small_peter(1),
                options,
                &stop,
                |batch| {
                    replayed.extend_from_slice(batch);
                    Ok(())
                },
                |_, _| {},
            )
            .unwrap();
            assert_eq!(summary.trials, 1);
            assert_eq!(replayed, [full[index as usize].clone()]);
        }
    }

    /// The totals of a run's trials split into parts, merged in any order, are the
    /// totals of the whole run: a run is the merge of its shards.
    #[test]
    fn the_merged_totals_of_parts_of_a_run_are_the_whole_run() {
        let stop = AtomicBool::new(false);
        let totals = |trials: u32, first_trial: u64| {
            let options = RunOptions { threads: Some(2), first_trial, ..RunOptions::default() };
            accumulate(&small_peter(trials), options, &stop, |_| Ok(()), |_, _| {}).unwrap()
        };
        let whole = totals(20, 0);
        let parts = [totals(7, 0), totals(1, 7), totals(12, 8)];
        for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0]] {
            let mut merged = RunTotals::empty(&small_peter(20));
            for index in order {
                merged.merge(&parts[index]);
            }
            assert_eq!(merged, whole);
        }
        // And they differ from a run of other trials, so the comparison has teeth.
        let mut shifted = RunTotals::empty(&small_peter(20));
        shifted.merge(&totals(20, 1));
        assert_ne!(shifted, whole);
        let mut bytes = Vec::new();
        whole.encode(&mut bytes).unwrap();
        assert_eq!(RunTotals::empty(&small_peter(20)).decode_like(&mut bytes.as_slice()).unwrap(), whole);
    }

    /// Each arm run on its own, the runs put together, are the run of every arm, bit
    /// for bit, in the behavioural model too (the live page re-runs only the arms a
    /// change touches); an arm run under other levers differs, so the test has teeth.
    #[test]
    fn arms_run_alone_and_put_together_are_the_whole_run() {
        let behavioural = include_str!("../../scenarios/ci/tech_org.toml")
            .replace("burn_in = 40 ", "burn_in = 2 ")
            .replace("steps = 60 ", "steps = 12 ");
        let behavioural = crate::config::parse(&behavioural, std::path::Path::new("tech_org.toml")).unwrap();
        let stop = AtomicBool::new(false);
        for config in [small_peter(6).with_trials(6).unwrap(), behavioural.with_trials(5).unwrap()] {
            let options = RunOptions { threads: Some(2), first_trial: 3, ..RunOptions::default() };
            let whole = accumulate(&config, options.clone(), &stop, |_| Ok(()), |_, _| {}).unwrap();
            let backwards: Vec<usize> = (0..config.arms.len()).rev().collect();
            let mut alone = run_arms(&config, &backwards, options.clone(), &stop, |_, _| {}).unwrap();
            alone.reverse();
            assert!(alone.iter().all(|run| run.trials() == 5 || run.trials() == 6));
            assert_eq!(RunTotals::of_arms(&config, &alone.iter().collect::<Vec<_>>()), whole);
            let last = config.arms.len() - 1;
            let mut changed = config.clone();
            changed.arms[last] = changed.arms[0].clone();
            let other = run_arms(&changed, &[last], options, &stop, |_, _| {}).unwrap().remove(0);
            assert_ne!(other.rows, alone[last].rows);
        }
    }

    #[test]
    fn a_panic_in_a_trial_names_the_trial_and_its_seed() {
        let outcome = TrialOutcome { trial: 17, seed: 99, arms: Vec::new(), events: Vec::new() };
        let error = guard(&outcome, || panic!("broken invariant")).unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, RunError::TrialPanicked { trial: 17, seed: 99, .. }));
        assert!(message.contains("broken invariant") && message.contains("--replay-trial 17"), "{message}");
    }

    /// A stop requested mid-run ends it once the chunks under way finish: what was
    /// handed over is a prefix of the trials, in order, and is what it reports.
    #[test]
    fn a_stop_mid_run_hands_over_a_prefix_in_order() {
        // Workers may run 8 chunks of 16 ahead of the hand-over: a stop at the first
        // hand-over cannot let them reach the end.
        let config = small_peter(400);
        let stop = AtomicBool::new(false);
        let mut delivered = Vec::new();
        let result = run_on_two_threads(&config, &stop, |trials| {
            delivered.extend(trials.iter().map(|t| t.trial));
            stop.store(true, Ordering::Relaxed);
            Ok(())
        });
        let Err(RunError::Interrupted { completed, total: 400 }) = result else { panic!("{result:?}") };
        assert!(completed > 0 && completed < 400, "{completed}");
        assert_eq!(delivered, (0..completed).collect::<Vec<_>>());
    }

    /// A slow sink makes the workers wait for room (they may not run far ahead of
    /// what was handed over); the run still finishes, with the same results.
    #[test]
    fn a_slow_sink_holds_the_workers_back_without_changing_results() {
        // 25 chunks of 16, of which the workers may run 8 ahead.
        let config = small_peter(400);
        let (fast, fast_rows) = run_collecting(&config, 2);
        let stop = AtomicBool::new(false);
        let mut slow_rows = Vec::new();
        let slow = run_on_two_threads(&config, &stop, |trials| {
            // The first hand-over is slow: meanwhile the workers reach the limit.
            if slow_rows.is_empty() {
                std::thread::sleep(Duration::from_millis(500));
            }
            slow_rows.extend_from_slice(trials);
            Ok(())
        })
        .unwrap();
        assert_eq!(fast_rows, slow_rows);
        assert_eq!(fast.series, slow.series);
    }

    /// The scenario name that makes `run_chunk` panic outside any trial's guard,
    /// for the chunk holding trial 16 (tests only).
    pub(super) const BROKEN_BOOKKEEPING: &str = "broken bookkeeping";

    /// Runs `work` on its own thread and fails if it has not finished in 60 s: a
    /// hang is a failure, not a stuck test suite.
    fn within_a_minute<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || sender.send(work()));
        receiver.recv_timeout(Duration::from_secs(60)).expect("the run hung")
    }

    /// A panic in a chunk's bookkeeping, outside every trial's guard, ends the run
    /// with an error naming the chunk, while the other worker waits for room.
    #[test]
    fn a_panic_outside_the_trials_ends_the_run_with_an_error() {
        let result = within_a_minute(|| {
            let mut config = small_peter(400);
            config.name = BROKEN_BOOKKEEPING.to_owned();
            let stop = AtomicBool::new(false);
            run_on_two_threads(&config, &stop, |_| Ok(())).map(|_| ())
        });
        let Err(error @ RunError::ChunkPanicked { first: 16, last: 31, .. }) = result else {
            panic!("{result:?}")
        };
        assert!(error.to_string().contains("injected bookkeeping failure"), "{error}");
    }

    /// A panic in the caller's sink, on the calling thread, reaches the caller and
    /// does not leave workers waiting for room that never comes.
    #[test]
    fn a_panicking_sink_panics_the_run_without_hanging_it() {
        let unwound = within_a_minute(|| {
            std::panic::catch_unwind(|| {
                let config = small_peter(400);
                let stop = AtomicBool::new(false);
                let sink = |_: &[TrialOutcome]| -> Result<(), String> {
                    std::thread::sleep(Duration::from_millis(300));
                    panic!("sink broke")
                };
                run_on_two_threads(&config, &stop, sink).map(|_| ())
            })
            .is_err()
        });
        assert!(unwound);
    }

    /// A failing sink (a write error) stops the run with its message, and is not
    /// called again.
    #[test]
    fn a_failing_sink_stops_the_run_with_its_error() {
        let config = small_peter(64);
        let stop = AtomicBool::new(false);
        let mut calls = 0;
        let result = run_on_two_threads(&config, &stop, |_| {
            calls += 1;
            Err("disk full".to_owned())
        });
        assert!(matches!(&result, Err(RunError::Sink(message)) if message == "disk full"), "{result:?}");
        assert_eq!(calls, 1);
    }

    #[test]
    fn a_stop_request_interrupts_the_run() {
        let config = small_peter(8);
        let stop = AtomicBool::new(true);
        let result = run(&config, RunOptions::default(), &stop, |_| Ok(()), |_, _| {});
        assert!(matches!(result, Err(RunError::Interrupted { completed: 0, total: 8 })));
    }

    #[test]
    fn an_interrupted_single_trial_is_one_trial() {
        let one = RunError::Interrupted { completed: 0, total: 1 };
        assert_eq!(one.to_string(), "interrupted after 0 of 1 trial");
        let many = RunError::Interrupted { completed: 3, total: 8 };
        assert_eq!(many.to_string(), "interrupted after 3 of 8 trials");
    }
}
