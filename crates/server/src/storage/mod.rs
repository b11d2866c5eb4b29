//! The storage interface: one `Store` in front of PostgreSQL (production) or SQLite
//! (the embedded default), each through sqlx's native driver (`postgres.rs`,
//! `sqlite.rs`: connecting, migrations, the few SQL differences; `batch.rs` and
//! `sqlite_writer.rs`: each backend's grouped activity writer). The URL scheme
//! picks the backend. The queries both dialects accept (`$n` placeholders, times as
//! Unix microseconds) are written once in the files beside them and compiled for
//! each driver by `on_pool!` / `on_tx!`, so every statement binds and decodes with
//! that driver's own types. Handlers never see SQL: capabilities and services call
//! the typed methods here.

/// Runs `$body` with `$db` the store's pool (`&PgPool`, or SQLite's readers), and
/// optionally `$sql` that backend's `SqlText`. The body is compiled once per native
/// driver.
macro_rules! on_pool {
    ($store:expr, $db:ident => $body:expr) => {
        match &$store.db {
            $crate::storage::Db::Postgres(pg) => {
                let $db = &pg.pool;
                $body
            }
            $crate::storage::Db::Sqlite(lite) => {
                let $db = &lite.read;
                $body
            }
        }
    };
    ($store:expr, $db:ident, $sql:ident => $body:expr) => {
        match &$store.db {
            $crate::storage::Db::Postgres(pg) => {
                let $db = &pg.pool;
                let $sql = &$crate::storage::postgres::SQL;
                $body
            }
            $crate::storage::Db::Sqlite(lite) => {
                let $db = &lite.read;
                let $sql = &$crate::storage::sqlite::SQL;
                $body
            }
        }
    };
}

/// Runs `$body` with `$c` the transaction's connection (`&mut PgConnection` or
/// `&mut SqliteConnection`), and optionally `$sql` that backend's `SqlText`. The body
/// is compiled once per native driver.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match &mut $tx.tx {
            $crate::storage::TxConn::Postgres(t) => {
                let $c: &mut sqlx::PgConnection = &mut *t;
                $body
            }
            $crate::storage::TxConn::Sqlite(t) => {
                let $c: &mut sqlx::SqliteConnection = &mut *t;
                $body
            }
        }
    };
    ($tx:expr, $c:ident, $sql:ident => $body:expr) => {
        match &mut $tx.tx {
            $crate::storage::TxConn::Postgres(t) => {
                let $c: &mut sqlx::PgConnection = &mut *t;
                let $sql = &$crate::storage::postgres::SQL;
                $body
            }
            $crate::storage::TxConn::Sqlite(t) => {
                let $c: &mut sqlx::SqliteConnection = &mut *t;
                let $sql = &$crate::storage::sqlite::SQL;
                $body
            }
        }
    };
}

/// The SQL that differs between the two backends.
pub(crate) struct SqlText {
    /// Appended to a SELECT that locks the rows it reads until commit.
    pub for_update: &'static str,
    /// Appended to the job claim's inner SELECT (skip rows another claim holds).
    pub skip_locked: &'static str,
    /// Joins a column of integers into one comma-separated text.
    pub concat_times: &'static str,
}

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
mod postgres;
mod sqlite;
mod sqlite_writer;
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

use std::sync::Arc;
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

/// The database behind a `Store`, each through its own native sqlx driver.
#[derive(Clone)]
pub(crate) enum Db {
    Postgres(Box<postgres::Postgres>),
    Sqlite(sqlite::Sqlite),
}

/// The handle every service uses. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Db,
    /// SQLite has one writer at a time; taking this lock before a write transaction
    /// avoids `SQLITE_BUSY` upgrades. PostgreSQL uses row locks instead.
    sqlite_writer: Arc<Mutex<()>>,
    /// PostgreSQL: the writers that group concurrent activity writes.
    batcher: Option<Arc<batch::Batcher>>,
    /// SQLite: the writer that group-commits concurrent activity writes.
    sqlite_group: Option<Arc<sqlite_writer::SqliteWriter>>,
    /// Whether the database answers and whether writes succeed (see `health`).
    health: Arc<Health>,
    timeouts: crate::config::Timeouts,
}

