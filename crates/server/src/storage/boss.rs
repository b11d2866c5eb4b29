//! Weekly boss storage: the villain of each ISO week (written once, shared by all),
//! each player's battle against it, their badges, and the week's activity facts the
//! boss's HP is computed from.

use super::{Store, StoreResult, Tx};

const BATTLE_COLUMNS: &str = "player_id, week, week_start, level, objectives_json, \
    progress_json, hp, hp_max, status, penalty, cutscene, cutscene_seen, resolved_at, \
    created_at, updated_at";

const VILLAIN_COLUMNS: &str =
    "week, name, epithet, taunt, weakness, objective_kinds, badge, cutscene, source, created_at";

/// A week's villain as stored: every player and instance reads this one.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VillainRow {
    /// `"2026-W48"`.
    pub week: String,
    pub name: String,
    pub epithet: String,
    pub taunt: String,
    pub weakness: String,
    /// JSON array of objective kinds (always from the rules crate).
    pub objective_kinds: String,
    pub badge: String,
    pub cutscene: String,
    /// `procedural` or `llm`.
    pub source: String,
    pub created_at: i64,
}

/// One player's fight against one week's villain.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BattleRow {
    pub player_id: i64,
    pub week: String,
    /// The player's local Monday, `YYYY-MM-DD`.
    pub week_start: String,
    /// The level the objectives were scaled to (the level when the week began).
    pub level: i64,
    pub objectives_json: String,
    pub progress_json: String,
    pub hp: i64,
    pub hp_max: i64,
    /// `active`, `defeated` or `escaped`.
    pub status: String,
    /// XP actually taken when it escaped (0 otherwise).
    pub penalty: i64,
    pub cutscene: Option<String>,
    pub cutscene_seen: i64,
    pub resolved_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub struct NewBattle {
    pub player_id: i64,
    pub week: String,
    pub week_start: String,
    pub level: i64,
    pub objectives_json: String,
    pub progress_json: String,
    pub hp: i64,
    pub hp_max: i64,
    pub now: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BadgeRow {
    pub name: String,
    pub week: String,
    pub earned_at: i64,
}

/// An escaped boss whose cutscene has just been claimed for showing.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingCutscene {
    pub week: String,
    pub week_start: String,
    pub cutscene: Option<String>,
}

impl Store {
    pub async fn villain(&self, week: &str) -> StoreResult<Option<VillainRow>> {
        let sql = format!("SELECT {VILLAIN_COLUMNS} FROM villains WHERE week = $1");
        Ok(
            on_pool!(self, db => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(week.to_string())
            .fetch_optional(db)
            .await)?,
        )
    }

    /// Stores a week's villain unless one is already there (one autocommit statement,
    /// so it needs no writer lock); returns the one that is stored.
    pub async fn insert_villain_once(&self, v: VillainRow) -> StoreResult<VillainRow> {
        let week = v.week.clone();
        on_pool!(self, db => insert_villain_query(v).execute(db).await.map(|r| r.rows_affected()))?;
        self.villain(&week)
            .await?
            .ok_or(super::StoreError::NotFound)
    }

    pub async fn battle(&self, player_id: i64, week: &str) -> StoreResult<Option<BattleRow>> {
        let sql =
            format!("SELECT {BATTLE_COLUMNS} FROM boss_battles WHERE player_id = $1 AND week = $2");
        Ok(
            on_pool!(self, db => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(player_id)
            .bind(week.to_string())
            .fetch_optional(db)
            .await)?,
        )
    }

    /// Battles of weeks before `week_start` (local Monday), newest first.
    pub async fn past_battles(
        &self,
        player_id: i64,
        week_start: &str,
        limit: i64,
    ) -> StoreResult<Vec<BattleRow>> {
        let sql = format!(
            "SELECT {BATTLE_COLUMNS} FROM boss_battles WHERE player_id = $1 AND week_start < $2 \
             ORDER BY week_start DESC LIMIT $3"
        );
        Ok(
            on_pool!(self, db => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(player_id)
            .bind(week_start.to_string())
            .bind(limit)
            .fetch_all(db)
            .await)?,
        )
    }

    pub async fn badges(&self, player_id: i64) -> StoreResult<Vec<BadgeRow>> {
        Ok(on_pool!(self, db => sqlx::query_as(
            "SELECT name, week, earned_at FROM badges WHERE player_id = $1 \
             ORDER BY earned_at, name",
        )
        .bind(player_id)
        .fetch_all(db)
        .await)?)
    }

    /// Whether an escape cutscene waits to be shown (a read, so the common case of
    /// nothing pending never writes).
    pub async fn has_unseen_cutscene(&self, player_id: i64) -> StoreResult<bool> {
        let n: i64 = on_pool!(self, db => sqlx::query_scalar(
            "SELECT COUNT(*) FROM boss_battles WHERE player_id = $1 AND status = 'escaped' \
             AND cutscene_seen = 0",
        )
        .bind(player_id)
        .fetch_one(db)
        .await)?;
        Ok(n > 0)
    }

    /// Marks every unseen cutscene of the player seen and returns them: one atomic
    /// statement, so two concurrent readers cannot both be shown the same scene.
    pub async fn take_unseen_cutscenes(&self, player_id: i64) -> StoreResult<Vec<PendingCutscene>> {
        let mut rows: Vec<PendingCutscene> = on_pool!(self, db => sqlx::query_as(
            "UPDATE boss_battles SET cutscene_seen = 1 WHERE player_id = $1 \
             AND status = 'escaped' AND cutscene_seen = 0 \
             RETURNING week, week_start, cutscene",
        )
        .bind(player_id)
        .fetch_all(db)
        .await)?;
        rows.sort_by(|a, b| b.week_start.cmp(&a.week_start));
        Ok(rows)
    }
}

