//! Shards: a run's trials split into K contiguous ranges, each run on its own (in
//! another process, on another machine) into a shard file holding the exact
//! accumulator state of its trials ([`PointTotals`]) and their per-trial rows.
//! Every accumulator is exact and order-independent, so the merge of a run's K
//! shards is the run itself, bit for bit, and its files are written by the same
//! writers as a run's.
//!
//! A shard file is, in order (integers little-endian, floats as their bits; the
//! README's "Shard file format" documents it for other readers):
//!
//! 1. the 16 bytes `attrition shard\n` and the format version (`u32`);
//! 2. the manifest ([`ShardManifest`]): its length (`u64`) and its JSON;
//! 3. with [`ShardManifest::rows`], the per-trial rows: for every point, for every
//!    trial of the shard's range in order, the trial index (`u64`) and every arm's
//!    [`TRIAL_METRICS`] values;
//! 4. compressed with DEFLATE (RFC 1951), the number of points (`u64`) and each
//!    point's [`PointTotals`];
//! 5. the SHA-256 of everything before it (32 bytes), so a truncated or corrupt
//!    file is detected.
//!
//! A shard is written to a temporary file beside its final name and renamed into
//! place when complete, so a file with the final name is whole or absent.

pub(crate) mod codec;

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::experiment::{Options, Point, PointTotals};
use crate::metrics::{TRIAL_METRICS, TrialRow};
use crate::rng::trial_seed;
use crate::runner::TrialOutcome;

/// The version of the shard format this build writes and reads.
pub const FORMAT_VERSION: u32 = 2;

/// The first bytes of every shard file.
const MAGIC: &[u8; 16] = b"attrition shard\n";

/// The longest manifest read (the scenario text is at most 8 MiB, a design table
/// as much again).
const MAX_MANIFEST_BYTES: u64 = 64 << 20;

/// This build's version, which must have written every shard it merges.
pub const PROGRAM_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The trials of shard `shard` of `shards` of a run of `trials`: the contiguous
/// range `⌊trials·shard/shards⌋ .. ⌊trials·(shard+1)/shards⌋`, so the K ranges
/// cover every trial once and differ in length by at most one.
pub fn trial_range(trials: u64, shards: u64, shard: u64) -> Range<u64> {
    let at = |i: u64| (u128::from(trials) * u128::from(i) / u128::from(shards.max(1))) as u64;
    at(shard)..at(shard + 1)
}

/// The lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// What a shard is part of, and which part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    /// Always "attrition".
    pub program: String,
    /// The version of attrition that wrote it; only the same version merges it.
    pub version: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The scenario's name (its results directory).
    pub scenario: String,
    /// The scenario file as given on the command line.
    pub scenario_file: String,
    /// SHA-256 of the scenario file's text.
    pub scenario_sha256: String,
    /// The scenario file's text, verbatim.
    pub scenario_text: String,
    /// The command line's choices that shape the results (overrides, trials, seed,
    /// sweep or design, which files): recorded by the CLI, compared whole.
    pub flags: serde_json::Value,
    /// K: how many shards the run is split into.
    pub shards: u64,
    /// I: which one this is, 0-based.
    pub shard: u64,
    /// The first trial of its range.
    pub first_trial: u64,
    /// One past the last trial of its range.
    pub end_trial: u64,
    /// Trials of the whole run, per point.
    pub trials: u64,
    /// Points of the run (1 without a sweep).
    pub points: u64,
    /// Arms at every point.
    pub arms: u64,
    /// Values per arm in a per-trial row ([`TRIAL_METRICS`]).
    pub trial_metrics: u64,
    /// Whether the file holds the per-trial rows (a run's `trials.csv`, a sweep's
    /// `sweep_trials.csv`; a sweep without that file keeps only the accumulators).
    pub rows: bool,
}

impl ShardManifest {
    /// `shard-<I>-of-<K>.shard`, I zero-padded to K's digits so names sort.
    pub fn file_name(shard: u64, shards: u64) -> String {
        let width = shards.to_string().len();
        format!("shard-{shard:0width$}-of-{shards}.shard")
    }

    fn row_bytes(&self) -> u64 {
        8 + self.arms * self.trial_metrics * 8
    }

