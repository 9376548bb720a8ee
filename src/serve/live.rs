//! The runs behind the live page: one worker thread runs the newest request, in
//! growing ranges of trials merged exactly (as shards are), and publishes an update
//! after each range; a newer request cancels the one running (the stop flag the
//! runner checks between chunks) and replaces one waiting, so runs never queue.
//! Finished results are kept by configuration, so returning to a setting seen
//! before costs nothing.
//!
//! While no request waits, the worker runs the states the page may move to next
//! ([`Live::speculate`]: each control one move away), least work first, so that the
//! next move is most often answered from results already kept. Such a run gives
//! way to any request at its next chunk of trials; a request for the state it is
//! running takes it over where it stands.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::overrides::Override;
use crate::config::{Config, ScenarioError};
use crate::output::manifest::{FileChecksum, Manifest, RunRecord as ManifestRecord};
use crate::output::tables::{COMPARISON, SUMMARY, SummaryTables, TIMESERIES, UNCERTAINTY};
use crate::report::Results;
use crate::runner::{self, ArmRun, BurnIns, RunError, RunOptions, RunSummary, RunTotals};
use crate::shard::sha256_hex;

/// Trials of the first update: enough for an interval (a wide one), few enough that
/// a change reaching every arm of `tech_org` answers within a second on two cores.
pub const FIRST_TRIALS: u64 = 8;

/// Most trials a work item of a live run runs: a newer request waits for the items
/// under way to end (for `tech_org`, about 7 ms a trial and arm on a Zen 5 core).
const CHUNK: usize = 4;

/// Bytes of single-arm runs kept for reuse (a change to one arm re-runs only it).
const ARM_RUN_BYTES: u64 = 512 << 20;

/// Bytes of shared burn-ins kept, over at most `BURN_IN_HISTORIES` histories.
const BURN_IN_BYTES: u64 = 256 << 20;

/// Histories whose shared burn-ins are kept (the page's state and the neighbours
/// it speculates on may differ in what the burn-in depends on).
const BURN_IN_HISTORIES: usize = 4;

/// Runs remembered for `/api/status`.
const REMEMBERED: usize = 32;

/// Finished results kept for reuse: room for the states around a few of the
/// page's states (`tech_org` has 22 one move away).
const FINISHED_KEPT: usize = 64;

/// The trial ranges a run of `trials` is evaluated in: the first [`FIRST_TRIALS`],
/// then each range twice the trials done so far, so a run of N trials publishes
/// about log3(N / 8) + 1 updates and the last one is the whole run.
pub fn ranges(trials: u64) -> Vec<std::ops::Range<u64>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    while start < trials {
        let end = if start == 0 { FIRST_TRIALS.min(trials) } else { (start * 3).min(trials) };
        ranges.push(start..end);
        start = end;
    }
    ranges
}

/// What a run is doing.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for the worker.
    Queued,
    /// Its trials are running.
    Running,
    /// Every trial is done.
    Done,
    /// A newer request replaced it before it finished.
    Cancelled,
    /// It failed (a bug in the engine, or a refused parameter draw).
    Failed(String),
}

/// The results after some of a run's trials.
#[derive(Debug, Clone, Serialize)]
pub struct Update {
    /// Counts the run's updates from 1.
    pub seq: u64,
    /// Trials done.
    pub trials_done: u64,
    /// Trials of the whole run.
    pub trials_total: u64,
    /// Whether this is the whole run.
    pub complete: bool,
    /// The report's live sections, rendered from these results.
    pub html: String,
    /// SHA-256 of summary.csv as `attrition run` would write it for these trials.
    pub summary_sha256: String,
    /// SHA-256 of comparison.csv, likewise.
    pub comparison_sha256: String,
    /// Milliseconds from the request to this update.
    pub elapsed_ms: u64,
    /// The whole report, for the download, once the run is complete.
    #[serde(skip)]
    pub report: Option<Arc<String>>,
}

/// One requested run.
#[derive(Debug, Clone, Serialize)]
pub struct RunRecord {
    /// Its number, from 1.
    pub id: u64,
    /// The page state, as a canonical query string.
    pub state: String,
    /// What it is doing.
    pub status: Status,
    /// Trials done so far.
    pub trials_done: u64,
    /// Trials of the whole run.
    pub trials_total: u64,
    /// Its latest update.
    #[serde(skip)]
    pub latest: Option<Arc<Update>>,
    /// Whether it was answered from results kept from an earlier run.
    pub reused: bool,
    #[serde(skip)]
    key: String,
    #[serde(skip)]
    cancel: Arc<AtomicBool>,
}

/// A state the page may move to next, to run while no request waits.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The page state, as a canonical query string.
    pub state: String,
    /// Its overrides of the scenario (its `--set` flags), to validate.
    pub overrides: Vec<Override>,
    /// How far it is from the page's state: a slider's steps, 1 for a menu.
    pub steps: usize,
}

/// A candidate validated, waiting to run.
struct Speculation {
    config: Config,
    key: String,
    state: String,
    set: Vec<String>,
    steps: usize,
}

/// The speculative run under way, until it ends or a request takes it over.
struct Speculating {
    id: u64,
    key: String,
    state: String,
    cancel: Arc<AtomicBool>,
    latest: Option<Arc<Update>>,
    trials_total: u64,
}

