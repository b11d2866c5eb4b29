//! gRPC next to REST in the same run (built as the `grpc_vs_rest` example of
//! shonen-server; run by `bench/grpc_vs_rest.sh`).
//!
//! Registers four groups of `PLAYERS` players, then runs eight phases of `SECONDS`
//! each with `CONCURRENCY` workers, every worker on its own connection (by default
//! reqwest, HTTP/1.1 keep-alive, for REST and a tonic `Channel` for gRPC;
//! `CLIENTS=hyper`: hyper-util's client for both, HTTP/1.1 and HTTP/2 under tonic's
//! generated client): LogActivity as REST, gRPC, gRPC, REST (each phase on its own fresh
//! group), then GetDashboard in the same order (all players). Each call carries a
//! token picked at random among the worker's own players (every `CONCURRENCY`-th
//! player of the group, as each app's connection carries its own user's token), or
//! among the whole group with `TOKENS=any` (a connection carrying many users'
//! tokens, which HTTP/2's header table cannot keep: each call then sends its token
//! in full). Prints requests/s, p50/p99 and the server's and the
//! client's CPU per call for each phase, then per protocol the gRPC/REST ratio.
//!
//! The tonic channel sends each call in one write (`GRPC_WRITES=one`, the default),
//! as reqwest sends each REST request and as gRPC's C-core clients (Python grpcio
//! among them) send a unary call; `GRPC_WRITES=split` keeps hyper's HTTP/2 client as
//! it comes, which writes a request's DATA frame in a second write (`OneWrite`).

use serde_json::{Value, json};
use shonen_server::grpc::proto::shonen_client::ShonenClient;
use shonen_server::grpc::proto::{GetDashboardRequest, LogActivityRequest};
use shonen_server::serve::coalesce::Coalesce;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;

// The server's allocator for the client too: with glibc's malloc the REST client's
// CPU per call grew from 41 to 55 us over a run, and the figures measured the client.
#[global_allocator]
static ALLOCATOR: shonen_server::alloc::Allocator = shonen_server::alloc::Allocator;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Log,
    Dashboard,
}

struct Phase {
    ok: usize,
    errors: usize,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    fn pct(&mut self, p: f64) -> f64 {
        self.latencies.sort();
        if self.latencies.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies.len() as f64 * p) as usize).min(self.latencies.len() - 1);
        self.latencies[i].as_secs_f64() * 1000.0
    }
}

/// The server's CPU time so far (user + system, in clock ticks of 10 ms), when the
/// script passes its pid in `SERVER_PID` (Linux).
fn server_cpu_ticks() -> Option<u64> {
    cpu_ticks(&std::env::var("SERVER_PID").ok()?)
}

/// A process's CPU time so far (user + system, in clock ticks of 10 ms; Linux).
fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, user, system) = stat_times(&stat)?;
    Some(user + system)
}

/// The command name, user and system CPU (clock ticks) of a `/proc/<pid>/stat` line:
/// utime and stime are the 14th and 15th fields, counted from the start of the line
/// (the 12th and 13th after the parenthesised command name).
fn stat_times(stat: &str) -> Option<(&str, u64, u64)> {
    let (head, rest) = stat.rsplit_once(')')?;
    let name = head.split_once('(')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some((
        name,
        fields.get(11)?.parse().ok()?,
        fields.get(12)?.parse().ok()?,
    ))
}

/// CPU of every process named `postgres` on the machine so far (ticks).
fn postgres_ticks() -> u64 {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return 0;
    };
    procs
        .flatten()
        .filter_map(|p| std::fs::read_to_string(p.path().join("stat")).ok())
        .filter_map(|stat| match stat_times(&stat) {
            Some(("postgres", user, system)) => Some(user + system),
            _ => None,
        })
        .sum()
}

/// A process's counters, for `DETAIL=1`: user and system CPU (ticks) and context
/// switches summed over its threads (voluntary, involuntary); for the server, also
/// the CPU of the PostgreSQL processes.
#[derive(Clone, Copy, Default)]
struct Counters {
    user: u64,
    system: u64,
    voluntary: u64,
    involuntary: u64,
    database: Option<u64>,
}

