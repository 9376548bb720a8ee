//! `bench --compare OLD.json`: each workload's rate against an old record's, the
//! differences of machine that make the ratio doubtful, and the regression gate.

use super::record::{BenchRecord, Ratio, WorkloadResult};

/// Why an old record cannot be compared with this run.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum Mismatch {
    #[error("the old record has workload {0:?}, which this run does not measure")]
    MissingWorkload(String),
    #[error(
        "workload {name:?} was {old} agent-steps in the old record but is {new} here: the same --trials and \
         --set are needed for a comparison"
    )]
    OtherWork { name: String, old: u64, new: u64 },
}

/// Checks, before anything runs, that every workload of `old` is in this run and is
/// the same work: `planned` names each workload of this run with its agent-steps.
pub fn check_comparable(old: &BenchRecord, planned: &[(String, u64)]) -> Result<(), Mismatch> {
    for before in &old.workloads {
        let Some((_, agent_steps)) = planned.iter().find(|(name, _)| *name == before.workload) else {
            return Err(Mismatch::MissingWorkload(before.workload.clone()));
        };
        if *agent_steps != before.agent_steps {
            return Err(Mismatch::OtherWork {
                name: before.workload.clone(),
                old: before.agent_steps,
                new: *agent_steps,
            });
        }
    }
    Ok(())
}

/// Each workload of this run against the old record's same workload.
pub fn ratios(old: &BenchRecord, new: &[WorkloadResult]) -> Vec<Ratio> {
    new.iter()
        .map(|now| {
            let before = old.workloads.iter().find(|w| w.workload == now.workload);
            let old_rate = before.map(|w| w.agent_steps_per_second);
            Ratio {
                workload: now.workload.clone(),
                old_agent_steps_per_second: old_rate,
                new_agent_steps_per_second: now.agent_steps_per_second,
                ratio: old_rate.map(|old_rate| now.agent_steps_per_second / old_rate),
            }
        })
        .collect()
}

/// What differs between the two records' conditions and so weakens the ratios.
pub fn warnings(old: &BenchRecord, new: &BenchRecord) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut differs = |what: &str, old: String, new: String| {
        if old != new {
            warnings.push(format!("the {what} differs: {old} in the old record, {new} now"));
        }
    };
    differs("CPU model", old.cpu_model.clone(), new.cpu_model.clone());
    differs("thread count", old.threads.to_string(), new.threads.to_string());
    differs("logical core count", old.logical_cores.to_string(), new.logical_cores.to_string());
    differs("build profile", old.profile.clone(), new.profile.clone());
    warnings
}

/// The workloads whose ratio is below `threshold`, as "name (ratio)".
pub fn below(ratios: &[Ratio], threshold: f64) -> Vec<String> {
    ratios
        .iter()
        .filter_map(|r| {
            r.ratio.filter(|ratio| *ratio < threshold).map(|ratio| format!("{} ({ratio:.3})", r.workload))
        })
        .collect()
}

/// The comparison as a table.
pub fn print_table(ratios: &[Ratio]) {
    println!("{:<18} {:>20} {:>20} {:>9}", "workload", "old agent-steps/s", "new agent-steps/s", "new/old");
    for r in ratios {
        let old =
            r.old_agent_steps_per_second.map_or_else(|| "-".to_owned(), |old| format!("{:.1} M", old / 1e6));
        let ratio = r.ratio.map_or_else(|| "new".to_owned(), |ratio| format!("{ratio:.3}"));
        println!(
            "{:<18} {:>20} {:>20} {:>9}",
            r.workload,
            old,
            format!("{:.1} M", r.new_agent_steps_per_second / 1e6),
            ratio
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(workload: &str, agent_steps: u64, rate: f64) -> WorkloadResult {
        WorkloadResult {
            workload: workload.to_owned(),
            scenario: workload.to_owned(),
            positions: 1,
            steps: 1,
            burn_in_steps: 0,
            trials: 1,
            arms: 1,
            threads: 2,
            repetitions: 1,
            seconds_each: vec![agent_steps as f64 / rate],
            seconds: agent_steps as f64 / rate,
            agent_steps,
            agent_steps_per_second: rate,
            trials_per_second: 1.0,
            peak_memory_bytes: None,
        }
    }

    #[test]
    fn a_workload_missing_from_this_run_or_of_other_work_is_refused() {
        let old = BenchRecord::new(vec![result("a", 100, 1e6), result("b", 200, 1e6)]);
        let planned = |b_steps| vec![("a".to_owned(), 100), ("b".to_owned(), b_steps), ("c".to_owned(), 5)];
        assert_eq!(check_comparable(&old, &planned(200)), Ok(()));
        assert_eq!(
            check_comparable(&old, &planned(201)),
            Err(Mismatch::OtherWork { name: "b".to_owned(), old: 200, new: 201 })
        );
        assert_eq!(
            check_comparable(&old, &[("a".to_owned(), 100)]),
            Err(Mismatch::MissingWorkload("b".to_owned()))
        );
    }

    #[test]
    fn ratios_are_new_over_old_and_the_gate_names_the_slow_ones() {
        let old = BenchRecord::new(vec![result("a", 100, 2e6), result("b", 100, 1e6)]);
        let new = [result("a", 100, 1e6), result("b", 100, 1.5e6), result("c", 100, 1e6)];
        let ratios = ratios(&old, &new);
        let values: Vec<Option<f64>> = ratios.iter().map(|r| r.ratio).collect();
        assert_eq!(values, [Some(0.5), Some(1.5), None]);
        assert_eq!(below(&ratios, 0.9), ["a (0.500)"]);
        assert!(below(&ratios, 0.5).is_empty(), "a ratio equal to the threshold passes");
    }

    #[test]
    fn a_different_machine_is_warned_about() {
        let old = BenchRecord::new(Vec::new());
        let mut new = old.clone();
        assert!(warnings(&old, &new).is_empty());
        new.cpu_model = "another processor".to_owned();
        new.threads += 1;
        let warnings = warnings(&old, &new);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("CPU model") && warnings[1].contains("thread count"));
    }
}