    /// Bytes of the per-trial rows of one point.
    fn point_row_bytes(&self) -> u64 {
        if self.rows { (self.end_trial - self.first_trial) * self.row_bytes() } else { 0 }
    }
}

/// Why shards could not be written, read or merged.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    /// An I/O operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The file is not a shard at all.
    #[error("{path}: not an attrition shard file ({why})")]
    NotAShard {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// A shard of another format version.
    #[error(
        "{path}: a shard of format version {found}, and this attrition ({PROGRAM_VERSION}) reads version \
         {FORMAT_VERSION}"
    )]
    FormatVersion {
        /// The file.
        path: PathBuf,
        /// Its format version.
        found: u32,
    },
    /// The file's checksum does not match its contents: cut short or damaged.
    #[error("{path}: shard {shard} is incomplete or corrupt ({why}); run it again")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// `I/K`.
        shard: String,
        /// What was found.
        why: String,
    },
    /// The shard, intact, does not fit the run it is merged into.
    #[error("{path}: shard {shard} does not fit the scenario it names: {why}")]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// `I/K`.
        shard: String,
        /// How.
        why: String,
    },
    /// Written by another version of attrition.
    #[error(
        "{path} was written by attrition {found}, and this is attrition {PROGRAM_VERSION}: merge shards with the \
         version that wrote them (or run them again with this one)"
    )]
    OtherVersion {
        /// The file.
        path: PathBuf,
        /// Its writer's version.
        found: String,
    },
    /// Two shards of different runs.
    #[error(
        "{path} is a shard of {what} {found}, but {first} is of {expected}: only the shards of one run merge"
    )]
    OtherRun {
        /// The file that differs.
        path: PathBuf,
        /// The first shard given.
        first: PathBuf,
        /// What differs ("another scenario", "K =" ...).
        what: &'static str,
        /// Its value in `path`.
        found: String,
        /// Its value in `first`.
        expected: String,
    },
    /// No shard was given.
    #[error("no shard files given")]
    NoShards,
    /// Shards of the run are missing.
    #[error(
        "{scenario}: {} of {shards} shards missing: {} (expected files {}); run them with --shard I/{shards}",
        missing.len(), list(missing), names(missing, *shards)
    )]
    Missing {
        /// The scenario's name.
        scenario: String,
        /// K.
        shards: u64,
        /// The missing indices.
        missing: Vec<u64>,
    },
    /// A shard given more than once.
    #[error("shard {shard}/{shards} is given {} times: {}", paths.len(), paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    Duplicate {
        /// I.
        shard: u64,
        /// K.
        shards: u64,
        /// The files holding it.
        paths: Vec<PathBuf>,
    },
    /// The caller asked the merge to stop.
    #[error("interrupted")]
    Interrupted,
    /// The caller's handler of the merged trials failed.
    #[error("{0}")]
    Sink(String),
}

/// Indices as a short list: `2, 5-7, 9`.
fn list(indices: &[u64]) -> String {
    let mut parts = Vec::new();
    let mut index = 0;
    while index < indices.len() {
        let start = indices[index];
        let mut end = start;
        while index + 1 < indices.len() && indices[index + 1] == end + 1 {
            index += 1;
            end += 1;
        }
        parts.push(if start == end { start.to_string() } else { format!("{start}-{end}") });
        index += 1;
    }
    parts.join(", ")
}

/// The file names of the first few missing shards.
fn names(indices: &[u64], shards: u64) -> String {
    let mut shown: Vec<String> =
        indices.iter().take(3).map(|&i| ShardManifest::file_name(i, shards)).collect();
    if indices.len() > 3 {
        shown.push("...".to_owned());
    }
    shown.join(", ")
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> ShardError + 'a {
    move |source| ShardError::Io { action, path: path.to_owned(), source }
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, bytes: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(bytes)?;
        self.hasher.update(&bytes[..read]);
        Ok(read)
    }
}

/// A shard file being written: the rows as the trials finish, the totals at the end.
pub struct ShardWriter {
    path: PathBuf,
    file: Hashing<BufWriter<tempfile::NamedTempFile>>,
    manifest: ShardManifest,
}

