//! What a report shows, read back from a results directory: the manifest and the
//! CSV tables the run wrote, never the model, so a report cannot disagree with them.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::output::MANIFEST;
use crate::output::tables::{COMPARISON, SUMMARY, SummaryTables, TIMESERIES, UNCERTAINTY};

use super::ReportError;

/// One row of `summary.csv` (or of `timeseries.csv`, whose step and year it adds):
/// a statistic over trials.
#[derive(Debug, Clone, Deserialize)]
pub struct Spread {
    /// Arm name.
    pub arm: String,
    /// Metric name, as in `trials.csv`.
    pub metric: String,
    /// Trials summarised.
    pub trials: u64,
    /// Mean over trials.
    pub mean: f64,
    /// Lower end of the 95% interval of the mean.
    pub ci_low: f64,
    /// Upper end of the 95% interval of the mean.
    pub ci_high: f64,
    /// 5th percentile across trials.
    pub p5: f64,
    /// Median across trials.
    pub p50: f64,
    /// 95th percentile across trials.
    pub p95: f64,
    /// The step, for time series rows.
    #[serde(default)]
    pub step: Option<u32>,
    /// The year of the step, for time series rows.
    #[serde(default)]
    pub year: Option<f64>,
}

/// One row of `comparison.csv`: an arm minus the baseline, paired by trial.
#[derive(Debug, Clone, Deserialize)]
pub struct Paired {
    /// Arm name.
    pub arm: String,
    /// Metric name.
    pub metric: String,
    /// Mean difference.
    pub mean: f64,
    /// Lower end of its 95% interval.
    pub ci_low: f64,
    /// Upper end of its 95% interval.
    pub ci_high: f64,
    /// Share of trials in which the arm is above the baseline.
    pub share_higher: f64,
    /// Share of trials in which the arm is below the baseline.
    pub share_lower: f64,
}

/// A run's results as its directory holds them.
#[derive(Debug)]
pub struct Results {
    /// The directory read.
    pub directory: PathBuf,
    /// The manifest, as written.
    pub manifest: serde_json::Value,
    /// Arm names in the scenario's order.
    pub arms: Vec<String>,
    /// Arm display labels (the scenario's `label`, else the name), in the same order.
    pub arm_labels: Vec<String>,
    /// The scenario's `[labels]`: metric name → display label.
    pub labels: indexmap::IndexMap<String, String>,
    /// Index of the baseline arm.
    pub baseline: usize,
    /// Name of the headline metric.
    pub headline: String,
    /// `summary.csv`.
    pub summary: Vec<Spread>,
    /// `comparison.csv`.
    pub comparison: Vec<Paired>,
    /// The rows of `timeseries.csv` for the metrics a report charts.
    pub timeseries: Vec<Spread>,
    /// SHA-256 of the manifest's `scenario_text`.
    pub scenario_sha256: String,
    /// What the directory holds: a run's tables, a sweep's or a sensitivity analysis's.
    pub kind: Kind,
    /// `uncertainty.csv`, for a run with `[uncertainty]`: each arm's spread across
    /// parameter draws, in the scenario's arm order.
    pub uncertainty: Vec<ArmUncertainty>,
}

/// One arm's rows of `uncertainty.csv`.
#[derive(Debug, Clone)]
pub struct ArmUncertainty {
    /// The arm's name.
    pub arm: String,
    /// How many parameter draws.
    pub draws: u64,
    /// Its headline across draws.
    pub value: crate::uncertainty::Spread,
    /// Its paired difference to the baseline across draws; `None` for the baseline.
    pub difference: Option<crate::uncertainty::DifferenceSpread>,
}

