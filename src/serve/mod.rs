//! `attrition serve`: a local web page on which a person moves a scenario's
//! controls (`[controls]`) and watches the answer update.
//!
//! A small synchronous server (tiny_http, a thread per request, at most
//! [`MAX_HANDLERS`] at once) in front of [`live::Live`], which runs the newest
//! request in growing trial ranges and publishes an update after each. The page's
//! results are the report's own views ([`crate::report::render_live`]) of the
//! tables `attrition run` would write, read back as a report reads them, so the
//! page cannot show other numbers than `attrition run --set` gives.
//!
//! Requests are bounded ([`MAX_BODY_BYTES`], [`MAX_URL_BYTES`]); a value is
//! validated like `--set` and refused with its message (400); only the page's own
//! embedded assets are served; a handler that panics answers 500 and the server
//! goes on; a client that stalls holds one handler (or one refusal), not the
//! thread that accepts requests, and at most 30 seconds: one that announces a
//! body and never sends it is answered 408 then, and one that never reads its
//! answer is dropped then.

pub mod live;
pub mod neighbours;
mod page;
pub mod state;

use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use tiny_http::{Header, Method, Request, Response};

use crate::config::controls::Control;
use crate::config::{self, Config, ScenarioError};

pub use live::{Candidate, Live, Scenario};
pub use state::State;

/// Steps either way of each slider that are run while the page waits (a person
/// often drags a slider a few steps, not one).
pub const NEXT_MOVE_STEPS: usize = 3;

/// Largest request body accepted (a form of control values is a few hundred bytes).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Longest request URL accepted.
pub const MAX_URL_BYTES: usize = 8 * 1024;
/// Requests handled at once; more are answered 503 at once.
pub const MAX_HANDLERS: usize = 32;
/// Longest a request for an update waits for one.
const UPDATE_WAIT: Duration = Duration::from_secs(20);
/// Longest a write to a client may block: one that never reads its answer holds a
/// handler only this long (tiny_http sets no timeouts of its own).
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest a read from a client may block once its request has arrived: one that
/// announces a body and never sends it holds a handler only this long, then is
/// answered 408. Longer than [`UPDATE_WAIT`], so a page waiting for an update keeps
/// its connection. Set on each request's connection ([`on_connection`]): on the
/// listening socket, the only one tiny_http lets us reach, it would also end its
/// `accept` after as long without a new connection.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The scenario has no controls to offer.
    #[error(
        "{}: the scenario has no [controls] table, so the page would have nothing to change; add one (README, \"Live what-if\")",
        .0.display()
    )]
    NoControls(std::path::PathBuf),
    /// Binding the address failed.
    #[error("cannot listen on {address}: {why}")]
    Bind {
        /// The address.
        address: String,
        /// Why.
        why: String,
    },
}

/// A server listening, not yet answering.
pub struct Server {
    http: tiny_http::Server,
    app: Arc<App>,
}

/// What the handlers share.
struct App {
    live: Arc<Live>,
    /// The scenario as validated with `serve`'s flags and no control set.
    base: Config,
    /// The scenario's text parsed, for the values it sets.
    table: toml::Table,
    /// The address listened on, which identifies a request's connection with the
    /// client's ([`on_connection`]).
    local: Option<SocketAddr>,
    /// Requests being handled, at most [`MAX_HANDLERS`].
    handlers: AtomicUsize,
    /// 503 refusals being sent, at most [`MAX_HANDLERS`].
    refusals: AtomicUsize,
    /// Whether the states one move from the page's are run while it waits.
    prefetch: bool,
}

