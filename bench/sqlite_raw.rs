//! The raw durable write rate of SQLite on this machine, for `bench/sqlite.sh`: one
//! connection through sqlx's SQLite driver, WAL, `synchronous=FULL`, and as many
//! `BEGIN IMMEDIATE; INSERT; UPDATE; COMMIT` transactions as fit in the given time
//! (a ledger row plus a player total, random player out of 1000).
//!
//!   sqlite_raw DB_FILE SECONDS
//!
//! Prints one line: `SQLITE_RAW tps=<tx/s> tx=<count> avg_ms=<mean latency>`.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Executor};
use std::str::FromStr;
use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        return Err("usage: sqlite_raw DB_FILE SECONDS".into());
    }
    let seconds: f64 = args[2].parse()?;
    let mut conn = SqliteConnectOptions::from_str(&format!("sqlite://{}", args[1]))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .connect()
        .await?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS bench_players (id INTEGER PRIMARY KEY, \
         total INTEGER NOT NULL DEFAULT 0);
         CREATE TABLE IF NOT EXISTS bench_ledger (id INTEGER PRIMARY KEY, \
         player_id INTEGER NOT NULL, amount INTEGER NOT NULL, created_at INTEGER NOT NULL);
         INSERT OR IGNORE INTO bench_players (id) SELECT value FROM \
         (WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n \
         WHERE value < 1000) SELECT value FROM n);",
    )
    .await?;

    // A small xorshift: the player of each transaction, without a dependency.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut count: u64 = 0;
    while Instant::now() < deadline {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let player = (seed % 1000) as i64 + 1;
        let amount = (seed % 100) as i64;
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT INTO bench_ledger (player_id, amount, created_at) VALUES (?, ?, ?)")
            .bind(player)
            .bind(amount)
            .bind(start.elapsed().as_micros() as i64)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE bench_players SET total = total + ? WHERE id = ?")
            .bind(amount)
            .bind(player)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        count += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "SQLITE_RAW tps={:.1} tx={} avg_ms={:.3}",
        count as f64 / secs,
        count,
        secs * 1000.0 / count.max(1) as f64
    );
    Ok(())
}
