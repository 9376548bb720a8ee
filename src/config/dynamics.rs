//! The validated `[dynamics]`: every mechanism's switch and parameters, with the
//! defaults of [`crate::scenario::RawDynamics`] filled in and per-step rates derived.

use serde::Serialize;

use super::{FieldProblem, ProblemKind};
use crate::scenario::RawDynamics;

/// The behavioural mechanisms. Each mechanism's parameters are documented on its
/// raw table in [`crate::scenario`]; the names are the same.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dynamics {
    /// Output.
    pub output: Output,
    /// Manager effect; `None` when switched off.
    pub manager: Option<Manager>,
    /// Role misfit; `None` when switched off.
    pub misfit: Option<Misfit>,
    /// Overhead; `None` when switched off.
    pub overhead: Option<Overhead>,
    /// Credit; `None` when switched off.
    pub credit: Option<Credit>,
    /// Engagement.
    pub engagement: Engagement,
    /// Grades and blocked growth; `None` when switched off.
    pub growth: Option<Growth>,
    /// Voluntary quits; `None` when switched off.
    pub quits: Option<Quits>,
    /// Job-match quality; `None` when switched off.
    pub match_quality: Option<MatchQuality>,
    /// Career stage; `None` when switched off.
    pub career_stage: Option<CareerStage>,
    /// Involuntary separations; `None` when switched off.
    pub separations: Option<Separations>,
}

/// `[dynamics.separations]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Separations {
    /// `ρ_0`, per year.
    pub rate: f64,
    /// `θ_s`, log rate per sd below the level mean.
    pub performance_weight: f64,
}

/// `[dynamics.match_quality]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MatchQuality {
    /// `θ_q`.
    pub hazard_weight: f64,
    /// `τ`, years.
    pub learning_time: f64,
}

/// `[dynamics.career_stage]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CareerStage {
    /// `θ_a`, per year of age.
    pub age_weight: f64,
    /// `a_0`, years.
    pub pivot_age: f64,
}

/// `[dynamics.output]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Output {
    /// How much output depends on engagement.
    pub engagement_weight: f64,
}

/// `[dynamics.manager]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Manager {
    /// Output multiplier slope β.
    pub output_weight: f64,
    /// Engagement weight w_manager.
    pub engagement_weight: f64,
}

/// `[dynamics.misfit]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Misfit {
    /// Leadership below which a manager misfits.
    pub threshold: f64,
    /// Engagement weight w_misfit.
    pub engagement_weight: f64,
    /// Log-hazard weight θ_misfit.
    pub hazard_weight: f64,
}

/// `[dynamics.overhead]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Overhead {
    /// Team load H.
    pub load: f64,
    /// Concentration γ of `competence_weighted`.
    pub concentration: f64,
    /// Cap on a person's share.
    pub max_share: f64,
    /// Share tolerated without stress.
    pub tolerance: f64,
    /// Engagement weight w_overhead.
    pub engagement_weight: f64,
}

/// `[dynamics.credit]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Credit {
    /// The manager's share of misattributed credit.
    pub manager_take: f64,
    /// Mean age of the recognition average, years.
    pub memory: f64,
    /// Engagement weight w_credit.
    pub engagement_weight: f64,
}

/// `[dynamics.engagement]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Engagement {
    /// Whether engagement moves at all.
    pub enabled: bool,
    /// Target with no stressors, and the mean at hire.
    pub baseline: f64,
    /// Standard deviation at hire.
    pub spread: f64,
    /// Adjustment rate κ per year.
    pub adjustment_rate: f64,
    /// Noise standard deviation per year.
    pub noise: f64,
    /// One-off lift on advancement.
    pub advancement_lift: f64,
}

/// `[dynamics.growth]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Growth {
    /// Fewest years between grade advancements.
    pub interval: f64,
    /// Advancement rate of the eligible, per year.
    pub rate: f64,
    /// Lowest eligible performance percentile.
    pub percentile: f64,
    /// Years without advancement before growth feels blocked.
    pub patience: f64,
    /// Engagement weight w_growth.
    pub engagement_weight: f64,
}

/// `[dynamics.quits]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quits {
    /// Base hazard λ_0 per year.
    pub base_rate: f64,
    /// θ_e.
    pub engagement_sensitivity: f64,
    /// θ_m.
    pub market_pull: f64,
    /// θ_push.
    pub push: f64,
}