impl ShardWriter {
    /// Starts the shard file `path` (a temporary file beside it until
    /// [`ShardWriter::finish`]), writing its header and manifest.
    pub fn create(path: PathBuf, manifest: ShardManifest) -> Result<Self, ShardError> {
        let directory = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(directory).map_err(io_error("creating", directory))?;
        let mut builder = tempfile::Builder::new();
        // The mode of any file made now (the umask applies), not a temporary file's 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let temporary = builder
            .prefix(".shard-")
            .suffix(".partial")
            .tempfile_in(directory)
            .map_err(io_error("creating a temporary file in", directory))?;
        let mut file = Hashing { inner: BufWriter::with_capacity(1 << 16, temporary), hasher: Sha256::new() };
        let json = serde_json::to_vec(&manifest).expect("a shard manifest always serialises");
        let mut header = || -> io::Result<()> {
            file.write_all(MAGIC)?;
            codec::put_u32(&mut file, FORMAT_VERSION)?;
            codec::put_u64(&mut file, json.len() as u64)?;
            file.write_all(&json)
        };
        header().map_err(io_error("writing", &path))?;
        Ok(Self { path, file, manifest })
    }

    /// Appends a batch of finished trials of point `point` (points in order, trials
    /// in order, as [`crate::experiment::evaluate_totals`] hands them over); a no-op
    /// for a shard without rows.
    pub fn write_rows(&mut self, point: usize, outcomes: &[TrialOutcome]) -> Result<(), ShardError> {
        if !self.manifest.rows {
            return Ok(());
        }
        debug_assert!((point as u64) < self.manifest.points);
        let mut bytes = Vec::with_capacity(outcomes.len() * self.manifest.row_bytes() as usize);
        for outcome in outcomes {
            bytes.extend(outcome.trial.to_le_bytes());
            for value in outcome.arms.iter().flatten() {
                bytes.extend(value.to_bits().to_le_bytes());
            }
        }
        self.file.write_all(&bytes).map_err(io_error("writing", &self.path))
    }

    /// Writes the totals and the checksum, and renames the file into place
    /// (replacing a shard of that name). Returns its path.
    pub fn finish(mut self, totals: &[PointTotals]) -> Result<PathBuf, ShardError> {
        let path = self.path.clone();
        // Histogram windows of few trials are mostly zeros: compressed, a shard of
        // the bundled Peter scenario is a tenth of its size.
        let mut body = || -> io::Result<()> {
            let mut compressed = DeflateEncoder::new(BufWriter::new(&mut self.file), Compression::fast());
            codec::put_u64(&mut compressed, totals.len() as u64)?;
            totals.iter().try_for_each(|point| point.encode(&mut compressed))?;
            compressed.finish()?.flush()
        };
        body().map_err(io_error("writing", &path))?;
        let Hashing { mut inner, hasher } = self.file;
        inner.write_all(&hasher.finalize()).map_err(io_error("writing", &path))?;
        let temporary = inner.into_inner().map_err(|error| ShardError::Io {
            action: "writing",
            path: path.clone(),
            source: error.into_error(),
        })?;
        temporary.as_file().sync_all().map_err(io_error("writing", &path))?;
        temporary.persist(&path).map_err(|error| ShardError::Io {
            action: "moving into place",
            path: path.clone(),
            source: error.error,
        })?;
        Ok(path)
    }
}

/// A shard file whose header and manifest have been read (its contents are
/// checked against its checksum when its totals are read).
#[derive(Debug, Clone)]
pub struct ShardFile {
    /// The file.
    pub path: PathBuf,
    /// Its manifest.
    pub manifest: ShardManifest,
    /// Where its per-trial rows start.
    rows_offset: u64,
}

