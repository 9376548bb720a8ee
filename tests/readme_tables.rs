//! The README's results tables are generated from runs of the real binary, so they
//! cannot drift from the model: each table sits between `<!-- table:NAME -->` and
//! `<!-- /table:NAME -->`, and this test runs the command that produced it, renders
//! it again and compares. After an intended change to results, regenerate every
//! table with one command and review the diff:
//!
//! ```sh
//! ATTRITION_WRITE_TABLES=1 cargo test --test readme_tables
//! ```
//!
//! Each table's command is in [`TABLES`]; the prose around a table quotes some of
//! its numbers, which a regeneration asks to be reread. A marked table whose name
//! is not in [`TABLES`] belongs to another test and is left alone.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{WorkDir, assert_success};

/// How a table is drawn from its run.
enum Render {
    /// One row per arm, in the scenario's order, one column per metric with its
    /// decimals: the baseline's mean, or an arm's mean then its paired difference to
    /// the baseline with the 95% interval (from `summary.csv` and `comparison.csv`).
    Arms(&'static [(&'static str, usize)]),
    /// The Peter-principle benchmark: a row per promotion strategy, the final
    /// efficiency and the gain under each competence hypothesis, mean [95% CI]; then
    /// the initial efficiency E(0).
    Strategies,
    /// The paper's findings, each with whether the run reproduces it and the numbers
    /// that say so.
    Findings,
    /// The results table `run` prints, as a text block, with the files it wrote
    /// (the charts but the comparison elided). The README keeps its own wall time
    /// and thread count, which no run repeats.
    Terminal,
    /// What `check --quiet` prints, as a text block: the command, the first
    /// statement's line and the tally.
    Check,
}

/// A marked table: its name, the `attrition` arguments that produce it (paths
/// relative to the repository) and how it is drawn.
struct Table {
    name: &'static str,
    args: &'static [&'static str],
    render: Render,
}

const FOUR_OUTCOMES: &[(&str, usize)] = &[
    ("regretted_attrition", 4),
    ("voluntary_attrition", 4),
    ("top_quintile_retained", 3),
    ("mean_productivity", 2),
];

const TABLES: &[Table] = &[
    Table { name: "tech_org_run", args: &["run", "scenarios/tech_org.toml"], render: Render::Terminal },
    Table {
        name: "check_peter_principle",
        args: &[
            "check",
            "scenarios/ci/peter_principle.toml",
            "--expect",
            "scenarios/ci/peter_principle.expect.toml",
            "--quiet",
        ],
        render: Render::Check,
    },
    Table {
        name: "overhead_tax",
        args: &["run", "scenarios/overhead_tax.toml"],
        render: Render::Arms(FOUR_OUTCOMES),
    },
    Table {
        name: "credit",
        args: &["run", "scenarios/credit.toml"],
        render: Render::Arms(&[
            ("regretted_attrition", 4),
            ("voluntary_attrition", 4),
            ("mean_engagement", 3),
            ("top_quintile_retained", 3),
        ]),
    },
    Table {
        name: "career_tracks",
        args: &["run", "scenarios/career_tracks.toml"],
        render: Render::Arms(&[
            ("mean_productivity", 2),
            ("regretted_attrition", 4),
            ("top_quintile_retained", 3),
            ("voluntary_attrition", 4),
        ]),
    },
    Table {
        name: "career_tracks_correlated",
        args: &["run", "scenarios/career_tracks.toml", "--set", "workforce.leadership_correlation=1"],
        render: Render::Arms(&[
            ("mean_productivity", 3),
            ("regretted_attrition", 4),
            ("top_quintile_retained", 3),
        ]),
    },
    Table {
        name: "tech_org",
        args: &["run", "scenarios/tech_org.toml"],
        render: Render::Arms(FOUR_OUTCOMES),
    },
    Table {
        name: "peter_principle",
        args: &["run", "scenarios/peter_principle.toml"],
        render: Render::Strategies,
    },
    Table {
        name: "peter_principle_findings",
        args: &["run", "scenarios/peter_principle.toml"],
        render: Render::Findings,
    },
];

