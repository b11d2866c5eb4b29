//! Fault tests with real parts: PostgreSQL behind a TCP proxy the test stops and
//! freezes (never the shared server itself), a private `redis-server` frozen with
//! SIGSTOP and restarted from an older snapshot, clients that stall mid-request,
//! a SQLite database on a full tmpfs, an oversized `Content-Length`, and a dev-clock
//! move whose save fails.

mod common;

use common::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shonen_server::Config;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

both_backends!(
    oversized_content_length_is_refused_at_once,
    a_client_still_sending_a_refused_body_reads_the_answer,
    dev_clock_saves_before_moving
);

// ---------------------------------------------------------------------------
// A TCP proxy in front of PostgreSQL: forwarding, down (connections cut and new
// ones refused) or partitioned (connections stay open, nothing goes through).

const FORWARD: u8 = 0;
const DOWN: u8 = 1;
const PARTITION: u8 = 2;

struct Proxy {
    addr: SocketAddr,
    mode: Arc<AtomicU8>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(AtomicU8::new(FORWARD));
        let m = mode.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let m = m.clone();
                tokio::spawn(async move {
                    if m.load(Ordering::SeqCst) == DOWN {
                        return; // dropped: the client sees the connection closed
                    }
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    pipe(client, server, m).await;
                });
            }
        });
        Proxy { addr, mode }
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }
}

