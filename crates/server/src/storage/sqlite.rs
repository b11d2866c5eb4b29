//! The SQLite backend (the embedded default): sqlx's native driver, one writer
//! connection beside read connections (WAL), migrations and the SQL only it speaks.

use super::{SqlText, StoreError, StoreResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

pub(crate) const SQL: SqlText = SqlText {
    // One writer at a time (the store's write lock) already serializes writers.
    for_update: "",
    skip_locked: "",
    concat_times: "GROUP_CONCAT(a.occurred_at, ',')",
};

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// Read connections (each is a thread in sqlx's driver).
const READERS: u32 = 6;

/// The writer connection and the readers.
#[derive(Clone)]
pub(crate) struct Sqlite {
    /// Reads and the few autocommit writes, beside the writer (WAL).
    pub read: SqlitePool,
    /// The only connection that runs write transactions (`Store::begin`, the
    /// activity group commits) and migrations.
    pub write: SqlitePool,
}

/// A COMMIT that failed (a full disk) can leave a SQLite connection inside a
/// transaction SQLite already ended; such a connection is closed, never handed out
/// again. The ping runs after any queued rollback, so the depth read afterwards is
/// current.
async fn release_check(conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    conn.ping().await?;
    Ok(!conn.is_in_transaction())
}

impl Sqlite {
    /// Connects; `busy` is how long a statement waits for a lock another process
    /// holds on the file before it fails (503 `database_unavailable`).
    pub async fn connect(url: &str, busy: Duration) -> StoreResult<Sqlite> {
        // Every connection: WAL lets the readers run beside the writer; `FULL` syncs
        // the WAL at every commit, so an acknowledged write survives a power loss
        // too, not only a crash of the process (`NORMAL` can lose the last commits).
        // The WAL is checkpointed every 256 pages (1 MiB; SQLite's default is 4 MiB)
        // and cut back to 1 MiB after each checkpoint, so on a small volume it cannot
        // take the space the data needs (it never shrinks by itself).
        let options = SqliteConnectOptions::from_str(url)?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(busy)
            .foreign_keys(true)
            .pragma("wal_autocheckpoint", "256")
            .pragma("journal_size_limit", "1048576");
        // The writer first: it creates the file (`mode=rwc`) and switches it to WAL
        // before any reader opens it.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .idle_timeout(None)
            .max_lifetime(None)
            .after_release(|conn, _| Box::pin(release_check(conn)))
            .connect_with(options.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(READERS)
            .acquire_timeout(Duration::from_secs(10))
            .after_release(|conn, _| Box::pin(release_check(conn)))
            .connect_with(options)
            .await?;
        Ok(Sqlite { read, write })
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATIONS
            .run(&self.write)
            .await
            .map_err(|e| StoreError::Db(e.into()))
    }

    /// A write transaction on the writer connection. It takes the write lock at
    /// BEGIN: a deferred transaction that reads first fails with SQLITE_BUSY (no
    /// waiting) when another connection or process wrote in between; IMMEDIATE waits
    /// for the lock instead.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.write.begin_with("BEGIN IMMEDIATE").await
    }
}