#[test]
fn every_results_table_in_the_readme_is_what_its_command_gives() {
    let (readme_path, mut readme, write) = common::readme();
    let dir = WorkDir::new("readme-tables");
    let mut runs: HashMap<Vec<&str>, Run> = HashMap::new();
    let mut stale = Vec::new();
    for table in TABLES {
        let (start, end) = common::marked_table(&readme, table.name)
            .unwrap_or_else(|| panic!("README.md has no table marked {:?}", table.name));
        let key = table.args.to_vec();
        if !runs.contains_key(&key) {
            let out = format!("out{}", runs.len());
            runs.insert(key.clone(), Run::of(&dir, table.args, &out));
        }
        let run = &runs[&key];
        let current = &readme[start..end];
        let rendered = format!("\n{}\n", render(table, run, current));
        if rendered != current {
            stale.push((table.name, current.to_owned(), rendered.clone()));
            if write {
                readme.replace_range(start..end, &rendered);
            }
        }
    }
    if write {
        std::fs::write(&readme_path, &readme).unwrap();
        return;
    }
    if let Some((name, current, rendered)) = stale.first() {
        let names: Vec<&str> = stale.iter().map(|(name, ..)| *name).collect();
        panic!(
            "README tables {names:?} differ from what their commands give; regenerate them with \
             `ATTRITION_WRITE_TABLES=1 cargo test --test readme_tables` and review the diff.\n\
             {name} in the README:\n{current}\nfrom the run:\n{rendered}"
        );
    }
}

/// One run of the binary: what it printed and the results it wrote.
struct Run {
    stdout: String,
    args: Vec<String>,
    directory: PathBuf,
}

