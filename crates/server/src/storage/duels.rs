//! Duels: challenges, their status changes, the snapshots taken at acceptance and
//! the resolved battle. "One open duel per pair" is a partial unique index, so two
//! racing challenges cannot both open.

use super::{Store, StoreError, StoreResult, Tx, unique_violation};

const DUEL_COLUMNS: &str = "id, challenger_id, opponent_id, status, challenger_date, \
    created_at, expires_at, accepted_at, declined_at, resolved_at, challenger_json, \
    opponent_json, winner_id, upset, result_json, replay_key, friendly";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DuelRow {
    pub id: i64,
    pub challenger_id: i64,
    pub opponent_id: i64,
    /// pending | declined | expired | queued | resolved
    pub status: String,
    /// The challenger's local date when the challenge was sent (the daily limit).
    pub challenger_date: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub declined_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub challenger_json: Option<String>,
    pub opponent_json: Option<String>,
    pub winner_id: Option<i64>,
    pub upset: i64,
    pub result_json: Option<String>,
    pub replay_key: Option<String>,
    /// Why a resolved duel paid nothing (`weekly_pair_limit`, `daily_win_limit`).
    pub friendly: Option<String>,
}

impl DuelRow {
    pub fn is_party(&self, player_id: i64) -> bool {
        self.challenger_id == player_id || self.opponent_id == player_id
    }
}

pub struct NewDuel {
    pub challenger_id: i64,
    pub opponent_id: i64,
    pub challenger_date: String,
    pub now: i64,
    pub expires_at: i64,
    /// The challenge's `Idempotency-Key`, if it was sent with one.
    pub idem_key: Option<String>,
}

/// The resolved battle to record.
pub struct DuelResult {
    pub winner_id: i64,
    pub upset: bool,
    pub result_json: String,
    pub replay_key: String,
    pub now: i64,
}

/// The battle job's state as shown on a queued duel.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobState {
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub run_at: i64,
}

impl Store {
    pub async fn duel(&self, id: i64) -> StoreResult<Option<DuelRow>> {
        let sql = format!("SELECT {DUEL_COLUMNS} FROM duels WHERE id = $1");
        Ok(
            on_pool!(self, db => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(db)
            .await)?,
        )
    }

    /// The player's duels (either side), newest first, optionally of one status.
    pub async fn duels_of(
        &self,
        player_id: i64,
        status: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<DuelRow>> {
        let filter = if status.is_some() {
            " AND status = $2"
        } else {
            " AND $2 = $2"
        };
        let sql = format!(
            "SELECT {DUEL_COLUMNS} FROM duels WHERE (challenger_id = $1 OR opponent_id = $1)\
             {filter} ORDER BY id DESC LIMIT $3"
        );
        Ok(
            on_pool!(self, db => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(player_id)
            .bind(status.unwrap_or("").to_string())
            .bind(limit)
            .fetch_all(db)
            .await)?,
        )
    }

    /// Marks a pending duel expired (the expiry job). Returns whether it was pending.
    pub async fn expire_duel(&self, id: i64, now: i64) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let n = tx.expire_duel(id, now).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The state of a job by its dedup key (`None` once it finished and was deleted).
    pub async fn job_state(&self, dedup_key: &str) -> StoreResult<Option<JobState>> {
        Ok(on_pool!(self, db => sqlx::query_as(
            "SELECT status, attempts, max_attempts, last_error, run_at FROM jobs \
             WHERE dedup_key = $1",
        )
        .bind(dedup_key.to_string())
        .fetch_optional(db)
        .await)?)
    }

    /// The duel `challenger_id` sent with `Idempotency-Key` `key`, if any.
    pub async fn duel_by_idem_key(
        &self,
        challenger_id: i64,
        key: &str,
    ) -> StoreResult<Option<DuelRow>> {
        let sql =
            format!("SELECT {DUEL_COLUMNS} FROM duels WHERE challenger_id = $1 AND idem_key = $2");
        Ok(
            on_pool!(self, db => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(challenger_id)
            .bind(key.to_string())
            .fetch_optional(db)
            .await)?,
        )
    }

    /// Duels in one status (metrics, tests and the benchmark check totals).
    pub async fn count_duels(&self, status: &str) -> StoreResult<i64> {
        Ok(
            on_pool!(self, db => sqlx::query_scalar("SELECT COUNT(*) FROM duels WHERE status = $1")
                .bind(status.to_string())
                .fetch_one(db)
                .await)?,
        )
    }
}

impl Tx {
    pub async fn insert_duel(&mut self, d: NewDuel) -> StoreResult<DuelRow> {
        let (lo, hi) = if d.challenger_id < d.opponent_id {
            (d.challenger_id, d.opponent_id)
        } else {
            (d.opponent_id, d.challenger_id)
        };
        let sql = format!(
            "INSERT INTO duels (challenger_id, opponent_id, pair_lo, pair_hi, status, \
             challenger_date, created_at, expires_at, idem_key) VALUES ($1, $2, $3, $4, \
             'pending', $5, $6, $7, $8) RETURNING {DUEL_COLUMNS}"
        );
        on_tx!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(d.challenger_id)
            .bind(d.opponent_id)
            .bind(lo)
            .bind(hi)
            .bind(d.challenger_date)
            .bind(d.now)
            .bind(d.expires_at)
            .bind(d.idem_key)
            .fetch_one(c)
            .await)
        .map_err(|e| unique_violation(e, "open duel"))
    }

