//! The storage interface: one `Store` in front of PostgreSQL (production) or SQLite
//! (the embedded default). The URL scheme picks the backend; each backend owns its
//! migrations. Queries are written once in SQL both dialects accept (`$n` placeholders,
//! times as Unix microseconds), with the few dialect differences kept in this module.
//! Handlers never see SQL: services call the typed methods here.

mod activities;
mod batch;
mod boss;
mod duels;
mod fair_play;
mod health;
mod jobs;
mod leaderboard;
mod ledger;
mod players;
mod state;
mod tokens;

pub use activities::{
    ActivityRow, ActivityWrite, BattleWrite, DayKind, DayUsage, NewActivity, WrittenActivity,
};
pub use boss::{BadgeRow, BattleRow, NewBattle, PendingCutscene, VillainRow};
pub use duels::{DuelResult, DuelRow, JobState, NewDuel};
pub use health::{Health, PING_TIMEOUT, unavailable};
pub use jobs::{JobRow, NewJob};
pub use leaderboard::{BoardRow, BoardScope, PlayerCard};
pub use ledger::{LedgerEntry, NO_STAT, NewLedgerEntry, WeeklyRow};
pub use players::{NewPlayer, PlayerRow};
pub use state::IdempotentResponse;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} already exists")]
    Conflict(&'static str),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("corrupt data: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

/// The handle every service uses. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
    /// SQLite has one writer at a time; taking this lock before a write transaction
    /// avoids `SQLITE_BUSY` upgrades. PostgreSQL uses row locks instead.
    sqlite_writer: Arc<Mutex<()>>,
    /// PostgreSQL: the writers that group concurrent activity writes.
    batcher: Option<Arc<batch::Batcher>>,
    /// Whether the database answers and whether writes succeed (see `health`).
    health: Arc<Health>,
    options: AnyConnectOptions,
    timeouts: crate::config::Timeouts,
}

static MIGRATE_SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static MIGRATE_POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// Connects without running migrations, with the default timeouts.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        Store::connect_with(url, &crate::config::Timeouts::default()).await
    }

    /// Connects without running migrations. `timeouts` bounds waiting for a
    /// connection and (PostgreSQL) every statement.
    pub async fn connect_with(url: &str, timeouts: &crate::config::Timeouts) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            return Err(StoreError::Corrupt(format!(
                "unsupported database URL scheme in {url:?} (use postgres:// or sqlite://)"
            )));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let pool = match dialect {
            Dialect::Postgres => {
                let statement_ms = timeouts.db_statement.as_millis();
                AnyPoolOptions::new()
                    .max_connections(timeouts.db_max_connections)
                    .acquire_timeout(timeouts.db_acquire)
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            // The server cancels any statement running longer (a lock
                            // wait included), so a request never waits on it for ever.
                            conn.execute(sqlx::AssertSqlSafe(format!(
                                "SET statement_timeout = {statement_ms}"
                            )))
                            .await?;
                            conn.execute(sqlx::AssertSqlSafe(format!(
                                "SET idle_in_transaction_session_timeout = {}",
                                statement_ms.saturating_mul(2)
                            )))
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options.clone())
                    .await?
            }
            Dialect::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL lets readers run beside the writer; NORMAL is durable
                            // across a process crash (the case we guard against).
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            Ok(())
                        })
                    })
                    // A COMMIT that failed (a full disk) can leave the connection
                    // inside a transaction SQLite already ended; such a connection is
                    // closed, never handed out again. The ping runs after any queued
                    // rollback, so the depth read afterwards is current.
                    .after_release(|conn, _| {
                        Box::pin(async move {
                            sqlx::Connection::ping(&mut *conn).await?;
                            Ok(!sqlx::Connection::is_in_transaction(&*conn))
                        })
                    })
                    .connect_with(options.clone())
                    .await?
            }
        };
        let batcher = match dialect {
            Dialect::Postgres => Some(Arc::new(batch::Batcher::start(pool.clone()))),
            Dialect::Sqlite => None,
        };
        Ok(Store {
            pool,
            dialect,
            sqlite_writer: Arc::new(Mutex::new(())),
            batcher,
            health: Arc::new(Health::default()),
            options,
            timeouts: timeouts.clone(),
        })
    }

    /// Connects and brings the schema up to date.
    pub async fn open(url: &str) -> StoreResult<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        let migrator = match self.dialect {
            Dialect::Postgres => &MIGRATE_POSTGRES,
            Dialect::Sqlite => &MIGRATE_SQLITE,
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Db(e.into()))
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction. On SQLite the process-wide writer lock is held
    /// until the transaction ends.
    pub async fn begin(&self) -> StoreResult<Tx> {
        let guard = match self.dialect {
            Dialect::Sqlite => Some(self.sqlite_writer.clone().lock_owned().await),
            Dialect::Postgres => None,
        };
        // On SQLite take the write lock at BEGIN: a deferred transaction that reads
        // first fails with SQLITE_BUSY (no waiting) when another connection or
        // process wrote in between; IMMEDIATE waits for the lock instead.
        let tx = match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Dialect::Postgres => self.pool.begin().await,
        };
        let tx = tx.inspect_err(|e| self.health.write_failed(e))?;
        Ok(Tx {
            tx,
            dialect: self.dialect,
            health: self.health.clone(),
            _guard: guard,
        })
    }
}

fn for_update(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => " FOR UPDATE",
        Dialect::Sqlite => "",
    }
}

/// A write transaction. Dropping it without `commit` rolls everything back.
pub struct Tx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    dialect: Dialect,
    health: Arc<Health>,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    pub async fn commit(self) -> StoreResult<()> {
        match self.tx.commit().await {
            Ok(()) => {
                self.health.write_succeeded();
                Ok(())
            }
            Err(e) => {
                self.health.write_failed(&e);
                Err(e.into())
            }
        }
    }

    fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

/// Maps a unique-constraint violation to `Conflict(what)`.
fn unique_violation(e: sqlx::Error, what: &'static str) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        return StoreError::Conflict(what);
    }
    StoreError::Db(e)
}
