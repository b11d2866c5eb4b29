//! The PostgreSQL backend (production): sqlx's native driver, its pool settings,
//! migrations and the SQL only it speaks.

use super::{SqlText, StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool};
use std::str::FromStr;

pub(crate) const SQL: SqlText = SqlText {
    for_update: " FOR UPDATE",
    skip_locked: " FOR UPDATE SKIP LOCKED",
    concat_times: "STRING_AGG(CAST(a.occurred_at AS TEXT), ',')",
};

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The pool every statement and transaction uses, and how to open a connection
/// outside it (the watchdog's own).
#[derive(Clone)]
pub(crate) struct Postgres {
    pub pool: PgPool,
    pub options: PgConnectOptions,
}

impl Postgres {
    pub async fn connect(url: &str, timeouts: &crate::config::Timeouts) -> StoreResult<Postgres> {
        let options = PgConnectOptions::from_str(url)?;
        let statement_ms = timeouts.db_statement.as_millis();
        let pool = PgPoolOptions::new()
            .max_connections(timeouts.db_max_connections)
            .acquire_timeout(timeouts.db_acquire)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    // The server cancels any statement running longer (a lock wait
                    // included), so a request never waits on it for ever.
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
            .await?;
        Ok(Postgres { pool, options })
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATIONS
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Db(e.into()))
    }
}
