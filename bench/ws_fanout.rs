//! WebSocket fan-out benchmark client (built as the `ws_fanout` example of
//! shonen-server; run by `bench/ws_fanout.sh`).
//!
//! Registers `PLAYERS` players, opens `CONNS_PER_PLAYER` WebSockets for each (10,000
//! in total by default), then posts `ROUNDS` activities per player and measures, for
//! every event frame received, the delay from the event's `at` (stamped right after
//! the write's commit) to its arrival. Prints p50/p99/max and the server's RSS
//! (`SERVER_PID`) before and after.

use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss(pid: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS"))
                .map(|l| l.trim_start_matches("VmRSS:").trim().to_string())
        })
        .unwrap_or_else(|| "?".into())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("BASE").unwrap_or_else(|_| "http://127.0.0.1:18481".into());
    let pid = std::env::var("SERVER_PID").unwrap_or_default();
    let players = env("PLAYERS", 100);
    let per_player = env("CONNS_PER_PLAYER", 100);
    let rounds = env("ROUNDS", 3);
    // Writes are spread out (one every WRITE_INTERVAL_MS) like real traffic, rather
    // than fired all at once.
    let interval = Duration::from_millis(env("WRITE_INTERVAL_MS", 10) as u64);
    let http = reqwest::Client::new();
    let run = std::process::id();

    let mut tokens = Vec::new();
    let started = Instant::now();
    for i in 0..players {
        let body: Value = http
            .post(format!("{base}/api/v1/auth/register"))
            .json(&json!({
                "username": format!("fan{run}x{i}"),
                "email": format!("fan{run}x{i}@example.com"),
                "password": "correct horse battery",
                "goals": {"strength": 0, "agility": 9, "intelligence": 0},
            }))
            .send()
            .await?
            .json()
            .await?;
        let token = body["token"].as_str().ok_or("register failed")?.to_string();
        tokens.push(token);
    }
    println!("registered {players} players in {:?}", started.elapsed());

    let (lat_tx, mut lat_rx) = mpsc::unbounded_channel::<i64>();
    let connected = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(256));
    let ws_base = base.replacen("http", "ws", 1);
    let started = Instant::now();
    let mut handles = Vec::new();
    for token in &tokens {
        for _ in 0..per_player {
            let url = format!("{ws_base}/api/v1/ws?token={token}");
            let gate = gate.clone();
            let connected = connected.clone();
            let lat_tx = lat_tx.clone();
            handles.push(tokio::spawn(async move {
                let ws = {
                    let _permit = gate.acquire().await;
                    match tokio_tungstenite::connect_async(&url).await {
                        Ok((ws, _)) => ws,
                        Err(e) => {
                            eprintln!("connect failed: {e}");
                            return;
                        }
                    }
                };
                connected.fetch_add(1, Ordering::Relaxed);
                let (_sink, mut stream) = ws.split();
                while let Some(Ok(msg)) = stream.next().await {
                    if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
                        let now = chrono::Utc::now();
                        if let Ok(v) = serde_json::from_str::<Value>(&t)
                            && let Some(at) = v["at"].as_str()
                            && let Ok(at) = chrono::DateTime::parse_from_rfc3339(at)
                        {
                            let micros = (now - at.with_timezone(&chrono::Utc))
                                .num_microseconds()
                                .unwrap_or(i64::MAX);
                            let _ = lat_tx.send(micros);
                        }
                    }
                }
            }));
        }
    }
    drop(lat_tx);
    let total = players * per_player;
    while connected.load(Ordering::Relaxed) < total && started.elapsed() < Duration::from_secs(120)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let open = connected.load(Ordering::Relaxed);
    println!(
        "connected {open}/{total} WebSockets in {:?}; server RSS {}",
        started.elapsed(),
        rss(&pid)
    );

    let mut latencies = Vec::new();
    let posts = Arc::new(Semaphore::new(tokens.len().max(1)));
    for round in 0..rounds {
        let started = Instant::now();
        let mut jobs = Vec::new();
        for (pace, token) in tokens.iter().enumerate() {
            let pace = pace as u32;
            let http = http.clone();
            let url = format!("{base}/api/v1/activities");
            let token = token.clone();
            let posts = posts.clone();
            jobs.push(tokio::spawn(async move {
                let _permit = posts.acquire().await;
                tokio::time::sleep(interval * pace).await;
                http.post(url)
                    .bearer_auth(token)
                    .json(&json!({"kind": "run", "distance_km": 1 + round, "duration_min": 10}))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            }));
        }
        for j in jobs {
            let status = j.await?;
            if !matches!(status, Ok(201)) {
                eprintln!("post failed: {status:?}");
            }
        }
        // Collect what arrives until things go quiet.
        let mut this_round = Vec::new();
        while let Ok(Some(l)) = tokio::time::timeout(Duration::from_secs(2), lat_rx.recv()).await {
            this_round.push(l);
        }
        this_round.sort_unstable();
        let p99 = this_round
            .get((this_round.len() * 99 / 100).min(this_round.len().saturating_sub(1)))
            .map(|l| *l as f64 / 1000.0)
            .unwrap_or(f64::NAN);
        println!(
            "round {round}: {players} writes, {} event frames delivered in {:?}, p99 {p99:.1} ms",
            this_round.len(),
            started.elapsed()
        );
        latencies.extend(this_round);
    }
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i] as f64 / 1000.0
    };
    println!(
        "delivery latency over {} frames: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; server RSS {}",
        latencies.len(),
        pct(0.50),
        pct(0.99),
        pct(1.0),
        rss(&pid)
    );
    for h in handles {
        h.abort();
    }
    Ok(())
}