/// Reads `uncertainty.csv` (tidy: arm, quantity, metric, unit, statistic,
/// estimate) back into the spreads it was written from.
fn read_uncertainty(path: &Path, source: &Source<'_>) -> Result<Vec<ArmUncertainty>, ReportError> {
    #[derive(Deserialize)]
    struct Row {
        arm: String,
        quantity: String,
        statistic: String,
        estimate: String,
    }
    let rows: Vec<Row> = read_csv(path, source.open(path)?, |_| true)?;
    let mut arms: Vec<ArmUncertainty> = Vec::new();
    let mut statistics: Vec<((String, String), indexmap::IndexMap<String, f64>)> = Vec::new();
    for row in rows {
        let value = row.estimate.parse::<f64>().unwrap_or(f64::NAN);
        let key = (row.arm, row.quantity);
        match statistics.iter_mut().find(|(k, _)| *k == key) {
            Some((_, map)) => {
                map.insert(row.statistic, value);
            }
            None => statistics.push((key, indexmap::IndexMap::from([(row.statistic, value)]))),
        }
    }
    let spread = |map: &indexmap::IndexMap<String, f64>| {
        let get = |name: &str| map.get(name).copied().unwrap_or(f64::NAN);
        let optional = |name: &str| Some(get(name)).filter(|x| x.is_finite());
        crate::uncertainty::Spread {
            mean: get("draw_mean"),
            p5: get("draw_p5"),
            p50: get("draw_p50"),
            p95: get("draw_p95"),
            between_draws_sd: get("between_draws_sd"),
            mean_ci: (get("draw_ci_low"), get("draw_ci_high")),
            parameter_sd: optional("parameter_sd"),
            monte_carlo_sd: optional("monte_carlo_sd"),
        }
    };
    for ((arm, quantity), map) in &statistics {
        let draws = map.get("draws").copied().unwrap_or(0.0) as u64;
        match quantity.as_str() {
            "value" => {
                arms.push(ArmUncertainty { arm: arm.clone(), draws, value: spread(map), difference: None })
            }
            "difference" => {
                let failed = || ReportError::Read {
                    path: path.to_owned(),
                    why: format!("arm {arm:?}: a difference row before the arm's value rows"),
                };
                let own = arms.iter_mut().find(|a| a.arm == *arm).ok_or_else(failed)?;
                own.difference = Some(crate::uncertainty::DifferenceSpread {
                    spread: spread(map),
                    share_better: map.get("share_better").copied().unwrap_or(f64::NAN),
                    share_worse: map.get("share_worse").copied().unwrap_or(f64::NAN),
                });
            }
            other => {
                return Err(ReportError::Read {
                    path: path.to_owned(),
                    why: format!("unknown quantity {other:?}"),
                });
            }
        }
    }
    Ok(arms)
}

/// What a results directory holds.
#[derive(Debug)]
pub enum Kind {
    /// A single run: `summary.csv`, `comparison.csv`, `timeseries.csv`.
    Run,
    /// A sweep: `sweep.csv`, each point's arms summarised.
    Sweep {
        /// The swept fields, as `sweep.csv`'s first columns name them.
        fields: Vec<String>,
        /// Its rows.
        rows: Vec<SweepRow>,
    },
    /// A sensitivity analysis: `sensitivity.csv`.
    Sensitivity(Vec<SensitivityRow>),
}

/// One row of `sweep.csv`: an arm's summary of a metric at one point.
#[derive(Debug, Clone)]
pub struct SweepRow {
    /// The swept fields' values at the point, as written.
    pub values: Vec<String>,
    /// The arm, its other columns as in `summary.csv`.
    pub spread: Spread,
}

/// One row of `sensitivity.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct SensitivityRow {
    /// The field varied.
    pub parameter: String,
    /// The output analysed.
    pub output: String,
    /// The method (`oat`, `morris`, `sobol`).
    pub method: String,
    /// The index (e.g. `mu_star`, `first_order`).
    pub index: String,
    /// Its estimate.
    pub estimate: f64,
    /// Lower end of its 95% interval.
    pub ci_low: f64,
    /// Upper end of its 95% interval.
    pub ci_high: f64,
}

/// Reads `sweep.csv`: the swept fields are the columns before `arm`.
fn read_sweep(path: &Path, source: &Source<'_>) -> Result<Kind, ReportError> {
    let failed = |why: String| ReportError::Read { path: path.to_owned(), why };
    let mut reader = csv::Reader::from_reader(source.open(path)?);
    let headers = reader.headers().map_err(|error| failed(error.to_string()))?.clone();
    let swept = headers.iter().position(|h| h == "arm").ok_or_else(|| failed("no arm column".into()))?;
    let fields: Vec<String> = headers.iter().take(swept).map(String::from).collect();
    let rest = csv::StringRecord::from(headers.iter().skip(swept).collect::<Vec<_>>());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| failed(error.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let values: Vec<String> = record.iter().take(swept).map(String::from).collect();
        let own = csv::StringRecord::from(record.iter().skip(swept).collect::<Vec<_>>());
        let spread: Spread =
            own.deserialize(Some(&rest)).map_err(|error| failed(format!("line {line}: {error}")))?;
        rows.push(SweepRow { values, spread });
    }
    Ok(Kind::Sweep { fields, rows })
}

