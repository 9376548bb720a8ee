//! `attrition serve` on the loopback interface, a free port each: the real binary,
//! spoken to in plain HTTP/1.0 over a socket (no client library), on
//! scenarios/ci/tech_org.toml at a few trials. A lever's change gives the numbers
//! `attrition run --set` gives; bad values are refused with run's message; an
//! oversized or malformed request is refused; a newer request cancels the run
//! under way; and headless Chromium (when installed) moves a control on the page
//! and sees the ranking change.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use attrition::shard::sha256_hex;
use common::{WorkDir, assert_success, scenario};
use serde_json::Value;

/// A server started for one test, stopped (by its own handle) when dropped.
struct Served {
    child: Child,
    address: String,
}

impl Served {
    fn start(work: &WorkDir, trials: u32) -> Self {
        Self::start_with(work, trials, &[])
    }

    /// Starts a server with `serve`'s flags `extra` besides the usual.
    fn start_with(work: &WorkDir, trials: u32, extra: &[&str]) -> Self {
        let trials = trials.to_string();
        let ci_tech_org = scenario("ci/tech_org.toml");
        let mut flags = vec!["serve", &ci_tech_org, "--port", "0", "--trials", &trials, "--threads", "2"];
        flags.extend_from_slice(extra);
        let mut child = work
            .command(&flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_owned();
        assert!(address.starts_with("127.0.0.1:"), "bound to loopback: {address}");
        Self { child, address }
    }

    /// Sends raw bytes, returns the status code and the body (HTTP/1.0 requests get
    /// a plain body, not chunks).
    fn raw(&self, request: &[u8]) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        // A peer that refuses a body may close before it is all sent.
        let _ = stream.write_all(request);
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
        (status, body)
    }

