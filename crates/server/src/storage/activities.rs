//! Logged activities and the per-day aggregates the rules need (caps, streak days).

use super::{Store, StoreResult, Tx};

const ACTIVITY_COLUMNS: &str = "id, player_id, kind, occurred_at, local_date, training, \
    duration_min, distance_km, sets_json, style, woke_at, note, fatigue_before, \
    sessions_last_7d, edited, xp, stat, award_json, photos_json, created_at, updated_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: i64,
    pub player_id: i64,
    pub kind: String,
    pub occurred_at: i64,
    pub local_date: String,
    pub training: i64,
    /// 0 for a wake-up. (Floats are never bound as NULL: sqlx's Any driver binds a
    /// NULL double as float4 on PostgreSQL, which breaks the cached statement.)
    pub duration_min: f64,
    /// 0 for everything but runs.
    pub distance_km: f64,
    pub sets_json: Option<String>,
    pub style: Option<String>,
    pub woke_at: Option<String>,
    pub note: Option<String>,
    pub fatigue_before: i64,
    pub sessions_last_7d: i64,
    pub edited: i64,
    pub xp: i64,
    pub stat: String,
    pub award_json: String,
    pub photos_json: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub struct NewActivity {
    pub player_id: i64,
    pub kind: String,
    pub occurred_at: i64,
    pub local_date: String,
    pub training: bool,
    /// 0 for a wake-up. (Floats are never bound as NULL: sqlx's Any driver binds a
    /// NULL double as float4 on PostgreSQL, which breaks the cached statement.)
    pub duration_min: f64,
    /// 0 for everything but runs.
    pub distance_km: f64,
    pub sets_json: Option<String>,
    pub style: Option<String>,
    pub woke_at: Option<String>,
    pub note: Option<String>,
    pub fatigue_before: i64,
    pub sessions_last_7d: i64,
    pub xp: i64,
    pub stat: String,
    pub award_json: String,
    pub now: i64,
}

/// What a player has already logged on one local date, for the daily caps.
#[derive(Debug, Default, Clone)]
pub struct DayUsage {
    pub run_km: f64,
    pub study_min: f64,
    pub martial_arts_sessions: u32,
    pub woke: bool,
    pub training_kinds: Vec<String>,
}

impl Store {
    pub async fn activity(&self, player_id: i64, id: i64) -> StoreResult<Option<ActivityRow>> {
        let sql =
            format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE id = $1 AND player_id = $2");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(player_id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Newest first; `before` is an activity id cursor.
    pub async fn activities(
        &self,
        player_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<ActivityRow>> {
        let sql = format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activities WHERE player_id = $1 AND id < $2 \
             ORDER BY id DESC LIMIT $3"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(player_id)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn set_activity_photos(
        &self,
        player_id: i64,
        id: i64,
        photos_json: &str,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE activities SET photos_json = $1 WHERE id = $2 AND player_id = $3")
            .bind(photos_json.to_string())
            .bind(id)
            .bind(player_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Tx {
    pub async fn insert_activity(&mut self, a: NewActivity) -> StoreResult<ActivityRow> {
        let sql = format!(
            "INSERT INTO activities (player_id, kind, occurred_at, local_date, training, \
             duration_min, distance_km, sets_json, style, woke_at, note, fatigue_before, \
             sessions_last_7d, xp, stat, award_json, created_at, updated_at) VALUES ($1, $2, \
             $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) \
             RETURNING {ACTIVITY_COLUMNS}"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(a.player_id)
            .bind(a.kind)
            .bind(a.occurred_at)
            .bind(a.local_date)
            .bind(a.training as i64)
            .bind(a.duration_min)
            .bind(a.distance_km)
            .bind(a.sets_json)
            .bind(a.style)
            .bind(a.woke_at)
            .bind(a.note)
            .bind(a.fatigue_before)
            .bind(a.sessions_last_7d)
            .bind(a.xp)
            .bind(a.stat)
            .bind(a.award_json)
            .bind(a.now)
            .fetch_one(self.conn())
            .await?)
    }

    pub async fn activity_for_update(
        &mut self,
        player_id: i64,
        id: i64,
    ) -> StoreResult<Option<ActivityRow>> {
        let sql =
            format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE id = $1 AND player_id = $2");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(player_id)
            .fetch_optional(self.conn())
            .await?)
    }

    /// Rewrites an edited strength session.
    pub async fn update_strength_activity(
        &mut self,
        id: i64,
        duration_min: f64,
        sets_json: &str,
        xp: i64,
        award_json: &str,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE activities SET duration_min = $1, sets_json = $2, xp = $3, award_json = $4, \
             edited = 1, updated_at = $5 WHERE id = $6",
        )
        .bind(duration_min)
        .bind(sets_json.to_string())
        .bind(xp)
        .bind(award_json.to_string())
        .bind(now)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Aggregated in SQL: a busy day's rows never travel to the service.
    pub async fn day_usage(&mut self, player_id: i64, local_date: &str) -> StoreResult<DayUsage> {
        let rows: Vec<(String, i64, f64, f64, i64)> = sqlx::query_as(
            "SELECT kind, COUNT(*), CAST(COALESCE(SUM(distance_km), 0) AS DOUBLE PRECISION), \
             CAST(COALESCE(SUM(duration_min), 0) AS DOUBLE PRECISION), MIN(id) FROM activities \
             WHERE player_id = $1 AND local_date = $2 GROUP BY kind ORDER BY MIN(id)",
        )
        .bind(player_id)
        .bind(local_date.to_string())
        .fetch_all(self.conn())
        .await?;
        let mut usage = DayUsage::default();
        // Ordered by each kind's first activity of the day (Full Cowl ranks kinds so).
        for (kind, count, km, minutes, _) in rows {
            match kind.as_str() {
                "run" => usage.run_km = km,
                "study" => usage.study_min = minutes,
                "martial_arts" => {
                    usage.martial_arts_sessions = u32::try_from(count).unwrap_or(u32::MAX)
                }
                "wake_up" => usage.woke = count > 0,
                _ => {}
            }
            if kind != "wake_up" {
                usage.training_kinds.push(kind);
            }
        }
        Ok(usage)
    }

    /// Strength sessions completed in `[from, to)` (microseconds).
    pub async fn strength_sessions_between(
        &mut self,
        player_id: i64,
        from: i64,
        to: i64,
    ) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM activities WHERE player_id = $1 AND kind = 'strength' \
             AND occurred_at >= $2 AND occurred_at < $3",
        )
        .bind(player_id)
        .bind(from)
        .bind(to)
        .fetch_one(self.conn())
        .await?)
    }

    /// Distinct local dates with training in `[from, to]` (ISO dates compare as text).
    pub async fn training_dates_between(
        &mut self,
        player_id: i64,
        from: &str,
        to: &str,
    ) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT local_date FROM activities WHERE player_id = $1 AND training = 1 \
             AND local_date >= $2 AND local_date <= $3 ORDER BY local_date",
        )
        .bind(player_id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.conn())
        .await?)
    }
}

impl Tx {
    pub async fn set_activity_award(&mut self, id: i64, award_json: &str) -> StoreResult<()> {
        sqlx::query("UPDATE activities SET award_json = $1 WHERE id = $2")
            .bind(award_json.to_string())
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

impl Store {
    pub async fn trained_on(&self, player_id: i64, local_date: &str) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM activities WHERE player_id = $1 AND local_date = $2 \
             AND training = 1",
        )
        .bind(player_id)
        .bind(local_date.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }
}
