//! The real binary on the real scenario files.

mod common;

use std::fs;

use common::{WorkDir, assert_success, scenario, scenarios};

const FILES: [&str; 5] = ["summary.csv", "comparison.csv", "timeseries.csv", "trials.csv", "manifest.json"];

#[test]
fn run_writes_every_output_file_of_the_bundled_scenario() {
    let dir = WorkDir::new("run");
    let output = dir.run(&["run", &scenario("peter_principle.toml"), "--trials", "4"]);
    assert_success(&output);
    let results = dir.path.join("output/peter_principle");
    for file in FILES {
        let text = fs::read_to_string(results.join(file)).unwrap();
        assert!(text.lines().count() > 1, "{file} is empty");
    }
    // 8 arms x 1001 steps x every step metric, plus the header.
    let timeseries = fs::read_to_string(results.join("timeseries.csv")).unwrap();
    assert_eq!(
        timeseries.lines().count(),
        8 * 1001 * attrition::metrics::StepMetric::reported(false).len() + 1
    );
    let trials = fs::read_to_string(results.join("trials.csv")).unwrap();
    assert_eq!(trials.lines().count(), 8 * 4 + 1);
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(results.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["trials"], 4);
    assert_eq!(manifest["scenario"]["levels"].as_array().unwrap().len(), 6);
    // Every CSV and chart is listed with its checksum.
    let listed: Vec<&str> =
        manifest["files"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap()).collect();
    for file in &FILES[..4] {
        assert!(listed.contains(file), "{file} is not in the manifest");
    }
    assert!(
        listed.contains(&"timeseries_efficiency.svg") && listed.contains(&"comparison_efficiency_gain.png")
    );
    for entry in manifest["files"].as_array().unwrap() {
        assert_eq!(entry["sha256"].as_str().unwrap().len(), 64);
        assert!(results.join(entry["file"].as_str().unwrap()).is_file());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("efficiency_gain") && stdout.contains("best, Peter"), "{stdout}");
    // Nothing but the results directory is left behind: no staging directories.
    let entries: Vec<_> = fs::read_dir(dir.path.join("output")).unwrap().collect();
    assert_eq!(entries.len(), 1);
}

#[test]
fn every_bundled_scenario_validates() {
    let dir = WorkDir::new("validate");
    let mut args = vec!["validate".to_owned()];
    for entry in fs::read_dir(scenarios()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            args.push(path.display().to_string());
        }
    }
    assert!(args.len() > 1, "no scenarios found");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = dir.run(&args);
    assert_success(&output);
    // Each file is checked and passes, the scenarios with [dynamics] among them.
    let stdout = String::from_utf8_lossy(&output.stdout);
    for file in &args[1..] {
        assert!(
            stdout.lines().any(|line| line.starts_with("ok: ") && line.contains(file)),
            "{file}: {stdout}"
        );
    }
    for name in ["peter_principle", "peter_mixed", "tech_org", "overhead_tax", "credit", "career_tracks"] {
        let file = format!("{name}.toml");
        assert!(args.iter().any(|arg| arg.ends_with(&file)), "scenarios/{file} is not validated");
    }
}

/// Same scenario and seed: byte-identical CSV files with 1 and 2 threads, and on a
/// second run.
#[test]
fn output_is_byte_identical_across_thread_counts_and_runs() {
    let dir = WorkDir::new("determinism");
    let path = scenario("peter_principle.toml");
    let runs = [("one", "1"), ("two", "2"), ("again", "2")];
    for (out, threads) in runs {
        let output =
            dir.run(&["run", &path, "--trials", "40", "--threads", threads, "--out", out, "--quiet"]);
        assert_success(&output);
    }
    let env_run = dir
        .command(&["run", &path, "--trials", "40", "--out", "env", "--quiet"])
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    assert_success(&env_run);
    for file in &FILES[..4] {
        let read = |out: &str| fs::read(dir.path.join(out).join("peter_principle").join(file)).unwrap();
        let reference = read("one");
        for out in ["two", "again", "env"] {
            assert!(reference == read(out), "{file} differs between runs 'one' and '{out}'");
        }
    }
}

