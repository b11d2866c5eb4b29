//! Players: accounts, settings and the progress columns the ledger keeps current.

use super::{Store, StoreError, StoreResult, Tx, unique_violation};

pub(super) const PLAYER_COLUMNS: &str = "id, username, email, password_hash, class, goal_strength, \
    goal_agility, goal_intelligence, classified_at, timezone, training_days, weekly_goal, \
    wake_target, avatar_key, created_at, registered_on, total_xp, xp_strength, xp_agility, \
    xp_intelligence, xp_fighting, xp_discipline, fatigue, fatigue_at, chain_json, \
    buff_expires_at, version, calendar_json";

/// Serializable for the hot-state cache, which never holds the password hash.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct PlayerRow {
    pub id: i64,
    pub username: String,
    pub email: String,
    #[serde(skip, default)]
    pub password_hash: String,
    pub class: String,
    pub goal_strength: i64,
    pub goal_agility: i64,
    pub goal_intelligence: i64,
    pub classified_at: i64,
    pub timezone: String,
    pub training_days: String,
    pub weekly_goal: i64,
    pub wake_target: String,
    pub avatar_key: Option<String>,
    pub created_at: i64,
    pub registered_on: String,
    pub total_xp: i64,
    pub xp_strength: i64,
    pub xp_agility: i64,
    pub xp_intelligence: i64,
    pub xp_fighting: i64,
    pub xp_discipline: i64,
    pub fatigue: i64,
    pub fatigue_at: i64,
    pub chain_json: String,
    pub buff_expires_at: Option<i64>,
    /// Bumped by every transaction that locks the player (see `lock_player`).
    #[serde(default)]
    pub version: i64,
    /// The player's calendar (`shonen_rules::Calendar`); `None` until the first
    /// settings change (see `player::calendar`).
    #[serde(default)]
    pub calendar_json: Option<String>,
}

pub struct NewPlayer {
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub class: String,
    pub goals: [i64; 3],
    pub timezone: String,
    pub training_days: String,
    pub weekly_goal: i64,
    pub wake_target: String,
    pub now: i64,
    pub registered_on: String,
    pub chain_json: String,
    /// The registration's `Idempotency-Key`, if it was sent with one.
    pub idem_key: Option<String>,
}

impl Store {
    pub async fn player(&self, id: i64) -> StoreResult<Option<PlayerRow>> {
        let sql = format!("SELECT {PLAYER_COLUMNS} FROM players WHERE id = $1");
        Ok(
            on_pool!(self, db => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(db)
            .await)?,
        )
    }

    pub async fn player_by_username(&self, username: &str) -> StoreResult<Option<PlayerRow>> {
        // No username holds a NUL (and PostgreSQL refuses one in a query).
        if username.contains('\0') {
            return Ok(None);
        }
        // Usernames are kept lowercase: any case names the same player.
        let sql = format!("SELECT {PLAYER_COLUMNS} FROM players WHERE username = $1");
        Ok(
            on_pool!(self, db => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(username.trim().to_ascii_lowercase())
            .fetch_optional(db)
            .await)?,
        )
    }

    /// The player registered with `Idempotency-Key` `key`, if any.
    pub async fn player_by_idem_key(&self, key: &str) -> StoreResult<Option<PlayerRow>> {
        let sql = format!("SELECT {PLAYER_COLUMNS} FROM players WHERE idem_key = $1");
        Ok(
            on_pool!(self, db => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(key.to_string())
            .fetch_optional(db)
            .await)?,
        )
    }

    /// Login accepts the username or the email address.
    pub async fn player_by_login(&self, login: &str) -> StoreResult<Option<PlayerRow>> {
        let sql = format!("SELECT {PLAYER_COLUMNS} FROM players WHERE username = $1 OR email = $1");
        Ok(
            on_pool!(self, db => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(login.to_lowercase())
            .fetch_optional(db)
            .await)?,
        )
    }

