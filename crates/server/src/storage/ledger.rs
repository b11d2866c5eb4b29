//! The XP ledger, the source of truth for totals, and its weekly per-stat rollups so
//! the dashboard never scans the whole ledger.

use super::{Store, StoreResult, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LedgerEntry {
    pub id: i64,
    pub at: i64,
    pub stat: Option<String>,
    pub amount: i64,
    pub reason: String,
    pub activity_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewLedgerEntry {
    pub player_id: i64,
    pub at: i64,
    pub stat: Option<String>,
    pub amount: i64,
    pub reason: String,
    pub activity_id: Option<i64>,
    /// A rule key ("skip:2026-11-20") makes the entry happen at most once per player.
    pub rule_key: Option<String>,
    /// The player's local ISO week (Monday) the entry belongs to.
    pub week_start: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WeeklyRow {
    pub week_start: String,
    pub stat: String,
    pub xp: i64,
}

/// Rollup bucket for entries without a stat (penalties).
pub const NO_STAT: &str = "-";

impl Store {
    pub async fn ledger(
        &self,
        player_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<LedgerEntry>> {
        Ok(on_pool!(self, db => sqlx::query_as(
            "SELECT id, at, stat, amount, reason, activity_id FROM ledger \
             WHERE player_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(player_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(db)
        .await)?)
    }

    /// Sum of every ledger entry, to check totals against (tests, audits).
    pub async fn ledger_sum(&self, player_id: i64) -> StoreResult<i64> {
        Ok(on_pool!(self, db => sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM ledger WHERE player_id = $1",
        )
        .bind(player_id)
        .fetch_one(db)
        .await)?)
    }

    pub async fn weekly_since(
        &self,
        player_id: i64,
        first_week: &str,
    ) -> StoreResult<Vec<WeeklyRow>> {
        Ok(on_pool!(self, db => sqlx::query_as(
            "SELECT week_start, stat, xp FROM weekly_rollups WHERE player_id = $1 \
             AND week_start >= $2 ORDER BY week_start",
        )
        .bind(player_id)
        .bind(first_week.to_string())
        .fetch_all(db)
        .await)?)
    }
}

impl Tx {
    /// Appends an entry and bumps its weekly rollup. Returns `None` (and writes
    /// nothing) when an entry with the same rule key already exists.
    pub async fn insert_ledger(&mut self, e: NewLedgerEntry) -> StoreResult<Option<i64>> {
        let id: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO ledger (player_id, at, stat, amount, reason, activity_id, rule_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(e.player_id)
        .bind(e.at)
        .bind(e.stat.clone())
        .bind(e.amount)
        .bind(e.reason)
        .bind(e.activity_id)
        .bind(e.rule_key)
        .fetch_optional(c)
        .await)?;
        if id.is_some() {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO weekly_rollups (player_id, week_start, stat, xp) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (player_id, week_start, stat) \
                 DO UPDATE SET xp = weekly_rollups.xp + excluded.xp",
            )
            .bind(e.player_id)
            .bind(e.week_start)
            .bind(e.stat.unwrap_or_else(|| NO_STAT.to_string()))
            .bind(e.amount)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        }
        Ok(id)
    }

    /// The amount the entry with `rule_key` recorded, if there is one.
    pub async fn rule_amount(
        &mut self,
        player_id: i64,
        rule_key: &str,
    ) -> StoreResult<Option<i64>> {
        Ok(on_tx!(self, c => sqlx::query_scalar(
            "SELECT amount FROM ledger WHERE player_id = $1 AND rule_key = $2",
        )
        .bind(player_id)
        .bind(rule_key.to_string())
        .fetch_optional(c)
        .await)?)
    }

    /// The chain's entries (Plot Armor, streak breaks and breaks given back) as
    /// (rule key, amount).
    pub async fn chain_entries(&mut self, player_id: i64) -> StoreResult<Vec<(String, i64)>> {
        Ok(on_tx!(self, c => sqlx::query_as(
            "SELECT rule_key, amount FROM ledger WHERE player_id = $1 AND \
             (rule_key LIKE 'plot_armor:%' OR rule_key LIKE 'streak_broken:%' \
              OR rule_key LIKE 'streak_broken_undone:%')",
        )
        .bind(player_id)
        .fetch_all(c)
        .await)?)
    }

    /// What an activity's award and its edit corrections moved in all (the entries
    /// that name the activity and no rule key), floors included.
    pub async fn activity_award_total(
        &mut self,
        player_id: i64,
        activity_id: i64,
    ) -> StoreResult<i64> {
        let total: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM ledger \
             WHERE player_id = $1 AND activity_id = $2 AND rule_key IS NULL",
        )
        .bind(player_id)
        .bind(activity_id)
        .fetch_optional(c)
        .await)?;
        Ok(total.unwrap_or(0))
    }
}

impl super::Store {
    /// The players behind the last `entries` ledger entries (at start-up, to bring
    /// their cached boards up to date after a crash or a cache outage).
    pub async fn players_of_recent_entries(&self, entries: i64) -> StoreResult<Vec<i64>> {
        Ok(on_pool!(self, db => sqlx::query_scalar(
            "SELECT DISTINCT player_id FROM ledger \
             WHERE id > (SELECT COALESCE(MAX(id), 0) FROM ledger) - $1",
        )
        .bind(entries)
        .fetch_all(db)
        .await)?)
    }
}
