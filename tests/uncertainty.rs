//! `[uncertainty]` through the real binary: every arm of a trial runs at the same
//! parameter draw (seen in trials.csv), the same seed gives the same files for any
//! thread count, and the spread across draws in uncertainty.csv is what the
//! per-trial rows say.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use common::{WorkDir, assert_success, csv_rows, scenario};

/// The CI tech_org scenario with `[uncertainty]` added and `replications` trials
/// per draw, written into `dir`.
fn uncertain_tech(dir: &WorkDir, name: &str, replications: u32, entries: &str) -> String {
    let text = fs::read_to_string(scenario("ci/tech_org.toml")).unwrap();
    let text = text.replacen("[simulation]\n", &format!("[simulation]\nreplications = {replications}\n"), 1);
    let path = dir.write(name, &format!("{text}\n[uncertainty]\n{entries}"));
    path.display().to_string()
}

/// A short run: two years of burn-in, a year measured.
const SHORT: [&str; 4] = ["--set", "simulation.burn_in=2", "--set", "simulation.steps=12"];

fn files(directory: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().unwrap() != "manifest.json")
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), fs::read(&path).unwrap()))
        .collect()
}

#[test]
fn every_arm_of_a_trial_shares_its_draw_and_threads_change_nothing() {
    let dir = WorkDir::new("uncertainty-threads");
    let entries = "\"dynamics.overhead.load\" = { uniform = [0.05, 0.3] }\n\
                   \"dynamics.quits.engagement_sensitivity\" = { triangular = [2.0, 4.0, 6.0] }\n";
    let path = uncertain_tech(&dir, "u.toml", 2, entries);
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let mut args =
            vec!["run", &path, "--trials", "6", "--outputs", "csv", "--threads", threads, "--out", threads];
        args.extend(SHORT);
        let ran = dir.run(&args);
        assert_success(&ran);
        let stdout = String::from_utf8_lossy(&ran.stdout);
        assert!(stdout.contains("parameter uncertainty: 3 draws × 2 trials"), "{stdout}");
        assert!(stdout.contains("too few draws to judge"), "{stdout}");
        outputs.push(files(&dir.path.join(threads).join("ci_tech_org")));
    }
    assert!(outputs[0] == outputs[1], "the files differ between 1 and 2 threads");
    assert!(outputs[0].contains_key("uncertainty.csv"));

    let rows = csv_rows(&dir.path.join("1/ci_tech_org/trials.csv"));
    assert_eq!(rows.len(), 6 * 6);
    let mut by_draw: BTreeMap<String, (String, String)> = BTreeMap::new();
    for trial in 0..6u64 {
        let arms: Vec<_> = rows.iter().filter(|row| row["trial"] == trial.to_string()).collect();
        assert_eq!(arms.len(), 6);
        let draw = &arms[0]["draw"];
        assert_eq!(draw, &(trial / 2).to_string());
        let values = (
            arms[0]["dynamics.overhead.load"].clone(),
            arms[0]["dynamics.quits.engagement_sensitivity"].clone(),
        );
        for arm in &arms {
            assert_eq!(&arm["draw"], draw);
            assert_eq!(
                (arm["dynamics.overhead.load"].clone(), arm["dynamics.quits.engagement_sensitivity"].clone()),
                values
            );
        }
        let load: f64 = values.0.parse().unwrap();
        assert!((0.05..0.3).contains(&load), "{load}");
        // Both replications of a draw have its values.
        assert_eq!(by_draw.entry(draw.clone()).or_insert_with(|| values.clone()), &values);
    }
    assert_eq!(by_draw.len(), 3);
    assert!(by_draw.values().collect::<std::collections::BTreeSet<_>>().len() == 3, "{by_draw:?}");
    let manifest = fs::read_to_string(dir.path.join("1/ci_tech_org/manifest.json")).unwrap();
    assert!(manifest.contains("\"uncertainty\"") && manifest.contains("\"triangular\""), "{manifest}");
}