    pub async fn set_avatar(&self, id: i64, key: &str) -> StoreResult<()> {
        // Every change of a player row bumps its version (see `lock_player`).
        on_pool!(self, db => sqlx::query("UPDATE players SET avatar_key = $1, version = version + 1 WHERE id = $2")
            .bind(key.to_string())
            .bind(id)
            .execute(db)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn count_players(&self) -> StoreResult<i64> {
        Ok(
            on_pool!(self, db => sqlx::query_scalar("SELECT COUNT(*) FROM players")
            .fetch_one(db)
            .await)?,
        )
    }
}

impl Tx {
    pub async fn insert_player(&mut self, p: NewPlayer) -> StoreResult<PlayerRow> {
        let sql = format!(
            "INSERT INTO players (username, email, password_hash, class, goal_strength, \
             goal_agility, goal_intelligence, classified_at, timezone, training_days, \
             weekly_goal, wake_target, created_at, registered_on, fatigue_at, chain_json, \
             idem_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $8, $13, \
             $8, $14, $15) RETURNING {PLAYER_COLUMNS}"
        );
        on_tx!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(p.username)
            .bind(p.email)
            .bind(p.password_hash)
            .bind(p.class)
            .bind(p.goals[0])
            .bind(p.goals[1])
            .bind(p.goals[2])
            .bind(p.now)
            .bind(p.timezone)
            .bind(p.training_days)
            .bind(p.weekly_goal)
            .bind(p.wake_target)
            .bind(p.registered_on)
            .bind(p.chain_json)
            .bind(p.idem_key)
            .fetch_one(c)
            .await)
        .map_err(|e| {
            let msg = e.to_string();
            if msg.contains("email") {
                unique_violation(e, "email")
            } else {
                unique_violation(e, "username")
            }
        })
    }

    /// Locks the player's row until commit, so that two requests for the same player
    /// are applied one after the other, and bumps its version: a write computed from
    /// rows read without the lock (`Store::write_activity`) then knows it is stale.
    pub async fn lock_player(&mut self, id: i64) -> StoreResult<PlayerRow> {
        let sql = format!(
            "UPDATE players SET version = version + 1 WHERE id = $1 RETURNING {PLAYER_COLUMNS}"
        );
        on_tx!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(c)
            .await)?
        .ok_or(StoreError::NotFound)
    }

    /// Writes a locked player's settings in force and calendar (pending settings
    /// included).
    pub async fn save_settings(&mut self, p: &PlayerRow) -> StoreResult<()> {
        on_tx!(self, c => sqlx::query(
            "UPDATE players SET timezone = $1, training_days = $2, weekly_goal = $3, \
             wake_target = $4, calendar_json = $5 WHERE id = $6",
        )
        .bind(p.timezone.clone())
        .bind(p.training_days.clone())
        .bind(p.weekly_goal)
        .bind(p.wake_target.clone())
        .bind(p.calendar_json.clone())
        .bind(p.id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn reclassify(
        &mut self,
        id: i64,
        class: &str,
        goals: [i64; 3],
        now: i64,
    ) -> StoreResult<()> {
        on_tx!(self, c => sqlx::query(
            "UPDATE players SET class = $1, goal_strength = $2, goal_agility = $3, \
             goal_intelligence = $4, classified_at = $5 WHERE id = $6",
        )
        .bind(class.to_string())
        .bind(goals[0])
        .bind(goals[1])
        .bind(goals[2])
        .bind(now)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Writes every progress column of a player read by `lock_player` and changed by
    /// the rules: totals, per-stat XP, fatigue, chain state and buff.
    pub async fn save_progress(&mut self, p: &PlayerRow) -> StoreResult<()> {
        on_tx!(self, c => sqlx::query(
            "UPDATE players SET total_xp = $1, xp_strength = $2, xp_agility = $3, \
             xp_intelligence = $4, xp_fighting = $5, xp_discipline = $6, fatigue = $7, \
             fatigue_at = $8, chain_json = $9, buff_expires_at = $10 WHERE id = $11",
        )
        .bind(p.total_xp)
        .bind(p.xp_strength)
        .bind(p.xp_agility)
        .bind(p.xp_intelligence)
        .bind(p.xp_fighting)
        .bind(p.xp_discipline)
        .bind(p.fatigue)
        .bind(p.fatigue_at)
        .bind(p.chain_json.clone())
        .bind(p.buff_expires_at)
        .bind(p.id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
