//! Duel latency benchmark: time from accepting a duel to its `duel_resolved` event,
//! with many duels accepted at once on PostgreSQL and the in-process executor.
//!
//! `cargo run -p shonen-server --release --example duels_bench` (see bench/duels.sh).
//! Env: SHONEN_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test),
//! SHONEN_BENCH_DUELS (1000), SHONEN_BENCH_WORKERS (8, the service default).

use shonen_server::duels::{ChallengeInput, DuelId};
use shonen_server::state::AppState;
use shonen_server::storage::NewPlayer;
use shonen_server::{Application, Config};
use sqlx::Connection;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let admin = std::env::var("SHONEN_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let n = env_num("SHONEN_BENCH_DUELS", 1000);
    let workers = env_num("SHONEN_BENCH_WORKERS", 8);
    let db = format!("shonen_bench_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(&admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&mut conn)
        .await?;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    let dir = tempfile::tempdir()?;
    let config = Config {
        addr: "127.0.0.1:0".parse()?,
        data_dir: dir.path().to_path_buf(),
        database_url: format!("{base}/{db}"),
        secret: Some("bench-secret-bench-secret-bench-secret".into()),
        dev_clock: false,
        workers,
        rate_limit_per_minute: 1_000_000,
        login_attempts_per_minute: 10,
        // Tests and benchmarks register many players from 127.0.0.1.
        registrations_per_hour: 1_000_000,
        object_store_url: String::new(),
        s3: Default::default(),
        battle_executor: String::new(),
        battle_lambda: None,
        lambda_endpoint: None,
        villain_llm: None,
        redis_url: None,
        redis_prefix: format!("shonen-bench-{db}:"),
        trusted_proxies: Vec::new(),
        timeouts: Default::default(),
    };
    let app = Application::build(config).await?;
    let state = app.state();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stop_rx.await;
    }));

    let result = run(&state, n, workers).await;
    let _ = stop_tx.send(());
    let _ = server.await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    result
}

async fn run(state: &Arc<AppState>, n: usize, workers: usize) -> anyhow::Result<()> {
    // 2n players straight into the store (registration's password hashing is not
    // what is measured): player 2i challenges player 2i + 1.
    let setup = Instant::now();
    let now = state.clock.now();
    let mut ids = Vec::with_capacity(2 * n);
    for i in 0..2 * n {
        let mut tx = state.store.begin().await?;
        let p = tx
            .insert_player(NewPlayer {
                username: format!("b{i}"),
                email: format!("b{i}@example.com"),
                password_hash: "-".into(),
                class: "balanced".into(),
                goals: [34, 33, 33],
                timezone: "UTC".into(),
                training_days: "mon,tue,thu,fri".into(),
                weekly_goal: 4,
                wake_target: "06:30".into(),
                now: now.timestamp_micros(),
                registered_on: now.date_naive().to_string(),
                chain_json: "{}".into(),
                idem_key: None,
            })
            .await?;
        tx.commit().await?;
        ids.push(p.id);
    }
    let mut duel_ids = Vec::with_capacity(n);
    for i in 0..n {
        let input = ChallengeInput {
            opponent: format!("b{}", 2 * i + 1),
        };
        let sent = state
            .duels
            .challenge(ids[2 * i], input)
            .await
            .map_err(|e| anyhow::anyhow!("challenge: {e}"))?;
        duel_ids.push(sent.duel.id);
    }
    eprintln!(
        "setup: {n} duels between {} players in {:?}",
        2 * n,
        setup.elapsed()
    );

    // Listen for results, then accept every duel at once (16 requests in flight).
    let mut events = state.events.subscribe();
    let listener = tokio::spawn(async move {
        let mut resolved: HashMap<i64, Instant> = HashMap::new();
        while resolved.len() < n {
            match tokio::time::timeout(Duration::from_secs(120), events.recv()).await {
                Ok(Ok(e)) if e.kind == "duel_resolved" => {
                    if let Some(id) = e.data["id"].as_i64() {
                        resolved.entry(id).or_insert_with(Instant::now);
                    }
                }
                Ok(Ok(_)) => {}
                Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(k))) => {
                    eprintln!("listener lagged by {k} events");
                }
                _ => break,
            }
        }
        resolved
    });
    let started = Instant::now();
    let accepted: Vec<(i64, Instant)> = {
        use futures_util::StreamExt;
        futures_util::stream::iter(duel_ids.iter().enumerate())
            .map(|(i, &id)| {
                let state = state.clone();
                let opponent = ids[2 * i + 1];
                async move {
                    let at = Instant::now();
                    state
                        .duels
                        .accept(opponent, DuelId::from(id))
                        .await
                        .map(|_| (id, at))
                        .map_err(|e| anyhow::anyhow!("accept: {e}"))
                }
            })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<anyhow::Result<_>>()?
    };
    let accept_all = started.elapsed();
    let resolved = listener.await?;
    let total = started.elapsed();
    let mut latencies: Vec<Duration> = accepted
        .iter()
        .filter_map(|(id, at)| resolved.get(id).map(|r| r.duration_since(*at)))
        .collect();
    latencies.sort();
    anyhow::ensure!(
        latencies.len() == n,
        "only {} of {n} duels resolved",
        latencies.len()
    );
    let in_db = state.store.count_duels("resolved").await?;
    println!(
        "duels: {n}, workers: {workers}, executor: {}",
        state.duels.battles().name()
    );
    println!(
        "accepting all: {accept_all:?}; all resolved after {total:?} ({:.0} duels/s)",
        n as f64 / total.as_secs_f64()
    );
    println!(
        "accept → duel_resolved: p50 {:?}, p90 {:?}, p99 {:?}, max {:?}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );
    println!("resolved in the database: {in_db}");
    Ok(())
}