impl ShardFile {
    /// Reads the header and manifest of the shard file `path`.
    pub fn open(path: &Path) -> Result<Self, ShardError> {
        let file = File::open(path).map_err(io_error("reading", path))?;
        let mut input = BufReader::new(file);
        let not_a_shard = |why: &str| ShardError::NotAShard { path: path.to_owned(), why: why.to_owned() };
        let mut magic = [0u8; 16];
        input.read_exact(&mut magic).map_err(|_| not_a_shard("too short"))?;
        if &magic != MAGIC {
            return Err(not_a_shard("it does not begin with `attrition shard`"));
        }
        let version = codec::get_u32(&mut input).map_err(|_| not_a_shard("too short"))?;
        if version != FORMAT_VERSION {
            return Err(ShardError::FormatVersion { path: path.to_owned(), found: version });
        }
        let length = codec::get_u64(&mut input).map_err(|_| not_a_shard("too short"))?;
        if length > MAX_MANIFEST_BYTES {
            return Err(not_a_shard("its manifest's length is absurd"));
        }
        let mut json = vec![0u8; length as usize];
        input.read_exact(&mut json).map_err(|_| ShardError::Corrupt {
            path: path.to_owned(),
            shard: "?".to_owned(),
            why: "it ends inside its manifest".to_owned(),
        })?;
        let manifest: ShardManifest = serde_json::from_slice(&json).map_err(|error| ShardError::Corrupt {
            path: path.to_owned(),
            shard: "?".to_owned(),
            why: format!("its manifest does not read: {error}"),
        })?;
        let rows_offset = (MAGIC.len() + 4 + 8) as u64 + length;
        Ok(Self { path: path.to_owned(), manifest, rows_offset })
    }

    /// `I/K`.
    pub fn label(&self) -> String {
        format!("{}/{}", self.manifest.shard, self.manifest.shards)
    }

    fn corrupt(&self, why: impl Into<String>) -> ShardError {
        ShardError::Corrupt { path: self.path.clone(), shard: self.label(), why: why.into() }
    }

    fn mismatch(&self, why: impl Into<String>) -> ShardError {
        ShardError::Mismatch { path: self.path.clone(), shard: self.label(), why: why.into() }
    }

    /// Checks the whole file against its checksum.
    pub fn verify(&self) -> Result<(), ShardError> {
        self.read_checked(|input| io::copy(input, &mut io::sink()).map(|_| ())).map(|_| ())
    }

    /// Reads the totals of every point into totals shaped like `empty` (those of
    /// [`PointTotals::empty`] for the run), checking the whole file against its
    /// checksum.
    pub fn read_totals(&self, empty: &[PointTotals]) -> Result<Vec<PointTotals>, ShardError> {
        let read = self.read_checked(|input| {
            let mut input = BufReader::new(DeflateDecoder::new(input));
            let points = codec::get_u64(&mut input)?;
            if points != empty.len() as u64 {
                return Err(codec::mismatch(format!("{points} points, where the run has {}", empty.len())));
            }
            empty.iter().map(|shape| shape.decode_like(&mut input)).collect::<io::Result<Vec<_>>>()
        })?;
        Ok(read.unwrap_or_default())
    }

    /// Reads the file through its checksum: the header and rows are hashed, the
    /// rest handed to `decode`; a decoding error counts only if the checksum holds
    /// (else the file is corrupt). `None` from a file without totals to decode.
    fn read_checked<T>(
        &self,
        decode: impl FnOnce(&mut dyn Read) -> io::Result<T>,
    ) -> Result<Option<T>, ShardError> {
        let file = File::open(&self.path).map_err(io_error("reading", &self.path))?;
        let length = file.metadata().map_err(io_error("reading", &self.path))?.len();
        let Some(body_length) = length.checked_sub(32) else { return Err(self.corrupt("it is cut short")) };
        let mut input = BufReader::with_capacity(1 << 16, file);
        let mut body = Hashing { inner: (&mut input).take(body_length), hasher: Sha256::new() };
        let rows = self.manifest.point_row_bytes().saturating_mul(self.manifest.points);
        let skipped = io::copy(&mut (&mut body).take(self.rows_offset.saturating_add(rows)), &mut io::sink())
            .map_err(io_error("reading", &self.path))?;
        let decoded = match skipped == self.rows_offset.saturating_add(rows) {
            true => Some(decode(&mut body)),
            false => None,
        };
        // Whatever decoding left is hashed too: a decoding error in a file whose
        // checksum fails is corruption, not a mismatch.
        let left = io::copy(&mut body, &mut io::sink()).map_err(io_error("reading", &self.path))?;
        let digest = body.hasher.finalize();
        let mut stored = [0u8; 32];
        input.read_exact(&mut stored).map_err(io_error("reading", &self.path))?;
        if digest.as_slice() != stored {
            return Err(self.corrupt("its checksum does not match its contents: cut short or damaged"));
        }
        match decoded {
            None => Err(self.mismatch("it is shorter than its manifest says")),
            Some(Err(error)) => Err(self.mismatch(error.to_string())),
            Some(Ok(_)) if left > 0 => Err(self.mismatch(format!("{left} bytes follow its totals"))),
            Some(Ok(value)) => Ok(Some(value)),
        }
    }