/// What the page's next moves are doing, for `/api/status`.
#[derive(Debug, Clone, Serialize)]
pub struct Prefetch {
    /// The state being run, if one is.
    pub running: Option<String>,
    /// States waiting to run (validated or not).
    pub waiting: usize,
}

/// A run the worker is to start.
struct Job {
    id: u64,
    config: Config,
    /// The `--set` flags the state stands for, for the manifest's command.
    set: Vec<String>,
    requested: Instant,
    cancel: Arc<AtomicBool>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    runs: VecDeque<RunRecord>,
    pending: Option<Job>,
    /// Finished updates by configuration key, newest last.
    finished: VecDeque<(String, Arc<Update>)>,
    /// Single-arm runs by [`arm_key`], least recently used first.
    arm_runs: VecDeque<(String, Arc<ArmRun>)>,
    /// The candidates of the newest [`Live::speculate`], not yet validated, with
    /// the `generation` they belong to.
    candidates: Option<(u64, Vec<Candidate>)>,
    /// Counts the calls of [`Live::speculate`], so that candidates validated for an
    /// older state are dropped.
    generation: u64,
    /// Candidates being validated (taken from `candidates`), still to run.
    validating: usize,
    /// The candidates validated, not yet run.
    speculations: Vec<Speculation>,
    /// The speculative run under way.
    speculating: Option<Speculating>,
}

/// The worker's next task.
enum Work {
    /// A request's run.
    Asked(Job),
    /// Candidates to validate, of this generation.
    Validate(u64, Vec<Candidate>),
    /// A speculative run.
    Speculate(Job),
}

/// What every run shares: the scenario it was started from.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The scenario file as named on the command line.
    pub file: PathBuf,
    /// Its text.
    pub text: String,
    /// `--trials`, `--seed` and `--threads` of `serve`, passed on to the command that
    /// reproduces a run.
    pub trials: Option<u32>,
    /// See `trials`.
    pub seed: Option<u64>,
    /// Worker threads; `None` for rayon's default.
    pub threads: Option<usize>,
}

/// The live runs: requests from the handlers, one worker thread running them.
pub struct Live {
    inner: Mutex<Inner>,
    changed: Condvar,
    scenario: Scenario,
    /// Under a shared burn-in, the trials' states at its end, per history, the
    /// most recently used last: a change to an arm other than the baseline then
    /// runs only its measured steps.
    burn_ins: Mutex<VecDeque<(String, Arc<BurnIns>)>>,
}