impl Store {
    /// Connects without running migrations, with the default timeouts.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        Store::connect_with(url, &crate::config::Timeouts::default()).await
    }

    /// Connects without running migrations. `timeouts` bounds waiting for a
    /// connection and (PostgreSQL) every statement.
    pub async fn connect_with(url: &str, timeouts: &crate::config::Timeouts) -> StoreResult<Store> {
        let sqlite_writer = Arc::new(Mutex::new(()));
        let health = Arc::new(Health::default());
        let (db, batcher, sqlite_group) =
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                let pg = postgres::Postgres::connect(url, timeouts).await?;
                let batcher = Arc::new(batch::Batcher::start(pg.pool.clone()));
                (Db::Postgres(Box::new(pg)), Some(batcher), None)
            } else if url.starts_with("sqlite:") {
                // A lock another process holds on the file is waited for as long as
                // PostgreSQL's statements may run: then 503, not a queue of waits.
                let lite = sqlite::Sqlite::connect(url, timeouts.db_statement).await?;
                let group = sqlite_writer::SqliteWriter::start(
                    lite.write.clone(),
                    sqlite_writer.clone(),
                    health.clone(),
                );
                (Db::Sqlite(lite), None, Some(Arc::new(group)))
            } else {
                return Err(StoreError::Corrupt(format!(
                    "unsupported database URL scheme in {url:?} (use postgres:// or sqlite://)"
                )));
            };
        Ok(Store {
            db,
            sqlite_writer,
            batcher,
            sqlite_group,
            health,
            timeouts: timeouts.clone(),
        })
    }

    /// Connects and brings the schema up to date.
    pub async fn open(url: &str) -> StoreResult<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Brings the schema up to date with the backend's own migrations.
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.db {
            Db::Postgres(pg) => pg.migrate().await,
            Db::Sqlite(lite) => lite.migrate().await,
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self.db {
            Db::Postgres(_) => Dialect::Postgres,
            Db::Sqlite(_) => Dialect::Sqlite,
        }
    }

    pub async fn ping(&self) -> StoreResult<()> {
        on_pool!(self, db => sqlx::query("SELECT 1").execute(db).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn close(&self) {
        match &self.db {
            Db::Postgres(pg) => pg.pool.close().await,
            Db::Sqlite(lite) => {
                lite.read.close().await;
                lite.write.close().await;
            }
        }
    }

    /// Starts a write transaction. On SQLite the process-wide writer lock is held
    /// until the transaction ends.
    pub async fn begin(&self) -> StoreResult<Tx> {
        let (tx, guard) = match &self.db {
            Db::Postgres(pg) => (pg.pool.begin().await.map(TxConn::Postgres), None),
            Db::Sqlite(lite) => {
                // Waiting behind other writers is bounded as a statement is: a file
                // locked from outside must not queue every writer for its whole wait.
                let waited = tokio::time::timeout(
                    self.timeouts.db_statement,
                    self.sqlite_writer.clone().lock_owned(),
                )
                .await;
                let Ok(guard) = waited else {
                    return Err(StoreError::Db(sqlx::Error::PoolTimedOut));
                };
                (lite.begin().await.map(TxConn::Sqlite), Some(guard))
            }
        };
        let tx = tx.inspect_err(|e| self.health.write_failed(e))?;
        Ok(Tx {
            tx,
            health: self.health.clone(),
            _guard: guard,
        })
    }
}

/// A write transaction. Dropping it without `commit` rolls everything back.
pub struct Tx {
    tx: TxConn,
    health: Arc<Health>,
    _guard: Option<OwnedMutexGuard<()>>,
}

/// A transaction on one of the native drivers.
pub(crate) enum TxConn {
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
}

impl Tx {
    pub async fn commit(self) -> StoreResult<()> {
        let done = match self.tx {
            TxConn::Postgres(tx) => tx.commit().await,
            TxConn::Sqlite(tx) => tx.commit().await,
        };
        match done {
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
