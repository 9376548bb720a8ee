//! Criterion benchmarks of the engine, reported in agent-steps per second
//! (criterion's "elements" are agent-steps here).
//!
//! `cargo bench` runs them. The whole-process figure users quote comes from
//! `attrition bench`, which also writes every output file.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use attrition::config::{Config, parse};
use attrition::metrics::{STEP_METRICS, StepRow};
use attrition::model::workforce::Workforce;
use attrition::model::{Trial, World, run_arm};

fn peter_principle() -> Config {
    parse(include_str!("../scenarios/peter_principle.toml"), Path::new("peter_principle.toml")).unwrap()
}

/// One step of the 160-position Pluchino organisation, per arm.
fn one_step(c: &mut Criterion) {
    let config = peter_principle();
    let world = World::new(&config);
    let mut initial = Workforce::vacant(&world.org);
    world.draw_initial_workforce(1, &mut initial);
    let mut group = c.benchmark_group("step");
    group.throughput(Throughput::Elements(config.positions()));
    for arm in &config.arms {
        let mut workforce = Workforce::vacant(&world.org);
        let mut trial = Trial::start(&world, arm, 1, &initial, &mut workforce, None);
        // Past the initial transient, into the steady state the benchmark measures.
        for _ in 0..100 {
            trial.step();
        }
        group.bench_function(arm.name.as_str(), |b| b.iter(|| black_box(trial.step())));
    }
    group.finish();
}

/// One step of the 100,000-position organisation, per arm.
fn one_step_at_scale(c: &mut Criterion) {
    let config = parse(include_str!("../scenarios/large_org.toml"), Path::new("large_org.toml")).unwrap();
    let world = World::new(&config);
    let mut initial = Workforce::vacant(&world.org);
    world.draw_initial_workforce(1, &mut initial);
    let mut group = c.benchmark_group("step, 100,000 positions");
    group.sample_size(20);
    group.throughput(Throughput::Elements(config.positions()));
    for arm in &config.arms {
        let mut workforce = Workforce::vacant(&world.org);
        let mut trial = Trial::start(&world, arm, 1, &initial, &mut workforce, None);
        for _ in 0..40 {
            trial.step();
        }
        group.bench_function(arm.name.as_str(), |b| b.iter(|| black_box(trial.step())));
    }
    group.finish();
}

/// One whole trial of every arm of `config`, as the runner runs it (without its
/// aggregation or any output), a new trial seed per iteration.
fn bench_whole_trial(c: &mut Criterion, config: &Config, name: &str) {
    let world = World::new(config);
    let mut initial = Workforce::vacant(&world.org);
    let mut workforce = Workforce::vacant(&world.org);
    let mut series: Vec<StepRow> = vec![[0.0; STEP_METRICS]; config.steps as usize + 1];
    let mut group = c.benchmark_group("trial");
    group.sample_size(20);
    group.throughput(Throughput::Elements(
        config.positions() * u64::from(config.steps) * config.arms.len() as u64,
    ));
    let mut seed = 0u64;
    group.bench_function(name, |b| {
        b.iter(|| {
            seed += 1;
            world.draw_initial_workforce(seed, &mut initial);
            for arm in &config.arms {
                run_arm(&world, arm, seed, &initial, &mut workforce, &mut series, None);
            }
            black_box(series[config.steps as usize])
        })
    });
    group.finish();
}

/// The Peter-principle benchmark: 1000 yearly steps of all 8 arms.
fn whole_trial(c: &mut Criterion) {
    bench_whole_trial(c, &peter_principle(), "peter_principle, all 8 arms");
}

/// The engineering department: 60 monthly steps of all 6 arms, every behavioural
/// mechanism on.
fn whole_trial_with_dynamics(c: &mut Criterion) {
    let config = parse(include_str!("../scenarios/tech_org.toml"), Path::new("tech_org.toml")).unwrap();
    bench_whole_trial(c, &config, "tech_org, all 6 arms");
}

criterion_group!(benches, one_step, one_step_at_scale, whole_trial, whole_trial_with_dynamics);
criterion_main!(benches);