    fn get(&self, path: &str) -> (u16, String) {
        self.raw(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
    }

    fn post(&self, path: &str, body: &str) -> (u16, String) {
        self.raw(
            format!(
                "POST {path} HTTP/1.0\r\nHost: x\r\nContent-Type: \
                 application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
    }

    fn json(&self, reply: (u16, String)) -> (u16, Value) {
        let (status, body) = reply;
        (status, serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")))
    }

    /// Asks for a run of `form`; returns its number.
    fn request(&self, form: &str) -> u64 {
        let (status, body) = self.json(self.post("/api/run", form));
        assert_eq!(status, 200, "{body}");
        body["run"].as_u64().unwrap()
    }

    /// Follows run `id` until it ends; returns every update's trials and its end.
    fn follow(&self, id: u64) -> (Vec<u64>, Value) {
        let mut seen = Vec::new();
        let mut after = 0;
        let started = Instant::now();
        loop {
            let (status, body) = self.json(self.get(&format!("/api/update?run={id}&after={after}")));
            assert_eq!(status, 200, "{body}");
            if let Some(seq) = body["update"]["seq"].as_u64().filter(|&seq| seq > after) {
                after = seq;
                seen.push(body["update"]["trials_done"].as_u64().unwrap());
            }
            if body["status"] != "running" && body["status"] != "queued" {
                return (seen, body);
            }
            assert!(started.elapsed() < Duration::from_secs(120), "run {id} takes too long");
        }
    }

    /// Waits until the states one move from the page's have all run.
    fn until_prefetched(&self) {
        let started = Instant::now();
        loop {
            let (_, status) = self.json(self.get("/api/status"));
            if status["prefetch"]["running"].is_null() && status["prefetch"]["waiting"] == 0 {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(120), "the next moves take too long: {status}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const LEVER: &str = "arms.\"accurate credit\".credit_accuracy";

#[test]
fn a_lever_change_gives_the_numbers_of_run_with_set_and_the_downloads_reproduce_them() {
    let work = WorkDir::new("serve-numbers");
    let served = Served::start(&work, 20);
    let form = format!("{}=0.8", LEVER.replace('"', "%22").replace(' ', "+"));
    let (progress, end) = served.follow(served.request(&form));
    assert_eq!(end["status"], "done", "{end}");
    // The first 8 trials arrive first, then the rest.
    assert_eq!(progress, vec![8, 20]);

    let set = format!("{LEVER}=0.8");
    let run = work.run(&[
        "run",
        &scenario("ci/tech_org.toml"),
        "--trials",
        "20",
        "--set",
        &set,
        "--outputs",
        "csv",
        "-q",
        "--out",
        "cli",
    ]);
    assert_success(&run);
    let written =
        |dir: &str, file: &str| std::fs::read(work.path.join(dir).join("ci_tech_org").join(file)).unwrap();
    assert_eq!(end["update"]["summary_sha256"], sha256_hex(&written("cli", "summary.csv")));
    assert_eq!(end["update"]["comparison_sha256"], sha256_hex(&written("cli", "comparison.csv")));
    // The lever changed the answer: the scenario's own value gives other numbers.
    let (_, base) = served.follow(served.request(""));
    assert_ne!(base["update"]["summary_sha256"], end["update"]["summary_sha256"]);

    // The scenario file for these settings runs to the same numbers.
    let (status, toml_text) = served.get(&format!("/scenario.toml?{form}"));
    assert_eq!(status, 200, "{toml_text}");
    let downloaded = work.write("downloaded.toml", &toml_text);
    let again = work.run(&["run", downloaded.to_str().unwrap(), "--outputs", "csv", "-q", "--out", "file"]);
    assert_success(&again);
    assert_eq!(written("file", "summary.csv"), written("cli", "summary.csv"));
    // And the report for them is the report of those numbers.
    let (status, report) = served.get(&format!("/report.html?{form}"));
    assert_eq!(status, 200);
    assert!(
        report.contains("id=\"ranking\"") && report.contains(&sha256_hex(&written("cli", "summary.csv")))
    );
    assert!(report.contains("credit_accuracy=0.8"), "the report's command reproduces the settings");
}

#[test]
fn invalid_values_are_refused_with_the_message_run_gives() {
    let work = WorkDir::new("serve-invalid");
    let served = Served::start(&work, 16);
    let (status, body) = served.json(served.post("/api/run", "policy.credit_accuracy=1.5"));
    assert_eq!(status, 400);
    let run = work.run(&[
        "run",
        &scenario("ci/tech_org.toml"),
        "--trials",
        "16",
        "--set",
        "policy.credit_accuracy=1.5",
        "-q",
    ]);
    assert_eq!(run.status.code(), Some(2));
    let cli = String::from_utf8_lossy(&run.stderr);
    assert_eq!(body["error"].as_str().unwrap(), cli.trim().trim_start_matches("error: "));
    assert!(cli.contains("1.5 is outside [0, 1]"), "{cli}");

    let (status, body) = served.json(served.post("/api/run", "dynamics.quits.base_rate=fast"));
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("dynamics.quits.base_rate"), "{body}");
    let (status, body) = served.json(served.post("/api/run", "simulation.trials=1000000"));
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("not a control"), "{body}");
    // Nothing was run for them.
    let (_, runs) = served.json(served.get("/api/status"));
    assert_eq!(runs["runs"].as_array().unwrap().len(), 0, "{runs}");
}

#[test]
fn oversized_and_malformed_requests_are_refused_and_the_server_goes_on() {
    let work = WorkDir::new("serve-malformed");
    let served = Served::start(&work, 16);
    let big = "x".repeat(70 * 1024);
    let timed = Instant::now();
    assert_eq!(served.post("/api/run", &big).0, 413);
    assert_eq!(served.get(&format!("/?{big}")).0, 414);
    assert_eq!(served.post("/api/run", "policy.credit_accuracy=%zz").0, 400);
    assert_eq!(served.raw(b"POST /api/run HTTP/1.0\r\nContent-Length: 2\r\n\r\n\xff\xfe").0, 400);
    let garbage = served.raw(b"\x00\x01 not http at all\r\n\r\n").0;
    assert!((400..500).contains(&garbage), "garbage gets {garbage}");
    assert_eq!(served.get("/api/update?run=banana").0, 400);
    assert_eq!(served.get("/api/update?run=99").0, 404);
    // Only the page's own assets: nothing from the disk.
    assert_eq!(served.get("/../../Cargo.toml").0, 404);
    assert_eq!(served.get("/src/serve/page.js").0, 404);
    assert_eq!(served.raw(b"DELETE /api/run HTTP/1.0\r\n\r\n").0, 405);
    let (status, page) = served.get("/");
    assert_eq!(status, 200);
    assert!(page.contains("data-field=\"policy.credit_accuracy\""));
    assert!(timed.elapsed() < Duration::from_secs(20), "every refusal is prompt: {:?}", timed.elapsed());
}

#[test]
fn stalled_request_bodies_do_not_stop_the_server() {
    let work = WorkDir::new("serve-stalled");
    let served = Served::start(&work, 16);
    // Each announces a body over 1 KiB and sends none: tiny_http reads a smaller
    // body before handing the request over, a larger one only when it is read, so
    // each holds a handler, reading. One at a time, each seen to take its handler
    // (a thread of the server), so that exactly every handler is held.
    let head = "POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                Content-Length: 4096\r\n\r\n";
    let stall = || {
        let mut stream = TcpStream::connect(&served.address).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        stream
    };
    let handlers = || threads_named(served.child.id(), "serve-handler");
    let mut held = Vec::new();
    for count in 1..=32 {
        held.push(stall());
        let waiting = Instant::now();
        while handlers() < count {
            assert!(waiting.elapsed() < Duration::from_secs(10), "request {count} gets no handler");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    // Beyond them, each stalled request is refused at once, and so is the next:
    // the refusal does not wait for the body that never comes.
    for beyond in 1..=3 {
        let mut refused = stall();
        let mut reply = [0u8; 12];
        refused
            .read_exact(&mut reply)
            .unwrap_or_else(|e| panic!("request {beyond} beyond the handlers: {e}"));
        assert_eq!(&reply, b"HTTP/1.1 503", "{}", String::from_utf8_lossy(&reply));
        held.push(refused);
    }
    let (status, body) = served.get("/api/status");
    assert_eq!(status, 503, "every handler is still held: {body}");
    // Half a minute after its request arrived, each held one is answered 408 (the
    // body did not arrive), and its handler is free again.
    for (i, stream) in held.iter_mut().take(32).enumerate() {
        stream.set_read_timeout(Some(Duration::from_secs(90))).unwrap();
        let mut reply = [0u8; 12];
        stream.read_exact(&mut reply).unwrap_or_else(|e| panic!("stalled request {}: {e}", i + 1));
        assert_eq!(&reply, b"HTTP/1.1 408", "{}", String::from_utf8_lossy(&reply));
    }
    let freed = Instant::now();
    loop {
        let (status, body) = served.get("/api/status");
        if status == 200 {
            break;
        }
        assert!(freed.elapsed() < Duration::from_secs(10), "handlers still held: {status} {body}");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(held);
}

/// How many threads of process `pid` are named `name` (Linux's /proc).
fn threads_named(pid: u32, name: &str) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|tasks| {
            tasks
                .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
                .filter(|comm| comm.trim_end() == name)
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_newer_request_cancels_the_run_under_way() {
    let work = WorkDir::new("serve-cancel");
    let served = Served::start(&work, 400);
    let first = served.request("dynamics.quits.base_rate=0.1");
    // Wait until it runs (its first update is out), then change the lever.
    let started = Instant::now();
    loop {
        let (_, body) = served.json(served.get(&format!("/api/update?run={first}&after=0")));
        if body["update"].is_object() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no first update: {body}");
    }
    let second = served.request("dynamics.quits.base_rate=0.2");
    let (_, ended) = served.follow(first);
    assert_eq!(ended["status"], "cancelled", "{ended}");
    assert!(ended["trials_done"].as_u64().unwrap() < 400, "{ended}");
    let (_, runs) = served.json(served.get("/api/status"));
    let status_of =
        |id: u64| runs["runs"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap()["status"].clone();
    assert_eq!(status_of(first), "cancelled");
    assert!(status_of(second) == "running" || status_of(second) == "queued", "{runs}");
}

#[test]
fn in_a_browser_the_page_moves_a_control_and_the_ranking_changes() {
    let Some(browser) = attrition::report::chromium() else {
        println!("skipped: no chromium on PATH (Debian: apt-get install chromium)");
        return;
    };
    let work = WorkDir::new("serve-browser");
    let served = Served::start(&work, 16);
    // The page loads with a state in its URL, then its test hook moves a control
    // as a person would (input and change events) and records the ranking before
    // and after.
    let url = format!(
        "http://{}/?dynamics.quits.base_rate=0.2#test-change=policy.credit_accuracy=0.95",
        served.address
    );
    let output = std::process::Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=60000", "--dump-dom"])
        .arg(format!("--user-data-dir={}", work.path.join("profile").display()))
        .arg(&url)
        .output()
        .expect("chromium starts");
    let dom = String::from_utf8_lossy(&output.stdout);
    let attribute = |name: &str| {
        let start = dom.find(&format!("data-{name}=\""))? + name.len() + 7;
        Some(dom[start..start + dom[start..].find('"')?].to_owned())
    };
    let before = attribute("before").unwrap_or_else(|| panic!("no first ranking in the page:\n{dom}"));
    let after = attribute("after").unwrap_or_else(|| panic!("no second ranking in the page:\n{dom}"));
    assert!(before.contains("common practice") && after.contains("common practice"), "{before}");
    assert_ne!(before, after, "moving the control changed the ranking table");
    let changed = attribute("changed").unwrap();
    assert!(
        changed.contains("policy.credit_accuracy=0.95") && changed.contains("dynamics.quits.base_rate=0.2"),
        "the URL holds the state: {changed}"
    );
}

#[test]
fn while_the_page_waits_the_next_moves_run_and_a_move_is_answered_from_them() {
    let work = WorkDir::new("serve-prefetch");
    let lever = LEVER.replace('"', "%22").replace(' ', "+");
    let served = Served::start(&work, 16);
    let (_, opened) = served.follow(served.request(&format!("{lever}=0.8")));
    assert_eq!(opened["reused"], false);
    served.until_prefetched();
    // One step of the slider: answered from the results run while the page waited,
    // and they are `attrition run --set`'s numbers.
    let (progress, moved) = served.follow(served.request(&format!("{lever}=0.85")));
    let ended = |run: &Value| (run["status"].as_str().map(str::to_owned), run["reused"].as_bool());
    assert_eq!(ended(&moved), (Some("done".to_owned()), Some(true)));
    assert!(progress.is_empty() || progress == [16], "no partial updates: {progress:?}");
    let set = format!("{LEVER}=0.85");
    let ci_tech_org = scenario("ci/tech_org.toml");
    let flags =
        ["run", &ci_tech_org, "--trials", "16", "--set", &set, "--outputs", "csv", "-q", "--out", "cli"];
    assert_success(&work.run(&flags));
    let summary = std::fs::read(work.path.join("cli/ci_tech_org/summary.csv")).unwrap();
    assert_eq!(moved["update"]["summary_sha256"], sha256_hex(&summary));
    // So was a menu's other choice from the first state; a move two steps from
    // every state asked for was not run.
    let menu = format!("{lever}=0.8&arms.%22overhead+rota%22.overhead_allocation=random");
    let (_, menu) = served.follow(served.request(&menu));
    assert_eq!(ended(&menu), (Some("done".to_owned()), Some(true)));
    let (_, far) = served.follow(served.request(&format!("{lever}=0.6")));
    assert_eq!(ended(&far), (Some("done".to_owned()), Some(false)));

    // Without prefetching, the same move runs when asked.
    let work = WorkDir::new("serve-no-prefetch");
    let served = Served::start_with(&work, 16, &["--no-prefetch"]);
    served.follow(served.request(&format!("{lever}=0.8")));
    let (_, status) = served.json(served.get("/api/status"));
    assert_eq!(status["prefetch"]["waiting"], 0, "{status}");
    let (_, moved) = served.follow(served.request(&format!("{lever}=0.85")));
    assert_eq!(ended(&moved), (Some("done".to_owned()), Some(false)));
}