/// Copies both ways while forwarding; holds (partition) or cuts (down) otherwise.
async fn pipe(client: TcpStream, server: TcpStream, mode: Arc<AtomicU8>) {
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let m1 = mode.clone();
    let up = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            loop {
                match m1.load(Ordering::SeqCst) {
                    FORWARD => break,
                    DOWN => return,
                    _ => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
            if sw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let m2 = mode.clone();
    let down = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            loop {
                match m2.load(Ordering::SeqCst) {
                    FORWARD => break,
                    DOWN => return,
                    _ => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
            if cw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let watch = async move {
        while mode.load(Ordering::SeqCst) != DOWN {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::select! {
        () = up => {}
        () = down => {}
        () = watch => {}
    }
}

async fn timed_get(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, Value, Duration) {
    let started = Instant::now();
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.timeout(Duration::from_secs(20)).send().await.unwrap();
    let status = r.status();
    let retry = r.headers().get("retry-after").cloned();
    let mut v: Value = r.json().await.unwrap_or(Value::Null);
    if let Some(h) = retry {
        v["retry_after_header"] = json!(h.to_str().unwrap_or(""));
    }
    (status, v, started.elapsed())
}

async fn timed_post(app: &TestApp, token: &str) -> (StatusCode, Value, Duration) {
    let started = Instant::now();
    let r = app
        .client
        .post(format!("{}/api/v1/activities", app.base))
        .bearer_auth(token)
        .json(&json!({"kind": "study", "duration_min": 15}))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let retry = r.headers().get("retry-after").cloned();
    let mut v: Value = r.json().await.unwrap_or(Value::Null);
    if let Some(h) = retry {
        v["retry_after_header"] = json!(h.to_str().unwrap_or(""));
    }
    (status, v, started.elapsed())
}

/// Until a write succeeds again; returns how long that took.
async fn until_writes_work(app: &TestApp, token: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let (status, _, _) = timed_post(app, token).await;
        if status == StatusCode::CREATED {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "writes did not come back: {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn assert_unavailable(what: &str, status: StatusCode, body: &Value, took: Duration) {
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {body}");
    assert_eq!(
        body["error"]["code"], "database_unavailable",
        "{what}: {body}"
    );
    assert_eq!(body["retry_after_header"], "1", "{what}: {body}");
    assert!(took < Duration::from_secs(2), "{what} took {took:?}");
}

/// A fresh PostgreSQL database reached through a `Proxy`: a data directory, the
/// proxy, and a configuration whose database URL goes through it (no Redis). `None`
/// without PostgreSQL.
async fn postgres_behind_a_proxy() -> Option<(tempfile::TempDir, Proxy, Config)> {
    let admin = common::postgres_admin_url()?;
    let dir = tempfile::tempdir().unwrap();
    let direct = common::fresh_database(Backend::Postgres, dir.path()).await;
    let host = admin
        .split('@')
        .nth(1)
        .and_then(|h| h.split('/').next())
        .unwrap_or("127.0.0.1:5432")
        .to_string();
    let upstream: SocketAddr = tokio::net::lookup_host(host).await.unwrap().next().unwrap();
    let proxy = Proxy::start(upstream).await;
    let via_proxy = direct.replacen(&upstream.to_string(), &proxy.addr.to_string(), 1);
    assert_ne!(via_proxy, direct, "URL goes through the proxy");
    let mut cfg = common::config(&via_proxy, dir.path());
    cfg.redis_url = None;
    Some((dir, proxy, cfg))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_down_and_partitioned_fail_fast_and_recover() {
    let Some((_dir, proxy, cfg)) = postgres_behind_a_proxy().await else {
        return;
    };
    let app = TestApp::start(cfg, Backend::Postgres).await;
    let (token, _) = app.register("outage", [0, 0, 9]).await;
    let (status, _, _) = timed_post(&app, &token).await;
    assert_eq!(status, StatusCode::CREATED);

    for (mode, name) in [(DOWN, "down"), (PARTITION, "partition")] {
        // A request caught in flight when it starts.
        let in_flight = {
            let client = app.client.clone();
            let url = format!("{}/api/v1/activities", app.base);
            let token = token.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                let started = Instant::now();
                let r = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"kind": "study", "duration_min": 15}))
                    .send()
                    .await
                    .unwrap();
                (r.status(), started.elapsed())
            })
        };
        proxy.set(mode);
        let (status, took) = in_flight.await.unwrap();
        assert!(
            status == StatusCode::CREATED || status == StatusCode::SERVICE_UNAVAILABLE,
            "{name}: in flight {status}"
        );
        assert!(
            took < Duration::from_secs(3),
            "{name}: in flight took {took:?}"
        );
        // Let the watchdog notice, then everything answers fast.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let (status, body, took) = timed_get(&app, "/readyz", None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{name}: {body}");
        assert_eq!(body["error"]["code"], "not_ready", "{name}: {body}");
        assert!(
            took < Duration::from_secs(1),
            "{name}: readyz took {took:?}"
        );
        eprintln!("{name}: /readyz answered 503 in {took:?}");
        let (status, body, took) = timed_post(&app, &token).await;
        assert_unavailable(name, status, &body, took);
        eprintln!("{name}: POST failed with 503 in {took:?}");
        let (status, body, took) = timed_get(&app, "/api/v1/me", Some(&token)).await;
        assert!(
            status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::OK,
            "{name}: {body}"
        );
        assert!(took < Duration::from_secs(2), "{name}: GET took {took:?}");

        proxy.set(FORWARD);
        let back = until_writes_work(&app, &token, Duration::from_secs(10)).await;
        eprintln!("{name}: serving again {back:?} after the database returned");
        assert!(back < Duration::from_secs(2), "{name}: back after {back:?}");
        let (status, _, _) = timed_get(&app, "/readyz", None).await;
        assert_eq!(status, StatusCode::OK);
    }
}

// ---------------------------------------------------------------------------
// A private redis-server.

struct PrivateRedis {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PrivateRedis {
    /// None when `redis-server` is not installed.
    fn start() -> Option<PrivateRedis> {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut r = PrivateRedis {
            child: Command::new("true").spawn().ok()?,
            port,
            dir,
        };
        r.child = r.spawn()?;
        Some(r)
    }

    fn spawn(&self) -> Option<Child> {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--dbfilename", "dump.rdb"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.cli(&["PING"]).as_deref() != Some("PONG") {
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(child)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn cli(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .ok()?;
        Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    fn signal(&self, sig: libc::c_int) {
        // SAFETY: a plain kill(2) on the child this test started.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, sig);
        }
    }

    fn kill(&mut self) {
        self.signal(libc::SIGCONT);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn app_with_redis(redis: &PrivateRedis) -> TestApp {
    TestApp::spawn_with(Backend::Sqlite, |c| {
        c.redis_url = Some(redis.url());
        c.redis_prefix = common::unique_prefix();
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_redis_is_skipped_quickly() {
    let Some(redis) = PrivateRedis::start() else {
        common::lacking("redis-server is not installed", "SHONEN_TEST_REQUIRE_REDIS");
        return;
    };
    let app = app_with_redis(&redis).await;
    let (token, _) = app.register("frozen", [9, 0, 0]).await;
    for _ in 0..3 {
        let (status, _, _) = timed_post(&app, &token).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    redis.signal(libc::SIGSTOP);
    // The first requests may each wait out one command timeout, until the breaker
    // opens (a command timed out, or the watchdog's ping did).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut worst = Duration::ZERO;
    let mut seen = 0;
    for _ in 0..10 {
        let (status, body, took) = timed_post(&app, &token).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        worst = worst.max(took);
        let activity = body["activity"]["id"].clone();
        let (status, body, took) = timed_get(&app, "/api/v1/dashboard", Some(&token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        worst = worst.max(took);
        // What this process keeps while Redis is away is never stale: the write just
        // made is on the dashboard, and its XP with it.
        assert_eq!(body["recent"][0]["id"], activity, "{body}");
        let total = body["player"]["total_xp"].as_i64().unwrap();
        assert!(total > seen, "{total} after {seen}");
        seen = total;
        let (status, again, _) = timed_get(&app, "/api/v1/dashboard", Some(&token)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again, body, "a second read shows the same");
        let (status, _, took) = timed_get(&app, "/api/v1/leaderboard", Some(&token)).await;
        assert_eq!(status, StatusCode::OK);
        worst = worst.max(took);
    }
    eprintln!("frozen redis: slowest request {worst:?}");
    // Below one command timeout (500 ms): no request waited on the frozen Redis.
    assert!(worst < Duration::from_millis(450), "slowest {worst:?}");
    assert!(!app.state.cache.is_up());
    let (status, body, took) = timed_get(&app, "/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(took < Duration::from_secs(1));

    redis.signal(libc::SIGCONT);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !app.state.cache.is_up() {
        assert!(Instant::now() < deadline, "breaker closes again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, _, _) = timed_get(&app, "/readyz", None).await;
    assert_eq!(status, StatusCode::OK);
}

async fn board_xp(app: &TestApp, token: &str, username: &str) -> i64 {
    let (status, body) = app.get("/api/v1/leaderboard", token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["entries"]
        .as_array()
        .or_else(|| body["items"].as_array())
        .and_then(|rows| rows.iter().find(|r| r["username"] == username))
        .and_then(|r| r["xp"].as_i64().or_else(|| r["total_xp"].as_i64()))
        .unwrap_or_else(|| panic!("{username} on the board: {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restored_from_an_old_snapshot_is_rebuilt() {
    let Some(mut redis) = PrivateRedis::start() else {
        common::lacking("redis-server is not installed", "SHONEN_TEST_REQUIRE_REDIS");
        return;
    };
    let app = app_with_redis(&redis).await;
    let (token, _) = app.register("snapshot", [9, 0, 0]).await;
    let (status, _, _) = timed_post(&app, &token).await;
    assert_eq!(status, StatusCode::CREATED);
    let before = board_xp(&app, &token, "snapshot").await;
    assert!(before > 0);
    assert_eq!(redis.cli(&["SAVE"]).as_deref(), Some("OK"));
    for _ in 0..3 {
        let (status, _, _) = timed_post(&app, &token).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let after = board_xp(&app, &token, "snapshot").await;
    assert!(after > before);
    // Redis dies and comes back from the older snapshot.
    let _ = redis.child.kill();
    let _ = redis.child.wait();
    redis.child = redis.spawn().expect("redis restarts");
    let generation = app.state.cache.generation();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if app.state.cache.generation() > generation
            && board_xp(&app, &token, "snapshot").await == after
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the board still shows the snapshot's score"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    redis.kill();
}

/// A process that committed XP and died before writing its board (here: the
/// change made in the database while the service was down) leaves the board stale;
/// the next start writes the boards of the players behind the last ledger entries
/// again from their rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boards_are_resynced_at_start_up() {
    let Some(mut redis) = PrivateRedis::start() else {
        common::lacking("redis-server is not installed", "SHONEN_TEST_REQUIRE_REDIS");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database(Backend::Sqlite, dir.path()).await;
    let mut cfg = common::config(&url, dir.path());
    cfg.redis_url = Some(redis.url());
    let prefix = cfg.redis_prefix.clone();
    let mut app = TestApp::start(cfg, Backend::Sqlite).await;
    let (token, _) = app.register("resync", [9, 0, 0]).await;
    let (status, _, _) = timed_post(&app, &token).await;
    assert_eq!(status, StatusCode::CREATED);
    let before = board_xp(&app, &token, "resync").await;
    app.stop().await;
    common::execute_sql(
        &url,
        "UPDATE players SET total_xp = total_xp + 7, xp_intelligence = xp_intelligence + 7, \
         version = version + 1 WHERE username = 'resync'",
    )
    .await;
    common::execute_sql(
        &url,
        "INSERT INTO ledger (player_id, at, stat, amount, reason) \
         SELECT id, 0, 'intelligence', 7, 'committed before a crash' FROM players \
         WHERE username = 'resync'",
    )
    .await;
    let mut cfg = common::config(&url, dir.path());
    cfg.redis_url = Some(redis.url());
    cfg.redis_prefix = prefix;
    let app = TestApp::start(cfg, Backend::Sqlite).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while board_xp(&app, &token, "resync").await != before + 7 {
        assert!(Instant::now() < deadline, "the board kept the old score");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    redis.kill();
}

// ---------------------------------------------------------------------------
// Slow and stalled clients.

async fn read_all(stream: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => panic!("connection still open after {limit:?}"),
        }
    }
    (
        String::from_utf8_lossy(&out).into_owned(),
        started.elapsed(),
    )
}

/// One response read off a keep-alive connection (small: it comes in one read).
async fn read_one(stream: &mut TcpStream) -> String {
    let mut buf = vec![0u8; 16 * 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase()
}

/// A request answered before its body is read (here 415, decided on the headers)
/// cannot leave its connection usable: the answer says `connection: close`, so a
/// client's pool does not send its next request into it. One whose body was read
/// keeps the connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_before_the_body_says_the_connection_closes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        b"POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\n",
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = s.write_all(b"aaaaaaaaaaaaaaaaaaaa").await;
    let (answer, _) = read_all(&mut s, Duration::from_secs(5)).await;
    let answer = answer.to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 415"), "{answer}");
    assert!(answer.contains("\r\nconnection: close\r\n"), "{answer}");

    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    )
    .await
    .unwrap();
    let answer = read_one(&mut s).await;
    assert!(answer.starts_with("http/1.1 422"), "{answer}");
    assert!(!answer.contains("connection: close"), "{answer}");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_one(&mut s).await;
    assert!(answer.starts_with("http/1.1 200"), "{answer}");

    // A request followed by a half-close (the client is done sending) is answered.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    s.shutdown().await.unwrap();
    let (answer, _) = read_all(&mut s, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_requests_are_disconnected() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.timeouts.http_header = Duration::from_millis(400);
        c.timeouts.http_body = Duration::from_millis(400);
        c.timeouts.http_body_total = Duration::from_millis(1200);
        c.timeouts.http_idle = Duration::from_millis(1500);
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();
    // Half the headers.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (_, took) = read_all(&mut s, Duration::from_secs(5)).await;
    assert!(
        took < Duration::from_secs(2),
        "header timeout took {took:?}"
    );
    // Headers, then half the body.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user",
    )
    .await
    .unwrap();
    let (answer, took) = read_all(&mut s, Duration::from_secs(5)).await;
    assert!(took < Duration::from_secs(2), "body timeout took {took:?}");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer}"
    );
    // A body that trickles in (a byte every 150 ms, never pausing long enough) is
    // cut at the total deadline.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
    )
    .await
    .unwrap();
    let started = std::time::Instant::now();
    let mut cut = None;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        if s.write_all(b" ").await.is_err() {
            cut = Some(started.elapsed());
            break;
        }
        let mut buf = [0u8; 512];
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(1), s.read(&mut buf)).await {
            cut = Some(started.elapsed());
            let answer = String::from_utf8_lossy(&buf[..n]).into_owned();
            assert!(
                answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
                "{answer}"
            );
            break;
        }
    }
    let cut = cut.expect("a trickling body is never cut");
    assert!(
        cut > Duration::from_millis(1000) && cut < Duration::from_millis(3000),
        "trickle cut after {cut:?}"
    );
    // An idle keep-alive connection is closed after the idle timeout, not the
    // header one.
    let mut s = TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (answer, took) = read_all(&mut s, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        took > Duration::from_millis(1000) && took < Duration::from_secs(3),
        "idle close after {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_is_bounded_with_stalled_clients() {
    let mut app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.timeouts.shutdown = Duration::from_millis(1500);
    })
    .await;
    let (token, _) = app.register("stalled", [0, 9, 0]).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut held = Vec::new();
    for i in 0..300 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        let half: &[u8] = match i % 3 {
            0 => b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n",
            1 => b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{",
            _ => b"",
        };
        s.write_all(half).await.unwrap();
        held.push(s);
    }
    // And open WebSockets.
    for _ in 0..20 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(
            format!(
                "GET /api/v1/ws?token={token} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("shutdown finished within 10 s");
    let took = started.elapsed();
    eprintln!("shutdown with {} stalled clients took {took:?}", held.len());
    assert!(took < Duration::from_secs(4), "took {took:?}");
}

async fn oversized_content_length_is_refused_at_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (token, _) = app.register("hugebody", [0, 9, 0]).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    for (path, auth) in [
        ("/api/v1/auth/register", String::new()),
        (
            "/api/v1/activities",
            format!("Authorization: Bearer {token}\r\n"),
        ),
        (
            "/api/v1/me/avatar",
            format!("Authorization: Bearer {token}\r\n"),
        ),
    ] {
        let method = if path.ends_with("avatar") {
            "PUT"
        } else {
            "POST"
        };
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(
            format!(
                "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Idempotency-Key: big-1\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{{}}"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        let started = Instant::now();
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf))
            .await
            .expect("answered without waiting for the body")
            .unwrap();
        let answer = String::from_utf8_lossy(&buf[..n]);
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(answer.contains("body_too_large"), "{path}: {answer}");
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}

/// A client that sends a whole oversized image body before reading (as most HTTP
/// clients do) still gets the 413: the server closes lingering, reading and dropping
/// the rest, instead of resetting the connection under the client's writes.
async fn a_client_still_sending_a_refused_body_reads_the_answer(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (token, _) = app.register("stillsending", [0, 9, 0]).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let body_len = 5 * 1024 * 1024 + 1;
    for round in 0..3 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(
            format!(
                "PUT /api/v1/me/avatar HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: image/png\r\nContent-Length: {body_len}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        // Let the early answer and the server's close happen first.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let body = vec![0x42u8; body_len];
        tokio::time::timeout(Duration::from_secs(5), s.write_all(&body))
            .await
            .expect("the body was read within 5 s")
            .unwrap_or_else(|e| panic!("round {round}: writing the body failed: {e}"));
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut answer))
            .await
            .expect("the answer came within 5 s")
            .unwrap_or_else(|e| panic!("round {round}: reading the answer failed: {e}"));
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "round {round}: {answer}"
        );
        assert!(answer.contains("body_too_large"), "round {round}: {answer}");
    }
}

async fn dev_clock_saves_before_moving(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.advance(60).await;
    let saved = app.state.clock.offset_micros();
    // The save fails: the table is gone for a moment.
    common::execute_sql(
        &app.database_url,
        "ALTER TABLE service_state RENAME TO service_state_away",
    )
    .await;
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/dev/clock",
            None,
            Some(json!({"advance_seconds": 86_400})),
        )
        .await;
    assert!(status.is_server_error(), "{status} {body}");
    // Not moved in memory either: a restart (reading the saved offset) cannot go
    // back in time.
    assert_eq!(app.state.clock.offset_micros(), saved);
    common::execute_sql(
        &app.database_url,
        "ALTER TABLE service_state_away RENAME TO service_state",
    )
    .await;
    app.advance(86_400).await;
    let stored = common::fetch_text(
        &app.database_url,
        "SELECT value FROM service_state WHERE name = 'dev_clock_offset_micros'",
    )
    .await;
    assert_eq!(
        stored.parse::<i64>().unwrap(),
        app.state.clock.offset_micros()
    );
}

// ---------------------------------------------------------------------------
// A full disk under SQLite (a small tmpfs; skipped where mounting is not allowed).

struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(size: &str) -> Option<(tempfile::TempDir, Tmpfs)> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .ok()?
            .success();
        ok.then(|| {
            let path = dir.path().to_path_buf();
            (dir, Tmpfs(path))
        })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// The service on SQLite in a tmpfs of `size`, and a player's token. Dropped in
/// field order: the service, then the mount, then its directory. `None` (skipped,
/// or a failure under `SHONEN_TEST_REQUIRE_TMPFS=1`) where mounting is not allowed.
struct OnTmpfs {
    app: TestApp,
    token: String,
    fs: Tmpfs,
    _dir: tempfile::TempDir,
}

impl OnTmpfs {
    async fn start(size: &str, username: &str) -> Option<OnTmpfs> {
        let Some((dir, fs)) = Tmpfs::mount(size) else {
            common::lacking(
                "a tmpfs cannot be mounted here",
                "SHONEN_TEST_REQUIRE_TMPFS",
            );
            return None;
        };
        let url = format!("sqlite://{}?mode=rwc", fs.0.join("test.db").display());
        let mut cfg = common::config(&url, &fs.0);
        cfg.redis_url = None;
        let app = TestApp::start(cfg, Backend::Sqlite).await;
        let (token, _) = app.register(username, [0, 0, 9]).await;
        Some(OnTmpfs {
            app,
            token,
            fs,
            _dir: dir,
        })
    }
}

/// Logs a study session with a note of about 1.9 KB: each such write needs fresh
/// pages of the database.
async fn post_with_note(app: &TestApp, token: &str, i: usize) -> (StatusCode, Value) {
    let r = app
        .client
        .post(format!("{}/api/v1/activities", app.base))
        .bearer_auth(token)
        .json(&json!({"kind": "study", "duration_min": 15, "note": format!("{i}{}", "x".repeat(1900))}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Fills the file system at `dir` until it refuses.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![7u8; 64 * 1024];
    while f.write_all(&chunk).is_ok() {}
    let small = [7u8; 512];
    while f.write_all(&small).is_ok() {}
    let _ = f.sync_all();
    path
}

/// A volume of 3 MB: the WAL is checkpointed and cut back as it goes, so it never
/// takes the space the data needs (SQLite's default 4 MiB WAL alone would fill it
/// after a few dozen activities, and writes would never come back).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_wal_stays_small_on_a_small_volume() {
    let Some(on) = OnTmpfs::start("3m", "smallvolume").await else {
        return;
    };
    let (app, token, fs) = (&on.app, on.token.as_str(), &on.fs);
    for i in 0..120 {
        let (status, body) = post_with_note(app, token, i).await;
        assert_eq!(status, StatusCode::CREATED, "activity {i}: {body}");
    }
    let wal = std::fs::metadata(fs.0.join("test.db-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert!(wal <= 2 * 1024 * 1024, "WAL of {wal} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_recovers_from_a_full_disk() {
    let Some(on) = OnTmpfs::start("24m", "fulldisk").await else {
        return;
    };
    let (app, token, fs) = (&on.app, on.token.as_str(), &on.fs);
    let (status, _, _) = timed_post(app, token).await;
    assert_eq!(status, StatusCode::CREATED);

    let filler = fill(&fs.0);
    let mut failed = 0;
    for i in 0..200 {
        let (status, body) = post_with_note(app, token, i).await;
        if status != StatusCode::CREATED {
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
            assert_eq!(body["error"]["code"], "database_unavailable");
            failed += 1;
            if failed >= 3 {
                break;
            }
        }
    }
    assert!(failed >= 3, "the full disk made writes fail");
    let (status, body, _) = timed_get(app, "/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["database"], "writes_failing");

    std::fs::remove_file(&filler).unwrap();
    let back = until_writes_work(app, token, Duration::from_secs(10)).await;
    eprintln!("full disk: writes back {back:?} after space was freed");
    let (status, body, _) = timed_get(app, "/readyz", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for _ in 0..5 {
        let (status, body, _) = timed_post(app, token).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

/// The SQLite file locked by another process (a backup tool, a stray `sqlite3`):
/// writes answer 503 within about one statement timeout each, never after a queue
/// of them (requests, job workers and the activity writer each waiting their whole
/// turn); reads go on; writes come back once the lock is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_locked_from_outside_fails_fast_and_recovers() {
    use sqlx::Connection;
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.timeouts.db_statement = Duration::from_millis(1000);
    })
    .await;
    let (token, _) = app.register("locked", [0, 0, 9]).await;
    let (status, _, _) = timed_post(&app, &token).await;
    assert_eq!(status, StatusCode::CREATED);

    let mut outside = sqlx::SqliteConnection::connect(&app.database_url)
        .await
        .unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut outside)
        .await
        .unwrap();
    // Several writers at once: three activities, a settings change, a register.
    let started = Instant::now();
    let post = || timed_post(&app, &token);
    let patch = async {
        let r = app
            .client
            .patch(format!("{}/api/v1/me", app.base))
            .bearer_auth(&token)
            .json(&json!({"weekly_goal": 3}))
            .send()
            .await
            .unwrap();
        r.status()
    };
    let register = async {
        let r = app
            .client
            .post(format!("{}/api/v1/auth/register", app.base))
            .json(
                &json!({"username": "latecomer", "email": "late@example.com",
                "password": "correct horse battery",
                "goals": {"strength": 1, "agility": 1, "intelligence": 9}}),
            )
            .send()
            .await
            .unwrap();
        r.status()
    };
    let (a, b, c, patched, registered) = tokio::join!(post(), post(), post(), patch, register);
    let took = started.elapsed();
    for (status, body, _) in [a, b, c] {
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["error"]["code"], "database_unavailable", "{body}");
    }
    assert_eq!(patched, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(registered, StatusCode::SERVICE_UNAVAILABLE);
    // One statement timeout per writer in line at most, not the 10 s busy wait each.
    assert!(took < Duration::from_secs(8), "the writes took {took:?}");
    let (status, _, _) = timed_get(&app, "/api/v1/me", Some(&token)).await;
    assert_eq!(status, StatusCode::OK, "reads go on");

    sqlx::query("ROLLBACK").execute(&mut outside).await.unwrap();
    drop(outside);
    until_writes_work(&app, &token, Duration::from_secs(10)).await;
    let (status, body) = app
        .call(
            reqwest::Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(json!({"weekly_goal": 3})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Two instances on one SQLite file and one private Redis (its own key prefix).
async fn two_instances_on(redis: &PrivateRedis) -> (TestApp, TestApp) {
    let prefix = common::unique_prefix();
    let a = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.redis_url = Some(redis.url());
        c.redis_prefix = prefix.clone();
    })
    .await;
    let mut cfg = common::config(&a.database_url, &a.data_dir);
    cfg.redis_url = Some(redis.url());
    cfg.redis_prefix = prefix;
    let b = TestApp::start(cfg, Backend::Sqlite).await;
    (a, b)
}

/// Freezes Redis (SIGSTOP; the breakers open), then logs `token` out on `app`.
async fn log_out_while_frozen(redis: &PrivateRedis, app: &TestApp, token: &str) {
    redis.signal(libc::SIGSTOP);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let resp = app
        .client
        .post(format!("{}/api/v1/auth/logout", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
}

/// A token logged out while Redis is frozen stays refused when Redis comes back, on
/// the instance that logged it out and on another that had it cached: the delete
/// that could not reach Redis goes out before Redis is used again, and lookups go to
/// the database for a few seconds after an outage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_while_redis_is_frozen_stays_revoked() {
    let Some(redis) = PrivateRedis::start() else {
        common::lacking("redis-server is not installed", "SHONEN_TEST_REQUIRE_REDIS");
        return;
    };
    let (a, b) = two_instances_on(&redis).await;
    let (token, _) = a.register("revoked", [9, 0, 0]).await;
    let me = |app: &TestApp| {
        let req = app
            .client
            .get(format!("{}/api/v1/me", app.base))
            .bearer_auth(&token);
        async move { req.send().await.unwrap().status() }
    };
    // Cached on both instances (token → player in Redis).
    assert_eq!(me(&a).await, StatusCode::OK);
    assert_eq!(me(&b).await, StatusCode::OK);
    log_out_while_frozen(&redis, &a, &token).await;
    assert_eq!(me(&a).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&b).await, StatusCode::UNAUTHORIZED);
    redis.signal(libc::SIGCONT);
    let until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < until {
        assert_eq!(me(&b).await, StatusCode::UNAUTHORIZED, "instance B");
        assert_eq!(me(&a).await, StatusCode::UNAUTHORIZED, "instance A");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // And after the catch-up window, from Redis again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(me(&b).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&a).await, StatusCode::UNAUTHORIZED);
}

/// A logout while Redis is frozen closes the token's WebSocket on another instance
/// once Redis answers again (the revocation is broadcast then), not never.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_during_an_outage_closes_sockets_elsewhere_after_it() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let Some(redis) = PrivateRedis::start() else {
        common::lacking("redis-server is not installed", "SHONEN_TEST_REQUIRE_REDIS");
        return;
    };
    let (a, b) = two_instances_on(&redis).await;
    let (token, _) = a.register("outage", [9, 0, 0]).await;
    let mut ws = common::ws_connect(&b, &format!("token={token}")).await;
    log_out_while_frozen(&redis, &a, &token).await;
    redis.signal(libc::SIGCONT);
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(msg) = ws.next().await {
            match msg {
                Ok(Message::Close(frame)) => return frame.map_or(1005, |f| u16::from(f.code)),
                Ok(_) => {}
                Err(_) => return 1006,
            }
        }
        1006
    })
    .await;
    assert_eq!(closed, Ok(1008), "closed on B as token revoked");
}

/// PostgreSQL down when the service starts: the process does not exit. Its port
/// answers (`/healthz` 200, `/readyz` 503, the API 503 `database_unavailable`) until
/// the database answers, then the service starts on the same port by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_waits_for_a_database_that_is_down_at_start() {
    let Some((_dir, proxy, mut cfg)) = postgres_behind_a_proxy().await else {
        return;
    };
    proxy.set(DOWN);
    cfg.addr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let base = format!("http://{}", cfg.addr);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let starting = tokio::spawn(shonen_server::starting::application(cfg, async {
        let _ = stop_rx.await;
    }));
    let client = reqwest::Client::new();
    let get = |path: &str| {
        let req = client.get(format!("{base}{path}"));
        async move {
            let r = req.send().await?;
            let status = r.status();
            let nosniff = r.headers().contains_key("x-content-type-options");
            Ok::<_, reqwest::Error>((status, nosniff, r.json::<Value>().await.unwrap_or_default()))
        }
    };
    // The port answers while the database does not.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok((status, _, _)) = get("/healthz").await {
            assert_eq!(status, StatusCode::OK);
            break;
        }
        assert!(Instant::now() < deadline, "the port never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, nosniff, body) = get("/readyz").await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(nosniff);
    assert_eq!(body["error"]["code"], "not_ready", "{body}");
    let (status, _, body) = get("/api/v1/me").await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "database_unavailable", "{body}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!starting.is_finished(), "still waiting, not exited");

    // The database comes back: the service starts by itself, on the same port.
    proxy.set(FORWARD);
    let app = tokio::time::timeout(Duration::from_secs(30), starting)
        .await
        .expect("started within 30 s")
        .unwrap()
        .expect("no error")
        .expect("not stopped");
    let serving = tokio::spawn(app.run_until(async {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok((StatusCode::OK, _, _)) = get("/readyz").await {
            break;
        }
        assert!(Instant::now() < deadline, "never ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let resp = client
        .post(format!("{base}/api/v1/auth/register"))
        .json(&json!({"username": "patient", "email": "patient@example.com",
            "password": "correct horse battery", "goals": {"strength": 1, "agility": 1, "intelligence": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    drop(stop_tx);
    serving.abort();
}