impl Server {
    /// Binds `address` (port 0 picks a free one) for the validated `base`; with
    /// `prefetch`, the states one move from the page's run while it waits.
    pub fn bind(address: &str, base: Config, scenario: Scenario, prefetch: bool) -> Result<Self, ServeError> {
        if base.controls.is_empty() {
            return Err(ServeError::NoControls(scenario.file.clone()));
        }
        let bind_error = |why: String| ServeError::Bind { address: address.to_owned(), why };
        let listener = std::net::TcpListener::bind(address).map_err(|error| bind_error(error.to_string()))?;
        time_out_writes(&listener, WRITE_TIMEOUT).map_err(|error| bind_error(error.to_string()))?;
        let local = listener.local_addr().ok();
        let http = tiny_http::Server::from_listener(listener, None)
            .map_err(|error| bind_error(error.to_string()))?;
        let table = toml::from_str(&scenario.text).unwrap_or_default();
        let app = Arc::new(App {
            live: Live::start(scenario),
            base,
            table,
            local,
            handlers: AtomicUsize::new(0),
            refusals: AtomicUsize::new(0),
            prefetch,
        });
        Ok(Self { http, app })
    }

    /// The address listened on.
    pub fn address(&self) -> Option<SocketAddr> {
        self.http.server_addr().to_ip()
    }

