//! The report's page: its sections in the order a client reads them.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::chart::{self, Glyphs, IntervalChart, Line, LineChart, Row, Scene, XAxis};
use crate::metrics::{Direction, TrialMetric};

use super::reference;
use super::results::{Kind, Results, SensitivityRow, SweepRow};

/// The report's style sheet (the live page's frame has it too).
const STYLE: &str = include_str!("report.css");

/// How a metric's numbers are shown: shares and yearly rates as percentages, which
/// clients read without a unit lesson.
struct Scale {
    factor: f64,
    unit: String,
    decimals: usize,
}

fn scale(metric: &str, results: &Results) -> Scale {
    let known = TrialMetric::from_name(metric);
    let unit = known.map_or("", TrialMetric::unit);
    let (factor, unit) = match unit {
        "share" | "0-1" | "share of time" | "share of overhead" | "share of credit deserved" => {
            (100.0, "%".to_owned())
        }
        "per position per year" => (100.0, "% of positions per year".to_owned()),
        other => (1.0, other.to_owned()),
    };
    let largest = results
        .summary
        .iter()
        .filter(|row| row.metric == metric)
        .map(|row| (row.mean * factor).abs())
        .fold(0.0, f64::max);
    let decimals = if largest > 0.0 { (2.0 - largest.log10().floor()).clamp(1.0, 4.0) as usize } else { 1 };
    Scale { factor, unit, decimals }
}

impl Scale {
    fn show(&self, value: f64) -> String {
        if value.is_finite() { format!("{:.*}", self.decimals, value * self.factor) } else { "n/a".into() }
    }

    fn signed(&self, value: f64) -> String {
        if value.is_finite() { format!("{:+.*}", self.decimals, value * self.factor) } else { "n/a".into() }
    }

    fn interval(&self, low: f64, high: f64) -> String {
        if low.is_finite() && high.is_finite() {
            format!("{} to {}", self.show(low), self.show(high))
        } else {
            "needs 2 or more trials".into()
        }
    }
}

/// A chart drawn twice, for a laptop (or paper) and for a phone; the page's CSS
/// shows the one that fits, so chart text stays as large as the page's own.
fn figure_chart(scene: impl Fn(f64) -> Scene) -> Markup {
    html! {
        (chart::svg::render(&scene(chart::WIDE), "wide"))
        (chart::svg::render(&scene(chart::NARROW), "narrow"))
    }
}

fn bounds(metric: &str) -> (Option<f64>, Option<f64>) {
    TrialMetric::from_name(metric).map_or((None, None), TrialMetric::bounds)
}

fn direction(metric: &str) -> Direction {
    TrialMetric::from_name(metric).map_or(Direction::Neutral, TrialMetric::direction)
}

fn cue(metric: &str) -> &'static str {
    direction(metric).cue()
}

use crate::output::charts::title_case;

/// The arms ranked best first by the headline metric (by the mean, in its good direction).
fn ranked(results: &Results) -> Vec<usize> {
    let mean = |arm: usize| results.spread(arm, &results.headline).map_or(f64::NAN, |row| row.mean);
    let mut order: Vec<usize> = (0..results.arms.len()).collect();
    match direction(&results.headline) {
        Direction::LowerIsBetter => order.sort_by(|&a, &b| mean(a).total_cmp(&mean(b))),
        _ => order.sort_by(|&a, &b| mean(b).total_cmp(&mean(a))),
    }
    order
}

/// The frame of a page of attrition's: the report's style sheet (and the page's
/// own), a header with a kicker, the title and the scenario's question, then the
/// page's content and script. The report and the live page share it.
pub struct Frame<'a> {
    /// The scenario's title.
    pub title: &'a str,
    /// What the page is, after the title in the browser's tab ("report").
    pub tab: &'a str,
    /// The line above the title.
    pub kicker: &'a str,
    /// The scenario's description, if it has one.
    pub question: Option<&'a str>,
    /// Style rules of this page on top of the report's.
    pub style: &'a str,
    /// A script after the content.
    pub script: Option<&'a str>,
}