impl Counters {
    fn read(pid: &str, with_database: bool) -> Option<Counters> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let (_, user, system) = stat_times(&stat)?;
        let mut c = Counters {
            user,
            system,
            database: with_database.then(postgres_ticks),
            ..Counters::default()
        };
        for task in std::fs::read_dir(format!("/proc/{pid}/task"))
            .ok()?
            .flatten()
        {
            let Ok(status) = std::fs::read_to_string(task.path().join("status")) else {
                continue;
            };
            for line in status.lines() {
                let count = |v: &str| v.trim().parse::<u64>().unwrap_or(0);
                match line.split_once(':') {
                    Some(("voluntary_ctxt_switches", v)) => c.voluntary += count(v),
                    Some(("nonvoluntary_ctxt_switches", v)) => c.involuntary += count(v),
                    _ => {}
                }
            }
        }
        Some(c)
    }

    /// One line of per-call figures between two readings.
    fn per_call(who: &str, before: Counters, after: Counters, calls: usize) -> String {
        let per = |a: u64, b: u64| b.saturating_sub(a) as f64 / calls.max(1) as f64;
        let database = match (before.database, after.database) {
            (Some(a), Some(b)) => format!("; PostgreSQL {:.0} us", per(a, b) * 10_000.0),
            _ => String::new(),
        };
        format!(
            "  {who} per call: user {:.0} us, system {:.0} us, \
             context switches {:.2} voluntary + {:.2} involuntary{database}",
            per(before.user, after.user) * 10_000.0,
            per(before.system, after.system) * 10_000.0,
            per(before.voluntary, after.voluntary),
            per(before.involuntary, after.involuntary),
        )
    }
}

/// A cheap per-worker random pick (no shared RNG between workers).
fn pick(seed: &mut u64, n: usize) -> usize {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    (*seed % n as u64) as usize
}

/// The HTTP client stack: each ecosystem's usual client (reqwest for REST, a tonic
/// `Channel` for gRPC), or hyper-util's client for both (the same library, only
/// the protocol differs).
#[derive(Clone, Copy, PartialEq)]
enum Clients {
    Hyper,
    Stock,
}

type HyperClient<B> =
    hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, B>;

fn hyper_builder() -> hyper_util::client::legacy::Builder {
    let mut b = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new());
    b.pool_max_idle_per_host(1);
    b
}

/// A connector with Nagle's algorithm off, as reqwest and tonic set it (else an
/// HTTP/2 request's HEADERS and DATA frames wait on a delayed ACK).
fn connector() -> hyper_util::client::legacy::connect::HttpConnector {
    let mut c = hyper_util::client::legacy::connect::HttpConnector::new();
    c.set_nodelay(true);
    c
}

/// How the tonic channel hands a call to the socket (`GRPC_WRITES`).
#[derive(Clone, Copy, PartialEq)]
enum Writes {
    /// HEADERS and DATA in one write (`OneWrite`).
    One,
    /// hyper's HTTP/2 client as it comes: HEADERS, then DATA in a second write.
    Split,
}

/// A client socket that sends what its HTTP/2 connection task wrote over two
/// turns in one write. hyper's HTTP/2 client frames a request's HEADERS on one
/// turn of the connection task and its DATA on the next (the body is piped once
/// the stream has capacity), flushing after each: two segments per call, and the
/// second makes the server's kernel acknowledge at once from inside its read (a
/// measured 4 us of server CPU per call, which no REST request costs). Here the
/// first flush after bytes were written is answered without writing and wakes the
/// task; the connection task flushes again before it sleeps, and that flush writes
/// everything held. Nothing waits longer than one turn of the task.
struct OneWrite {
    inner: tokio::net::TcpStream,
    /// The server's HTTP/2 write coalescing (`serve::coalesce`), the same rule.
    held: Coalesce,
}

