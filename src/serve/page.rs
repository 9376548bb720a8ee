//! The live page: the scenario's controls, the status of the run and a place for
//! the report's sections, which the page's script fetches and puts in as they
//! arrive. Everything is inline; the page loads nothing but its own API.

use std::path::Path;

use maud::{Markup, html};

use crate::config::Config;
use crate::config::controls::{Control, Input};

use crate::report::Frame;

use super::state::{State, resolved, text_of};

const STYLE: &str = "
#levers { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); gap: 0.8rem 1.5rem; }
.control label { display: block; font-weight: 600; }
.control input[type=range] { width: 70%; vertical-align: middle; }
.control output { display: inline-block; min-width: 4rem; font-variant-numeric: tabular-nums; }
.control small { display: block; color: #555; overflow-wrap: anywhere; }
.control.set label::after { content: ' (changed)'; font-weight: 400; color: #8a4b00; }
#status { font-variant-numeric: tabular-nums; }
#error { color: #a00; white-space: pre-wrap; border-left: 3px solid #a00; padding-left: 0.6rem; }
#downloads a[aria-disabled=true] { pointer-events: none; color: #888; }
";

const SCRIPT: &str = include_str!("page.js");

/// The whole page for `state`.
pub fn render(base: &Config, table: &toml::Table, state: &State, file: &Path) -> String {
    let title = crate::output::charts::title_case(&base.name);
    let resolved_config = serde_json::to_value(base).unwrap_or_default();
    let trials = base.trials;
    let frame = Frame {
        title: &title,
        tab: "live",
        kicker: "Live what-if",
        question: Some(&base.description),
        style: STYLE,
        script: Some(SCRIPT),
    };
    let content = html! {
        section #controls {
            h2 { "Levers" }
            p {
                "Move a control and every arm runs again with the same random draws (trial " em { "i" }
                " of every setting starts from the same people and chance), so what changes is the lever's doing. "
                "The first " (super::live::FIRST_TRIALS) " trials arrive first; the rest narrow the intervals up to all "
                (trials) "."
            }
            form #levers data-trials=(trials) {
                @for (index, control) in base.controls.iter().enumerate() {
                    (control_markup(index, control, state, table, &resolved_config))
                }
            }
            p { button type="button" #reset { "Back to the scenario's values" } }
            p #status role="status" { "Starting…" }
            p #error role="alert" hidden {}
            p #downloads {
                "For these settings: "
                a #download-scenario href="/scenario.toml" download { "the scenario file" }
                " · "
                a #download-report href="/report.html" download aria-disabled="true" { "the report" }
                " (when every trial is done)"
            }
            p { "The same numbers on the command line: " code #command { "attrition run " (file.display()) } }
        }
        div #results {}
    };
    frame.around(content).into_string()
}

fn control_markup(
    index: usize,
    control: &Control,
    state: &State,
    table: &toml::Table,
    config: &serde_json::Value,
) -> Markup {
    let id = format!("control-{index}");
    let set = state.values.iter().find(|(at, _)| *at == index).map(|(_, value)| text_of(value));
    let in_file = control.value_in(table).map(|value| text_of(&value));
    let resolved = resolved(config, &control.field);
    let scenario_value = in_file.clone().or(resolved.clone());
    let shown = set.clone().or(scenario_value.clone());
    let note = match (&in_file, &resolved) {
        (Some(value), _) => format!("the scenario sets {value}"),
        (None, Some(value)) => format!("the scenario leaves it at {value}"),
        (None, None) => "the scenario leaves it unset".to_owned(),
    };
    html! {
        div.control.set[set.is_some()] {
            label for=(id) { (control.label) }
            @match &control.input {
                Input::Slider { low, high, step } => {
                    @let whole = low.fract() == 0.0 && step.fract() == 0.0;
                    @let value = shown.clone().unwrap_or_else(|| low.to_string());
                    input type="range" id=(id) data-field=(control.field) data-set=(if set.is_some() { "1" } else { "0" })
                        data-scenario=[scenario_value.as_deref()] data-whole=(if whole { "1" } else { "0" })
                        min=(low) max=(high) step=(step) value=(value);
                    output for=(id) { (value) }
                }
                Input::Menu(choices) => {
                    @let value = shown.clone().unwrap_or_default();
                    select id=(id) data-field=(control.field) data-set=(if set.is_some() { "1" } else { "0" })
                        data-scenario=[scenario_value.as_deref()] {
                        @if shown.is_none() { option value="" selected { "(scenario)" } }
                        @for choice in choices {
                            @let text = text_of(choice);
                            option value=(text) selected[text == value] { (text.replace('_', " ")) }
                        }
                    }
                }
            }
            small { code { (control.field) } "; " (note) }
        }
    }
}