impl Live {
    /// Starts the worker thread.
    pub fn start(scenario: Scenario) -> Arc<Self> {
        let live = Arc::new(Self {
            inner: Mutex::default(),
            changed: Condvar::new(),
            scenario,
            burn_ins: Mutex::default(),
        });
        let worker = Arc::clone(&live);
        std::thread::Builder::new()
            .name("attrition-serve-runs".to_owned())
            .spawn(move || worker.work())
            .expect("the run thread starts");
        live
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A handler that panicked holding the lock left consistent data (each
        // change is one assignment): carry on with it.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Asks for the run of `config` (page state `state`, standing for `set`):
    /// the run under way if it is that configuration's, the kept results if it ran
    /// before, else a new run that cancels the one running. Returns its id.
    pub fn request(&self, config: Config, state: String, set: Vec<String>) -> u64 {
        let key = key_of(&config);
        let mut inner = self.lock();
        let live_same = inner.runs.iter().rev().find(|run| {
            let going =
                matches!(run.status, Status::Queued | Status::Running) && !run.cancel.load(Ordering::SeqCst);
            run.key == key && (going || run.status == Status::Done)
        });
        if let Some(run) = live_same {
            return run.id;
        }
        if let Some(id) = adopt(&mut inner, &key, &state) {
            drop(inner);
            self.changed.notify_all();
            return id;
        }
        inner.next_id += 1;
        let id = inner.next_id;
        let trials_total = u64::from(config.trials);
        let kept = inner.finished.iter().find(|(kept, _)| *kept == key).map(|(_, update)| Arc::clone(update));
        let cancel = Arc::new(AtomicBool::new(false));
        let mut record = RunRecord {
            id,
            state,
            status: Status::Queued,
            trials_done: 0,
            trials_total,
            latest: None,
            reused: false,
            key,
            cancel: Arc::clone(&cancel),
        };
        if let Some(update) = kept {
            record.status = Status::Done;
            record.trials_done = trials_total;
            record.latest = Some(update);
            record.reused = true;
        } else {
            // Newest wins: the running run stops at its next chunk, a waiting one
            // never starts, and so does a speculative one (the next moves are those
            // of the new state, which its `speculate` will give).
            if let Some(speculating) = &inner.speculating {
                speculating.cancel.store(true, Ordering::SeqCst);
            }
            forget_speculations(&mut inner);
            for run in inner.runs.iter_mut() {
                if matches!(run.status, Status::Queued | Status::Running) {
                    run.cancel.store(true, Ordering::SeqCst);
                    if run.status == Status::Queued {
                        run.status = Status::Cancelled;
                    }
                }
            }
            inner.pending = Some(Job { id, config, set, requested: Instant::now(), cancel });
        }
        inner.runs.push_back(record);
        while inner.runs.len() > REMEMBERED {
            inner.runs.pop_front();
        }
        drop(inner);
        self.changed.notify_all();
        id
    }

    /// Runs `candidates` (the states the page may move to next) while no request
    /// waits, least work first (arms to run times steps away; one already kept is skipped).
    /// Replaces the candidates of an earlier call; the speculative run under way
    /// goes on if its state is among them, else it stops at its next chunk.
    pub fn speculate(&self, candidates: Vec<Candidate>) {
        let mut inner = self.lock();
        if let Some(speculating) = &inner.speculating
            && !candidates.iter().any(|candidate| candidate.state == speculating.state)
        {
            speculating.cancel.store(true, Ordering::SeqCst);
        }
        forget_speculations(&mut inner);
        let generation = inner.generation;
        inner.candidates = Some((generation, candidates));
        drop(inner);
        self.changed.notify_all();
    }

    /// What the speculative runs are doing.
    pub fn prefetch(&self) -> Prefetch {
        let inner = self.lock();
        let running = inner
            .speculating
            .as_ref()
            .filter(|speculating| !speculating.cancel.load(Ordering::SeqCst))
            .map(|speculating| speculating.state.clone());
        let waiting = inner.speculations.len()
            + inner.validating
            + inner.candidates.as_ref().map_or(0, |(_, list)| list.len());
        Prefetch { running, waiting }
    }

    /// Waits until nothing runs or waits to run, requests and speculations alike,
    /// at most `wait`; whether it came to that.
    pub fn settle(&self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        let mut inner = self.lock();
        loop {
            let busy = inner.pending.is_some()
                || inner.candidates.is_some()
                || inner.validating > 0
                || !inner.speculations.is_empty()
                || inner.speculating.is_some()
                || inner.runs.iter().any(|run| matches!(run.status, Status::Queued | Status::Running));
            let now = Instant::now();
            if !busy || now >= deadline {
                return !busy;
            }
            inner = match self.changed.wait_timeout(inner, deadline - now) {
                Ok((inner, _)) => inner,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Validates the scenario with `overrides` as `--set` flags, exactly as
    /// `attrition run` validates them, then `serve`'s `--trials` and `--seed`.
    pub fn configure(&self, overrides: &[Override]) -> Result<Config, ScenarioError> {
        let config = crate::config::parse_with(self.text(), self.file(), overrides)?;
        let config = match self.scenario.trials {
            Some(trials) => config
                .with_trials(trials)
                .map_err(|problems| ScenarioError::Invalid { path: self.file().to_owned(), problems })?,
            None => config,
        };
        Ok(match self.scenario.seed {
            Some(seed) => config.with_seed(seed),
            None => config,
        })
    }

    /// The run `id`'s record once it has an update newer than `after` or has
    /// ended, waiting at most `wait`; `None` for a run not remembered.
    pub fn wait(&self, id: u64, after: u64, wait: Duration) -> Option<RunRecord> {
        let deadline = Instant::now() + wait;
        let mut inner = self.lock();
        loop {
            let run = inner.runs.iter().find(|run| run.id == id)?.clone();
            let newer = run.latest.as_ref().is_some_and(|update| update.seq > after);
            let ended = matches!(run.status, Status::Done | Status::Cancelled | Status::Failed(_));
            let now = Instant::now();
            if newer || ended || now >= deadline {
                return Some(run);
            }
            inner = match self.changed.wait_timeout(inner, deadline - now) {
                Ok((inner, _)) => inner,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    /// Every remembered run, oldest first.
    pub fn runs(&self) -> Vec<RunRecord> {
        self.lock().runs.iter().cloned().collect()
    }

    /// The finished results of `config`, if it has run.
    pub fn finished(&self, config: &Config) -> Option<Arc<Update>> {
        let key = key_of(config);
        self.lock().finished.iter().find(|(kept, _)| *kept == key).map(|(_, update)| Arc::clone(update))
    }

    fn set_status(&self, id: u64, change: impl FnOnce(&mut RunRecord)) {
        if let Some(run) = self.lock().runs.iter_mut().find(|run| run.id == id) {
            change(run);
        }
        self.changed.notify_all();
    }

    /// The worker's next task: a request's run first, then validating the newest
    /// candidates, then the cheapest speculation; waits for one.
    fn next_work(&self) -> Work {
        let mut inner = self.lock();
        loop {
            if let Some(job) = inner.pending.take() {
                return Work::Asked(job);
            }
            if let Some((generation, candidates)) = inner.candidates.take() {
                inner.validating = candidates.len();
                return Work::Validate(generation, candidates);
            }
            if let Some(speculation) = cheapest(&mut inner) {
                inner.next_id += 1;
                let id = inner.next_id;
                let cancel = Arc::new(AtomicBool::new(false));
                inner.speculating = Some(Speculating {
                    id,
                    key: speculation.key,
                    state: speculation.state,
                    cancel: Arc::clone(&cancel),
                    latest: None,
                    trials_total: u64::from(speculation.config.trials),
                });
                let job = Job {
                    id,
                    config: speculation.config,
                    set: speculation.set,
                    requested: Instant::now(),
                    cancel,
                };
                return Work::Speculate(job);
            }
            inner = self.changed.wait(inner).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// The worker: runs requests and, while none waits, speculations, for ever.
    fn work(&self) {
        loop {
            match self.next_work() {
                Work::Validate(generation, candidates) => self.validate(generation, candidates),
                Work::Asked(job) => {
                    if job.cancel.load(Ordering::SeqCst) {
                        self.set_status(job.id, |run| run.status = Status::Cancelled);
                        continue;
                    }
                    self.set_status(job.id, |run| run.status = Status::Running);
                    let status = self.run_to_end(&job);
                    self.set_status(job.id, |run| run.status = status);
                }
                Work::Speculate(job) => {
                    // However it ends, its finished ranges stay kept for reuse.
                    let status = self.run_to_end(&job);
                    let mut inner = self.lock();
                    if inner.speculating.as_ref().is_some_and(|speculating| speculating.id == job.id) {
                        inner.speculating = None;
                    }
                    // A request that took it over sees it end as its own run.
                    if let Some(run) = inner.runs.iter_mut().find(|run| run.id == job.id) {
                        run.status = status;
                    }
                    drop(inner);
                    self.changed.notify_all();
                }
            }
        }
    }

    /// Validates candidates of `generation` into speculations, unless a newer
    /// state's have come meanwhile. One that does not validate is left out (the
    /// page would show its message when moved to).
    fn validate(&self, generation: u64, candidates: Vec<Candidate>) {
        let validated: Vec<Speculation> = candidates
            .into_iter()
            .filter_map(|candidate| {
                let config = self.configure(&candidate.overrides).ok()?;
                let key = key_of(&config);
                let set = candidate.overrides.iter().map(Override::to_string).collect();
                Some(Speculation { config, key, state: candidate.state, set, steps: candidate.steps })
            })
            .collect();
        let mut inner = self.lock();
        inner.validating = 0;
        if inner.generation == generation {
            inner.speculations = validated;
        }
        drop(inner);
        self.changed.notify_all();
    }

    /// Runs `job` and says how it ended.
    fn run_to_end(&self, job: &Job) -> Status {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.run(job))) {
            Ok(Ok(())) => Status::Done,
            Ok(Err(Stopped::Cancelled)) => Status::Cancelled,
            Ok(Err(Stopped::Failed(message))) => Status::Failed(message),
            Err(_) => Status::Failed("the run panicked (a bug)".to_owned()),
        }
    }

    /// Runs a job range by range, publishing an update after each.
    fn run(&self, job: &Job) -> Result<(), Stopped> {
        let config = &job.config;
        let total = u64::from(config.trials);
        let mut totals = RunTotals::empty(config);
        let key = key_of(config);
        for (seq, range) in ranges(total).into_iter().enumerate() {
            let count = u32::try_from(range.end - range.start).expect("a range has at most the run's trials");
            let part = config.clone().with_trials(count).map_err(|problems| {
                Stopped::Failed(problems.first().map(|p| p.message.clone()).unwrap_or_default())
            })?;
            let options = RunOptions {
                threads: self.scenario.threads,
                first_trial: range.start,
                // A newer request must not wait long for the run it replaces.
                max_chunk: Some(CHUNK),
                burn_ins: self.burn_ins_of(config),
                ..RunOptions::default()
            };
            let keys: Vec<String> = (0..config.arms.len()).map(|arm| arm_key(config, arm, &range)).collect();
            let kept: Vec<Option<Arc<ArmRun>>> = {
                let mut inner = self.lock();
                keys.iter().map(|key| used(&mut inner.arm_runs, key)).collect()
            };
            // One arm of each key not kept runs; arms with its levers share its run.
            let mut missing: Vec<usize> = Vec::new();
            for arm in (0..config.arms.len()).filter(|&arm| kept[arm].is_none()) {
                if !missing.iter().any(|&first| keys[first] == keys[arm]) {
                    missing.push(arm);
                }
            }
            let mut runs = kept;
            if !missing.is_empty() {
                let fresh =
                    runner::run_arms(&part, &missing, options, &job.cancel, |_, _| ()).map_err(|error| {
                        match error {
                            RunError::Interrupted { .. } => Stopped::Cancelled,
                            error => Stopped::Failed(error.to_string()),
                        }
                    })?;
                let mut inner = self.lock();
                for run in fresh {
                    let key = &keys[run.arm];
                    let run = Arc::new(run);
                    inner.arm_runs.push_back((key.clone(), Arc::clone(&run)));
                    for (slot, _) in
                        runs.iter_mut().zip(&keys).filter(|(slot, other)| slot.is_none() && *other == key)
                    {
                        *slot = Some(Arc::clone(&run));
                    }
                }
                // Least recently used first out, within a budget of bytes (summed
                // once: each run's size walks its whole time series).
                let mut kept_bytes: u64 = inner.arm_runs.iter().map(|(_, run)| run.heap_bytes()).sum();
                while kept_bytes > ARM_RUN_BYTES {
                    let Some((_, oldest)) = inner.arm_runs.pop_front() else { break };
                    kept_bytes -= oldest.heap_bytes();
                }
            }
            let runs: Vec<&ArmRun> =
                runs.iter().map(|run| run.as_deref().expect("every arm has run")).collect();
            totals.merge(&RunTotals::of_arms(&part, &runs));
            let complete = range.end == total;
            let summary = totals.summarise();
            let mut update =
                self.update(config, &job.set, &summary, range.end, complete).map_err(Stopped::Failed)?;
            update.seq = seq as u64 + 1;
            update.elapsed_ms = job.requested.elapsed().as_millis() as u64;
            let update = Arc::new(update);
            let mut inner = self.lock();
            if let Some(run) = inner.runs.iter_mut().find(|run| run.id == job.id) {
                run.trials_done = range.end;
                run.latest = Some(Arc::clone(&update));
            }
            if let Some(speculating) =
                inner.speculating.as_mut().filter(|speculating| speculating.id == job.id)
            {
                speculating.latest = Some(Arc::clone(&update));
            }
            if complete {
                inner.finished.push_back((key.clone(), Arc::clone(&update)));
                while inner.finished.len() > FINISHED_KEPT {
                    inner.finished.pop_front();
                }
            }
            drop(inner);
            self.changed.notify_all();
            if job.cancel.load(Ordering::SeqCst) && !complete {
                return Err(Stopped::Cancelled);
            }
        }
        Ok(())
    }

    /// The store of `config`'s shared burn-ins, if it has one: the kept one of its
    /// history, or a new one that pushes out the least recently used.
    fn burn_ins_of(&self, config: &Config) -> Option<Arc<BurnIns>> {
        if !config.shares_burn_in() {
            return None;
        }
        let history = BurnIns::history_of(config);
        let mut stores = self.burn_ins.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let store = match stores.iter().position(|(kept, _)| *kept == history) {
            Some(at) => stores.remove(at).expect("the position is in the list").1,
            None => Arc::new(BurnIns::with_budget(BURN_IN_BYTES / BURN_IN_HISTORIES as u64)),
        };
        stores.push_back((history, Arc::clone(&store)));
        while stores.len() > BURN_IN_HISTORIES {
            stores.pop_front();
        }
        Some(store)
    }

    /// The update of `summary` after `done` trials: the tables `attrition run`
    /// would write, read back as a report reads them, and rendered by the report.
    fn update(
        &self,
        config: &Config,
        set: &[String],
        summary: &RunSummary,
        done: u64,
        complete: bool,
    ) -> Result<Update, String> {
        let shown = config
            .clone()
            .with_trials(u32::try_from(done).unwrap_or(u32::MAX))
            .map_err(|problems| problems.first().map(|p| p.message.clone()).unwrap_or_default())?;
        let tables = SummaryTables::of(&shown, summary);
        let manifest = self.manifest(&shown, set, &tables);
        let results = Results::of_tables(manifest, &tables).map_err(|error| error.to_string())?;
        Ok(Update {
            seq: 0,
            trials_done: done,
            trials_total: u64::from(config.trials),
            complete,
            html: crate::report::render_live(&results),
            summary_sha256: sha256_hex(&tables.summary),
            comparison_sha256: sha256_hex(&tables.comparison),
            elapsed_ms: 0,
            report: complete.then(|| Arc::new(crate::report::render_results(&results))),
        })
    }

    /// The manifest `attrition run` would write for these results, but for what a
    /// live run does not make (trials.csv) and its clock (no start time, as a live
    /// update is no run on disk).
    fn manifest(&self, config: &Config, set: &[String], tables: &SummaryTables) -> serde_json::Value {
        let mut files: Vec<FileChecksum> = [
            (SUMMARY, Some(&tables.summary)),
            (COMPARISON, Some(&tables.comparison)),
            (TIMESERIES, Some(&tables.timeseries)),
            (UNCERTAINTY, tables.uncertainty.as_ref()),
        ]
        .into_iter()
        .filter_map(|(file, bytes)| Some(FileChecksum { file: file.to_owned(), sha256: sha256_hex(bytes?) }))
        .collect();
        files.sort_by(|a, b| a.file.cmp(&b.file));
        let record = ManifestRecord {
            scenario_file: self.scenario.file.display().to_string(),
            scenario_text: self.scenario.text.clone(),
            scenario: config,
            replayed_trial: None,
            command: self.command(set),
            threads: self.scenario.threads.unwrap_or(0),
            started_at: 0,
            elapsed_seconds: 0.0,
            agent_steps: config.agent_steps(),
            inputs: Vec::new(),
        };
        let mut manifest = Manifest::of(record, files);
        // A live update is no run on disk: it has no start time and no speed.
        manifest.started = "live (attrition serve)".to_owned();
        manifest.agent_steps_per_second = 0.0;
        serde_json::to_value(&manifest).expect("a manifest serialises")
    }

    /// The `attrition run` command that gives these results.
    pub fn command(&self, set: &[String]) -> Vec<String> {
        let mut command: Vec<String> = ["attrition", "run"]
            .iter()
            .map(|s| (*s).to_owned())
            .chain([self.file().display().to_string()])
            .collect();
        if let Some(trials) = self.scenario.trials {
            command.extend(["--trials".to_owned(), trials.to_string()]);
        }
        if let Some(seed) = self.scenario.seed {
            command.extend(["--seed".to_owned(), seed.to_string()]);
        }
        for flag in set {
            command.extend(["--set".to_owned(), flag.clone()]);
        }
        command
    }

    /// The scenario file.
    pub fn file(&self) -> &Path {
        &self.scenario.file
    }

    /// The scenario's text.
    pub fn text(&self) -> &str {
        &self.scenario.text
    }

    /// `serve`'s `--trials` and `--seed`.
    pub fn flags(&self) -> (Option<u32>, Option<u64>) {
        (self.scenario.trials, self.scenario.seed)
    }
}

/// The kept run of `key`, if there is one, moved to the back (most recently used).
fn used(arm_runs: &mut VecDeque<(String, Arc<ArmRun>)>, key: &str) -> Option<Arc<ArmRun>> {
    let at = arm_runs.iter().position(|(kept, _)| kept == key)?;
    let entry = arm_runs.remove(at)?;
    let run = Arc::clone(&entry.1);
    arm_runs.push_back(entry);
    Some(run)
}

/// Drops the candidates and speculations of the page's last state: a newer state
/// has come.
fn forget_speculations(inner: &mut Inner) {
    inner.generation += 1;
    inner.candidates = None;
    inner.speculations.clear();
}

/// Takes the speculation with the least work for its distance (arms to run times
/// steps away, nearer first among equals), leaving out those kept whole; `None`
/// when none is left. So the cheap and near run first: for `tech_org`, every move
/// of one arm's lever up to three steps before a move of all six arms' one.
fn cheapest(inner: &mut Inner) -> Option<Speculation> {
    let Inner { speculations, finished, arm_runs, .. } = inner;
    speculations.retain(|speculation| !finished.iter().any(|(kept, _)| *kept == speculation.key));
    let cost = |config: &Config| {
        let first = 0..FIRST_TRIALS.min(u64::from(config.trials));
        let mut missing: Vec<String> = (0..config.arms.len())
            .map(|arm| arm_key(config, arm, &first))
            .filter(|key| !arm_runs.iter().any(|(kept, _)| kept == key))
            .collect();
        missing.sort();
        missing.dedup();
        missing.len()
    };
    let at = (0..speculations.len()).min_by_key(|&at| {
        let speculation = &speculations[at];
        (cost(&speculation.config) * speculation.steps.max(1), speculation.steps)
    })?;
    Some(speculations.remove(at))
}

/// Hands the speculative run of `key` to a request for it (page state `state`),
/// if one is under way: its record takes the speculation's number and the updates
/// it has published, and it is a speculation no more (the next moves the page then
/// gives leave it running, and a newer request stops it as any request's run).
/// Returns that number.
fn adopt(inner: &mut Inner, key: &str, state: &str) -> Option<u64> {
    let speculating = inner
        .speculating
        .take_if(|speculating| speculating.key == key && !speculating.cancel.load(Ordering::SeqCst))?;
    let latest = speculating.latest;
    let record = RunRecord {
        id: speculating.id,
        state: state.to_owned(),
        status: Status::Running,
        trials_done: latest.as_ref().map_or(0, |update| update.trials_done),
        trials_total: speculating.trials_total,
        latest,
        reused: false,
        key: key.to_owned(),
        cancel: speculating.cancel,
    };
    let id = record.id;
    inner.runs.push_back(record);
    while inner.runs.len() > REMEMBERED {
        inner.runs.pop_front();
    }
    Some(id)
}

/// What identifies one arm's results over `range`: the configuration with that arm
/// alone (its levers resolved), and whether any arm reads traits (which decides the
/// random numbers every arm draws). A change to another arm's levers leaves it. An
/// arm's name and label only show (its trials draw the same numbers whatever its
/// place), so two arms with the same levers share one run: moving an arm's lever to
/// another arm's setting runs nothing. Under a shared burn-in every arm goes on
/// from the baseline's, so the baseline's levers are part of every arm's key.
fn arm_key(config: &Config, arm: usize, range: &std::ops::Range<u64>) -> String {
    let mut alone = config.clone();
    alone.arms = vec![config.arms[arm].levers()];
    alone.baseline = 0;
    if config.shares_burn_in() {
        alone.arms.push(config.arms[config.baseline].levers());
        alone.baseline = 1;
    }
    format!("{}..{} {} {}", range.start, range.end, crate::model::reads_traits(config), key_of(&alone))
}

/// What identifies a configuration's results: its resolved form, every default
/// filled in, so two states that resolve alike share one run.
fn key_of(config: &Config) -> String {
    serde_json::to_string(config).expect("a configuration serialises")
}

/// Why a run ended before its last range.
enum Stopped {
    Cancelled,
    Failed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CI Peter-principle scenario at `trials` trials, and a live page on it.
    fn ci_peter_live(trials: u32) -> (Config, Arc<Live>) {
        let text = include_str!("../../scenarios/ci/peter_principle.toml");
        let path = Path::new("peter_principle.toml");
        let config = crate::config::parse(text, path).unwrap().with_trials(trials).unwrap();
        let scenario = Scenario {
            file: path.to_owned(),
            text: text.to_owned(),
            trials: Some(trials),
            seed: None,
            threads: Some(2),
        };
        (config, Live::start(scenario))
    }

    /// `update` shows what `attrition run` writes for `config`, bit for bit.
    fn assert_is_the_run(config: &Config, update: &Update) {
        let whole =
            crate::runner::run(config, Default::default(), &AtomicBool::new(false), |_| Ok(()), |_, _| ())
                .unwrap();
        let tables = SummaryTables::of(config, &whole);
        assert_eq!(update.summary_sha256, sha256_hex(&tables.summary));
        assert_eq!(update.comparison_sha256, sha256_hex(&tables.comparison));
    }

    /// Waits for run `id` to end, update by update, and returns its record; it must
    /// have ended done.
    fn finished(live: &Live, id: u64) -> RunRecord {
        let mut seen = 0;
        loop {
            let record = live.wait(id, seen, Duration::from_secs(120)).unwrap();
            seen = record.latest.as_ref().map_or(seen, |update| update.seq);
            if record.status != Status::Running && record.status != Status::Queued {
                assert_eq!(record.status, Status::Done);
                return record;
            }
        }
    }

    #[test]
    fn the_ranges_start_small_grow_and_cover_every_trial_once() {
        assert_eq!(ranges(400), vec![0..8, 8..24, 24..72, 72..216, 216..400]);
        assert_eq!(ranges(5), vec![0..5]);
        assert_eq!(ranges(9), vec![0..8, 8..9]);
        for trials in 1..300 {
            let ranges = ranges(trials);
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges.last().unwrap().end, trials);
            assert!(
                ranges.windows(2).all(|pair| pair[0].end == pair[1].start && pair[0].start < pair[0].end)
            );
        }
    }

    /// The merged ranges are the whole run, bit for bit: the last update shows
    /// what `attrition run` writes.
    #[test]
    fn the_last_update_is_the_whole_run() {
        let (config, live) = ci_peter_live(40);
        let id = live.request(config.clone(), String::new(), Vec::new());
        let record = finished(&live, id);
        let update = record.latest.unwrap();
        let updates = ranges(40).len();
        assert_eq!(updates, 3);
        assert_eq!((update.seq, update.trials_done, update.complete), (updates as u64, 40, true));
        assert_is_the_run(&config, &update);
        // The same configuration again is the kept result, not a new run.
        let again = live.request(config.clone(), String::new(), Vec::new());
        assert_eq!(again, id);
        // A change to one arm's levers re-runs that arm only, and still gives what
        // `attrition run` gives for the changed configuration.
        let arm_runs = |live: &Live| live.lock().arm_runs.len();
        assert_eq!(arm_runs(&live), updates * config.arms.len());
        let mut changed = config.clone();
        changed.arms[1].promotion = crate::config::Promotion::Mixed { best_probability: 0.37 };
        let id = live.request(changed.clone(), String::new(), Vec::new());
        let record = finished(&live, id);
        assert_eq!(arm_runs(&live), updates * config.arms.len() + updates);
        assert_is_the_run(&changed, &record.latest.unwrap());
        // Moving that arm's levers to the first arm's runs nothing: the two arms
        // share the first arm's kept runs, and the answer is still `attrition run`'s.
        let mut same = config.clone();
        (same.arms[1].promotion, same.arms[1].competence) = (same.arms[0].promotion, same.arms[0].competence);
        let id = live.request(same.clone(), String::new(), Vec::new());
        let record = finished(&live, id);
        assert_eq!(arm_runs(&live), updates * config.arms.len() + updates, "no arm ran");
        assert_is_the_run(&same, &record.latest.unwrap());
    }

    /// Under a shared burn-in, a change to the baseline's levers re-runs every arm
    /// (each goes on from the baseline's burn-in), and a change to another arm's
    /// re-runs that arm only; both answer as `attrition run` does.
    #[test]
    fn under_a_shared_burn_in_the_baseline_s_levers_move_every_arm() {
        let (mut config, live) = ci_peter_live(9);
        config.burn_in_steps = 30;
        config.burn_in_levers = crate::config::BurnInLevers::Baseline;
        let arm_runs = |live: &Live| live.lock().arm_runs.len();
        let updates = ranges(9).len();
        // The trials' burn-ins kept, per history.
        let stored = |live: &Live| -> Vec<usize> {
            live.burn_ins.lock().unwrap().iter().map(|(_, store)| store.len()).collect()
        };
        let record = finished(&live, live.request(config.clone(), String::new(), Vec::new()));
        assert_is_the_run(&config, &record.latest.unwrap());
        assert_eq!(arm_runs(&live), updates * config.arms.len());
        assert_eq!(stored(&live), vec![9]);
        let mut other = config.clone();
        other.arms[1].promotion = crate::config::Promotion::Mixed { best_probability: 0.37 };
        let record = finished(&live, live.request(other.clone(), String::new(), Vec::new()));
        assert_is_the_run(&other, &record.latest.unwrap());
        assert_eq!(arm_runs(&live), updates * (config.arms.len() + 1), "only the changed arm ran");
        assert_eq!(stored(&live), vec![9], "from the kept burn-ins: one history");
        let mut baseline = other.clone();
        baseline.arms[baseline.baseline].promotion =
            crate::config::Promotion::Mixed { best_probability: 0.61 };
        let record = finished(&live, live.request(baseline.clone(), String::new(), Vec::new()));
        assert_is_the_run(&baseline, &record.latest.unwrap());
        assert_eq!(arm_runs(&live), updates * (2 * config.arms.len() + 1), "every arm ran again");
        assert_eq!(stored(&live), vec![9, 9], "a second history");
    }

    /// Two arms with the same levers in one request run once: the second shares
    /// the first's run, under its own name.
    #[test]
    fn arms_with_the_same_levers_run_once() {
        let (mut config, live) = ci_peter_live(9);
        config.arms[3].promotion = config.arms[2].promotion;
        config.arms[3].competence = config.arms[2].competence;
        let id = live.request(config.clone(), String::new(), Vec::new());
        let record = finished(&live, id);
        assert_eq!(live.lock().arm_runs.len(), ranges(9).len() * (config.arms.len() - 1));
        let update = record.latest.unwrap();
        assert_is_the_run(&config, &update);
        assert!(update.html.contains(&config.arms[3].name), "the sharing arm keeps its name");
    }

    /// An override of the CI scenario, as a page's control gives it.
    fn set(field: &str, value: toml::Value) -> Override {
        Override { field: field.to_owned(), value }
    }

    /// A candidate standing for `overrides`, named `state`.
    fn candidate(state: &str, overrides: Vec<Override>) -> Candidate {
        Candidate { state: state.to_owned(), overrides, steps: 1 }
    }

    /// Waits until a speculative run is under way.
    fn until_speculating(live: &Live) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(state) = live.prefetch().running {
                return state;
            }
            assert!(Instant::now() < deadline, "no speculation started");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// The next moves run while nothing is asked, least work first, and a request
    /// for one is then answered from them at once, with `attrition run`'s numbers.
    #[test]
    fn the_next_moves_run_while_the_page_waits_and_answer_at_once() {
        let (config, live) = ci_peter_live(9);
        let id = live.request(config.clone(), String::new(), Vec::new());
        finished(&live, id);
        let one_arm = vec![set("arms.\"best, Peter\".promotion", toml::Value::String("seniority".into()))];
        let every_arm = vec![set("workforce.dismissal_threshold", toml::Value::Float(4.5))];
        let invalid = vec![set("workforce.dismissal_threshold", toml::Value::String("high".into()))];
        live.speculate(vec![
            candidate("every", every_arm.clone()),
            candidate("invalid", invalid),
            candidate("one", one_arm.clone()),
        ]);
        // The one-arm move runs first: only that arm is missing.
        assert_eq!(until_speculating(&live), "one");
        assert!(live.settle(Duration::from_secs(120)));
        assert_eq!(live.prefetch().waiting, 0);
        let arms = config.arms.len();
        assert_eq!(live.lock().arm_runs.len(), ranges(9).len() * (arms + 1 + arms));
        for overrides in [one_arm, every_arm] {
            let moved = live.configure(&overrides).unwrap();
            let id = live.request(moved.clone(), String::new(), Vec::new());
            let record = live.wait(id, 0, Duration::ZERO).unwrap();
            assert!(record.reused, "answered from the kept results");
            assert_eq!(record.status, Status::Done);
            assert_is_the_run(&moved, &record.latest.unwrap());
        }
    }

    /// A request for the state being speculated takes its run over (nothing runs
    /// twice); a request for another state stops it.
    #[test]
    fn a_request_takes_over_its_own_speculation_and_stops_another() {
        let (config, live) = ci_peter_live(9);
        // A page of the scenario's own trial count, so that a state may set another.
        let live = Live::start(Scenario { trials: None, ..live.scenario.clone() });
        let id = live.request(config.clone(), String::new(), Vec::new());
        finished(&live, id);
        let before = live.lock().arm_runs.len();
        let lever = set("arms.\"best, Peter\".promotion", toml::Value::String("seniority".into()));
        // Many trials, so that the speculation is still going when asked for.
        let long = vec![set("simulation.trials", toml::Value::Integer(600)), lever];
        live.speculate(vec![candidate("long", long.clone())]);
        until_speculating(&live);
        let speculated = live.lock().speculating.as_ref().map(|speculating| speculating.id);
        let moved = live.configure(&long).unwrap();
        let id = live.request(moved.clone(), "long".to_owned(), Vec::new());
        assert_eq!(Some(id), speculated, "the request is the speculation's run");
        // The page then gives the next moves of its new state, as `serve` does after
        // every request: they do not stop the run taken over, now a request's. (This
        // one is the first request's state, kept whole, so it runs nothing.)
        let elsewhere = vec![set("simulation.trials", toml::Value::Integer(9))];
        assert_eq!(key_of(&live.configure(&elsewhere).unwrap()), key_of(&config));
        live.speculate(vec![candidate("elsewhere", elsewhere)]);
        let record = finished(&live, id);
        assert_is_the_run(&moved, &record.latest.unwrap());
        let ran = live.lock().arm_runs.len() - before;
        // Taken over, not answered from a finished speculation.
        assert!(!record.reused);
        // Every arm of 600 trials ran once (the other arms' runs over its ranges
        // are new, as the trial count is), none twice.
        assert_eq!(ran, ranges(600).len() * config.arms.len());

        let other = vec![
            set("simulation.trials", toml::Value::Integer(600)),
            set("arms.\"worst, Peter\".promotion", toml::Value::String("seniority".into())),
        ];
        live.speculate(vec![candidate("other", other.clone())]);
        until_speculating(&live);
        let id = live.request(config.clone().with_seed(7), String::new(), Vec::new());
        finished(&live, id);
        assert!(live.settle(Duration::from_secs(120)));
        let stopped = live.configure(&other).unwrap();
        assert!(live.finished(&stopped).is_none(), "the speculation was stopped, not finished");
    }
}