impl AsyncRead for OneWrite {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for OneWrite {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if let Some(n) = self.held.hold(&[std::io::IoSlice::new(buf)]) {
            return Poll::Ready(Ok(n));
        }
        // Too much to hold: what is held goes first, then this.
        let OneWrite { inner, held } = &mut *self;
        std::task::ready!(held.drain(inner, cx, |_| {}))?;
        Pin::new(inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.held.defer_flush() {
            cx.waker().wake_by_ref();
            return Poll::Ready(Ok(()));
        }
        let OneWrite { inner, held } = &mut *self;
        std::task::ready!(held.drain(inner, cx, |_| {}))?;
        Pin::new(inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let OneWrite { inner, held } = &mut *self;
        std::task::ready!(held.drain(inner, cx, |_| {}))?;
        Pin::new(inner).poll_shutdown(cx)
    }
}

/// A connected tonic channel to `base` (`None` when it cannot connect).
async fn grpc_channel(base: &str, writes: Writes) -> Option<Channel> {
    let endpoint = Channel::from_shared(base.to_string()).ok()?;
    if writes == Writes::Split {
        return endpoint.connect().await.ok();
    }
    let addr = endpoint.uri().authority()?.as_str().to_string();
    let connect = tower::service_fn(move |_: hyper::Uri| {
        let addr = addr.clone();
        async move {
            let inner = tokio::net::TcpStream::connect(addr).await?;
            // Nagle's algorithm off, as tonic's own connector sets it.
            inner.set_nodelay(true)?;
            Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(OneWrite {
                inner,
                held: Coalesce::http2(),
            }))
        }
    });
    endpoint.connect_with_connector(connect).await.ok()
}

/// Tallies one call: its latency when it succeeded.
fn tally(out: &mut (usize, usize, Vec<Duration>), started: Instant, success: bool) {
    if success {
        out.0 += 1;
        out.2.push(started.elapsed());
    } else {
        out.1 += 1;
    }
}

async fn rest_worker(
    base: String,
    tokens: Arc<Vec<String>>,
    op: Op,
    until: Instant,
    seed: u64,
    clients: Clients,
) -> (usize, usize, Vec<Duration>) {
    const LOG_BODY: &[u8] = br#"{"kind":"study","duration_min":30}"#;
    // Only the chosen client is used (each opens its connection on first use).
    let Ok(stock) = reqwest::Client::builder().pool_max_idle_per_host(1).build() else {
        return (0, 1, Vec::new());
    };
    let hyper: HyperClient<http_body_util::Full<bytes::Bytes>> = hyper_builder().build(connector());
    let mut out = (0, 0, Vec::new());
    let mut seed = seed;
    while Instant::now() < until {
        let token = &tokens[pick(&mut seed, tokens.len())];
        let started = Instant::now();
        let (path, body) = match op {
            Op::Log => ("/api/v1/activities", Some(LOG_BODY)),
            Op::Dashboard => ("/api/v1/dashboard", None),
        };
        // Read and decode the whole body, as a client would (the gRPC client
        // decodes its message too).
        let decoded = match clients {
            Clients::Stock => {
                let req = match body {
                    Some(b) => stock
                        .post(format!("{base}{path}"))
                        .header("content-type", "application/json")
                        .body(b),
                    None => stock.get(format!("{base}{path}")),
                };
                match req.bearer_auth(token).send().await {
                    Ok(r) if r.status().is_success() => r.bytes().await.ok(),
                    _ => None,
                }
            }
            Clients::Hyper => {
                use http_body_util::BodyExt;
                let req = hyper::Request::builder()
                    .method(if body.is_some() { "POST" } else { "GET" })
                    .uri(format!("{base}{path}"))
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(http_body_util::Full::new(bytes::Bytes::from_static(
                        body.unwrap_or_default(),
                    )));
                let Ok(req) = req else {
                    tally(&mut out, started, false);
                    continue;
                };
                match hyper.request(req).await {
                    Ok(r) if r.status().is_success() => {
                        r.into_body().collect().await.ok().map(|b| b.to_bytes())
                    }
                    _ => None,
                }
            }
        }
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
        tally(&mut out, started, decoded.is_some());
    }
    out
}

async fn grpc_calls<T>(
    mut client: ShonenClient<T>,
    tokens: Arc<Vec<MetadataValue<tonic::metadata::Ascii>>>,
    op: Op,
    until: Instant,
    seed: u64,
) -> (usize, usize, Vec<Duration>)
where
    T: tonic::client::GrpcService<tonic::body::Body>,
    T::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    T::ResponseBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    <T::ResponseBody as http_body::Body>::Error:
        Into<Box<dyn std::error::Error + Send + Sync>> + Send,
{
    let mut out = (0, 0, Vec::new());
    let mut seed = seed;
    while Instant::now() < until {
        let token = tokens[pick(&mut seed, tokens.len())].clone();
        let started = Instant::now();
        let result = match op {
            Op::Log => {
                let mut req = tonic::Request::new(LogActivityRequest {
                    kind: "study".into(),
                    duration_min: Some(30.0),
                    ..Default::default()
                });
                req.metadata_mut().insert("authorization", token);
                client.log_activity(req).await.map(|_| ())
            }
            Op::Dashboard => {
                let mut req = tonic::Request::new(GetDashboardRequest {});
                req.metadata_mut().insert("authorization", token);
                client.get_dashboard(req).await.map(|_| ())
            }
        };
        tally(&mut out, started, result.is_ok());
    }
    out
}

async fn grpc_worker(
    base: String,
    shared: Option<Channel>,
    tokens: Arc<Vec<MetadataValue<tonic::metadata::Ascii>>>,
    op: Op,
    until: Instant,
    seed: u64,
    load: Load,
) -> (usize, usize, Vec<Duration>) {
    if let Some(channel) = shared {
        return grpc_calls(ShonenClient::new(channel), tokens, op, until, seed).await;
    }
    match load.clients {
        Clients::Stock => {
            // A worker that cannot connect reports one error and stops.
            let Some(channel) = grpc_channel(&base, load.writes).await else {
                return (0, 1, Vec::new());
            };
            grpc_calls(ShonenClient::new(channel), tokens, op, until, seed).await
        }
        Clients::Hyper => {
            let Ok(origin) = base.parse::<hyper::Uri>() else {
                return (0, 1, Vec::new());
            };
            let client: HyperClient<tonic::body::Body> =
                hyper_builder().http2_only(true).build(connector());
            grpc_calls(
                ShonenClient::with_origin(client, origin),
                tokens,
                op,
                until,
                seed,
            )
            .await
        }
    }
}

/// How each phase loads the server.
#[derive(Clone, Copy)]
struct Load {
    concurrency: usize,
    seconds: u64,
    clients: Clients,
    channels: usize,
    writes: Writes,
    tokens: Tokens,
}

/// Whose tokens a worker's calls carry (`TOKENS`).
#[derive(Clone, Copy, PartialEq)]
enum Tokens {
    /// Each worker keeps its own players (every `CONCURRENCY`-th of the group), as
    /// an app's connection carries its own user's token.
    Own,
    /// Any player of the group, picked per call: one connection carries many users'
    /// tokens (a gateway in front of the service).
    Any,
}

impl Tokens {
    /// The tokens worker `w` of `workers` picks from.
    fn of_worker<T: Clone>(self, all: &Arc<Vec<T>>, w: usize, workers: usize) -> Arc<Vec<T>> {
        if self == Tokens::Any || all.is_empty() {
            return all.clone();
        }
        Arc::new(
            all.iter()
                .skip(w % all.len())
                .step_by(workers.max(1))
                .cloned()
                .collect(),
        )
    }
}

async fn phase(base: &str, group: &Group, op: Op, grpc: bool, load: Load) -> Phase {
    let Load {
        concurrency,
        seconds,
        clients,
        channels,
        writes,
        tokens,
    } = load;
    // `CHANNELS=n` below the concurrency: the gRPC workers share n tonic channels,
    // several calls in flight on each HTTP/2 connection (connected before the clock
    // starts, as a worker's own channel is not).
    let mut shared = Vec::new();
    if grpc && channels < concurrency {
        for _ in 0..channels {
            if let Some(channel) = grpc_channel(base, writes).await {
                shared.push(channel);
            }
        }
    }
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut handles = Vec::new();
    for w in 0..concurrency {
        let seed = 0x9E37_79B9_7F4A_7C15u64 ^ ((w as u64 + 1) * 7919);
        let base = base.to_string();
        if grpc {
            let channel = (!shared.is_empty()).then(|| shared[w % shared.len()].clone());
            handles.push(tokio::spawn(grpc_worker(
                base,
                channel,
                tokens.of_worker(&group.grpc, w, concurrency),
                op,
                until,
                seed,
                load,
            )));
        } else {
            handles.push(tokio::spawn(rest_worker(
                base,
                tokens.of_worker(&group.rest, w, concurrency),
                op,
                until,
                seed,
                clients,
            )));
        }
    }
    let mut out = Phase {
        ok: 0,
        errors: 0,
        latencies: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for h in handles {
        if let Ok((ok, errors, lat)) = h.await {
            out.ok += ok;
            out.errors += errors;
            out.latencies.extend(lat);
        }
    }
    out.elapsed = started.elapsed();
    out
}

/// Waits until the server has been quiet (under 2% of a core over 250 ms) for a
/// second, or 15 s at most.
async fn settle(pid: Option<&str>) {
    let started = Instant::now();
    let mut quiet = 0;
    while quiet < 4 && started.elapsed() < Duration::from_secs(15) {
        let before = pid.and_then(cpu_ticks);
        tokio::time::sleep(Duration::from_millis(250)).await;
        let used = match (before, pid.and_then(cpu_ticks)) {
            // Ticks are 10 ms: at most one in 250 ms.
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => 0,
        };
        quiet = if used <= 1 { quiet + 1 } else { 0 };
    }
}

/// One group of freshly registered players: their tokens for each protocol.
struct Group {
    rest: Arc<Vec<String>>,
    grpc: Arc<Vec<MetadataValue<tonic::metadata::Ascii>>>,
}

async fn register_group(
    http: &reqwest::Client,
    base: &str,
    tag: &str,
    players: usize,
) -> Result<Group, Box<dyn std::error::Error>> {
    let mut tokens = Vec::new();
    for i in 0..players {
        let body: Value = http
            .post(format!("{base}/api/v1/auth/register"))
            .json(&json!({
                "username": format!("{tag}x{i}"),
                "email": format!("{tag}x{i}@example.com"),
                "password": "correct horse battery",
                "goals": {"strength": 0, "agility": 0, "intelligence": 9},
            }))
            .send()
            .await?
            .json()
            .await?;
        let token = body["token"]
            .as_str()
            .ok_or_else(|| format!("register failed: {body}"))?;
        tokens.push(token.to_string());
    }
    let grpc = tokens
        .iter()
        .map(|t| format!("Bearer {t}").parse())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Group {
        rest: Arc::new(tokens),
        grpc: Arc::new(grpc),
    })
}

/// Requests, time and CPU summed over a protocol's phases of one operation.
#[derive(Default)]
struct Totals {
    ok: usize,
    secs: f64,
    server_us: f64,
    client_us: f64,
}

impl Totals {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.secs
    }