    /// Answers requests until the process ends.
    pub fn serve(self) {
        for request in self.http.incoming_requests() {
            // Without it the request still gets its answer, only unbounded.
            let _ =
                on_connection(&request, self.app.local, |stream| stream.set_read_timeout(Some(READ_TIMEOUT)));
            let app = Arc::clone(&self.app);
            if app.handlers.fetch_add(1, Ordering::SeqCst) >= MAX_HANDLERS {
                app.handlers.fetch_sub(1, Ordering::SeqCst);
                refuse(&app, request);
                continue;
            }
            let spawned = std::thread::Builder::new().name("serve-handler".to_owned()).spawn({
                let app = Arc::clone(&app);
                move || {
                    app.answer(request);
                    app.handlers.fetch_sub(1, Ordering::SeqCst);
                }
            });
            if spawned.is_err() {
                app.handlers.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
}

/// The states one move of a control from `state` (whose validated configuration
/// is `config`; `table` is the scenario's text parsed), as candidates for
/// [`Live::speculate`].
pub fn next_moves(
    controls: &[Control],
    table: &toml::Table,
    state: &State,
    config: &Config,
) -> Vec<Candidate> {
    let resolved = serde_json::to_value(config).unwrap_or_default();
    neighbours::neighbours(controls, state, table, &resolved, NEXT_MOVE_STEPS)
        .into_iter()
        .map(|moved| Candidate {
            state: moved.state.query(controls),
            overrides: moved.state.overrides(controls),
            steps: moved.steps,
        })
        .collect()
}

/// Answers 503 to a request beyond the handlers, off the accepting thread: a
/// request dropped with its body unread has tiny_http read the body out first,
/// and a client may announce a body it never sends, which on the accepting thread
/// would stop every other request. At most [`MAX_HANDLERS`] refusals run at once;
/// beyond them the accepting thread refuses, and waits for the body (or for the
/// client to go).
fn refuse(app: &Arc<App>, request: Request) {
    let reply = || error(503, "too many requests at once; try again");
    if app.refusals.fetch_add(1, Ordering::SeqCst) >= MAX_HANDLERS {
        app.refusals.fetch_sub(1, Ordering::SeqCst);
        let _ = request.respond(reply());
        return;
    }
    let refusing = Arc::clone(app);
    let spawned = std::thread::Builder::new().name("serve-refusal".to_owned()).spawn(move || {
        let _ = request.respond(reply());
        refusing.refusals.fetch_sub(1, Ordering::SeqCst);
    });
    if spawned.is_err() {
        app.refusals.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Sets a send timeout on `listener`, which the connections it accepts inherit
/// (Linux and the BSDs copy a listening socket's options into each accepted one;
/// tiny_http takes the accepted sockets as they are). Not a receive timeout: that
/// one also bounds `accept` on the listener, and tiny_http stops serving at the
/// first `accept` that fails.
fn time_out_writes(listener: &std::net::TcpListener, timeout: Duration) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let value = libc::timeval {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_usec: libc::suseconds_t::from(timeout.subsec_micros() as i32),
    };
    // SAFETY: the descriptor is the listener's own, open for this call, and the
    // option value is a `timeval` of exactly the length given.
    let status = unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_SNDTIMEO,
            (&raw const value).cast(),
            size_of::<libc::timeval>() as libc::socklen_t,
        )
    };
    match status {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

/// Calls `act` on the connection `request` came on (to `local`), to set what
/// tiny_http does not: it hands over requests, not their sockets, so the socket is
/// found among the process's open descriptors (Linux's `/proc/self/fd`) by its two
/// addresses, which no other open connection shares. Whether it was found;
/// elsewhere than on Linux, never.
fn on_connection(
    request: &Request,
    local: Option<SocketAddr>,
    act: impl FnOnce(&std::net::TcpStream) -> std::io::Result<()>,
) -> std::io::Result<bool> {
    match (request.remote_addr(), local) {
        (Some(&peer), Some(local)) => on_connection_between(peer, local, act),
        _ => Ok(false),
    }
}

/// [`on_connection`] for the connection from `peer` to `local`.
fn on_connection_between(
    peer: SocketAddr,
    local: SocketAddr,
    act: impl FnOnce(&std::net::TcpStream) -> std::io::Result<()>,
) -> std::io::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::{FromRawFd, OwnedFd, RawFd};
        for entry in std::fs::read_dir("/proc/self/fd")? {
            let Some(fd) = entry?.file_name().to_str().and_then(|name| name.parse::<RawFd>().ok()) else {
                continue;
            };
            // A copy of the descriptor, ours to close: the socket's options are
            // the socket's, whichever descriptor sets them. The original may have
            // closed since it was listed, and its number been reused: the copy is
            // then of something else, whose addresses do not match.
            // SAFETY: `dup` takes any number and returns a new descriptor or -1.
            let copy = unsafe { libc::dup(fd) };
            if copy < 0 {
                continue;
            }
            // SAFETY: `copy` is open and owned by nothing else.
            let stream = std::net::TcpStream::from(unsafe { OwnedFd::from_raw_fd(copy) });
            if stream.peer_addr().ok() == Some(peer) && stream.local_addr().ok() == Some(local) {
                act(&stream)?;
                return Ok(true);
            }
        }
    }
    let _ = (peer, local, act);
    Ok(false)
}

/// A response with a body.
type Reply = Response<std::io::Cursor<Vec<u8>>>;

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("the server's own headers are ASCII")
}

fn with_type(body: impl Into<Vec<u8>>, status: u16, content_type: &str) -> Reply {
    Response::from_data(body.into())
        .with_status_code(status)
        .with_header(header("Content-Type", content_type))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"))
}

fn json_reply(status: u16, value: &serde_json::Value) -> Reply {
    with_type(value.to_string(), status, "application/json; charset=utf-8")
}

fn error(status: u16, message: &str) -> Reply {
    json_reply(status, &json!({ "error": message }))
}

impl App {
    /// Answers one request; a panic in the handler is a 500, never a dead server.
    fn answer(&self, mut request: Request) {
        let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.route(&mut request)))
            .unwrap_or_else(|_| error(500, "the server failed on this request (a bug); it goes on serving"));
        let _ = request.respond(reply);
    }

    fn route(&self, request: &mut Request) -> Reply {
        let url = request.url().to_owned();
        if url.len() > MAX_URL_BYTES {
            return error(414, &format!("the URL is {} bytes; at most {MAX_URL_BYTES} are read", url.len()));
        }
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        match (request.method(), path) {
            (Method::Get, "/") => self.page(query),
            (Method::Post, "/api/run") => match body(request, self.local) {
                Ok(form) => self.run(&form),
                Err(reply) => reply,
            },
            (Method::Get, "/api/run") => self.run(query),
            (Method::Get, "/api/update") => self.update(query),
            (Method::Get, "/api/status") => {
                let (runs, prefetch) = (self.live.runs(), self.live.prefetch());
                json_reply(200, &json!({ "runs": runs, "prefetch": prefetch }))
            }
            (Method::Get, "/scenario.toml") => self.scenario_file(query),
            (Method::Get, "/report.html") => self.report(query),
            (_, "/" | "/api/run" | "/api/update" | "/api/status" | "/scenario.toml" | "/report.html") => {
                error(405, "method not allowed")
            }
            _ => error(404, &format!("{path}: not a page of attrition serve")),
        }
    }

    /// The state a query stands for and its validated configuration, or the 400
    /// that says why not (the message `attrition run --set` gives).
    fn configure(&self, query: &str) -> Result<(State, Config), Reply> {
        let state = State::parse(query, &self.base.controls).map_err(|e| error(400, &e.to_string()))?;
        let config = self.validate(&state).map_err(|e| error(400, &e.to_string()))?;
        Ok((state, config))
    }

    /// Validates the scenario with the state's values as `--set` flags, exactly as
    /// `attrition run` validates them, then `serve`'s `--trials` and `--seed`.
    fn validate(&self, state: &State) -> Result<Config, ScenarioError> {
        self.live.configure(&state.overrides(&self.base.controls))
    }

    fn page(&self, query: &str) -> Reply {
        // A URL whose state does not validate still gets the page, which says why.
        let state = State::parse(query, &self.base.controls).unwrap_or_default();
        let html = page::render(&self.base, &self.table, &state, self.live.file());
        with_type(html, 200, "text/html; charset=utf-8")
    }

    fn run(&self, form: &str) -> Reply {
        let (state, config) = match self.configure(form) {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        let controls = &self.base.controls;
        let (query, set) = (state.query(controls), state.set_flags(controls));
        let command = self.live.command(&set);
        let id = self.live.request(config.clone(), query.clone(), set);
        if self.prefetch {
            self.live.speculate(next_moves(controls, &self.table, &state, &config));
        }
        json_reply(200, &json!({ "run": id, "state": query, "command": command }))
    }

    fn update(&self, query: &str) -> Reply {
        let mut run = None;
        let mut after = 0;
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("run", id)) => run = id.parse::<u64>().ok(),
                Some(("after", seq)) => after = seq.parse::<u64>().unwrap_or(0),
                _ => {}
            }
        }
        let Some(run) = run else { return error(400, "give the run's number: /api/update?run=N&after=SEQ") };
        match self.live.wait(run, after, UPDATE_WAIT) {
            None => error(404, &format!("run {run} is not one of the runs this server remembers")),
            Some(record) => json_reply(
                200,
                &json!({
                    "run": record.id,
                    "status": record.status,
                    "trials_done": record.trials_done,
                    "trials_total": record.trials_total,
                    "reused": record.reused,
                    "update": record.latest.as_deref(),
                }),
            ),
        }
    }

    fn scenario_file(&self, query: &str) -> Reply {
        let (state, config) = match self.configure(query) {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        let mut overrides = state.overrides(&self.base.controls);
        let (trials, seed) = self.live.flags();
        if trials.is_some() {
            overrides.push(config::Override {
                field: "simulation.trials".to_owned(),
                value: toml::Value::Integer(i64::from(config.trials)),
            });
        }
        if seed.is_some() {
            // A seed above i64's range has no TOML integer form: say so, do not wrap.
            let Ok(seed) = i64::try_from(config.seed) else {
                return error(422, "the seed is above 2^63 and has no TOML form; run with --seed instead");
            };
            overrides.push(config::Override {
                field: "simulation.seed".to_owned(),
                value: toml::Value::Integer(seed),
            });
        }
        let command = self.live.command(&state.set_flags(&self.base.controls)).join(" ");
        let note = format!(
            "Written by attrition serve: {} with the page's settings applied, so that\n`attrition run` on this \
             file gives what the page showed\n(the same as: {command}).\n",
            self.live.file().display()
        );
        match crate::calibrate::edit::write_values(self.live.text(), &overrides, &note) {
            Ok(text) => with_type(text, 200, "application/toml; charset=utf-8")
                .with_header(header("Content-Disposition", &attachment(self.live.file(), "toml"))),
            Err(why) => error(500, &why.to_string()),
        }
    }

    fn report(&self, query: &str) -> Reply {
        let (_, config) = match self.configure(query) {
            Ok(found) => found,
            Err(reply) => return reply,
        };
        match self.live.finished(&config).and_then(|update| update.report.clone()) {
            Some(report) => with_type(report.as_bytes().to_vec(), 200, "text/html; charset=utf-8")
                .with_header(header("Content-Disposition", &attachment(self.live.file(), "html"))),
            None => error(
                409,
                "these settings have not finished running; the report is ready when the page shows every trial",
            ),
        }
    }
}