#[test]
fn a_missing_scenario_is_a_clear_error() {
    let dir = WorkDir::new("missing");
    let output = dir.run(&["run", "scenarios/no_such_file.toml"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no_such_file.toml"), "{stderr}");
    assert!(!dir.path.join("output").exists(), "nothing is written for bad input");
}

#[test]
fn an_invalid_scenario_names_the_file_the_field_and_why() {
    let dir = WorkDir::new("invalid");
    let text = fs::read_to_string(scenarios().join("peter_principle.toml"))
        .unwrap()
        .replace("positions = 21", "positions = 0")
        .replace(
            "promotion = \"worst\"\ncompetence = \"peter\"",
            "promotion = \"wrost\"\ncompetence = \"peter\"",
        );
    let path = dir.write("broken.toml", &text);
    let output = dir.run(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.toml"), "{stderr}");
    assert!(stderr.contains("broken.toml:") && stderr.contains("did you mean `worst`?"), "{stderr}");

    let text = text.replace("wrost", "worst");
    let path = dir.write("broken.toml", &text);
    let output = dir.run(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("levels[3].positions"), "{stderr}");
    assert!(!dir.path.join("output").exists());
}

#[test]
fn a_foreign_output_directory_is_refused_and_kept() {
    let dir = WorkDir::new("foreign");
    fs::create_dir_all(dir.path.join("output/peter_principle")).unwrap();
    dir.write("output/peter_principle/notes.txt", "mine");
    let output = dir.run(&["run", &scenario("peter_principle.toml"), "--trials", "1"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--force"));
    assert_eq!(fs::read_to_string(dir.path.join("output/peter_principle/notes.txt")).unwrap(), "mine");
}

#[test]
fn help_explains_every_flag() {
    let dir = WorkDir::new("help");
    let output = dir.run(&["run", "--help"]);
    assert_success(&output);
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in ["--trials", "--seed", "--out", "--threads", "--quiet", "--force"] {
        assert!(help.contains(flag), "run --help lacks {flag}");
    }
    let output = dir.run(&["--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    for command in ["run", "bench", "validate"] {
        assert!(help.contains(command), "--help lacks {command}");
    }
}

/// The benchmark command reports agent-steps per second, and peak memory does not
/// grow with the number of trials (aggregation streams).
#[test]
fn bench_reports_throughput_and_memory_does_not_grow_with_trials() {
    let dir = WorkDir::new("bench");
    let text = fs::read_to_string(scenarios().join("peter_principle.toml"))
        .unwrap()
        .replace("steps = 1000", "steps = 50");
    let path = dir.write("short.toml", &text);
    let measure = |trials: &str| -> serde_json::Value {
        let output =
            dir.run(&["bench", path.to_str().unwrap(), "--trials", trials, "--json", "--threads", "2"]);
        assert_success(&output);
        let record: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        record["workloads"][0].clone()
    };
    let small = measure("100");
    let large = measure("6000");
    assert!(large["agent_steps_per_second"].as_f64().unwrap() > 0.0);
    assert_eq!(large["agent_steps"].as_u64().unwrap(), 160 * 50 * 6000 * 8);
    let (Some(small_memory), Some(large_memory)) =
        (small["peak_memory_bytes"].as_f64(), large["peak_memory_bytes"].as_f64())
    else {
        return; // No /proc on this platform: nothing to compare.
    };
    assert!(
        large_memory < 1.5 * small_memory + 8.0 * 1048576.0,
        "peak memory grew from {small_memory} to {large_memory} bytes with 60x the trials"
    );
}

/// Every chart is a valid PNG or SVG with one series per arm and real text.
#[test]
fn charts_are_valid_png_and_svg_with_a_series_per_arm() {
    let dir = WorkDir::new("charts");
    assert_success(&dir.run(&["run", &scenario("peter_principle.toml"), "--trials", "3", "--quiet"]));
    let results = dir.path.join("output/peter_principle");
    let arms = 8;
    let palette = attrition::output::charts::PALETTE;
    for stem in ["timeseries_efficiency", "timeseries_promotions", "comparison_efficiency_gain"] {
        let svg = fs::read_to_string(results.join(format!("{stem}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{stem}.svg is not an SVG document"
        );
        let texts: Vec<&str> =
            svg.split("<text").skip(1).map(|t| t.split('>').nth(1).unwrap_or("")).collect();
        assert!(texts.iter().any(|t| t.starts_with("Peter principle: ")), "{stem}: no title in words");
        assert!(texts.iter().filter(|t| !t.trim_start_matches("</text").trim().is_empty()).count() > 5);

        let decoder = png::Decoder::new(std::io::BufReader::new(
            fs::File::open(results.join(format!("{stem}.png"))).unwrap(),
        ));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!(info.width, 1200);
        assert!(info.height > 500, "{stem}.png is {} pixels high", info.height);
        let channels = info.line_size / info.width as usize;
        // Every arm's colour is drawn in a time series; a comparison is one ink,
        // its rows named.
        let colours = if stem.starts_with("comparison") { &palette[3..4] } else { &palette[..arms] };
        for colour in colours {
            let found = pixels.chunks(channels).any(|p| (p[0], p[1], p[2]) == (colour.0, colour.1, colour.2));
            assert!(found, "{stem}.png has no pixel of {colour:?}");
        }

        if stem.starts_with("timeseries") {
            // The lines are the strokes of many vertices (legend swatches have two).
            let lines = svg
                .split("<polyline")
                .skip(1)
                .filter_map(|p| Some((p, p.split("points=\"").nth(1)?.split('"').next()?)))
                .filter(|(_, points)| points.split_whitespace().count() > 2)
                .map(|(p, _)| p)
                .filter(|p| !p.contains("#E3E3E3") && !p.contains("#888888") && !p.contains("#444444"))
                .count();
            assert_eq!(lines, arms, "{stem}.svg: one line per arm");
            assert_eq!(
                svg.matches("<polygon opacity=\"0.13\"").count(),
                arms,
                "{stem}.svg: one band per arm"
            );
            for name in ["best, common sense", "alternate, Peter"] {
                assert!(texts.iter().any(|t| t.trim().starts_with(name)), "{stem}: legend lacks {name}");
            }
        } else {
            for name in ["best, common sense", "alternate, Peter", "baseline", "higher is better"] {
                assert!(texts.iter().any(|t| t.contains(name)), "{stem}: no {name:?}");
            }
        }
    }
}

/// A run that cannot fit in memory is refused before it starts, with the estimate.
#[test]
fn a_run_too_big_for_memory_is_refused_up_front() {
    let dir = WorkDir::new("memory");
    let text = fs::read_to_string(scenarios().join("peter_principle.toml"))
        .unwrap()
        .replace("steps = 1000", "steps = 100000");
    let path = dir.write("huge.toml", &text);
    let output = dir.run(&["run", path.to_str().unwrap(), "--max-memory", "1", "--threads", "2"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("needs an estimated") && stderr.contains("limit of 1.0 GiB"), "{stderr}");
    assert!(!dir.path.join("output").exists());
}

/// The header of `events.csv`.
const EVENT_HEADER: &str = "arm,trial,step,year,event,employee,level,level_name,grade,tenure,time_in_role,age,skill,leadership,\
                            engagement,performance_quintile,skill_quintile,reason,position,team,manager,entry_step,\
                            entry_year,entry_tenure,censored,performance,team_output_before,team_output_after";
/// The reasons a quit can be logged with.
const QUIT_REASONS: [&str; 9] = [
    "overhead",
    "credit",
    "manager",
    "misfit",
    "blocked_growth",
    "market_pull",
    "push",
    "poor_match",
    "baseline",
];
/// Trial metrics that only a scenario with `[dynamics]` reports.
const DYNAMICS_TRIAL_METRICS: [&str; 7] = [
    "voluntary_attrition",
    "regretted_attrition",
    "top_quintile_retained",
    "mean_productivity",
    "cumulative_output",
    "mean_engagement",
    "skill_lost",
];
/// Step metrics that only a scenario with `[dynamics]` reports.
const DYNAMICS_STEP_METRICS: [&str; 10] = [
    "productivity",
    "engagement",
    "manager_effectiveness",
    "overhead_top_decile",
    "overhead_rest",
    "credit_gap",
    "voluntary_quits",
    "regretted_quits",
    "grade_advancements",
    "skill_lost",
];

/// The header and rows of a CSV file.
fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = reader.records().map(Result::unwrap).collect();
    (header, rows)
}

/// The distinct values of one column of a CSV file.
fn column_values(path: &std::path::Path, column: &str) -> std::collections::BTreeSet<String> {
    let (header, rows) = read_csv(path);
    let index = header.iter().position(|c| c == column).unwrap_or_else(|| panic!("no column {column}"));
    rows.iter().map(|row| row[index].to_owned()).collect()
}

/// The files listed in a results directory's manifest.
fn manifest_files(results: &std::path::Path) -> Vec<String> {
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(results.join("manifest.json")).unwrap()).unwrap();
    manifest["files"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap().to_owned()).collect()
}

/// Runs the tech_org scenario, short, into `<dir>/<out>/tech_org`.
fn run_tech_org(dir: &WorkDir, out: &str, extra: &[&str]) -> std::path::PathBuf {
    let path = scenario("tech_org.toml");
    let mut args =
        vec!["run", &path, "--trials", "4", "--set", "simulation.steps=24", "--out", out, "--quiet"];
    args.extend_from_slice(extra);
    assert_success(&dir.run(&args));
    dir.path.join(out).join("tech_org")
}

/// `--events` writes the event log, listed in the manifest: hires, promotions, quits
/// with their reason, and the people still employed at the end. Without the flag
/// there is none, and the flag changes no other result.
#[test]
fn events_csv_is_written_only_with_the_flag_and_logs_every_kind_of_event() {
    let dir = WorkDir::new("events");
    let results = run_tech_org(&dir, "with", &["--events"]);
    let events = results.join("events.csv");
    let text = fs::read_to_string(&events).unwrap();
    assert_eq!(text.lines().next(), Some(EVENT_HEADER));

    let (header, rows) = read_csv(&events);
    let column = |name: &str| header.iter().position(|c| c == name).unwrap();
    let (arm, trial, step, event, reason) =
        (column("arm"), column("trial"), column("step"), column("event"), column("reason"));
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    let mut ends = std::collections::BTreeMap::<(&str, &str), usize>::new();
    for row in &rows {
        assert_eq!(row.len(), 28, "{row:?}");
        *kinds.entry(&row[event]).or_default() += 1;
        if &row[event] == "quit" {
            assert!(QUIT_REASONS.contains(&&row[reason]), "a quit without a known reason: {row:?}");
        } else if &row[event] == "dismissal" {
            // An involuntary separation says why; a dismissal on skill does not.
            assert!(["layoff", "performance", ""].contains(&&row[reason]), "{row:?}");
        } else {
            assert_eq!(&row[reason], "", "only quits and dismissals have a reason: {row:?}");
        }
        if &row[event] == "end" {
            assert_eq!(&row[step], "24", "{row:?}");
            *ends.entry((&row[arm], &row[trial])).or_default() += 1;
        }
    }
    for kind in ["start", "hire", "promotion", "quit", "end"] {
        assert!(kinds.get(kind).copied().unwrap_or(0) > 0, "no {kind} events: {kinds:?}");
    }
    // Everyone still employed is logged at the end of each of 6 arms x 4 trials, and
    // nobody beyond the 357 positions.
    assert_eq!(ends.len(), 6 * 4, "{ends:?}");
    assert!(ends.values().all(|&n| n > 300 && n <= 357), "{ends:?}");
    assert!(manifest_files(&results).iter().any(|f| f == "events.csv"));

    let without = run_tech_org(&dir, "without", &[]);
    assert!(!without.join("events.csv").exists(), "events.csv written without --events");
    assert!(!manifest_files(&without).iter().any(|f| f == "events.csv"));
    for file in &FILES[..4] {
        assert!(
            fs::read(results.join(file)).unwrap() == fs::read(without.join(file)).unwrap(),
            "{file} changes with --events"
        );
    }
}

/// The rows of an event log, plain or gzip-compressed, as maps from column to value.
fn read_events(path: &std::path::Path) -> Vec<std::collections::HashMap<String, String>> {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader: Box<dyn std::io::Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut reader = csv::Reader::from_reader(reader);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    reader
        .records()
        .map(|row| header.iter().cloned().zip(row.unwrap().iter().map(str::to_owned)).collect())
        .collect()
}

/// Survival analysis from the event log alone: every employment spell has exactly
/// one entry row (`start` for the people employed at the start, `hire` after),
/// first, and one closing row (an exit, or `end` when censored), last, with the
/// spell's entry time on every row and the censoring flag on the closing one. The
/// Kaplan–Meier survival of the initial top fifth by skill, estimated from those
/// spells, is each trial's `top_quintile_retained`.
#[test]
fn every_spell_is_entered_and_closed_once_and_kaplan_meier_gives_top_quintile_retained() {
    use std::collections::BTreeMap;
    let dir = WorkDir::new("spells");
    let results = run_tech_org(&dir, "output", &["--events-gzip", "--set", "simulation.steps=36"]);
    let rows = read_events(&results.join("events.csv.gz"));
    let mut spells = BTreeMap::<(String, u32, u64), Vec<&std::collections::HashMap<String, String>>>::new();
    for row in &rows {
        let key = (row["arm"].clone(), row["trial"].parse().unwrap(), row["employee"].parse().unwrap());
        spells.entry(key).or_default().push(row);
    }
    let entry_kinds = ["start", "hire"];
    let closing_kinds = ["quit", "dismissal", "retirement", "end"];
    for (key, spell) in &spells {
        let kinds: Vec<&str> = spell.iter().map(|row| row["event"].as_str()).collect();
        let entries = kinds.iter().filter(|k| entry_kinds.contains(k)).count();
        let closings = kinds.iter().filter(|k| closing_kinds.contains(k)).count();
        assert!(entries == 1 && entry_kinds.contains(&kinds[0]), "{key:?}: {kinds:?}");
        assert!(closings == 1 && closing_kinds.contains(kinds.last().unwrap()), "{key:?}: {kinds:?}");
        let first = spell[0];
        for row in spell {
            assert_eq!(row["entry_step"], first["step"], "{key:?}: the entry time is the entry row's step");
            assert_eq!(row["entry_tenure"], first["tenure"], "{key:?}");
            let censored = match row["event"].as_str() {
                "end" => "1",
                "quit" | "dismissal" | "retirement" => "0",
                _ => "",
            };
            assert_eq!(row["censored"], censored, "{key:?}: {row:?}");
        }
        if first["event"] == "start" {
            assert_eq!(first["step"], "0", "{key:?}: the snapshot is of the start");
        } else {
            assert_eq!(first["entry_tenure"], "0", "{key:?}: a hire enters with no tenure");
        }
    }

    let (header, trial_rows) = read_csv(&results.join("trials.csv"));
    let column = |name: &str| header.iter().position(|c| c == name).unwrap();
    let (arm_column, trial_column, retained_column) =
        (column("arm"), column("trial"), column("top_quintile_retained"));
    let mut some_left = false;
    for trial_row in &trial_rows {
        let (arm, trial) = (&trial_row[arm_column], trial_row[trial_column].parse::<u32>().unwrap());
        // The initial top fifth: the most skilled fifth (rounded up) of the people
        // employed at the start, ties to the lower id.
        let mut cohort: Vec<(f64, u64)> = spells
            .iter()
            .filter(|((a, t, _), spell)| a == arm && *t == trial && spell[0]["event"] == "start")
            .map(|((_, _, id), spell)| (spell[0]["skill"].parse().unwrap(), *id))
            .collect();
        assert_eq!(cohort.len(), 357, "{arm} {trial}: everyone is in the snapshot");
        cohort.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        cohort.truncate(357usize.div_ceil(5));
        // Kaplan–Meier: at each exit time, survival falls by the share of those
        // still at risk who leave; a censored spell leaves the risk set after it.
        let mut exits = BTreeMap::<u32, (u32, u32)>::new(); // step -> (exits, censored)
        for (_, id) in &cohort {
            let last = spells[&(arm.to_owned(), trial, *id)].last().unwrap();
            let entry = exits.entry(last["step"].parse().unwrap()).or_default();
            if last["censored"] == "1" { entry.1 += 1 } else { entry.0 += 1 }
        }
        let (mut at_risk, mut survival) = (cohort.len() as f64, 1.0);
        for (exited, censored) in exits.values() {
            survival *= 1.0 - f64::from(*exited) / at_risk;
            at_risk -= f64::from(exited + censored);
        }
        let reported: f64 = trial_row[retained_column].parse().unwrap();
        assert!(
            (survival - reported).abs() <= 5e-6 * reported.max(1e-3),
            "{arm} {trial}: KM {survival}, reported {reported}"
        );
        some_left |= survival < 1.0;
    }
    assert!(some_left, "nobody of the top fifth left in any trial: the check checked nothing");
}

/// `--events-gzip` writes `events.csv.gz`, the plain log compressed (gzip, which
/// pandas and R read directly), listed in the manifest, with the same bytes for
/// any thread count (no time or name in the gzip header).
#[test]
fn the_gzip_event_log_is_the_plain_one_compressed_and_the_same_for_any_thread_count() {
    let dir = WorkDir::new("events-gzip");
    let plain = run_tech_org(&dir, "plain", &["--events", "--threads", "2"]);
    let one = run_tech_org(&dir, "one", &["--events-gzip", "--threads", "1"]);
    let two = run_tech_org(&dir, "two", &["--events-gzip", "--threads", "2"]);
    assert!(!one.join("events.csv").exists(), "both logs written");
    let compressed = fs::read(one.join("events.csv.gz")).unwrap();
    assert_eq!(&compressed[..2], &[0x1f, 0x8b], "not gzip");
    assert_eq!(&compressed[4..8], &[0, 0, 0, 0], "a modification time in the gzip header");
    assert!(compressed == fs::read(two.join("events.csv.gz")).unwrap(), "differs between 1 and 2 threads");
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&compressed[..]), &mut text).unwrap();
    let plain_text = fs::read(plain.join("events.csv")).unwrap();
    assert!(text == plain_text, "the decompressed log differs from the plain one");
    assert!(compressed.len() * 3 < plain_text.len(), "{} of {} bytes", compressed.len(), plain_text.len());
    assert!(manifest_files(&one).iter().any(|f| f == "events.csv.gz"));
}

/// `--events-trials N` and `--events-arm NAME` log exactly the rows of those trials
/// and arms that the full log has, and change nothing else; an unknown arm is bad
/// input, refused before anything is written.
#[test]
fn the_event_log_can_be_limited_to_the_first_trials_and_chosen_arms() {
    let dir = WorkDir::new("events-subset");
    let full = run_tech_org(&dir, "full", &["--events"]);
    let subset = run_tech_org(
        &dir,
        "subset",
        &["--events-trials", "2", "--events-arm", "overhead rota", "--events-arm", "all three"],
    );
    let wanted = |row: &csv::StringRecord| ["overhead rota", "all three"].contains(&&row[0]) && &row[1] < "2";
    let (_, full_rows) = read_csv(&full.join("events.csv"));
    let (_, subset_rows) = read_csv(&subset.join("events.csv"));
    let expected: Vec<_> = full_rows.into_iter().filter(wanted).collect();
    assert!(!expected.is_empty());
    assert!(subset_rows == expected, "{} rows, expected {}", subset_rows.len(), expected.len());
    for file in &FILES[..4] {
        assert!(fs::read(full.join(file)).unwrap() == fs::read(subset.join(file)).unwrap(), "{file} changes");
    }

    let path = scenario("tech_org.toml");
    let output =
        dir.run(&["run", &path, "--trials", "2", "--events-arm", "overhead rot", "--out", "bad", "--quiet"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no arm is named \"overhead rot\"") && stderr.contains("overhead rota"),
        "{stderr}"
    );
    assert!(!dir.path.join("bad").exists(), "something was written");
}

/// A scenario with `[dynamics]` reports the attrition metrics; the plain
/// Peter-principle model reports none of them.
#[test]
fn dynamics_metrics_are_reported_only_with_dynamics() {
    let dir = WorkDir::new("dynamics-metrics");
    let results = run_tech_org(&dir, "output", &[]);
    let summary = column_values(&results.join("summary.csv"), "metric");
    let (trial_header, _) = read_csv(&results.join("trials.csv"));
    for metric in DYNAMICS_TRIAL_METRICS {
        assert!(summary.contains(metric), "tech_org summary.csv lacks {metric}: {summary:?}");
        assert!(trial_header.iter().any(|c| c == metric), "tech_org trials.csv lacks {metric}");
    }
    let timeseries = column_values(&results.join("timeseries.csv"), "metric");
    for metric in DYNAMICS_STEP_METRICS {
        assert!(timeseries.contains(metric), "tech_org timeseries.csv lacks {metric}: {timeseries:?}");
    }

    let peter = scenario("peter_principle.toml");
    assert_success(&dir.run(&["run", &peter, "--trials", "2", "--set", "simulation.steps=20", "--quiet"]));
    let results = dir.path.join("output/peter_principle");
    let summary = column_values(&results.join("summary.csv"), "metric");
    let (trial_header, _) = read_csv(&results.join("trials.csv"));
    assert!(summary.contains("efficiency_gain"), "{summary:?}");
    for metric in DYNAMICS_TRIAL_METRICS {
        assert!(!summary.contains(metric), "peter_principle summary.csv has {metric}");
        assert!(!trial_header.iter().any(|c| c == metric), "peter_principle trials.csv has {metric}");
    }
    let timeseries = column_values(&results.join("timeseries.csv"), "metric");
    assert!(timeseries.contains("efficiency"), "{timeseries:?}");
    for metric in DYNAMICS_STEP_METRICS {
        assert!(!timeseries.contains(metric), "peter_principle timeseries.csv has {metric}");
    }
}

/// With every mechanism on, the same seed still gives byte-identical files, the
/// event log included, for any thread count.
#[test]
fn dynamics_output_is_byte_identical_across_thread_counts() {
    let dir = WorkDir::new("determinism-dynamics");
    let path = scenario("tech_org.toml");
    for (out, threads) in [("one", "1"), ("two", "2")] {
        let args = [
            "run",
            &path,
            "--trials",
            "8",
            "--set",
            "simulation.steps=18",
            "--events",
            "--threads",
            threads,
            "--out",
            out,
            "--quiet",
        ];
        assert_success(&dir.run(&args));
    }
    for file in ["summary.csv", "trials.csv", "timeseries.csv", "events.csv"] {
        let read = |out: &str| fs::read(dir.path.join(out).join("tech_org").join(file)).unwrap();
        let reference = read("one");
        assert!(reference.len() > 1000, "{file} is nearly empty");
        assert!(reference == read("two"), "{file} differs between 1 and 2 threads");
    }
}

/// A lever whose mechanism is switched off is accepted with a warning naming both.
#[test]
fn a_lever_of_an_ablated_mechanism_warns_and_runs() {
    let dir = WorkDir::new("ablation");
    let path = scenario("overhead_tax.toml");
    let short = ["--trials", "2", "--set", "simulation.steps=6", "--quiet"];
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec!["run", path.as_str(), "--out", out];
        args.extend_from_slice(&short);
        args.extend_from_slice(extra);
        let output = dir.run(&args);
        assert_success(&output);
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let stderr = run("ablated", &["--set", "dynamics.overhead.enabled=false"]);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("has no effect") && line.contains("dynamics.overhead.enabled = false"))
        .collect();
    assert!(
        warnings.iter().any(|line| line.contains("arms.rota.overhead_allocation")),
        "no warning for the rota arm's overhead_allocation:\n{stderr}"
    );
    assert!(dir.path.join("ablated/overhead_tax/summary.csv").is_file());

    let stderr = run("intact", &[]);
    assert!(!stderr.contains("has no effect"), "a warning with overhead on:\n{stderr}");
}

/// One trial is "1 trial", in the run's table, the charts and `validate`; a run of
/// one trial (how a single trial is replayed) draws its charts, though its
/// intervals are undefined.
#[test]
fn one_trial_is_singular_and_its_charts_draw() {
    let dir = WorkDir::new("one-trial");
    let path = scenario("peter_principle.toml");
    let output = dir.run(&["run", &path, "--trials", "1", "--set", "simulation.steps=10", "--threads", "1"]);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("1 trial per arm, 10 steps") && stdout.contains("1 thread)"), "{stdout}");
    let svg =
        fs::read_to_string(dir.path.join("output/peter_principle/comparison_efficiency_gain.svg")).unwrap();
    assert!(svg.contains("; 1 trial;"), "{svg}");
    assert!(!svg.contains("1 trials"));

    let one = fs::read_to_string(&path).unwrap().replace("trials = 50", "trials = 1");
    let file = dir.write("one.toml", &one);
    let output = dir.run(&["validate", file.to_str().unwrap()]);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(", 1 trial)"), "{stdout}");
}

/// An SVG chart's text is the text itself: no newline before or after it, which
/// readers would select, copy and search along with it.
#[test]
fn svg_text_nodes_carry_no_surrounding_newlines() {
    let dir = WorkDir::new("svg-text");
    let output =
        dir.run(&["run", &scenario("peter_principle.toml"), "--trials", "3", "--set", "simulation.steps=10"]);
    assert_success(&output);
    let results = dir.path.join("output/peter_principle");
    let mut texts = 0;
    for entry in fs::read_dir(&results).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "svg") {
            continue;
        }
        let svg = fs::read_to_string(&path).unwrap();
        let document = roxmltree::Document::parse(&svg).expect("the chart is XML");
        for node in document.descendants().filter(|n| n.has_tag_name("text")) {
            let text = node.text().unwrap_or_default();
            assert_eq!(text, text.trim(), "{}: {text:?}", path.display());
            assert!(!text.is_empty(), "{}: an empty text node", path.display());
            texts += 1;
        }
    }
    assert!(texts > 20, "only {texts} text nodes");
}

