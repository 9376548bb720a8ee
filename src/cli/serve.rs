//! `attrition serve`: the live what-if page of a scenario with `[controls]`, and
//! `--measure`, which times its updates without a browser.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use clap::Args;

use attrition::serve::live::Status;
use attrition::serve::{Live, Scenario, Server, State, next_moves};

use super::Failure;
use super::guards::{bound_threads, check_memory, check_threads};
use super::scenario::{load_config, validate_text};

/// Flags of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The scenario file; its `[controls]` table says what the page lets a person change.
    pub scenario: PathBuf,
    /// Port to listen on; 0 picks a free one. The URL is printed.
    #[arg(long, default_value_t = 8321)]
    pub port: u16,
    /// Address to listen on. The default, 127.0.0.1, serves this machine only; the
    /// page has no login, so give another address only on a network you trust.
    #[arg(long, default_value = "127.0.0.1")]
    pub address: String,
    /// Trials per arm (overrides simulation.trials), for every setting.
    #[arg(long)]
    pub trials: Option<u32>,
    /// Master seed (overrides simulation.seed), for every setting.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Threads of each run (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Refuse a scenario estimated to need more memory than this many GiB a run.
    #[arg(long, value_name = "GIB")]
    pub max_memory: Option<f64>,
    /// Do not run the states one move from the page's while it waits (by default
    /// they run, so that the next move is most often answered at once; they give
    /// way to any request, but keep the cores busy until all have run).
    #[arg(long)]
    pub no_prefetch: bool,
    /// Do not serve: time the page's updates (the scenario's values, then with these
    /// `--set` values, as a person's change), print each update's trials and
    /// milliseconds, and exit.
    #[arg(long)]
    pub measure: bool,
    /// With --measure, the change to time, e.g. `--set policy.credit_accuracy=0.9`
    /// (repeatable).
    #[arg(long, value_name = "FIELD=VALUE", requires = "measure")]
    pub set: Vec<String>,
}

/// `attrition serve`.
pub fn serve(args: &ServeArgs) -> Result<(), Failure> {
    let (config, text) = load_config(&args.scenario, args.trials, args.seed, &[])?;
    let threads = check_threads(args.threads)?;
    check_memory(&config, threads, None, args.max_memory)?;
    bound_threads(args.threads)?;
    let scenario = Scenario {
        file: args.scenario.clone(),
        text: text.clone(),
        trials: args.trials,
        seed: args.seed,
        threads: args.threads,
    };
    if args.measure {
        return measure(args, config, &text, scenario);
    }
    let address = format!("{}:{}", args.address, args.port);
    let server = Server::bind(&address, config, scenario, !args.no_prefetch).map_err(Failure::bad_input)?;
    let bound = server.address().ok_or_else(|| Failure::failed(anyhow!("{address}: not an IP address")))?;
    let url = match bound.ip().is_unspecified() {
        true => format!("http://127.0.0.1:{}/", bound.port()),
        false => format!("http://{bound}/"),
    };
    super::run::write_stdout(&format!(
        "attrition serve: {} at {url} (Ctrl-C stops)\n",
        args.scenario.display()
    ))?;
    server.serve();
    Ok(())
}

/// Times the updates of the scenario's own values, then (unless `--no-prefetch`)
/// the runs of the states one move from them, then the updates of `--set`'s change,
/// through the same runs the page asks for.
fn measure(
    args: &ServeArgs,
    config: attrition::config::Config,
    text: &str,
    scenario: Scenario,
) -> Result<(), Failure> {
    let changed = validate_text(&args.scenario, text, args.trials, args.seed, &args.set)?;
    let table: toml::Table = toml::from_str(text).unwrap_or_default();
    let opened = config.clone();
    let live = Live::start(scenario);
    let mut out = String::new();
    for (what, config) in [("scenario values", config), ("changed", changed)] {
        if what == "changed" && !args.no_prefetch {
            let started = Instant::now();
            let moves = next_moves(&opened.controls, &table, &State::default(), &opened);
            let count = moves.len();
            live.speculate(moves);
            // Each next move as it ends (another starts, or all are done).
            let mut running: Option<String> = None;
            loop {
                let settled = live.settle(Duration::from_millis(20));
                let now = live.prefetch().running;
                if now != running {
                    if let Some(ended) = running.take() {
                        let ms = started.elapsed().as_millis();
                        out.push_str(&format!("next move {ended}: ran by {ms} ms\n"));
                    }
                    running = now;
                }
                if settled {
                    break;
                }
            }
            out.push_str(&format!(
                "next moves: the {count} states one move from the scenario's ran in {} ms\n",
                started.elapsed().as_millis()
            ));
        }
        let started = Instant::now();
        let id = live.request(config, String::new(), Vec::new());
        let mut after = 0;
        loop {
            let record = live
                .wait(id, after, Duration::from_secs(3600))
                .ok_or_else(|| Failure::failed(anyhow!("the run was forgotten")))?;
            if record.reused {
                out.push_str(&format!(
                    "{what}: answered from kept results after {} ms: {} of {} trials\n",
                    started.elapsed().as_millis(),
                    record.trials_done,
                    record.trials_total
                ));
                break;
            }
            if let Some(update) = record.latest.as_ref().filter(|update| update.seq > after) {
                after = update.seq;
                out.push_str(&format!(
                    "{what}: update {} after {} ms: {} of {} trials\n",
                    update.seq,
                    started.elapsed().as_millis(),
                    update.trials_done,
                    update.trials_total
                ));
            }
            match record.status {
                Status::Done => break,
                Status::Failed(message) => return Err(Failure::failed(anyhow!(message))),
                Status::Cancelled => return Err(Failure::failed(anyhow!("the run was cancelled"))),
                Status::Queued | Status::Running => {}
            }
        }
    }
    super::run::write_stdout(&out)
}