impl Run {
    fn of(dir: &WorkDir, args: &[&str], out: &str) -> Self {
        let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut absolute: Vec<String> = args
            .iter()
            .map(|arg| match arg.starts_with("scenarios/") {
                true => repository.join(arg).display().to_string(),
                false => (*arg).to_owned(),
            })
            .collect();
        // Results go to output/<name>/ as in the README, one directory per command.
        let work = dir.path.join(out);
        std::fs::create_dir_all(&work).unwrap();
        let started = std::time::Instant::now();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_attrition"))
            .args(&absolute)
            .current_dir(&work)
            .output()
            .unwrap();
        eprintln!("{:?}: {:.1} s", args, started.elapsed().as_secs_f64());
        assert_success(&output);
        let scenario = absolute.remove(1);
        let name =
            toml::from_str::<toml::Table>(&std::fs::read_to_string(&scenario).unwrap()).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_owned();
        Self {
            stdout: String::from_utf8(output.stdout).unwrap(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            directory: work.join("output").join(name),
        }
    }

    /// `summary.csv` or `comparison.csv` as (arm, metric) → (mean, ci_low, ci_high).
    fn statistics(&self, file: &str) -> HashMap<(String, String), (f64, f64, f64)> {
        let mut reader = csv::Reader::from_path(self.directory.join(file)).unwrap();
        let headers = reader.headers().unwrap().clone();
        let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let (arm, metric, mean, low, high) =
            (column("arm"), column("metric"), column("mean"), column("ci_low"), column("ci_high"));
        reader
            .records()
            .map(|record| {
                let record = record.unwrap();
                let number = |index: usize| record[index].parse::<f64>().unwrap();
                (
                    (record[arm].to_owned(), record[metric].to_owned()),
                    (number(mean), number(low), number(high)),
                )
            })
            .collect()
    }

    /// The mean efficiency at step 0, with its interval, from `timeseries.csv`.
    fn initial_efficiency(&self) -> (f64, f64, f64) {
        let mut reader = csv::Reader::from_path(self.directory.join("timeseries.csv")).unwrap();
        let headers = reader.headers().unwrap().clone();
        let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let (step, metric, mean, low, high) =
            (column("step"), column("metric"), column("mean"), column("ci_low"), column("ci_high"));
        let record = reader
            .records()
            .map(Result::unwrap)
            .find(|record| &record[step] == "0" && &record[metric] == "efficiency")
            .expect("timeseries.csv has the efficiency at step 0");
        let number = |index: usize| record[index].parse::<f64>().unwrap();
        (number(mean), number(low), number(high))
    }

    /// The arms in the scenario's order (the order of `summary.csv`).
    fn arms(&self) -> Vec<String> {
        let mut reader = csv::Reader::from_path(self.directory.join("summary.csv")).unwrap();
        let mut arms: Vec<String> = Vec::new();
        for record in reader.records() {
            let arm = record.unwrap()[0].to_owned();
            if !arms.contains(&arm) {
                arms.push(arm);
            }
        }
        arms
    }
}

fn render(table: &Table, run: &Run, current: &str) -> String {
    match table.render {
        Render::Arms(columns) => arms_table(run, columns),
        Render::Strategies => strategies_table(run),
        Render::Findings => findings_table(run),
        Render::Terminal => terminal_block(run, current),
        Render::Check => check_block(run),
    }
}

fn arms_table(run: &Run, columns: &[(&str, usize)]) -> String {
    let own = run.statistics("summary.csv");
    let paired = run.statistics("comparison.csv");
    let mut lines = vec![
        format!("| arm | {} |", columns.iter().map(|(metric, _)| *metric).collect::<Vec<_>>().join(" | ")),
        format!("|---|{}", "---|".repeat(columns.len())),
    ];
    for arm in run.arms() {
        let cells: Vec<String> = columns
            .iter()
            .map(|&(metric, d)| {
                let key = (arm.clone(), metric.to_owned());
                let (mean, ..) = own[&key];
                match paired.get(&key) {
                    None => format!("{mean:.d$} (baseline)"),
                    Some(&(difference, low, high)) => {
                        format!("{mean:.d$}, {difference:+.d$} [{low:+.d$}, {high:+.d$}]")
                    }
                }
            })
            .collect();
        lines.push(format!("| {arm} | {} |", cells.join(" | ")));
    }
    lines.join("\n")
}

fn strategies_table(run: &Run) -> String {
    let own = run.statistics("summary.csv");
    let cell = |arm: String, metric: &str, signed: bool| {
        let (mean, low, high) = own[&(arm, metric.to_owned())];
        match signed {
            true => format!("{mean:+.2} [{low:+.2}, {high:+.2}]"),
            false => format!("{mean:.2} [{low:.2}, {high:.2}]"),
        }
    };
    let mut lines = vec![
        "| strategy | common sense: final E (%) | common sense: gain (pp) | Peter: final E (%) | Peter: gain (pp) |"
            .to_owned(),
        "|---|---|---|---|---|".to_owned(),
    ];
    for strategy in ["best", "worst", "random", "alternate"] {
        let arm = |hypothesis: &str| format!("{strategy}, {hypothesis}");
        lines.push(format!(
            "| {strategy} | {} | {} | {} | {} |",
            cell(arm("common sense"), "final_efficiency", false),
            cell(arm("common sense"), "efficiency_gain", true),
            cell(arm("Peter"), "final_efficiency", false),
            cell(arm("Peter"), "efficiency_gain", true)
        ));
    }
    // Every arm starts from the same workforce (common random numbers).
    let (mean, low, high) = run.initial_efficiency();
    format!(
        "{}\n\nE(0) = {mean:.2} [{low:.2}, {high:.2}] %, against 67.3 % for ten times the mean of the truncated\nnormal.",
        lines.join("\n")
    )
}

/// A number as the README's prose writes it: one decimal, a sign, a true minus.
fn points(x: f64) -> String {
    format!("{x:+.1}").replace('-', "−")
}

fn findings_table(run: &Run) -> String {
    let own = run.statistics("summary.csv");
    let paired = run.statistics("comparison.csv");
    let gain = |arm: &str| own[&(arm.to_owned(), "efficiency_gain".to_owned())];
    let yes = |holds: bool| if holds { "yes" } else { "no" };
    let (best_cs, best_peter) = (gain("best, common sense"), gain("best, Peter"));
    let (random_cs, random_peter) = (gain("random, common sense"), gain("random, Peter"));
    let (alternate_cs, alternate_peter) = (gain("alternate, common sense"), gain("alternate, Peter"));
    let random_vs_best = paired[&("random, common sense".to_owned(), "efficiency_gain".to_owned())];
    let rows = [
        (
            "Under the Peter hypothesis, promoting the best *lowers* global efficiency".to_owned(),
            format!("{}: {} pp, interval below zero", yes(best_peter.2 < 0.0), points(best_peter.0)),
        ),
        (
            "Promoting at random improves efficiency under both hypotheses".to_owned(),
            format!(
                "{}: {} and {} pp, intervals above zero",
                yes(random_cs.1 > 0.0 && random_peter.1 > 0.0),
                points(random_cs.0),
                points(random_peter.0)
            ),
        ),
        (
            "Promoting the best and the worst alternately improves it under both hypotheses".to_owned(),
            format!(
                "{}: {} and {} pp",
                yes(alternate_cs.1 > 0.0 && alternate_peter.1 > 0.0),
                points(alternate_cs.0),
                points(alternate_peter.0)
            ),
        ),
        (
            "Promoting the best works only if competence carries over (common sense)".to_owned(),
            format!(
                "{}: {} pp under common sense, {} under Peter",
                yes(best_cs.1 > 0.0 && best_peter.2 < 0.0),
                points(best_cs.0),
                points(best_peter.0)
            ),
        ),
        (
            // Pairs of non-baseline arms are not in comparison.csv; the test asserts it.
            "Under the Peter hypothesis, random and alternate beat best".to_owned(),
            "yes: paired intervals exclude zero (test `under_the_peter_hypothesis_random_and_alternate_beat_best_paired`)"
                .to_owned(),
        ),
        (
            "Under common sense, best beats random".to_owned(),
            format!(
                "{}: {} pp [{}, {}] for random versus best, paired",
                yes(random_vs_best.2 < 0.0),
                points(random_vs_best.0),
                points(random_vs_best.1),
                points(random_vs_best.2)
            ),
        ),
    ];
    let mut lines = vec!["| the paper's finding | reproduced? |".to_owned(), "|---|---|".to_owned()];
    lines.extend(rows.iter().map(|(finding, reproduced)| format!("| {finding} | {reproduced} |")));
    lines.join("\n")
}

fn terminal_block(run: &Run, current: &str) -> String {
    let mut lines: Vec<String> = run.stdout.lines().map(str::to_owned).collect();
    // "... (0.9 s, 2 threads)": the README's own measurement stays.
    let timing = |line: &str| line.rfind(" (").map(|at| line[at..].to_owned());
    let kept = current.lines().find(|line| line.contains(" per arm, ")).and_then(timing);
    if let (Some(kept), Some(measured)) = (kept, timing(&lines[0])) {
        let at = lines[0].len() - measured.len();
        lines[0].replace_range(at.., &kept);
    }
    let wrote =
        lines.iter().position(|line| line.starts_with("wrote ")).expect("run lists the files it wrote");
    let files = lines.split_off(wrote + 1);
    lines.extend(files.iter().filter(|file| file.ends_with(".csv")).cloned());
    lines.push("  ... (a PNG and an SVG per charted metric)".to_owned());
    lines.extend(
        files.iter().filter(|file| !file.ends_with(".csv") && !file.contains("timeseries_")).cloned(),
    );
    format!("```text\n{}\n```", lines.join("\n"))
}

fn check_block(run: &Run) -> String {
    let lines: Vec<&str> = run.stdout.lines().collect();
    format!(
        "```text\n$ attrition {}\n{}\n...\n{}\n```",
        run.args.join(" "),
        lines.first().unwrap(),
        lines.last().unwrap()
    )
}