/// Adds the villain of a week unless that week has one, for either driver.
fn insert_villain_query<'q, DB: sqlx::Database>(
    v: VillainRow,
) -> sqlx::query::Query<'q, DB, DB::Arguments>
where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(
        "INSERT INTO villains (week, name, epithet, taunt, weakness, objective_kinds, badge, \
         cutscene, source, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (week) DO NOTHING",
    )
    .bind(v.week)
    .bind(v.name)
    .bind(v.epithet)
    .bind(v.taunt)
    .bind(v.weakness)
    .bind(v.objective_kinds)
    .bind(v.badge)
    .bind(v.cutscene)
    .bind(v.source)
    .bind(v.created_at)
}

impl Tx {
    pub async fn villain(&mut self, week: &str) -> StoreResult<Option<VillainRow>> {
        let sql = format!("SELECT {VILLAIN_COLUMNS} FROM villains WHERE week = $1");
        Ok(on_tx!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(week.to_string())
            .fetch_optional(c)
            .await)?)
    }

    /// Stores a week's villain unless one is already there; returns the stored one.
    pub async fn insert_villain_once(&mut self, v: VillainRow) -> StoreResult<VillainRow> {
        let week = v.week.clone();
        on_tx!(self, c => insert_villain_query(v).execute(c).await.map(|r| r.rows_affected()))?;
        self.villain(&week)
            .await?
            .ok_or(super::StoreError::NotFound)
    }

    pub async fn battle(&mut self, player_id: i64, week: &str) -> StoreResult<Option<BattleRow>> {
        let sql =
            format!("SELECT {BATTLE_COLUMNS} FROM boss_battles WHERE player_id = $1 AND week = $2");
        Ok(on_tx!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(player_id)
            .bind(week.to_string())
            .fetch_optional(c)
            .await)?)
    }

    /// Creates the player's battle for a week unless it exists; returns whether it was
    /// created.
    pub async fn insert_battle(&mut self, b: NewBattle) -> StoreResult<bool> {
        let inserted: Option<String> = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO boss_battles (player_id, week, week_start, level, objectives_json, \
             progress_json, hp, hp_max, status, created_at, updated_at) VALUES ($1, $2, $3, \
             $4, $5, $6, $7, $8, 'active', $9, $9) ON CONFLICT (player_id, week) DO NOTHING \
             RETURNING week",
        )
        .bind(b.player_id)
        .bind(b.week)
        .bind(b.week_start)
        .bind(b.level)
        .bind(b.objectives_json)
        .bind(b.progress_json)
        .bind(b.hp)
        .bind(b.hp_max)
        .bind(b.now)
        .fetch_optional(c)
        .await)?;
        Ok(inserted.is_some())
    }

    pub async fn update_battle_progress(
        &mut self,
        player_id: i64,
        week: &str,
        hp: i64,
        progress_json: &str,
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, c => sqlx::query(
            "UPDATE boss_battles SET hp = $1, progress_json = $2, updated_at = $3 \
             WHERE player_id = $4 AND week = $5",
        )
        .bind(hp)
        .bind(progress_json.to_string())
        .bind(now)
        .bind(player_id)
        .bind(week.to_string())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Ends an active battle. Returns false (and changes nothing) when it had already
    /// ended, which is what makes a re-run of the rollover harmless.
    pub async fn resolve_battle(
        &mut self,
        player_id: i64,
        week: &str,
        status: &str,
        penalty: i64,
        cutscene: Option<String>,
        now: i64,
    ) -> StoreResult<bool> {
        let done = on_tx!(self, c => sqlx::query(
            "UPDATE boss_battles SET status = $1, penalty = $2, cutscene = $3, \
             resolved_at = $4, updated_at = $4 WHERE player_id = $5 AND week = $6 \
             AND status = 'active'",
        )
        .bind(status.to_string())
        .bind(penalty)
        .bind(cutscene)
        .bind(now)
        .bind(player_id)
        .bind(week.to_string())
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// The local Monday of the player's newest ended battle.
    pub async fn last_resolved_week(&mut self, player_id: i64) -> StoreResult<Option<String>> {
        Ok(on_tx!(self, c => sqlx::query_scalar(
            "SELECT MAX(week_start) FROM boss_battles WHERE player_id = $1 \
             AND status <> 'active'",
        )
        .bind(player_id)
        .fetch_one(c)
        .await)?)
    }

    /// The local Monday of the player's first battle.
    pub async fn first_battle_week(&mut self, player_id: i64) -> StoreResult<Option<String>> {
        Ok(
            on_tx!(self, c => sqlx::query_scalar("SELECT MIN(week_start) FROM boss_battles WHERE player_id = $1")
                .bind(player_id)
                .fetch_one(c)
                .await)?,
        )
    }

    /// Awards a badge unless the player already holds one of that name.
    pub async fn insert_badge(
        &mut self,
        player_id: i64,
        name: &str,
        week: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let done = on_tx!(self, c => sqlx::query(
            "INSERT INTO badges (player_id, name, week, earned_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (player_id, name) DO NOTHING",
        )
        .bind(player_id)
        .bind(name.to_string())
        .bind(week.to_string())
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// The player's total XP as of `at` (microseconds): the sum of earlier ledger
    /// entries, which record what was actually applied.
    pub async fn xp_before(&mut self, player_id: i64, at: i64) -> StoreResult<i64> {
        Ok(on_tx!(self, c => sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM ledger \
             WHERE player_id = $1 AND at < $2",
        )
        .bind(player_id)
        .bind(at)
        .fetch_one(c)
        .await)?)
    }
}