/// The step metrics whose time series a report reads.
pub const CHARTED_SERIES: [&str; 2] = ["top_quintile_retained", "efficiency"];

/// Where the tables a manifest lists are read from: the results directory, or the
/// bytes of a run that `attrition serve` made without writing them.
enum Source<'a> {
    Directory,
    Memory(&'a SummaryTables),
}

impl Source<'_> {
    fn open(&self, path: &Path) -> Result<Box<dyn Read + '_>, ReportError> {
        let failed = |why: String| ReportError::Read { path: path.to_owned(), why };
        match self {
            Self::Directory => {
                let file = fs::File::open(path).map_err(|error| failed(error.to_string()))?;
                Ok(Box::new(std::io::BufReader::new(file)))
            }
            Self::Memory(tables) => {
                let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
                let bytes = match name {
                    SUMMARY => Some(&tables.summary),
                    COMPARISON => Some(&tables.comparison),
                    TIMESERIES => Some(&tables.timeseries),
                    UNCERTAINTY => tables.uncertainty.as_ref(),
                    _ => None,
                };
                let bytes = bytes.ok_or_else(|| failed("not among the tables of the run".to_owned()))?;
                Ok(Box::new(bytes.as_slice()))
            }
        }
    }
}

impl Results {
    /// Reads a single run's results directory.
    pub fn read(directory: &Path) -> Result<Self, ReportError> {
        let manifest_path = directory.join(MANIFEST);
        let text = fs::read_to_string(&manifest_path).map_err(|source| ReportError::Read {
            path: manifest_path.clone(),
            why: format!("{source} (is {} a results directory of attrition run?)", directory.display()),
        })?;
        let manifest: serde_json::Value = serde_json::from_str(&text)
            .map_err(|error| ReportError::Read { path: manifest_path.clone(), why: error.to_string() })?;
        Self::of(directory, manifest, &Source::Directory)
    }

    /// The results of a run's `manifest` and `tables` held in memory, read exactly
    /// as [`Results::read`] reads them from files (the manifest must list the
    /// tables, as a run's does).
    pub fn of_tables(manifest: serde_json::Value, tables: &SummaryTables) -> Result<Self, ReportError> {
        Self::of(Path::new(""), manifest, &Source::Memory(tables))
    }

    fn of(directory: &Path, manifest: serde_json::Value, source: &Source<'_>) -> Result<Self, ReportError> {
        let manifest_path = directory.join(MANIFEST);
        let malformed = |what: &str| ReportError::Read {
            path: manifest_path.clone(),
            why: format!("not an attrition manifest: {what} is missing"),
        };
        if manifest["program"] != "attrition" {
            return Err(malformed("\"program\": \"attrition\""));
        }
        let listed = |file: &str| {
            manifest["files"].as_array().is_some_and(|files| files.iter().any(|entry| entry["file"] == file))
        };
        let kind = if listed(SUMMARY) {
            Kind::Run
        } else if listed(crate::output::sweep::SWEEP) {
            read_sweep(&directory.join(crate::output::sweep::SWEEP), source)?
        } else if listed(crate::output::sensitivity::SENSITIVITY) {
            Kind::Sensitivity(read_table(directory, crate::output::sensitivity::SENSITIVITY, source, |_| {
                true
            })?)
        } else {
            return Err(ReportError::Read {
                path: manifest_path,
                why: format!(
                    "the manifest lists no {SUMMARY}, {} or {}: a report is made of the results of run, a sweep or \
                     sensitivity",
                    crate::output::sweep::SWEEP,
                    crate::output::sensitivity::SENSITIVITY
                ),
            });
        };
        let scenario = &manifest["scenario"];
        let arms: Vec<String> = scenario["arms"]
            .as_array()
            .ok_or_else(|| malformed("scenario.arms"))?
            .iter()
            .filter_map(|arm| arm["name"].as_str().map(String::from))
            .collect();
        let arm_labels: Vec<String> = scenario["arms"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|arm| arm["label"].as_str().or(arm["name"].as_str()).map(String::from))
            .collect();
        let labels = scenario["labels"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(metric, label)| Some((metric.clone(), label.as_str()?.to_owned())))
            .collect();
        let baseline = scenario["baseline"].as_u64().ok_or_else(|| malformed("scenario.baseline"))? as usize;
        let headline =
            scenario["headline"].as_str().ok_or_else(|| malformed("scenario.headline"))?.to_owned();
        if arms.is_empty() || baseline >= arms.len() {
            return Err(malformed("an arm"));
        }
        let run = matches!(kind, Kind::Run);
        let (summary, comparison, timeseries): (Vec<Spread>, Vec<Paired>, Vec<Spread>) = match run {
            true => (
                read_table(directory, SUMMARY, source, |_| true)?,
                read_table(directory, COMPARISON, source, |_| true)?,
                read_table(directory, TIMESERIES, source, |row: &csv::StringRecord| {
                    row.get(3).is_some_and(|metric| CHARTED_SERIES.contains(&metric))
                })?,
            ),
            false => Default::default(),
        };
        let uncertainty = if run && listed(UNCERTAINTY) {
            read_uncertainty(&directory.join(UNCERTAINTY), source)?
        } else {
            Vec::new()
        };
        let scenario_text = manifest["scenario_text"].as_str().unwrap_or_default();
        let scenario_sha256 =
            Sha256::digest(scenario_text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self {
            directory: directory.to_owned(),
            manifest,
            arms,
            arm_labels,
            labels,
            baseline,
            headline,
            summary,
            comparison,
            timeseries,
            scenario_sha256,
            kind,
            uncertainty,
        })
    }