    /// Challenges the player has sent on one of their local dates.
    pub async fn challenges_sent_on(&mut self, player_id: i64, date: &str) -> StoreResult<i64> {
        Ok(on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM duels WHERE challenger_id = $1 AND challenger_date = $2",
        )
        .bind(player_id)
        .bind(date.to_string())
        .fetch_one(c)
        .await)?)
    }

    /// Whether the pair already has an open (pending or queued) duel.
    pub async fn open_duel_between(&mut self, a: i64, b: i64) -> StoreResult<bool> {
        let n: i64 = on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM duels WHERE pair_lo = $1 AND pair_hi = $2 \
             AND status IN ('pending', 'queued')",
        )
        .bind(a.min(b))
        .bind(a.max(b))
        .fetch_one(c)
        .await)?;
        Ok(n > 0)
    }

    /// Reads a duel and, on PostgreSQL, locks it until commit.
    pub async fn lock_duel(&mut self, id: i64) -> StoreResult<DuelRow> {
        let sql = |lock: &str| format!("SELECT {DUEL_COLUMNS} FROM duels WHERE id = $1{lock}");
        on_tx!(self, c, dialect => sqlx::query_as(sqlx::AssertSqlSafe(sql(dialect.for_update)))
            .bind(id)
            .fetch_optional(c)
            .await)?
        .ok_or(StoreError::NotFound)
    }

    pub async fn expire_duel(&mut self, id: i64, now: i64) -> StoreResult<bool> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE duels SET status = 'expired', resolved_at = $1 WHERE id = $2 \
             AND status = 'pending'",
        )
        .bind(now)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn decline_duel(&mut self, id: i64, now: i64) -> StoreResult<()> {
        on_tx!(self, c => sqlx::query("UPDATE duels SET status = 'declined', declined_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Queues the battle with both fighters' snapshots.
    pub async fn queue_duel(
        &mut self,
        id: i64,
        challenger_json: &str,
        opponent_json: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, c => sqlx::query(
            "UPDATE duels SET status = 'queued', accepted_at = $1, challenger_json = $2, \
             opponent_json = $3 WHERE id = $4",
        )
        .bind(now)
        .bind(challenger_json.to_string())
        .bind(opponent_json.to_string())
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn resolve_duel(&mut self, id: i64, r: DuelResult) -> StoreResult<()> {
        on_tx!(self, c => sqlx::query(
            "UPDATE duels SET status = 'resolved', resolved_at = $1, winner_id = $2, \
             upset = $3, result_json = $4, replay_key = $5 WHERE id = $6",
        )
        .bind(r.now)
        .bind(r.winner_id)
        .bind(i64::from(r.upset))
        .bind(r.result_json)
        .bind(r.replay_key)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Replaces an activity's photo list (inside the transaction that locked it).
    pub async fn set_activity_photos(
        &mut self,
        player_id: i64,
        id: i64,
        photos_json: &str,
    ) -> StoreResult<()> {
        on_tx!(self, c => sqlx::query("UPDATE activities SET photos_json = $1 WHERE id = $2 AND player_id = $3")
            .bind(photos_json.to_string())
            .bind(id)
            .bind(player_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