/// A parameter the model cannot read (of a switched-off mechanism) changes no
/// trial, and the shares of draws in uncertainty.csv are those of the per-draw
/// means of the rows: for a lever with a clear effect, every draw.
#[test]
fn a_parameter_the_model_cannot_read_leaves_the_rows_and_the_ranking() {
    let dir = WorkDir::new("uncertainty-inert");
    let entries = "\"dynamics.misfit.threshold\" = { uniform = [0.3, 0.7] }\n";
    let path = uncertain_tech(&dir, "u.toml", 4, entries);
    let off = ["--set", "dynamics.misfit.enabled=false"];
    let mut args = vec!["run", &path, "--trials", "24", "--outputs", "csv", "-q", "--out", "uncertain"];
    args.extend(SHORT);
    args.extend(off);
    assert_success(&dir.run(&args));
    let plain = scenario("ci/tech_org.toml");
    let mut args = vec!["run", &plain, "--trials", "24", "--outputs", "csv", "-q", "--out", "plain"];
    args.extend(SHORT);
    args.extend(off);
    assert_success(&dir.run(&args));

    let uncertain = csv_rows(&dir.path.join("uncertain/ci_tech_org/trials.csv"));
    let plain = csv_rows(&dir.path.join("plain/ci_tech_org/trials.csv"));
    assert_eq!(uncertain.len(), plain.len());
    for (u, p) in uncertain.iter().zip(&plain) {
        let mut u = u.clone();
        u.remove("draw");
        u.remove("dynamics.misfit.threshold");
        assert_eq!(&u, p);
    }

    // The share of draws in which each arm beats the baseline, from the rows.
    let metric = "regretted_attrition";
    let value = |arm: &str, trial: usize| -> f64 {
        plain.iter().find(|r| r["arm"] == arm && r["trial"] == trial.to_string()).unwrap()[metric]
            .parse()
            .unwrap()
    };
    let table = csv_rows(&dir.path.join("uncertain/ci_tech_org/uncertainty.csv"));
    let statistic = |arm: &str, name: &str| -> f64 {
        table
            .iter()
            .find(|r| r["arm"] == arm && r["quantity"] == "difference" && r["statistic"] == name)
            .unwrap()["estimate"]
            .parse()
            .unwrap()
    };
    for arm in ["overhead rota", "accurate credit", "assessed leaders", "dual track", "all three"] {
        let means: Vec<f64> = (0..6)
            .map(|draw| {
                (0..4).map(|r| value(arm, 4 * draw + r) - value("common practice", 4 * draw + r)).sum::<f64>()
                    / 4.0
            })
            .collect();
        // Regretted attrition: lower is better. trials.csv writes six significant
        // digits, so a draw whose mean rebuilt from it lies within that rounding of
        // 0 may fall either way: the share lies between the draws clearly better
        // and those clearly better or tied.
        let rounding = 1e-6;
        let clearly = means.iter().filter(|&&m| m < -rounding).count() as f64 / 6.0;
        let at_most = means.iter().filter(|&&m| m < rounding).count() as f64 / 6.0;
        let share = statistic(arm, "share_better");
        // uncertainty.csv writes six significant digits.
        assert!(share > clearly - 1e-5 && share < at_most + 1e-5, "{arm}: {share} of {means:?}");
    }
    // All three levers together lose fewer of the best in every draw.
    assert_eq!(statistic("all three", "share_better"), 1.0);
    assert_eq!(statistic("all three", "draws"), 6.0);
}

/// A sweep with `[uncertainty]` is refused: its tables have no place for the spread.
#[test]
fn a_sweep_with_uncertainty_is_refused() {
    let dir = WorkDir::new("uncertainty-refused");
    let path = uncertain_tech(&dir, "u.toml", 1, "\"dynamics.overhead.load\" = { uniform = [0.05, 0.3] }\n");
    let swept = dir.run(&["run", &path, "--sweep", "dynamics.overhead.tolerance=0.1,0.2", "--trials", "2"]);
    assert_eq!(swept.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&swept.stderr).contains("a sweep with [uncertainty] is not supported"));
    assert!(!dir.path.join("output").exists());
}

/// `--set` of a field that `[uncertainty]` draws would be replaced by every draw:
/// refused, naming the flag.
#[test]
fn setting_an_uncertain_field_is_refused() {
    let dir = WorkDir::new("uncertainty-set");
    let path = uncertain_tech(&dir, "u.toml", 1, "\"dynamics.overhead.load\" = { uniform = [0.05, 0.3] }\n");
    let refused = dir.run(&["run", &path, "--set", "dynamics.overhead.load=0.2", "--trials", "2"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("inconsistent: dynamics.overhead.load: --set #1"), "{stderr}");
    assert!(!dir.path.join("output").exists());
}

#[test]
fn the_report_shows_each_arms_spread_and_the_terminals_verdict() {
    let dir = WorkDir::new("uncertainty-report");
    let path = uncertain_tech(&dir, "u.toml", 2, "\"dynamics.overhead.load\" = { uniform = [0.05, 0.3] }\n");
    let mut args = vec!["run", &path, "--trials", "4", "--report", "--out", "out"];
    args.extend(SHORT);
    let ran = dir.run(&args);
    assert_success(&ran);
    let stdout = String::from_utf8_lossy(&ran.stdout);
    let html = fs::read_to_string(dir.path.join("out/ci_tech_org/report.html")).unwrap();
    let section = html.split("<section id=\"uncertainty\">").nth(1).expect("an uncertainty section");
    let section = section.split("</section>").next().unwrap();
    assert!(section.contains("dynamics.overhead.load</code>: uniform [0.05, 0.3]"), "{section}");
    assert!(section.contains("2 draws, each run for 2 trials"), "{section}");
    assert_eq!(section.matches("<tr class=\"arm-row").count(), 6, "a row per arm: {section}");
    let verdicts: Vec<&str> = section
        .split("<td>")
        .skip(1)
        .map(|cell| cell.split("</td>").next().unwrap())
        .filter(|cell| cell.contains("draws"))
        .collect();
    assert_eq!(verdicts.len(), 5, "a verdict per arm but the baseline: {section}");
    for verdict in verdicts {
        assert!(
            stdout.contains(verdict),
            "the report's verdict {verdict:?} is not the terminal's:\n{stdout}"
        );
    }
}