impl Frame<'_> {
    /// The whole page around `content`.
    pub fn around(&self, content: Markup) -> Markup {
        let question = self.question.map(str::trim).filter(|question| !question.is_empty());
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) " — attrition " (self.tab) }
                    style { (PreEscaped(STYLE)) (PreEscaped(self.style)) }
                }
                body {
                    main {
                        header {
                            p.kicker { (self.kicker) }
                            h1 { (self.title) }
                            @if let Some(question) = question { p.question { (question) } }
                        }
                        (content)
                    }
                    @if let Some(script) = self.script { script { (PreEscaped(script)) } }
                }
            }
        }
    }
}

/// The whole page.
pub fn page(results: &Results) -> Markup {
    let name = results.text("/scenario/name").unwrap_or("scenario");
    let title = title_case(name);
    let frame = Frame {
        title: &title,
        tab: "report",
        kicker: "Simulation report",
        question: results.text("/scenario/description"),
        style: "",
        script: None,
    };
    frame.around(html! {
        @match &results.kind {
            Kind::Run => { (live(results)) }
            Kind::Sweep { fields, rows } => {
                (compared(results))
                (sweep(results, fields, rows))
            }
            Kind::Sensitivity(rows) => { (sensitivity(rows)) }
        }
        (assumptions(results))
        (reading())
        (reproducibility(results))
    })
}

/// The sections of a run's page that change with its levers, for `attrition
/// serve`'s live page: the same views, from the same [`Results`], as the report.
pub fn live(results: &Results) -> Markup {
    html! {
        (answer(results))
        @if !results.uncertainty.is_empty() { (uncertainty(results)) }
        (compared(results))
        (charts(results))
        (people_facing(results))
    }
}