    /// The name readers see for arm `arm`.
    pub fn arm_label(&self, arm: usize) -> &str {
        self.arm_labels.get(arm).unwrap_or(&self.arms[arm])
    }

    /// The name readers see for `metric`: the scenario's label, else the built-in one.
    pub fn metric_label(&self, metric: &str) -> String {
        if let Some(label) = self.labels.get(metric) {
            return label.clone();
        }
        crate::metrics::TrialMetric::from_name(metric)
            .map(|m| m.label().to_owned())
            .or_else(|| crate::metrics::StepMetric::from_name(metric).map(|m| m.label().to_owned()))
            .unwrap_or_else(|| metric.replace('_', " "))
    }

    /// The summary of `metric` for arm `arm`.
    pub fn spread(&self, arm: usize, metric: &str) -> Option<&Spread> {
        self.summary.iter().find(|row| row.arm == self.arms[arm] && row.metric == metric)
    }

    /// Arm `arm` minus the baseline in `metric`; `None` for the baseline.
    pub fn paired(&self, arm: usize, metric: &str) -> Option<&Paired> {
        self.comparison.iter().find(|row| row.arm == self.arms[arm] && row.metric == metric)
    }

    /// The time series of `metric` for arm `arm`, in step order.
    pub fn series(&self, arm: usize, metric: &str) -> Vec<&Spread> {
        let mut rows: Vec<&Spread> =
            self.timeseries.iter().filter(|row| row.arm == self.arms[arm] && row.metric == metric).collect();
        rows.sort_by_key(|row| row.step);
        rows
    }

    /// The metrics of `summary.csv`, in its order.
    pub fn metrics(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for row in &self.summary {
            if !names.contains(&row.metric.as_str()) {
                names.push(&row.metric);
            }
        }
        names
    }

    /// A string field of the manifest, or of its resolved scenario.
    pub fn text(&self, pointer: &str) -> Option<&str> {
        self.manifest.pointer(pointer).and_then(|value| value.as_str())
    }

    /// Whether the scenario has `[dynamics]` (the behavioural model).
    pub fn behavioural(&self) -> bool {
        !self.manifest["scenario"]["dynamics"].is_null()
    }
}

/// Reads the rows that `keep` accepts of the table `name` of a run in `directory`,
/// from wherever `source` holds it.
fn read_table<T: serde::de::DeserializeOwned>(
    directory: &Path,
    name: &str,
    source: &Source<'_>,
    keep: impl Fn(&csv::StringRecord) -> bool,
) -> Result<Vec<T>, ReportError> {
    let path = directory.join(name);
    read_csv(&path, source.open(&path)?, keep)
}

/// Reads the rows of a CSV file that `keep` accepts.
fn read_csv<T: serde::de::DeserializeOwned>(
    path: &Path,
    input: impl Read,
    keep: impl Fn(&csv::StringRecord) -> bool,
) -> Result<Vec<T>, ReportError> {
    let failed = |why: String| ReportError::Read { path: path.to_owned(), why };
    let mut reader = csv::Reader::from_reader(input);
    let headers = reader.headers().map_err(|error| failed(error.to_string()))?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| failed(error.to_string()))?;
        if keep(&record) {
            let line = record.position().map_or(0, |p| p.line());
            rows.push(
                record
                    .deserialize(Some(&headers))
                    .map_err(|error| failed(format!("line {line}: {error}")))?,
            );
        }
    }
    Ok(rows)
}
