//! The durable job table. Any number of server instances claim jobs safely: on
//! PostgreSQL with `FOR UPDATE SKIP LOCKED`, on SQLite under the single-writer lock.
//! A claimed job carries a lease; a worker that dies leaves it to be claimed again.

use super::{Store, StoreResult};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub dedup_key: Option<String>,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
}

pub struct NewJob {
    pub kind: String,
    pub dedup_key: Option<String>,
    pub payload: String,
    pub run_at: i64,
    pub max_attempts: i64,
}

impl Store {
    /// Adds a job; a job with the same dedup key already present is left as it is.
    /// Returns whether a new job was added.
    pub async fn enqueue(&self, job: NewJob, now: i64) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let added = tx.enqueue(job, now).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// Claims one due job (or one whose lease ran out) for `lease_micros`.
    pub async fn claim_job(&self, now: i64, lease_micros: i64) -> StoreResult<Option<JobRow>> {
        let sql = |lock: &str| {
            format!(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = $2, \
             updated_at = $1 WHERE id = (SELECT id FROM jobs WHERE (status = 'queued' AND \
             run_at <= $1) OR (status = 'running' AND locked_until < $1) ORDER BY run_at, id \
             LIMIT 1{lock}) RETURNING id, kind, dedup_key, payload, attempts, max_attempts"
            )
        };
        let mut tx = self.begin().await?;
        let job = on_tx!(tx, c, dialect => sqlx::query_as(sqlx::AssertSqlSafe(sql(dialect.skip_locked)))
            .bind(now)
            .bind(now + lease_micros)
            .fetch_optional(c)
            .await)?;
        tx.commit().await?;
        Ok(job)
    }

    /// Puts every claimed job back in the queue (at start-up: the claims of a
    /// process that died would otherwise wait out their lease). Jobs are idempotent,
    /// so one another live instance is still running merely runs again.
    pub async fn release_job_claims(&self, now: i64) -> StoreResult<u64> {
        Ok(on_pool!(self, db => sqlx::query(
            "UPDATE jobs SET status = 'queued', locked_until = NULL, updated_at = $1 \
             WHERE status = 'running'",
        )
        .bind(now)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?)
    }

    pub async fn finish_job(&self, id: i64) -> StoreResult<()> {
        on_pool!(self, db => sqlx::query("DELETE FROM jobs WHERE id = $1")
            .bind(id)
            .execute(db)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Puts a recurring job back in the queue for its next run.
    pub async fn reschedule_job(&self, id: i64, run_at: i64, now: i64) -> StoreResult<()> {
        on_pool!(self, db => sqlx::query(
            "UPDATE jobs SET status = 'queued', run_at = $1, attempts = 0, locked_until = NULL, \
             last_error = NULL, updated_at = $2 WHERE id = $3",
        )
        .bind(run_at)
        .bind(now)
        .bind(id)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Records a failure: retried at `retry_at`, or marked `failed` (kept, visible)
    /// once it has used all its attempts.
    pub async fn fail_job(
        &self,
        job: &JobRow,
        error: &str,
        retry_at: i64,
        now: i64,
    ) -> StoreResult<()> {
        let status = if job.attempts >= job.max_attempts {
            "failed"
        } else {
            "queued"
        };
        on_pool!(self, db => sqlx::query(
            "UPDATE jobs SET status = $1, run_at = $2, locked_until = NULL, last_error = $3, \
             updated_at = $4 WHERE id = $5",
        )
        .bind(status.to_string())
        .bind(retry_at)
        .bind(error.to_string())
        .bind(now)
        .bind(job.id)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Jobs waiting or running (the queue depth metric).
    pub async fn queue_depth(&self) -> StoreResult<i64> {
        Ok(
            on_pool!(self, db => sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')")
                .fetch_one(db)
                .await)?,
        )
    }

    pub async fn running_jobs(&self) -> StoreResult<i64> {
        Ok(
            on_pool!(self, db => sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE status = 'running'")
                .fetch_one(db)
                .await)?,
        )
    }

    pub async fn failed_jobs(&self) -> StoreResult<i64> {
        Ok(
            on_pool!(self, db => sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE status = 'failed'")
                .fetch_one(db)
                .await)?,
        )
    }

    /// Whether a job of this dedup key is due now (for draining after a clock jump).
    pub async fn due_jobs(&self, now: i64) -> StoreResult<i64> {
        Ok(on_pool!(self, db => sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE (status = 'queued' AND run_at <= $1) \
             OR (status = 'running' AND locked_until < $1)",
        )
        .bind(now)
        .fetch_one(db)
        .await)?)
    }
}

impl super::Tx {
    pub async fn enqueue(&mut self, job: NewJob, now: i64) -> StoreResult<bool> {
        let id: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO jobs (kind, dedup_key, payload, run_at, status, max_attempts, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, 'queued', $5, $6, $6) \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(job.kind)
        .bind(job.dedup_key)
        .bind(job.payload)
        .bind(job.run_at)
        .bind(job.max_attempts)
        .bind(now)
        .fetch_optional(c)
        .await)?;
        Ok(id.is_some())
    }
}
