//! The counts behind the fair-play limits (game rules §10): registrations per client
//! address, attempt budgets (login attempts per account), and the duels a pair or a
//! winner has already been paid for. Every count is taken under a row lock (or in one
//! atomic statement), so the limits hold with many requests and several instances.

use super::{Store, StoreResult, Tx};

impl Tx {
    /// Locks the registration gate of `address` until commit, so that concurrent
    /// registrations from one address are counted one after the other, and returns
    /// the accepted registrations from it at or after `since` and the oldest one's
    /// time. Older entries of the address are forgotten.
    pub async fn registrations_since(
        &mut self,
        address: &str,
        since: i64,
        now: i64,
    ) -> StoreResult<(i64, Option<i64>)> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO registration_gates (address, last_at) VALUES ($1, $2) \
             ON CONFLICT (address) DO UPDATE SET last_at = excluded.last_at",
        )
        .bind(address.to_string())
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        on_tx!(self, c => sqlx::query("DELETE FROM registrations WHERE address = $1 AND at < $2")
            .bind(address.to_string())
            .bind(since)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        let (count, oldest): (i64, Option<i64>) = on_tx!(self, c => sqlx::query_as("SELECT COUNT(*), MIN(at) FROM registrations WHERE address = $1")
                .bind(address.to_string())
                .fetch_one(c)
                .await)?;
        Ok((count, oldest))
    }

    pub async fn record_registration(
        &mut self,
        address: &str,
        at: i64,
        player_id: i64,
    ) -> StoreResult<()> {
        on_tx!(self, c => sqlx::query("INSERT INTO registrations (address, at, player_id) VALUES ($1, $2, $3)")
            .bind(address.to_string())
            .bind(at)
            .bind(player_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Resolved duels of the pair in the UTC ISO week `week` (its Monday).
    pub async fn pair_duels_in_week(&mut self, a: i64, b: i64, week: &str) -> StoreResult<i64> {
        Ok(on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM duels WHERE pair_lo = $1 AND pair_hi = $2 \
             AND pair_week = $3 AND status = 'resolved'",
        )
        .bind(a.min(b))
        .bind(a.max(b))
        .bind(week.to_string())
        .fetch_one(c)
        .await)?)
    }

    /// Duel wins the player was paid for on local date `date`.
    pub async fn paid_wins_on(&mut self, player_id: i64, date: &str) -> StoreResult<i64> {
        Ok(on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM duels WHERE winner_id = $1 AND paid_date = $2 \
             AND status = 'resolved'",
        )
        .bind(player_id)
        .bind(date.to_string())
        .fetch_one(c)
        .await)?)
    }

    /// Records how a resolved duel was counted: its pair week, the winner's paid date
    /// (when it paid) and why it paid nothing (when it did not).
    pub async fn set_duel_fair_play(
        &mut self,
        duel_id: i64,
        pair_week: &str,
        paid_date: Option<&str>,
        friendly: Option<&str>,
    ) -> StoreResult<()> {
        on_tx!(self, c => sqlx::query("UPDATE duels SET pair_week = $1, paid_date = $2, friendly = $3 WHERE id = $4")
            .bind(pair_week.to_string())
            .bind(paid_date.map(str::to_string))
            .bind(friendly.map(str::to_string))
            .bind(duel_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl Store {
    /// Counts one use of the budget `name` in the fixed window starting at
    /// `window_start` (one atomic statement) and returns the uses of this window (this
    /// one included) and of the window before, `window` long. Older windows of the
    /// name are dropped.
    pub async fn use_budget(
        &self,
        name: &str,
        window_start: i64,
        window: i64,
    ) -> StoreResult<(i64, i64)> {
        on_pool!(self, db => sqlx::query("DELETE FROM budgets WHERE name = $1 AND window_start < $2")
            .bind(name.to_string())
            .bind(window_start - window)
            .execute(db)
            .await
            .map(|r| r.rows_affected()))?;
        let used: i64 = on_pool!(self, db => sqlx::query_scalar(
            "INSERT INTO budgets (name, window_start, used) VALUES ($1, $2, 1) \
             ON CONFLICT (name, window_start) DO UPDATE SET used = budgets.used + 1 \
             RETURNING used",
        )
        .bind(name.to_string())
        .bind(window_start)
        .fetch_one(db)
        .await)?;
        let before: Option<i64> = on_pool!(self, db => sqlx::query_scalar("SELECT used FROM budgets WHERE name = $1 AND window_start = $2")
                .bind(name.to_string())
                .bind(window_start - window)
                .fetch_optional(db)
                .await)?;
        Ok((used, before.unwrap_or(0)))
    }

    /// Gives back one use of the budget `name` counted in the window starting at
    /// `window_start` (a login that turned out right).
    pub async fn refund_budget(&self, name: &str, window_start: i64) -> StoreResult<()> {
        on_pool!(self, db => sqlx::query(
            "UPDATE budgets SET used = used - 1 WHERE name = $1 AND window_start = $2 AND used > 0",
        )
        .bind(name.to_string())
        .bind(window_start)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The registrations accepted from `address` at or after `since`, and the oldest
    /// one's time (a cheap check before hashing a password; the count that decides is
    /// `Tx::registrations_since`).
    pub async fn registrations_from(
        &self,
        address: &str,
        since: i64,
    ) -> StoreResult<(i64, Option<i64>)> {
        Ok(on_pool!(self, db => sqlx::query_as(
                "SELECT COUNT(*), MIN(at) FROM registrations WHERE address = $1 AND at >= $2",
            )
            .bind(address.to_string())
            .bind(since)
            .fetch_one(db)
            .await)?)
    }
}