#[test]
fn help_help_and_help_of_a_subcommand_work() {
    let dir = WorkDir::new("help-help");
    let output = dir.run(&["help", "--help"]);
    assert_success(&output);
    assert!(String::from_utf8_lossy(&output.stdout).contains("Usage: attrition help [COMMAND]"));
    let output = dir.run(&["help", "run"]);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Usage: attrition run") && stdout.contains("--sweep"), "{stdout}");
    let output = dir.run(&["help"]);
    assert_success(&output);
    assert!(String::from_utf8_lossy(&output.stdout).contains("Exit codes:"));
    let output = dir.run(&["help", "runn"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no subcommand \"runn\""));
}

/// A `--set` that is not `field=value` is named by its position, as a `--set` whose
/// value does not validate is.
#[test]
fn a_malformed_set_is_named_by_its_position() {
    let dir = WorkDir::new("set-position");
    let output =
        dir.run(&["run", &scenario("peter_principle.toml"), "--set", "simulation.steps=4", "--set", "steps"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error: --set #2 \"steps\" is not of the form field=value"), "{stderr}");
}

/// `check` tests one run: it has no sweep flags to list or accept, while `run` has
/// them.
#[test]
fn check_offers_no_sweep_flags() {
    let dir = WorkDir::new("check-help");
    let check = String::from_utf8_lossy(&dir.run(&["check", "--help"]).stdout).into_owned();
    assert!(check.contains("--no-sweep") && check.contains("--expect"), "{check}");
    assert!(!check.contains("--sweep ") && !check.contains("--sweep-trials"), "{check}");
    let run = String::from_utf8_lossy(&dir.run(&["run", "--help"]).stdout).into_owned();
    assert!(run.contains("--sweep <FIELD=V1,V2,...>") && run.contains("--sweep-trials"), "{run}");
    let output = dir.run(&[
        "check",
        &scenario("ci/peter_principle.toml"),
        "--expect",
        "x.toml",
        "--sweep",
        "workforce.dismissal_threshold=3,4",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unexpected argument '--sweep'"));
}

/// A reader that has gone away (`attrition run ... | head -1` once head has its
/// line) ends the terminal report quietly: no panic, the results written.
#[test]
fn a_closed_stdout_ends_the_report_without_a_panic() {
    use std::process::Stdio;
    let dir = WorkDir::new("closed-stdout");
    let mut child = dir
        .command(&["run", &scenario("ci/peter_principle.toml"), "--trials", "2", "--outputs", "csv"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before the run ends, so every line of the report meets a closed pipe.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(dir.path.join("output/ci_peter_principle/summary.csv").exists());
}

/// Flags that cannot do what they say are refused before anything runs: an
/// override of the whole `[arms]` table (it would add and remove arms), a shard of
/// a sweep with `[uncertainty]` (which `merge` could not fold) and a shard with
/// `--report` (a shard has no results to report).
#[test]
fn flags_that_cannot_do_what_they_say_are_refused_before_anything_runs() {
    let dir = WorkDir::new("refused-flags");
    let peter = scenario("peter_principle.toml");
    let refused = |output: std::process::Output, out: &str, words: &str| {
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains(words), "{output:?}");
        assert!(!dir.path.join(out).exists(), "{out} was written");
    };
    let arms = dir.run(&[
        "run",
        &peter,
        "--trials",
        "2",
        "--set",
        "simulation.steps=5",
        "--set",
        "arms={x={promotion=\"best\"},y={promotion=\"random\"}}",
        "--set",
        "simulation.baseline=\"x\"",
        "--out",
        "arms",
        "-q",
    ]);
    refused(arms, "arms", "not which arms there are");
    let uncertain = dir.write(
        "uncertain.toml",
        &(fs::read_to_string(&peter).unwrap()
            + "\n[uncertainty]\n\"workforce.dismissal_threshold\" = { uniform = [3.0, 5.0] }\n"),
    );
    let shard = dir.run(&[
        "run",
        uncertain.to_str().unwrap(),
        "--trials",
        "2",
        "--set",
        "simulation.steps=5",
        "--sweep",
        "policy.common_sense_change=0.5,1.0",
        "--shard",
        "0/1",
        "--out",
        "shard",
        "-q",
    ]);
    refused(shard, "shard", "a sweep with [uncertainty]");
    let report =
        dir.run(&["run", &peter, "--trials", "2", "--shard", "0/2", "--report", "--out", "report", "-q"]);
    refused(report, "report", "cannot be used with");
}
