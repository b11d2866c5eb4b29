//! Database health, as the service sees it: a watchdog pings PostgreSQL on a
//! connection of its own and declares it down after two missed pings in a row, so
//! requests can fail at once (503 `database_unavailable`) instead of waiting on a
//! server that does not answer; and failed commits (a full disk) mark the write path
//! as failing until a write succeeds again. `/readyz` reports both.

use super::{Db, Store};
use sqlx::Connection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::watch;

/// Time between two watchdog pings.
const PING_EVERY: Duration = Duration::from_millis(200);
/// A ping (or the reconnect before it) slower than this counts as missed.
pub const PING_TIMEOUT: Duration = Duration::from_millis(400);
/// Missed pings in a row before the database is declared down.
const MISSES: u32 = 2;

pub struct Health {
    /// `true` while the watchdog considers the database unreachable.
    down: watch::Sender<bool>,
    write_failing: AtomicBool,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            down: watch::Sender::new(false),
            write_failing: AtomicBool::new(false),
        }
    }
}

impl Health {
    pub fn is_down(&self) -> bool {
        *self.down.borrow()
    }

    /// Resolves once the database is declared down (at once if it already is).
    pub async fn wait_down(&self) {
        let mut rx = self.down.subscribe();
        // An error means the sender is gone, i.e. the store itself: never down then.
        if rx.wait_for(|down| *down).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    fn set_down(&self, down: bool) {
        self.down.send_if_modified(|d| {
            let changed = *d != down;
            *d = down;
            changed
        });
    }

    pub fn write_failing(&self) -> bool {
        self.write_failing.load(Ordering::Relaxed)
    }

    pub(super) fn write_succeeded(&self) {
        if self.write_failing.load(Ordering::Relaxed) {
            self.write_failing.store(false, Ordering::Relaxed);
            tracing::warn!("database writes succeed again");
        }
    }

    /// Notes a write request that failed because the database could not serve it
    /// (a statement inside the transaction can hit the full disk before COMMIT does).
    pub fn write_unavailable(&self) {
        if !self.write_failing.swap(true, Ordering::Relaxed) {
            tracing::error!("database writes are failing");
        }
    }

    /// Notes a failed BEGIN or COMMIT; one caused by the storage itself (full disk,
    /// I/O error, read-only file) marks the write path failing.
    pub(super) fn write_failed(&self, e: &sqlx::Error) {
        if storage_failure(e) && !self.write_failing.swap(true, Ordering::Relaxed) {
            tracing::error!(error = %e, "database writes are failing");
        }
    }
}

/// SQLite's primary result codes that mean the storage failed, not the statement:
/// SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN.
const SQLITE_STORAGE_CODES: [i64; 5] = [8, 10, 11, 13, 14];

/// The primary result code of a SQLite error; `None` for PostgreSQL's, whose
/// SQLSTATEs are often all digits too (53100 disk full, 57014 statement timeout).
fn sqlite_primary_code(db: &dyn sqlx::error::DatabaseError) -> Option<i64> {
    db.try_downcast_ref::<sqlx::sqlite::SqliteError>()?;
    db.code()?.parse::<i64>().ok().map(|c| c & 0xff)
}

fn storage_failure(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => {
            sqlite_primary_code(db.as_ref())
            .is_some_and(|c| SQLITE_STORAGE_CODES.contains(&c))
            // PostgreSQL: disk full, out of memory, I/O error.
            || db.code().is_some_and(|c| c.starts_with("53") || c.starts_with("58"))
        }
        _ => false,
    }
}

/// Whether an error means "the database cannot serve right now" (try again later)
/// rather than a fault of the request or a bug: connection lost or refused, pool
/// exhausted, statement timeout, server shutting down, disk full, busy.
pub fn unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => true,
        sqlx::Error::Database(db) => {
            if let Some(code) = sqlite_primary_code(db.as_ref()) {
                // SQLITE_BUSY, SQLITE_LOCKED and the storage failures.
                return code == 5 || code == 6 || SQLITE_STORAGE_CODES.contains(&code);
            }
            db.code().is_some_and(|c| {
                c.starts_with("08") // connection exception
                    || c.starts_with("53") // insufficient resources
                    || c.starts_with("57P") // server shutting down / cannot connect now
                    || c == "57014" // statement timeout (query canceled)
                    || c == "25P03" // idle-in-transaction timeout
            })
        }
        _ => false,
    }
}

impl Store {
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// Starts the watchdog. PostgreSQL: pings the server (above). SQLite, which has
    /// no server to lose: while writes fail (a full disk), checkpoints the WAL into
    /// the database file and truncates it once a second. Otherwise the WAL, which
    /// only shrinks at a checkpoint, keeps the space that is freed (it is reused for
    /// new frames), and on a small volume writes would never come back. It stops
    /// when the store is closed.
    pub fn start_watchdog(&self) {
        let pg = match &self.db {
            Db::Postgres(pg) => pg,
            Db::Sqlite(lite) => {
                tokio::spawn(truncate_wal_while_writes_fail(
                    lite.write.clone(),
                    self.sqlite_writer.clone(),
                    self.health.clone(),
                ));
                return;
            }
        };
        let (pool, options) = (pg.pool.clone(), pg.options.clone());
        let store = self.clone();
        tokio::spawn(async move {
            let mut conn: Option<sqlx::PgConnection> = None;
            let mut missed = 0u32;
            while !pool.is_closed() {
                let ok = tokio::time::timeout(PING_TIMEOUT, async {
                    if conn.is_none() {
                        conn = Some(sqlx::PgConnection::connect_with(&options).await?);
                    }
                    match conn.as_mut() {
                        Some(c) => c.ping().await,
                        None => Ok(()),
                    }
                })
                .await;
                match ok {
                    Ok(Ok(())) => {
                        if store.health.is_down() {
                            tracing::warn!("database reachable again");
                        }
                        missed = 0;
                        store.health.set_down(false);
                    }
                    failed => {
                        // A connection that failed or timed out mid-ping is not reused.
                        conn = None;
                        missed += 1;
                        if missed >= MISSES && !store.health.is_down() {
                            let why = match failed {
                                Ok(Err(e)) => e.to_string(),
                                _ => "no answer".to_string(),
                            };
                            tracing::error!(error = %why, "database unreachable");
                            store.health.set_down(true);
                        }
                    }
                }
                tokio::time::sleep(PING_EVERY).await;
            }
        });
    }

    /// A small write through the normal write path (used by `/readyz` while writes
    /// are failing, to notice they work again even when no request writes).
    pub async fn probe_write(&self, now: i64) -> super::StoreResult<()> {
        let mut tx = self.begin().await?;
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO service_state (name, value) VALUES ('write_probe', $1) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(now.to_string())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    pub fn statement_timeout(&self) -> Duration {
        self.timeouts.db_statement
    }
}

/// SQLite's watchdog: once a second while writes fail, checkpoints the WAL into the
/// database file and truncates it (under the write lock), so space freed on the
/// volume goes to the data. Ends when the pool closes.
async fn truncate_wal_while_writes_fail(
    pool: sqlx::SqlitePool,
    lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    health: std::sync::Arc<Health>,
) {
    while !pool.is_closed() {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if !health.write_failing() {
            continue;
        }
        let _writing = lock.lock().await;
        match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&pool)
            .await
        {
            Ok((busy, frames, done)) => tracing::warn!(
                busy,
                frames,
                done,
                "writes failing: WAL checkpointed and truncated"
            ),
            Err(e) => tracing::warn!(error = %e, "WAL checkpoint failed"),
        }
    }
}