    /// Hands the per-trial rows of point `point` to `sink`, in batches, as the
    /// runner hands over trials (seeds from the master seed `seed`).
    pub fn read_rows(
        &self,
        point: usize,
        seed: u64,
        sink: &mut dyn FnMut(&[TrialOutcome]) -> Result<(), String>,
    ) -> Result<(), ShardError> {
        let manifest = &self.manifest;
        if !manifest.rows {
            return Ok(());
        }
        let mut file = File::open(&self.path).map_err(io_error("reading", &self.path))?;
        let start = self.rows_offset + point as u64 * manifest.point_row_bytes();
        file.seek(SeekFrom::Start(start)).map_err(io_error("reading", &self.path))?;
        let mut input = BufReader::with_capacity(1 << 16, file);
        let arms = manifest.arms as usize;
        let mut batch = Vec::with_capacity(256);
        for expected in manifest.first_trial..manifest.end_trial {
            let trial = codec::get_u64(&mut input).map_err(io_error("reading", &self.path))?;
            if trial != expected {
                return Err(self.corrupt(format!("expected the row of trial {expected}, found {trial}")));
            }
            let mut rows: Vec<TrialRow> = vec![[0.0; TRIAL_METRICS]; arms];
            for value in rows.iter_mut().flatten() {
                *value = codec::get_f64(&mut input).map_err(io_error("reading", &self.path))?;
            }
            batch.push(TrialOutcome { trial, seed: trial_seed(seed, trial), arms: rows, events: Vec::new() });
            if batch.len() == batch.capacity() {
                sink(&batch).map_err(ShardError::Sink)?;
                batch.clear();
            }
        }
        if !batch.is_empty() {
            sink(&batch).map_err(ShardError::Sink)?;
        }
        Ok(())
    }
}

/// Checks that `files` are the K shards of one run, each once, written by this
/// version: the first file given is the one the others are compared with.
pub fn check_set(files: &[ShardFile]) -> Result<(), ShardError> {
    let Some(first) = files.first() else { return Err(ShardError::NoShards) };
    let expected = &first.manifest;
    for file in files {
        let found = &file.manifest;
        if found.version != PROGRAM_VERSION {
            return Err(ShardError::OtherVersion { path: file.path.clone(), found: found.version.clone() });
        }
        let other = |what, found: String, expected: String| ShardError::OtherRun {
            path: file.path.clone(),
            first: first.path.clone(),
            what,
            found,
            expected,
        };
        if found.scenario_sha256 != expected.scenario_sha256 {
            let describe = |m: &ShardManifest| {
                format!("{} (sha256 {}…)", m.scenario, &m.scenario_sha256[..12.min(m.scenario_sha256.len())])
            };
            return Err(other("another scenario:", describe(found), describe(expected)));
        }
        if found.scenario_file != expected.scenario_file {
            return Err(other(
                "the scenario file",
                found.scenario_file.clone(),
                expected.scenario_file.clone(),
            ));
        }
        if found.flags != expected.flags {
            return Err(other(
                "a run with other flags:",
                found.flags.to_string(),
                expected.flags.to_string(),
            ));
        }
        if found.shards != expected.shards {
            return Err(other(
                "a run split into K =",
                found.shards.to_string(),
                format!("K = {}", expected.shards),
            ));
        }
        if (found.trials, found.points, found.arms, found.rows)
            != (expected.trials, expected.points, expected.arms, expected.rows)
        {
            return Err(other(
                "a run of",
                format!("{} trials at {} points", found.trials, found.points),
                format!("{} trials at {} points", expected.trials, expected.points),
            ));
        }
    }
    let shards = expected.shards;
    let mut holders: Vec<Vec<PathBuf>> = vec![Vec::new(); shards as usize];
    for file in files {
        match holders.get_mut(file.manifest.shard as usize) {
            Some(paths) => paths.push(file.path.clone()),
            None => return Err(file.mismatch(format!("its index is not below K = {shards}"))),
        }
    }
    if let Some((shard, paths)) = holders.iter().enumerate().find(|(_, paths)| paths.len() > 1) {
        return Err(ShardError::Duplicate { shard: shard as u64, shards, paths: paths.clone() });
    }
    let missing: Vec<u64> = (0..shards).filter(|&i| holders[i as usize].is_empty()).collect();
    if !missing.is_empty() {
        return Err(ShardError::Missing { scenario: expected.scenario.clone(), shards, missing });
    }
    Ok(())
}