/// Checks `raw`, recording every problem; the result is meaningful only when no
/// problem was recorded.
pub(super) fn validate_dynamics(raw: &RawDynamics, problems: &mut Vec<FieldProblem>) -> Dynamics {
    let mut check = |table: &str, name: &str, value: Option<f64>, default: f64, low: f64, high: f64| {
        let value = value.unwrap_or(default);
        let inside = value.is_finite() && (low..=high).contains(&value);
        if !inside {
            problems.push(FieldProblem::new(
                ProblemKind::OutOfRange,
                format!("dynamics.{table}.{name}"),
                format!("{value} is outside [{low}, {high}]"),
            ));
        }
        value
    };
    // An open bound is checked as closed and then refused at the bound below.
    let output = Output {
        engagement_weight: check("output", "engagement_weight", raw.output.engagement_weight, 0.5, 0.0, 1.0),
    };
    let m = &raw.manager;
    let manager = Manager {
        output_weight: check("manager", "output_weight", m.output_weight, 0.3, 0.0, 2.0),
        engagement_weight: check("manager", "engagement_weight", m.engagement_weight, 0.4, 0.0, 2.0),
    };
    let f = &raw.misfit;
    let misfit = Misfit {
        threshold: check("misfit", "threshold", f.threshold, 0.5, 1e-9, 1.0),
        engagement_weight: check("misfit", "engagement_weight", f.engagement_weight, 0.3, 0.0, 2.0),
        hazard_weight: check("misfit", "hazard_weight", f.hazard_weight, 0.7, 0.0, 10.0),
    };
    let o = &raw.overhead;
    let overhead = Overhead {
        load: check("overhead", "load", o.load, 0.077, 0.0, 0.9),
        concentration: check("overhead", "concentration", o.concentration, 9.8, 0.0, 20.0),
        max_share: check("overhead", "max_share", o.max_share, 0.8, 1e-9, 1.0),
        tolerance: check("overhead", "tolerance", o.tolerance, 0.15, 0.0, 1.0),
        engagement_weight: check("overhead", "engagement_weight", o.engagement_weight, 1.0, 0.0, 5.0),
    };
    let c = &raw.credit;
    let credit = Credit {
        manager_take: check("credit", "manager_take", c.manager_take, 0.5, 0.0, 1.0),
        memory: check("credit", "memory", c.memory, 1.0, 1e-9, 10.0),
        engagement_weight: check("credit", "engagement_weight", c.engagement_weight, 0.3, 0.0, 5.0),
    };
    let e = &raw.engagement;
    let engagement = Engagement {
        enabled: e.enabled.unwrap_or(true),
        baseline: check("engagement", "baseline", e.baseline, 0.7, 0.0, 1.0),
        spread: check("engagement", "spread", e.spread, 0.1, 0.0, 0.5),
        adjustment_rate: check("engagement", "adjustment_rate", e.adjustment_rate, 2.0, 1e-9, 100.0),
        noise: check("engagement", "noise", e.noise, 0.1, 0.0, 1.0),
        advancement_lift: check("engagement", "advancement_lift", e.advancement_lift, 0.1, 0.0, 1.0),
    };
    let g = &raw.growth;
    let growth = Growth {
        interval: check("growth", "interval", g.interval, 2.0, 0.0, 50.0),
        rate: check("growth", "rate", g.rate, 0.7, 0.0, 100.0),
        percentile: check("growth", "percentile", g.percentile, 0.5, 0.0, 1.0),
        patience: check("growth", "patience", g.patience, 2.0, 1e-9, 50.0),
        engagement_weight: check("growth", "engagement_weight", g.engagement_weight, 0.4, 0.0, 2.0),
    };
    let q = &raw.quits;
    let quits = Quits {
        base_rate: check("quits", "base_rate", q.base_rate, 0.116, 0.0, 10.0),
        engagement_sensitivity: check(
            "quits",
            "engagement_sensitivity",
            q.engagement_sensitivity,
            4.0,
            0.0,
            50.0,
        ),
        market_pull: check("quits", "market_pull", q.market_pull, 0.4, 0.0, 10.0),
        push: check("quits", "push", q.push, 0.25, 0.0, 10.0),
    };
    let mq = &raw.match_quality;
    let match_quality = MatchQuality {
        hazard_weight: check("match_quality", "hazard_weight", mq.hazard_weight, 2.2, 0.0, 10.0),
        learning_time: check("match_quality", "learning_time", mq.learning_time, 0.1, 1e-9, 50.0),
    };
    let cs = &raw.career_stage;
    let career_stage = CareerStage {
        age_weight: check("career_stage", "age_weight", cs.age_weight, 0.03, 0.0, 1.0),
        pivot_age: check("career_stage", "pivot_age", cs.pivot_age, 25.0, 0.0, 100.0),
    };
    let sp = &raw.separations;
    let separations = Separations {
        rate: check("separations", "rate", sp.rate, 0.068, 0.0, 5.0),
        performance_weight: check("separations", "performance_weight", sp.performance_weight, 0.5, 0.0, 10.0),
    };
    let on = |enabled: Option<bool>| enabled.unwrap_or(true);
    Dynamics {
        output,
        manager: on(m.enabled).then_some(manager),
        misfit: on(f.enabled).then_some(misfit),
        overhead: on(o.enabled).then_some(overhead),
        credit: on(c.enabled).then_some(credit),
        engagement,
        growth: on(g.enabled).then_some(growth),
        quits: on(q.enabled).then_some(quits),
        match_quality: on(mq.enabled).then_some(match_quality),
        career_stage: on(cs.enabled).then_some(career_stage),
        separations: on(sp.enabled).then_some(separations),
    }
}