/// A download's file name: the scenario's, marked as the page's settings.
fn attachment(file: &Path, extension: &str) -> String {
    let stem = file.file_stem().and_then(|stem| stem.to_str()).unwrap_or("scenario");
    let safe: String = stem.chars().filter(|c| c.is_ascii_alphanumeric() || "-_".contains(*c)).collect();
    format!("attachment; filename=\"{safe}-live.{extension}\"")
}

/// The request's body as text, at most [`MAX_BODY_BYTES`]: a longer one is 413,
/// one that has not arrived after [`READ_TIMEOUT`] 408 (the connection, on which
/// the rest could still come, is then read no further).
fn body(request: &mut Request, local: Option<SocketAddr>) -> Result<String, Reply> {
    let too_large = || error(413, &format!("the request body is over {MAX_BODY_BYTES} bytes"));
    if request.body_length().is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    let read = request.as_reader().take(MAX_BODY_BYTES as u64 + 1).read_to_end(&mut bytes);
    match read {
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
            // tiny_http reads out an unread body after the answer: without this
            // it would wait as long again.
            let _ = on_connection(request, local, |stream| stream.shutdown(std::net::Shutdown::Read));
            let waited = READ_TIMEOUT.as_secs();
            return Err(error(408, &format!("the request body did not arrive within {waited} seconds")));
        }
        Err(e) => return Err(error(400, &format!("reading the request body: {e}"))),
        Ok(_) => {}
    }
    if bytes.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|_| error(400, "the request body is not UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    use super::{on_connection_between, time_out_writes};

    #[test]
    fn accepted_connections_time_out_writes_and_the_listener_waits_for_them() {
        let timeout = Duration::from_millis(100);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        time_out_writes(&listener, timeout).unwrap();
        let address = listener.local_addr().unwrap();
        // Connects well after the timeout: an `accept` bounded by it (a receive
        // timeout on the listener) would have failed by then, and tiny_http would
        // have stopped serving.
        let late = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(400));
            TcpStream::connect(address).unwrap()
        });
        let waited = Instant::now();
        let (accepted, _) = listener.accept().expect("accept waits for a connection");
        assert!(waited.elapsed() >= Duration::from_millis(300), "{:?}", waited.elapsed());
        let _client = late.join().unwrap();
        assert_eq!(accepted.write_timeout().unwrap(), Some(timeout), "inherited from the listener");
        assert_eq!(accepted.read_timeout().unwrap(), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_connection_is_found_by_its_addresses_and_its_reads_time_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let local = listener.local_addr().unwrap();
        let client = TcpStream::connect(local).unwrap();
        let other = TcpStream::connect(local).unwrap();
        let (accepted, peer) = listener.accept().unwrap();
        let (untouched, _) = listener.accept().unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        let timeout = Duration::from_millis(200);
        let time_out = |stream: &TcpStream| stream.set_read_timeout(Some(timeout));
        assert!(on_connection_between(peer, local, time_out).unwrap());
        assert_eq!(accepted.read_timeout().unwrap(), Some(timeout));
        assert_eq!(untouched.read_timeout().unwrap(), None, "only that connection");
        // A read that nothing answers now ends, as a body that never comes would.
        let started = Instant::now();
        let error = std::io::Read::read(&mut &accepted, &mut [0u8; 8]).unwrap_err();
        assert!(matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut));
        assert!(started.elapsed() < Duration::from_secs(5));
        // No connection from elsewhere: nothing found, nothing changed.
        let stranger = "127.0.0.1:9".parse().unwrap();
        assert!(!on_connection_between(stranger, local, time_out).unwrap());
        drop((client, other));
    }
}