    fn add(&mut self, other: &Totals) {
        self.ok += other.ok;
        self.secs += other.secs;
        self.server_us += other.server_us;
        self.client_us += other.client_us;
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("BASE").unwrap_or_else(|_| "http://127.0.0.1:18482".into());
    let players = env("PLAYERS", 64);
    let concurrency = env("CONCURRENCY", 32);
    let seconds = env("SECONDS", 15) as u64;
    // `ROUNDS=<n>`: the eight phases n times over (fresh players each round), so
    // that a machine drifting during the run weighs on both protocols alike.
    let rounds = env("ROUNDS", 1).max(1);
    // `ONLY=<text>` runs just the phases whose name contains it (to profile one).
    let only = std::env::var("ONLY").unwrap_or_default();
    // `CLIENTS=hyper`: hyper-util's client for both instead of reqwest and a tonic
    // Channel.
    let clients = match std::env::var("CLIENTS").as_deref() {
        Ok("hyper") => Clients::Hyper,
        _ => Clients::Stock,
    };
    // `CHANNELS=<n>` (below CONCURRENCY): the gRPC workers share n tonic channels
    // (HTTP/2 connections) instead of one each; REST keeps one HTTP/1.1 connection
    // per worker, as HTTP/1.1 carries one request at a time. With `CLIENTS=hyper`
    // every worker keeps its own connection.
    let channels = match clients {
        Clients::Stock => env("CHANNELS", concurrency).clamp(1, concurrency),
        Clients::Hyper => concurrency,
    };
    // `GRPC_WRITES=split`: the tonic channel writes each call's DATA frame apart
    // from its HEADERS, as hyper's HTTP/2 client does by itself (see `OneWrite`).
    let writes = match std::env::var("GRPC_WRITES").as_deref() {
        Ok("split") => Writes::Split,
        _ => Writes::One,
    };
    // `TOKENS=any`: every call carries a random player's token of the whole group,
    // instead of the worker's own players.
    let tokens = match std::env::var("TOKENS").as_deref() {
        Ok("any") => Tokens::Any,
        _ => Tokens::Own,
    };
    // `DETAIL=1`: after each phase, the server's and the client's user and system
    // CPU and context switches per call, and PostgreSQL's CPU per call.
    let detail = std::env::var("DETAIL").is_ok_and(|v| v == "1");
    let http = reqwest::Client::new();
    let run = std::process::id();

    // Each LogActivity phase writes for its own fresh players, so no phase finds
    // days already capped by an earlier one; the order is REST, gRPC, gRPC, REST so
    // that whatever drifts during the run (table size, caches) weighs on both.
    println!(
        "players={players} per write phase, concurrency={concurrency} seconds/phase={seconds} rounds={rounds} grpc connections={} tokens={} clients={} (shared machine: figures vary between runs)",
        channels,
        if tokens == Tokens::Own {
            "own players per worker"
        } else {
            "any player per call"
        },
        match (clients, writes) {
            (Clients::Hyper, _) => "hyper-util for both",
            (Clients::Stock, Writes::One) => "reqwest / tonic Channel, one write per call",
            (Clients::Stock, Writes::Split) =>
                "reqwest / tonic Channel, HEADERS and DATA written apart",
        }
    );
    println!(
        "{:<26} {:>10} {:>9} {:>9} {:>7} {:>16} {:>17}",
        "phase", "req/s", "p50 ms", "p99 ms", "errors", "server CPU us/req", "client CPU us/req"
    );
    let load = Load {
        concurrency,
        seconds,
        clients,
        channels,
        writes,
        tokens,
    };
    // [operation][protocol], over all rounds and per round
    let mut totals: [[Totals; 2]; 2] = Default::default();
    let mut ratios: [Vec<f64>; 2] = Default::default();
    for round in 0..rounds {
        let run = format!("{run}r{round}");
        let mut groups = Vec::new();
        for g in 0..4 {
            groups.push(register_group(&http, &base, &format!("g{run}p{g}"), players).await?);
        }
        let all = Group {
            rest: Arc::new(groups.iter().flat_map(|g| g.rest.iter().cloned()).collect()),
            grpc: Arc::new(groups.iter().flat_map(|g| g.grpc.iter().cloned()).collect()),
        };
        // What registering left running (password hashing's tail, the jobs and
        // announcements of new players, the database's own upkeep) ends before the
        // first phase, so that it is not charged to whichever protocol goes first.
        settle(std::env::var("SERVER_PID").ok().as_deref()).await;
        if detail {
            // A mark for profilers to start counting from (callgrind_control -z).
            println!("round {round}: players registered");
        }

        let mut round_totals: [[Totals; 2]; 2] = Default::default();
        let phases = [
            ("LogActivity  REST (1)", Op::Log, false, &groups[0]),
            ("LogActivity  gRPC (1)", Op::Log, true, &groups[1]),
            ("LogActivity  gRPC (2)", Op::Log, true, &groups[2]),
            ("LogActivity  REST (2)", Op::Log, false, &groups[3]),
            ("GetDashboard REST (1)", Op::Dashboard, false, &all),
            ("GetDashboard gRPC (1)", Op::Dashboard, true, &all),
            ("GetDashboard gRPC (2)", Op::Dashboard, true, &all),
            ("GetDashboard REST (2)", Op::Dashboard, false, &all),
        ];
        for (name, op, grpc, group) in phases {
            if !name.contains(only.as_str()) {
                continue;
            }
            let pid = std::env::var("SERVER_PID").ok();
            // Each phase starts on a quiet server: what the previous phase left
            // running (its events, board announcements, cache upkeep) is not charged
            // to this one. Without it, the phase after the round's first always paid
            // for it, and three of the four write phases follow one.
            settle(pid.as_deref()).await;
            let counters_before = pid
                .as_deref()
                .filter(|_| detail)
                .and_then(|pid| Counters::read(pid, true));
            let client_counters_before = detail.then(|| Counters::read("self", false)).flatten();
            let cpu_before = server_cpu_ticks();
            let client_before = cpu_ticks("self");
            let mut p = phase(&base, group, op, grpc, load).await;
            let per_req = |before: Option<u64>, after: Option<u64>| match (before, after) {
                (Some(a), Some(b)) if p.ok > 0 => Some((b - a) as f64 * 10_000.0 / p.ok as f64),
                _ => None,
            };
            let server_us = per_req(cpu_before, server_cpu_ticks());
            let client_us = per_req(client_before, cpu_ticks("self"));
            let show = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0}"));
            println!(
                "{:<26} {:>10.0} {:>9.2} {:>9.2} {:>7} {:>16} {:>17}",
                name,
                p.rate(),
                p.pct(0.50),
                p.pct(0.99),
                p.errors,
                show(server_us),
                show(client_us)
            );
            if let (Some(before), Some(after)) = (
                counters_before,
                pid.as_deref().and_then(|pid| Counters::read(pid, true)),
            ) {
                println!("{}", Counters::per_call("server", before, after, p.ok));
            }
            if let (Some(before), Some(after)) =
                (client_counters_before, Counters::read("self", false))
            {
                println!("{}", Counters::per_call("client", before, after, p.ok));
            }
            let t = &mut round_totals[(op == Op::Dashboard) as usize][grpc as usize];
            t.ok += p.ok;
            t.secs += p.elapsed.as_secs_f64();
            t.server_us += server_us.unwrap_or(0.0) * p.ok as f64;
            t.client_us += client_us.unwrap_or(0.0) * p.ok as f64;
        }
        for (i, per_op) in round_totals.iter().enumerate() {
            let [rest, grpc] = per_op;
            if rest.ok > 0 && grpc.ok > 0 {
                ratios[i].push(grpc.rate() / rest.rate());
            }
            for (t, r) in totals[i].iter_mut().zip(per_op) {
                t.add(r);
            }
        }
    }
    let verdict = |r: f64| if r >= 1.0 { "PASS" } else { "MISS" };
    for (i, name) in ["LogActivity", "GetDashboard"].iter().enumerate() {
        let [rest, grpc] = &totals[i];
        if rest.ok == 0 || grpc.ok == 0 {
            continue;
        }
        let ratio = grpc.rate() / rest.rate();
        println!(
            "{name:<13} REST {:>7.0} req/s, gRPC {:>7.0} req/s: gRPC/REST {ratio:.2}x ({}, target >= 1.0); \
             server CPU per call {:.0} / {:.0} us ({:.2}x), client {:.0} / {:.0} us",
            rest.rate(),
            grpc.rate(),
            verdict(ratio),
            rest.server_us / rest.ok as f64,
            grpc.server_us / grpc.ok as f64,
            (grpc.server_us / grpc.ok as f64) / (rest.server_us / rest.ok as f64),
            rest.client_us / rest.ok as f64,
            grpc.client_us / grpc.ok as f64,
        );
        if ratios[i].len() > 1 {
            let mut sorted = ratios[i].clone();
            sorted.sort_by(f64::total_cmp);
            let shown: Vec<String> = ratios[i].iter().map(|r| format!("{r:.2}")).collect();
            // An even count's median is the mean of its two middle rounds.
            let n = sorted.len();
            let median = if n % 2 == 1 {
                sorted[n / 2]
            } else {
                (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
            };
            println!(
                "{:<13} gRPC/REST per round: {} (median {median:.2}x)",
                "",
                shown.join(" "),
            );
        }
    }
    Ok(())
}
