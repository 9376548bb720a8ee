//! Criterion benchmark of the live what-if page's latency on `tech_org` at its own
//! trial count: the time from a person's change to the page's first update, and to
//! the whole run, through the same [`Live`] runs the page's requests make (without
//! HTTP, whose cost is not the question).
//!
//! `cargo bench --bench serve` runs it. Before timing, the scenario's own values run
//! to the end (as when the page first opens), so the arms a change does not touch
//! are already there. Each timed change is a value not seen before (a slider moved
//! once more), so nothing timed comes from the cache of its own arm. A last case
//! opens the scenario with `burn_in_levers = "baseline"`, whose changes to one arm
//! go on from the kept burn-ins.

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};

use attrition::config::overrides::parse_set;
use attrition::config::{Config, parse, parse_with};
use attrition::serve::live::Status;
use attrition::serve::{Live, Scenario};

const FILE: &str = "scenarios/tech_org.toml";
const TEXT: &str = include_str!("../scenarios/tech_org.toml");

/// `tech_org` with every arm going on from the baseline's burn-in (the line the
/// scenario carries as a comment).
fn shared_text() -> String {
    let shared = TEXT.replace("# burn_in_levers = \"baseline\"", "burn_in_levers = \"baseline\"");
    assert_ne!(shared, TEXT, "the scenario names the option");
    shared
}

/// `text` (a `tech_org`) with `field` set to `value`.
fn with(text: &str, field: &str, value: f64) -> Config {
    let change = parse_set(&format!("{field}={value}")).expect("a field `--set` takes");
    parse_with(text, Path::new(FILE), &[change]).expect("a valid change")
}

/// How far to follow a run.
#[derive(Clone, Copy)]
enum Until {
    FirstUpdate,
    Done,
}

/// Requests `config` and waits for its first update or its end.
fn time_change(live: &Live, config: Config, until: Until) -> Duration {
    let started = Instant::now();
    let id = live.request(config, String::new(), Vec::new());
    // Waits for each update after the last seen (waiting "after 0" again would
    // return at once and spin, taking a core from the run it times).
    let mut seen = 0;
    loop {
        let record = live.wait(id, seen, Duration::from_secs(3600)).expect("the run is kept");
        seen = record.latest.as_ref().map_or(seen, |update| update.seq);
        match (until, &record.status) {
            (Until::FirstUpdate, _) if record.latest.is_some() => return started.elapsed(),
            (_, Status::Done) => return started.elapsed(),
            (_, Status::Failed(message)) => panic!("the run failed: {message}"),
            (_, Status::Cancelled) => panic!("the run was cancelled"),
            _ => {}
        }
    }
}

/// A page opened on `text`, its own values run to the end.
fn opened(text: &str) -> std::sync::Arc<Live> {
    let scenario =
        Scenario { file: FILE.into(), text: text.to_owned(), trials: None, seed: None, threads: None };
    let live = Live::start(scenario);
    time_change(&live, parse(text, Path::new(FILE)).expect("tech_org is valid"), Until::Done);
    live
}

fn latency(c: &mut Criterion) {
    let own = opened(TEXT);
    let shared_text = shared_text();
    let shared = opened(&shared_text);
    let mut group = c.benchmark_group("serve tech_org");
    // Ten changes a case, one at a time: each is seconds long, and criterion's default
    // target time would only warn.
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_millis(1));
    let mut moves = 0u32;
    let credit = r#"arms."accurate credit".credit_accuracy"#;
    let cases = [
        // One arm's lever: that arm re-runs, the other five come from the page's cache.
        ("one arm, first update", &own, TEXT, credit, 0.9, Until::FirstUpdate),
        ("one arm, every trial", &own, TEXT, credit, 0.9, Until::Done),
        // A lever of every arm: all six re-run.
        ("every arm, first update", &own, TEXT, "dynamics.quits.base_rate", 0.12, Until::FirstUpdate),
        // Under a shared burn-in the arm goes on from the kept burn-ins: only its
        // measured steps run.
        ("shared burn-in, one arm, every trial", &shared, &shared_text, credit, 0.9, Until::Done),
    ];
    for (name, live, text, field, around, until) in cases {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        moves += 1;
                        // A value near the scenario's, new each time.
                        let value = around + 1e-6 * f64::from(moves);
                        time_change(live, with(text, field, value), until)
                    })
                    .sum()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, latency);
criterion_main!(benches);