/// Merges the shards `files` (a complete set, see [`check_set`]) of the
/// experiment `points` evaluated with `options` into the totals
/// [`crate::experiment::evaluate_totals`] returns for it, handing each point's
/// per-trial rows to `on_trials` in trial order as it does. The shards are folded
/// in index order (the totals do not depend on it; the rows do).
pub fn merge(
    files: &[ShardFile],
    points: &[Point],
    options: &Options,
    stop: &AtomicBool,
    mut on_trials: impl FnMut(usize, &[TrialOutcome]) -> Result<(), String>,
    mut progress: impl FnMut(u64, u64),
) -> Result<Vec<PointTotals>, ShardError> {
    check_set(files)?;
    let mut ordered: Vec<&ShardFile> = files.iter().collect();
    ordered.sort_by_key(|file| file.manifest.shard);
    let Some(first) = points.first() else { return Ok(Vec::new()) };
    for file in &ordered {
        let manifest = &file.manifest;
        let trials = u64::from(first.config.trials);
        let range = trial_range(trials, manifest.shards, manifest.shard);
        let fits = manifest.trials == trials
            && manifest.points == points.len() as u64
            && manifest.arms == first.config.arms.len() as u64
            && manifest.trial_metrics == TRIAL_METRICS as u64
            && (manifest.first_trial..manifest.end_trial) == range;
        if !fits {
            return Err(file.mismatch(format!(
                "it holds trials {}..{} of {} at {} points, where the run has trials {}..{} of {} at {}",
                manifest.first_trial,
                manifest.end_trial,
                manifest.trials,
                manifest.points,
                range.start,
                range.end,
                trials,
                points.len()
            )));
        }
    }
    let total: u64 = points.iter().map(|point| u64::from(point.config.trials)).sum();
    let empty = PointTotals::empty(points, options);
    let mut totals = empty.clone();
    for file in &ordered {
        if stop.load(Ordering::Relaxed) {
            return Err(ShardError::Interrupted);
        }
        let part = file.read_totals(&empty)?;
        for (total, part) in totals.iter_mut().zip(&part) {
            total.merge(part);
        }
    }
    let mut done = 0;
    for (index, point) in points.iter().enumerate() {
        for file in &ordered {
            if stop.load(Ordering::Relaxed) {
                return Err(ShardError::Interrupted);
            }
            file.read_rows(index, point.config.seed, &mut |outcomes| on_trials(index, outcomes))?;
            done += file.manifest.end_trial - file.manifest.first_trial;
            progress(done, total);
        }
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ranges_cover_every_trial_once() {
        for (trials, shards) in [(10, 3), (7, 7), (1_000_000, 1000), (5, 1), (u64::from(u32::MAX), 7)] {
            let ranges: Vec<_> = (0..shards).map(|i| trial_range(trials, shards, i)).collect();
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges.last().unwrap().end, trials);
            assert!(ranges.windows(2).all(|pair| pair[0].end == pair[1].start));
            let lengths: Vec<u64> = ranges.iter().map(|r| r.end - r.start).collect();
            assert!(lengths.iter().max().unwrap() - lengths.iter().min().unwrap() <= 1, "{lengths:?}");
        }
    }

    #[test]
    fn missing_shards_are_listed_briefly() {
        assert_eq!(list(&[2, 5, 6, 7, 9]), "2, 5-7, 9");
        assert_eq!(
            names(&[1, 2, 3, 4], 10),
            "shard-01-of-10.shard, shard-02-of-10.shard, shard-03-of-10.shard, ..."
        );
        assert_eq!(ShardManifest::file_name(7, 1000), "shard-0007-of-1000.shard");
    }
}