fn answer(results: &Results) -> Markup {
    let metric = results.headline.as_str();
    let scale = scale(metric, results);
    let baseline = results.arm_label(results.baseline);
    let better = match direction(metric) {
        Direction::LowerIsBetter => "Trials in which it is lower (better)",
        Direction::HigherIsBetter => "Trials in which it is higher (better)",
        Direction::Neutral => "Trials in which it is higher",
    };
    html! {
        section #answer {
            h2 { "The answer in brief" }
            p {
                "Ranked by " strong { (results.metric_label(metric)) } " (" (scale.unit) "; " (cue(metric)) "), "
                "each arm compared with the baseline " strong { "“" (baseline) "”" } " trial by trial."
            }
            div.table-wrap {
                table #ranking {
                    thead { tr {
                        th { "Rank" } th { "Arm" } th { "Mean" } th { "95% interval of the mean" }
                        th { "Difference to baseline (95% interval)" } th { (better) } th { "Middle 90% of trials" }
                    } }
                    tbody {
                        @for (rank, arm) in ranked(results).into_iter().enumerate() {
                            @let own = results.spread(arm, metric);
                            @let paired = results.paired(arm, metric);
                            tr.arm-row.baseline[arm == results.baseline] {
                                td { (rank + 1) }
                                th scope="row" { (results.arm_label(arm)) }
                                td.num { (own.map_or("n/a".into(), |r| scale.show(r.mean))) }
                                td.num { (own.map_or("n/a".into(), |r| scale.interval(r.ci_low, r.ci_high))) }
                                @match paired {
                                    Some(p) => {
                                        td.num { (scale.signed(p.mean)) " (" (scale.interval(p.ci_low, p.ci_high)) ")" }
                                        td.num { (format!("{:.0}%", 100.0 * if direction(metric) == Direction::LowerIsBetter { p.share_lower } else { p.share_higher })) }
                                    }
                                    None => { td { em { "baseline" } } td { "—" } }
                                }
                                td.num { (own.map_or("n/a".into(), |r| format!("{} to {}", scale.show(r.p5), scale.show(r.p95)))) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The spread of the headline across parameter draws (`[uncertainty]`), and
/// whether each arm's ranking against the baseline survives it.
fn uncertainty(results: &Results) -> Markup {
    let metric = results.headline.as_str();
    let scale = scale(metric, results);
    let declared = &results.manifest["scenario"]["uncertainty"];
    let parameters: Vec<(String, String)> = declared["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|parameter| {
            let field = parameter["field"].as_str()?.to_owned();
            let distribution: crate::uncertainty::Distribution =
                serde_json::from_value(parameter["distribution"].clone()).ok()?;
            Some((field, distribution.describe()))
        })
        .collect();
    let replications = declared["replications"].as_u64().unwrap_or(1);
    let draws = results.uncertainty.first().map_or(0, |arm| arm.draws);
    let middle = |spread: &crate::uncertainty::Spread| {
        format!("{} to {}", scale.show(spread.p5), scale.show(spread.p95))
    };
    html! {
        section #uncertainty {
            h2 { "How sure, given what is not known" }
            p {
                "These parameters have no settled value, so each trial draws them: "
                (draws) " draws, each run for " (replications) " trial" @if replications != 1 { "s" }
                ", with every arm of a trial at the same values, so each comparison stays paired."
            }
            ul { @for (field, distribution) in &parameters { li { code { (field) } ": " (distribution) } } }
            div.table-wrap {
                table #uncertainty-table {
                    thead { tr {
                        th { "Arm" } th { (results.metric_label(metric)) ", middle 90% of draws (" (scale.unit) ")" }
                        th { "Difference to baseline, middle 90% of draws" } th { "Does the ranking survive?" }
                    } }
                    tbody {
                        @for (index, arm) in results.uncertainty.iter().enumerate() {
                            tr.arm-row.baseline[index == results.baseline] {
                                th scope="row" { (results.arm_label(index)) }
                                td.num { (middle(&arm.value)) }
                                @match &arm.difference {
                                    Some(difference) => {
                                        td.num { (middle(&difference.spread)) }
                                        td { (difference.verdict(direction(metric), arm.draws)) }
                                    }
                                    None => { td { em { "baseline" } } td { "—" } }
                                }
                            }
                        }
                    }
                }
            }
            p.note {
                @if replications > 1 {
                    "Each draw's mean still carries Monte Carlo noise; uncertainty.csv splits each spread into \
                     its parameter part and that noise."
                } @else {
                    "With one trial per draw, the spread across draws includes each trial's own chance as well as \
                     the parameters; simulation.replications above 1 separates the two (uncertainty.csv)."
                }
            }
        }
    }
}

/// The levers in which the arms differ, one column per lever.
fn compared(results: &Results) -> Markup {
    let arms = results.manifest["scenario"]["arms"].as_array().cloned().unwrap_or_default();
    let mut levers: Vec<String> = Vec::new();
    for arm in &arms {
        for (key, _) in arm.as_object().into_iter().flatten() {
            if key != "name" && key != "label" && !levers.contains(key) {
                levers.push(key.clone());
            }
        }
    }
    levers.retain(|lever| arms.iter().any(|arm| arm[lever] != arms[0][lever]));
    let show = readable;
    let trials = results.manifest["trials"].as_u64().unwrap_or(0);
    let steps = results.manifest["scenario"]["steps"].as_f64().unwrap_or(0.0);
    let per_year = results.manifest["scenario"]["steps_per_year"].as_f64().unwrap_or(1.0);
    let burn_in = results.manifest["scenario"]["burn_in_steps"].as_f64().unwrap_or(0.0);
    let shared_burn_in = results.manifest["scenario"]["burn_in_levers"] == "baseline";
    let positions: u64 = results.manifest["scenario"]["levels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["positions"].as_u64())
        .sum();
    html! {
        section #compared {
            h2 { "What was compared" }
            p {
                (results.arms.len()) " arms, each simulated " (trials) " times over " (format!("{:.0}", steps / per_year))
                " years in an organisation of " (positions) " positions"
                @if burn_in > 0.0 && shared_burn_in {
                    ", after " (format!("{:.0}", burn_in / per_year)) " years of warm-up under the baseline's policy that are not measured. Every arm starts from that same organisation and changes policy at the start, so what is compared is the years after a change"
                } @else if burn_in > 0.0 {
                    ", after " (format!("{:.0}", burn_in / per_year)) " years of warm-up that are not measured"
                }
                ". Trial " em { "i" } " of every arm uses the same random draws, so differences between arms come from the arms, not from luck."
            }
            @if !levers.is_empty() {
                div.table-wrap {
                    table #arms {
                        thead { tr { th { "Arm" } @for lever in &levers { th { (lever.replace('_', " ")) } } } }
                        tbody {
                            @for (index, arm) in arms.iter().enumerate() {
                                tr.baseline[index == results.baseline] {
                                    th scope="row" { (results.arm_label(index)) @if index == results.baseline { " (baseline)" } }
                                    @for lever in &levers { td { (show(&arm[lever])) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A lever's resolved value in words: `{"mixed": {"best_probability": 0.3}}` reads
/// "mixed (best probability 0.3)", not JSON.
fn readable(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(text) => text.replace('_', " "),
        Value::Null => "—".to_owned(),
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        Value::Number(number) => number.to_string(),
        Value::Array(items) => items.iter().map(readable).collect::<Vec<_>>().join(", "),
        Value::Object(fields) => match fields.iter().next() {
            Some((name, Value::Object(inner))) if fields.len() == 1 => {
                let inner = Value::Object(inner.clone());
                format!("{} ({})", name.replace('_', " "), readable(&inner))
            }
            _ => fields
                .iter()
                .map(|(key, inner)| format!("{} {}", key.replace('_', " "), readable(inner)))
                .collect::<Vec<_>>()
                .join(", "),
        },
    }
}

fn charts(results: &Results) -> Markup {
    let metric = results.headline.as_str();
    let scale = scale(metric, results);
    let headline_bounds = bounds(metric);
    let retention: Vec<Line> = (0..results.arms.len())
        .map(|arm| Line {
            name: results.arm_label(arm).to_owned(),
            points: results
                .series(arm, "top_quintile_retained")
                .into_iter()
                .map(|row| {
                    let (low, high) = finite_interval(row.ci_low, row.mean, row.ci_high);
                    (row.year.unwrap_or(0.0), row.mean * 100.0, low * 100.0, high * 100.0)
                })
                .collect(),
        })
        .filter(|line| !line.points.is_empty())
        .collect();
    let comparison: Vec<Row> = ranked(results)
        .into_iter()
        .map(|arm| match results.paired(arm, metric) {
            Some(p) => Row {
                name: results.arm_label(arm).to_owned(),
                centre: p.mean * scale.factor,
                inner: p.ci_low.is_finite().then_some((p.ci_low * scale.factor, p.ci_high * scale.factor)),
                outer: None,
                note: None,
            },
            None => Row {
                name: results.arm_label(arm).to_owned(),
                centre: 0.0,
                inner: None,
                outer: None,
                note: Some("baseline".into()),
            },
        })
        .collect();
    let scaled_bounds =
        (headline_bounds.0.map(|b| b * scale.factor), headline_bounds.1.map(|b| b * scale.factor));
    let fan: Vec<Row> = ranked(results)
        .into_iter()
        .filter_map(|arm| {
            let own = results.spread(arm, metric)?;
            let (low, high) = finite_interval(own.ci_low, own.mean, own.ci_high);
            Some(Row {
                name: results.arm_label(arm).to_owned(),
                centre: own.mean * scale.factor,
                inner: Some((low * scale.factor, high * scale.factor)),
                outer: Some((own.p5 * scale.factor, own.p95 * scale.factor)),
                note: (arm == results.baseline).then(|| "baseline".into()),
            })
        })
        .collect();
    let trials = results.manifest["trials"].as_u64().unwrap_or(0);
    let retention_title = results.metric_label("top_quintile_retained");
    let comparison_title = format!("{}: difference to the baseline", results.metric_label(metric));
    let comparison_axis = format!("difference, {} ({})", scale.unit, cue(metric));
    let comparison_glyphs = Glyphs {
        centre: "mean difference, paired by trial".into(),
        inner: "95% interval".into(),
        outer: None,
        reference: None,
    };
    let fan_title = format!("{}: the spread of outcomes across trials", results.metric_label(metric));
    let fan_axis = format!("{} ({})", scale.unit, cue(metric));
    let fan_glyphs = Glyphs {
        centre: "mean".into(),
        inner: "95% interval of the mean".into(),
        outer: Some("middle 90% of trials (p5–p95)".into()),
        reference: None,
    };
    html! {
        section #charts {
            h2 { "Key charts" }
            @if !retention.is_empty() {
                figure {
                    (figure_chart(|width| chart::line_chart(&LineChart {
                        title: &retention_title,
                        heading: None,
                        x_title: "years since measurement started",
                        y_title: "% still employed",
                        lines: &retention,
                        bounds: (Some(0.0), Some(100.0)),
                        x: XAxis::Numbers { from_zero: true },
                        mark_every_point: false,
                        width,
                    })))
                    figcaption {
                        "How many of the people who were in the top fifth by skill when measurement started are still employed, year by year "
                        "(mean over " (trials) " trials; the shaded band is the 95% interval of the mean). Higher is better."
                    }
                }
            }
            @if results.arms.len() > 1 {
                figure {
                    (figure_chart(|width| chart::interval_chart(&IntervalChart {
                        title: &comparison_title,
                        heading: None,
                        x_title: &comparison_axis,
                        rows: &comparison,
                        glyphs: &comparison_glyphs,
                        bounds: (None, None),
                        from_zero: true,
                        width,
                    })))
                    figcaption {
                        "Each arm minus the baseline, trial by trial. An interval that does not cross the dashed zero line is a difference the run resolves; "
                        (cue(metric)) "."
                    }
                }
            }
            figure {
                (figure_chart(|width| chart::interval_chart(&IntervalChart {
                    title: &fan_title,
                    heading: None,
                    x_title: &fan_axis,
                    rows: &fan,
                    glyphs: &fan_glyphs,
                    bounds: scaled_bounds,
                    from_zero: headline_bounds.0 == Some(0.0),
                    width,
                })))
                figcaption {
                    "The wide bar is where 90% of the simulated organisations ended up; the thin line is how precisely the run pins down the mean. "
                    "One organisation's outcome can land anywhere on the bar."
                }
            }
        }
    }
}

/// A sweep: the headline metric at every point, charted against the first swept
/// field and tabulated.
fn sweep(results: &Results, fields: &[String], rows: &[SweepRow]) -> Markup {
    let metric = results.headline.as_str();
    let scale = scale(metric, results);
    let headline: Vec<&SweepRow> = rows.iter().filter(|row| row.spread.metric == metric).collect();
    let mut firsts: Vec<&str> = Vec::new();
    for row in &headline {
        if !firsts.contains(&row.values[0].as_str()) {
            firsts.push(&row.values[0]);
        }
    }
    let numeric = firsts.iter().all(|value| value.parse::<f64>().is_ok());
    let x_of = |value: &str| {
        if numeric {
            value.parse::<f64>().unwrap_or(0.0)
        } else {
            firsts.iter().position(|v| *v == value).unwrap_or(0) as f64
        }
    };
    let arm_of = |name: &str| results.arms.iter().position(|arm| arm == name);
    let mut lines: Vec<Line> = Vec::new();
    for row in &headline {
        let arm = arm_of(&row.spread.arm).map_or(row.spread.arm.as_str(), |arm| results.arm_label(arm));
        let rest: Vec<String> = fields[1..]
            .iter()
            .zip(&row.values[1..])
            .map(|(field, value)| format!("{field}={value}"))
            .collect();
        let name = if rest.is_empty() { arm.to_owned() } else { format!("{arm}, {}", rest.join(", ")) };
        let s = &row.spread;
        let (low, high) = finite_interval(s.ci_low, s.mean, s.ci_high);
        let point = (x_of(&row.values[0]), s.mean * scale.factor, low * scale.factor, high * scale.factor);
        match lines.iter_mut().find(|line| line.name == name) {
            Some(line) => line.points.push(point),
            None => lines.push(Line { name, points: vec![point] }),
        }
    }
    let bounds = bounds(metric);
    let scaled = (bounds.0.map(|b| b * scale.factor), bounds.1.map(|b| b * scale.factor));
    let swept = crate::output::charts::field_in_words(&fields[0]);
    let title = format!("{} against {swept}", results.metric_label(metric));
    let y_title = format!("{} ({})", results.metric_label(metric), scale.unit);
    let categories: Vec<String> = firsts.iter().map(|v| v.to_string()).collect();
    html! {
        section #sweep {
            h2 { "The sweep" }
            p {
                "Every point of the sweep runs every arm with the same trial seeds, so points differ by the swept "
                (if fields.len() == 1 { "field" } else { "fields" }) " alone: "
                @for (index, field) in fields.iter().enumerate() {
                    @if index > 0 { ", " }
                    code { (field) }
                }
                ". Ranked quantity: " strong { (results.metric_label(metric)) } " (" (scale.unit) "; " (cue(metric)) ")."
            }
            figure {
                (figure_chart(|width| chart::line_chart(&LineChart {
                    title: &title,
                    heading: None,
                    x_title: &swept,
                    y_title: &y_title,
                    lines: &lines,
                    bounds: scaled,
                    x: if numeric { XAxis::Numbers { from_zero: false } } else { XAxis::Categories(categories.clone()) },
                    mark_every_point: true,
                    width,
                })))
                figcaption { "The mean at each point; the shaded band is the 95% interval of the mean; " (cue(metric)) "." }
            }
            div.table-wrap {
                table #sweep-table {
                    thead { tr {
                        @for field in fields { th { code { (field) } } }
                        th { "Arm" } th { "Mean" } th { "95% interval of the mean" } th { "Middle 90% of trials" }
                    } }
                    tbody {
                        @for row in &headline {
                            tr {
                                @for value in &row.values { td.num { (value) } }
                                th scope="row" { (arm_of(&row.spread.arm).map_or(row.spread.arm.as_str(), |arm| results.arm_label(arm))) }
                                td.num { (scale.show(row.spread.mean)) }
                                td.num { (scale.interval(row.spread.ci_low, row.spread.ci_high)) }
                                td.num { (scale.show(row.spread.p5)) " to " (scale.show(row.spread.p95)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A sensitivity analysis: its indices, largest estimate first within each index.
fn sensitivity(rows: &[SensitivityRow]) -> Markup {
    let mut sorted: Vec<&SensitivityRow> = rows.iter().collect();
    sorted.sort_by(|a, b| a.index.cmp(&b.index).then(b.estimate.abs().total_cmp(&a.estimate.abs())));
    let method = rows.first().map_or("", |row| row.method.as_str());
    let output = rows.first().map_or("", |row| row.output.as_str());
    let show = |value: f64| if value.is_finite() { format!("{value:.4}") } else { "n/a".to_owned() };
    html! {
        section #sensitivity {
            h2 { "Sensitivity" }
            p {
                "How much " code { (output) } " moves with each parameter (" (method) "), with 95% intervals. "
                "A parameter whose index is near zero hardly matters over the range given; a large one deserves the most care in the assumptions."
            }
            div.table-wrap {
                table #sensitivity-table {
                    thead { tr { th { "Parameter" } th { "Index" } th { "Estimate" } th { "95% interval" } } }
                    tbody {
                        @for row in &sorted {
                            tr {
                                th scope="row" { code { (row.parameter) } }
                                td { (row.index.replace('_', " ")) }
                                td.num { (show(row.estimate)) }
                                td.num { (show(row.ci_low)) " to " (show(row.ci_high)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An interval a single trial lacks collapses onto its mean.
fn finite_interval(low: f64, mean: f64, high: f64) -> (f64, f64) {
    (if low.is_finite() { low } else { mean }, if high.is_finite() { high } else { mean })
}

/// The people-facing outcomes side by side (behavioural scenarios only).
fn people_facing(results: &Results) -> Markup {
    if !results.behavioural() {
        return html! {};
    }
    let metrics: Vec<&str> = TrialMetric::PEOPLE_FACING
        .iter()
        .map(|m| m.name())
        .filter(|name| results.metrics().contains(name))
        .collect();
    html! {
        section #outcomes {
            h2 { "What happens to people" }
            div.table-wrap {
                table #people {
                    thead { tr { th { "Arm" } @for metric in &metrics { th { (results.metric_label(metric)) br; small { (scale(metric, results).unit) ", " (cue(metric)) } } } } }
                    tbody {
                        @for arm in 0..results.arms.len() {
                            tr.baseline[arm == results.baseline] {
                                th scope="row" { (results.arm_label(arm)) }
                                @for metric in &metrics {
                                    @let s = scale(metric, results);
                                    td.num {
                                        (results.spread(arm, metric).map_or("n/a".into(), |r| s.show(r.mean)))
                                        @if let Some(p) = results.paired(arm, metric) { br; small { (s.signed(p.mean)) " vs baseline" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The documented default of a field, read from its doc comment ("Default 0.8",
/// "Default `best`."); `None` when the comment gives none or gives it in words.
fn documented_default(doc: &str) -> Option<String> {
    let at = doc.find("Default ").or_else(|| doc.find("default "))? + "default ".len();
    let token: String = doc[at..].chars().take_while(|c| !c.is_whitespace() && !",;(".contains(*c)).collect();
    let token = token.trim_end_matches([':', '.']).trim_matches('`').trim_matches('"');
    (!token.is_empty()).then(|| token.to_owned())
}

/// Whether a value as the file writes it is the documented default.
fn is_default(value: &str, default: &str) -> bool {
    let value = value.trim_matches('"');
    match (value.parse::<f64>(), default.parse::<f64>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => value == default,
    }
}

/// Every parameter the scenario sets to something other than its documented
/// default (or that has no default), flattened to dotted paths, with its default,
/// meaning and source from the scenario reference.
fn assumptions(results: &Results) -> Markup {
    let text = results.text("/scenario_text").unwrap_or("");
    let table: toml::Table = toml::from_str(text).unwrap_or_default();
    let mut set: Vec<(Vec<String>, String)> = Vec::new();
    for (key, value) in &table {
        if ["name", "description", "arms", "sweep", "headline", "labels", "charts", "sensitivity", "controls"]
            .contains(&key.as_str())
        {
            continue;
        }
        flatten(vec![key.clone()], value, &mut set);
    }
    let mut at_default = 0;
    let mut rows: Vec<(String, String, String, String)> = Vec::new();
    for (path, value) in set {
        let doc = reference::describe(&path).unwrap_or_default();
        let default = documented_default(&doc);
        if default.as_deref().is_some_and(|default| is_default(&value, default)) {
            at_default += 1;
            continue;
        }
        let default = default.unwrap_or_else(|| {
            if reference::optional(&path) { "see its meaning" } else { "none: the scenario must set it" }
                .to_owned()
        });
        rows.push((path.join("."), value.trim_matches('"').replace('_', " "), default, doc));
    }
    html! {
        section #assumptions {
            h2 { "Assumptions" }
            p {
                "Every parameter this scenario sets to something other than its documented default, and those that have no default. "
                "Everything else is at the default the scenario reference documents"
                @if at_default > 0 { " (" (at_default) " more are set in the file to their default value)" }
                ". The last column says what the parameter is and, where there is one, the source its value comes from."
            }
            div.table-wrap {
                table #assumption-table {
                    thead { tr { th { "Parameter" } th { "Value" } th { "Default" } th { "Meaning and source" } } }
                    tbody {
                        @for (path, value, default, doc) in &rows {
                            tr {
                                td { code { (path) } }
                                td { (value) }
                                td { (default) }
                                td { (doc) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn flatten(path: Vec<String>, value: &toml::Value, rows: &mut Vec<(Vec<String>, String)>) {
    match value {
        toml::Value::Table(table) => {
            for (key, inner) in table {
                let mut next = path.clone();
                next.push(key.clone());
                flatten(next, inner, rows);
            }
        }
        toml::Value::Array(items) if items.iter().all(toml::Value::is_table) && !items.is_empty() => {
            for (index, inner) in items.iter().enumerate() {
                let mut next = path.clone();
                next.push(index.to_string());
                flatten(next, inner, rows);
            }
        }
        other => rows.push((path, other.to_string())),
    }
}

fn reading() -> Markup {
    html! {
        section #reading {
            h2 { "How to read the numbers" }
            ul {
                li { strong { "Common random numbers. " } "Trial " em { "i" } " of every arm starts from the same people and the same draws of chance, so a difference between arms in one trial is the arms' doing. That is why the differences to the baseline are more precise than the arms' own intervals suggest." }
                li { strong { "The 95% interval of the mean " } "says how precisely this many trials pin down the average outcome. It is not the range of outcomes one organisation can expect: more trials make it narrower, not the world less uncertain." }
                li { strong { "The middle 90% of trials " } "(p5 to p95) is the spread of outcomes across simulated organisations: what a single organisation might see." }
                li { strong { "The share of trials an arm is better " } "counts the paired trials in which it beats the baseline; 50% is a coin toss." }
                li { strong { "A model, not a forecast. " } "The numbers follow from the assumptions below. They compare policies under those assumptions; they do not predict a particular company's figures." }
            }
        }
    }
}

fn reproducibility(results: &Results) -> Markup {
    let m = &results.manifest;
    let command = m["command"]
        .as_array()
        .map(|args| args.iter().filter_map(|a| a.as_str()).map(shell_quote).collect::<Vec<_>>().join(" "));
    let summary_sha = m["files"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|entry| entry["file"] == "summary.csv")
        .and_then(|entry| entry["sha256"].as_str());
    html! {
        section #reproducibility {
            h2 { "Reproducibility" }
            p { "The results are a function of the scenario and the seed alone: the same command with the same version gives the same numbers, on any machine and with any number of threads." }
            dl {
                dt { "Program" } dd { "attrition " (m["version"].as_str().unwrap_or("?")) }
                dt { "Commit" } dd { code { (m["commit"].as_str().unwrap_or("not recorded")) } }
                dt { "Command" } dd { code { (command.unwrap_or_else(|| "not recorded".into())) } }
                dt { "Scenario file" } dd { code { (m["scenario_file"].as_str().unwrap_or("?")) } }
                dt { "Scenario SHA-256" } dd { code.hash { (results.scenario_sha256) } }
                dt { "Seed" } dd { (m["seed"]) }
                dt { "Trials per arm" } dd { (m["trials"]) }
                dt { "Run started" } dd { (m["started"].as_str().unwrap_or("?")) }
                @if let Some(sha) = summary_sha { dt { "summary.csv SHA-256" } dd { code.hash { (sha) } } }
            }
        }
    }
}

/// An argument as a POSIX shell reads it back.
fn shell_quote(arg: &str) -> String {
    if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,".contains(c)) {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_default_is_read_from_its_comment_when_it_is_a_value() {
        assert_eq!(
            documented_default("Range [0, 1]. Default 0.8 (no published figure)").as_deref(),
            Some("0.8")
        );
        assert_eq!(documented_default("How a vacancy is filled. Default `best`.").as_deref(), Some("best"));
        assert_eq!(
            documented_default("Range 0–500 years; default 0 (measure from the start)").as_deref(),
            Some("0")
        );
        assert_eq!(documented_default("Short name. Default: the file name without `.toml`."), None);
        assert_eq!(documented_default("Omit to dismiss nobody."), None);
        assert!(is_default("0.80", "0.8") && is_default("\"best\"", "best") && !is_default("0.7", "0.8"));
    }

    #[test]
    fn a_table_valued_lever_reads_in_words() {
        let mixed = serde_json::json!({ "mixed": { "best_probability": 0.3 } });
        assert_eq!(readable(&mixed), "mixed (best probability 0.3)");
        let assessed = serde_json::json!({ "leadership_assessed": { "validity": 0.4, "skill_floor": 6.0 } });
        let assessed = readable(&assessed);
        assert!(assessed.starts_with("leadership assessed ("), "{assessed}");
        assert!(assessed.contains("validity 0.4") && assessed.contains("skill floor 6.0"), "{assessed}");
        assert_eq!(readable(&serde_json::json!("competence_weighted")), "competence weighted");
        assert!(!readable(&mixed).contains('{'));
    }
}
