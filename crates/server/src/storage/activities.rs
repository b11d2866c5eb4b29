//! Logged activities and the per-day aggregates the rules need (caps, streak days).

use super::ledger::NewLedgerEntry;
use super::players::{PLAYER_COLUMNS, PlayerRow};
use super::{Store, StoreResult, Tx};
use sqlx::{FromRow, Row};
use std::sync::LazyLock;

const ACTIVITY_COLUMNS: &str = "id, player_id, kind, occurred_at, local_date, training, \
    duration_min, distance_km, sets_json, style, woke_at, note, fatigue_before, \
    sessions_last_7d, edited, xp, stat, award_json, photos_json, created_at, updated_at";

/// The day total (`day_kinds`) of a new activity: one session of its kind on its
/// local date, its distance and minutes, first seen as its id...
pub(super) const INSERT_DAY_TOTAL: &str = "INSERT INTO day_kinds (player_id, local_date, kind, \
    training, sessions, distance_km, duration_min, first_id)";

/// ...added to the day total already there: THE definition of a day total in SQL, for
/// an activity written in a transaction and for PostgreSQL's grouped statement (its
/// in-memory twin is `progress::add_to_day_total`).
pub(super) const ADD_TO_DAY_TOTAL: &str = "ON CONFLICT (player_id, local_date, kind) DO UPDATE \
    SET sessions = day_kinds.sessions + 1, \
    distance_km = day_kinds.distance_km + excluded.distance_km, \
    duration_min = day_kinds.duration_min + excluded.duration_min";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: i64,
    pub player_id: i64,
    pub kind: String,
    pub occurred_at: i64,
    pub local_date: String,
    pub training: i64,
    /// `None` for a wake-up.
    pub duration_min: Option<f64>,
    /// `None` for everything but runs.
    pub distance_km: Option<f64>,
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

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub player_id: i64,
    pub kind: String,
    pub occurred_at: i64,
    pub local_date: String,
    pub training: bool,
    /// `None` for a wake-up.
    pub duration_min: Option<f64>,
    /// `None` for everything but runs.
    pub distance_km: Option<f64>,
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
    /// The request's `Idempotency-Key`, kept with the activity (see migration 0014).
    pub idem_key: Option<String>,
}

impl NewActivity {
    /// The row this activity becomes once inserted with `id`.
    pub fn into_row(self, id: i64) -> ActivityRow {
        ActivityRow {
            id,
            player_id: self.player_id,
            kind: self.kind,
            occurred_at: self.occurred_at,
            local_date: self.local_date,
            training: i64::from(self.training),
            duration_min: self.duration_min,
            distance_km: self.distance_km,
            sets_json: self.sets_json,
            style: self.style,
            woke_at: self.woke_at,
            note: self.note,
            fatigue_before: self.fatigue_before,
            sessions_last_7d: self.sessions_last_7d,
            edited: 0,
            xp: self.xp,
            stat: self.stat,
            award_json: self.award_json,
            photos_json: "[]".to_string(),
            created_at: self.now,
            updated_at: self.now,
        }
    }
}

/// What a player has already logged on one local date, for the daily caps.
#[derive(Debug, Default, Clone)]
pub struct DayUsage {
    pub run_km: f64,
    pub study_min: f64,
    pub martial_arts_sessions: u32,
    pub strength_sessions: u32,
    pub woke: bool,
    /// Training kinds in the order of each kind's first activity of the day.
    pub training_kinds: Vec<String>,
}

impl DayUsage {
    /// The usage of `local_date` from its aggregates (other dates are ignored).
    pub fn of(rows: &[DayKind], local_date: &str) -> DayUsage {
        let mut day: Vec<&DayKind> = rows.iter().filter(|r| r.local_date == local_date).collect();
        day.sort_by_key(|r| r.first_id);
        let mut usage = DayUsage::default();
        for r in day {
            match r.kind.as_str() {
                "run" => usage.run_km = r.distance_km,
                "study" => usage.study_min = r.duration_min,
                "martial_arts" => {
                    usage.martial_arts_sessions = u32::try_from(r.sessions).unwrap_or(u32::MAX)
                }
                "strength" => {
                    usage.strength_sessions = u32::try_from(r.sessions).unwrap_or(u32::MAX)
                }
                "wake_up" => usage.woke = r.sessions > 0,
                _ => {}
            }
            if r.kind != "wake_up" {
                usage.training_kinds.push(r.kind.clone());
            }
        }
        usage
    }
}

/// One player's activities of one kind on one local date, summed (`day_kinds`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DayKind {
    pub local_date: String,
    pub kind: String,
    pub training: i64,
    pub sessions: i64,
    pub distance_km: f64,
    pub duration_min: f64,
    /// The day's first activity of this kind.
    pub first_id: i64,
}

/// A boss fight's new state, written with the activity that changed it.
#[derive(Debug, Clone)]
pub struct BattleWrite {
    pub week: String,
    pub hp: i64,
    pub progress_json: String,
    pub now: i64,
}

/// A written activity and the player's XP of the ledger entry's week afterwards.
#[derive(Debug, Clone)]
pub struct WrittenActivity {
    pub activity: ActivityRow,
    pub week_xp: i64,
}

/// Everything one logged activity writes (see `Store::write_activity`).
#[derive(Debug, Clone)]
pub struct ActivityWrite {
    /// The player's new progress columns; `version` is the version they were
    /// computed from.
    pub player: PlayerRow,
    pub activity: NewActivity,
    /// The award's ledger entry (its `activity_id` is filled in by the write).
    pub ledger: NewLedgerEntry,
    pub battle: Option<BattleWrite>,
}

impl Store {
    pub async fn activity(&self, player_id: i64, id: i64) -> StoreResult<Option<ActivityRow>> {
        let sql =
            format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE id = $1 AND player_id = $2");
        Ok(
            on_pool!(self, db => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(player_id)
            .fetch_optional(db)
            .await)?,
        )
    }

    /// Newest first; `before` is an activity id cursor.
    /// The activity `player_id` logged with `Idempotency-Key` `key`, if any.
    pub async fn activity_by_idem_key(
        &self,
        player_id: i64,
        key: &str,
    ) -> StoreResult<Option<ActivityRow>> {
        let sql = format!(
            "SELECT {ACTIVITY_COLUMNS} FROM activities WHERE player_id = $1 AND idem_key = $2"
        );
        Ok(
            on_pool!(self, db => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(player_id)
            .bind(key.to_string())
            .fetch_optional(db)
            .await)?,
        )
    }

    /// The player's activities, newest first by when they happened (`occurred_at`,
    /// then the order they were logged in); `before` is the id of the last activity
    /// of the previous page (a cursor naming no activity of the player's gives none).
    pub async fn activities(
        &self,
        player_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<ActivityRow>> {
        // The row comparison starts with `player_id`, so it is a range of the
        // `activities_player_time` index (player_id, occurred_at, id) on both backends.
        let sql = match before {
            None => format!(
                "SELECT {ACTIVITY_COLUMNS} FROM activities WHERE player_id = $1 \
                 ORDER BY occurred_at DESC, id DESC LIMIT $2"
            ),
            Some(_) => format!(
                "SELECT {ACTIVITY_COLUMNS} FROM activities WHERE player_id = $1 \
                 AND (player_id, occurred_at, id) < \
                     (SELECT player_id, occurred_at, id FROM activities \
                      WHERE id = $3 AND player_id = $1) \
                 ORDER BY occurred_at DESC, id DESC LIMIT $2"
            ),
        };
        Ok(on_pool!(self, db => {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(player_id)
                .bind(limit);
            match before {
                Some(id) => q.bind(id).fetch_all(db).await,
                None => q.fetch_all(db).await,
            }
        })?)
    }

    pub async fn set_activity_photos(
        &self,
        player_id: i64,
        id: i64,
        photos_json: &str,
    ) -> StoreResult<()> {
        on_pool!(self, db => sqlx::query("UPDATE activities SET photos_json = $1 WHERE id = $2 AND player_id = $3")
            .bind(photos_json.to_string())
            .bind(id)
            .bind(player_id)
            .execute(db)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl Tx {
    /// Inserts an activity and adds it to its day's aggregate.
    pub async fn insert_activity(&mut self, a: NewActivity) -> StoreResult<ActivityRow> {
        let sql = format!(
            "INSERT INTO activities (player_id, kind, occurred_at, local_date, training, \
             duration_min, distance_km, sets_json, style, woke_at, note, fatigue_before, \
             sessions_last_7d, xp, stat, award_json, created_at, updated_at, idem_key) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, \
             $18) RETURNING {ACTIVITY_COLUMNS}"
        );
        let row: ActivityRow = on_tx!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
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
            .bind(a.idem_key)
            .fetch_one(c)
            .await)?;
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!("{INSERT_DAY_TOTAL} VALUES ($1, $2, $3, $4, 1, $5, $6, $7) {ADD_TO_DAY_TOTAL}")
        });
        on_tx!(self, c => sqlx::query(sqlx::AssertSqlSafe(SQL.as_str()))
            .bind(row.player_id)
            .bind(row.local_date.clone())
            .bind(row.kind.clone())
            .bind(row.training)
            .bind(row.distance_km.unwrap_or(0.0))
            .bind(row.duration_min.unwrap_or(0.0))
            .bind(row.id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(row)
    }

    pub async fn activity_for_update(
        &mut self,
        player_id: i64,
        id: i64,
    ) -> StoreResult<Option<ActivityRow>> {
        let sql =
            format!("SELECT {ACTIVITY_COLUMNS} FROM activities WHERE id = $1 AND player_id = $2");
        Ok(on_tx!(self, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(player_id)
            .fetch_optional(c)
            .await)?)
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
        // The day's aggregate follows the new duration (before the row changes).
        on_tx!(self, c => sqlx::query(
            "UPDATE day_kinds SET duration_min = duration_min + ($1 - (SELECT COALESCE(a.duration_min, 0) \
             FROM activities a WHERE a.id = $2)) WHERE (player_id, local_date, kind) = \
             (SELECT a.player_id, a.local_date, a.kind FROM activities a WHERE a.id = $2)",
        )
        .bind(duration_min)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        on_tx!(self, c => sqlx::query(
            "UPDATE activities SET duration_min = $1, sets_json = $2, xp = $3, award_json = $4, \
             edited = 1, updated_at = $5 WHERE id = $6",
        )
        .bind(duration_min)
        .bind(sets_json.to_string())
        .bind(xp)
        .bind(award_json.to_string())
        .bind(now)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// What the player logged on one local date, from the day's aggregates.
    pub async fn day_usage(&mut self, player_id: i64, local_date: &str) -> StoreResult<DayUsage> {
        let rows = self.day_kinds(player_id, local_date, local_date).await?;
        Ok(DayUsage::of(&rows, local_date))
    }

    /// The per-kind aggregates of local dates `[from, to]`.
    pub async fn day_kinds(
        &mut self,
        player_id: i64,
        from: &str,
        to: &str,
    ) -> StoreResult<Vec<DayKind>> {
        Ok(on_tx!(self, c => day_kinds_query(player_id, from, to)
            .fetch_all(c)
            .await)?)
    }

    /// Strength sessions completed in `[from, to)` (microseconds) that earned XP: one
    /// past the day's cap (§2) does not make the next sessions worth more.
    pub async fn strength_sessions_between(
        &mut self,
        player_id: i64,
        from: i64,
        to: i64,
    ) -> StoreResult<i64> {
        Ok(on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM activities WHERE player_id = $1 AND kind = 'strength' \
             AND occurred_at >= $2 AND occurred_at < $3 AND xp > 0",
        )
        .bind(player_id)
        .bind(from)
        .bind(to)
        .fetch_one(c)
        .await)?)
    }

    /// Distinct local dates with training in `[from, to]` (ISO dates compare as text).
    pub async fn training_dates_between(
        &mut self,
        player_id: i64,
        from: &str,
        to: &str,
    ) -> StoreResult<Vec<String>> {
        Ok(on_tx!(self, c => sqlx::query_scalar(
            "SELECT DISTINCT local_date FROM day_kinds WHERE player_id = $1 AND training = 1 \
             AND local_date >= $2 AND local_date <= $3 ORDER BY local_date",
        )
        .bind(player_id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(c)
        .await)?)
    }

    /// Writes a logged activity under the player's lock: the player's progress columns
    /// (only if still at `w.expected_version`), the activity, its day aggregate, its
    /// ledger entry and weekly rollup, and the boss's new HP. `None` means the player
    /// had moved on and nothing was written.
    pub async fn write_activity(&mut self, w: &ActivityWrite) -> StoreResult<Option<ActivityRow>> {
        let updated = on_tx!(self, c => sqlx::query(
            "UPDATE players SET total_xp = $1, xp_strength = $2, xp_agility = $3, \
             xp_intelligence = $4, xp_fighting = $5, xp_discipline = $6, fatigue = $7, \
             fatigue_at = $8, chain_json = $9, buff_expires_at = $10, version = version + 1 \
             WHERE id = $11 AND version = $12",
        )
        .bind(w.player.total_xp)
        .bind(w.player.xp_strength)
        .bind(w.player.xp_agility)
        .bind(w.player.xp_intelligence)
        .bind(w.player.xp_fighting)
        .bind(w.player.xp_discipline)
        .bind(w.player.fatigue)
        .bind(w.player.fatigue_at)
        .bind(w.player.chain_json.clone())
        .bind(w.player.buff_expires_at)
        .bind(w.player.id)
        .bind(w.player.version)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
        if updated == 0 {
            return Ok(None);
        }
        let activity = self.insert_activity(w.activity.clone()).await?;
        let mut entry = w.ledger.clone();
        entry.activity_id = Some(activity.id);
        self.insert_ledger(entry).await?;
        if let Some(b) = &w.battle {
            self.update_battle_progress(w.player.id, &b.week, b.hp, &b.progress_json, b.now)
                .await?;
        }
        Ok(Some(activity))
    }
}

/// The per-kind aggregates of one player's local dates `[from, to]`, for either
/// driver.
fn day_kinds_query<'q, DB: sqlx::Database>(
    player_id: i64,
    from: &str,
    to: &str,
) -> sqlx::query::QueryAs<'q, DB, DayKind, DB::Arguments>
where
    DayKind: for<'r> FromRow<'r, DB::Row>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query_as(
        "SELECT local_date, kind, training, sessions, distance_km, duration_min, first_id \
         FROM day_kinds WHERE player_id = $1 AND local_date >= $2 AND local_date <= $3 \
         ORDER BY local_date, first_id",
    )
    .bind(player_id)
    .bind(from.to_string())
    .bind(to.to_string())
}

impl Store {
    /// The per-kind aggregates of local dates `[from, to]`, read without a lock.
    pub async fn day_kinds(
        &self,
        player_id: i64,
        from: &str,
        to: &str,
    ) -> StoreResult<Vec<DayKind>> {
        Ok(on_pool!(self, db => day_kinds_query(player_id, from, to)
            .fetch_all(db)
            .await)?)
    }

    /// The player (with its version) and the times (`occurred_at`) of its strength
    /// sessions from `since` on, in one statement and so from one snapshot. Read first
    /// when computing an activity without the lock: anything read after it is at least
    /// as new, and `write_activity` applies only if nothing committed in between.
    pub async fn player_for_activity(
        &self,
        player_id: i64,
        since: i64,
    ) -> StoreResult<Option<(PlayerRow, Vec<i64>)>> {
        let sql = |concat: &str| {
            format!(
                "SELECT {PLAYER_COLUMNS}, (SELECT {concat} FROM activities a WHERE \
                 a.player_id = players.id AND a.kind = 'strength' AND a.occurred_at >= $2 \
                 AND a.xp > 0) AS strength_times FROM players WHERE id = $1"
            )
        };
        let found: Option<(PlayerRow, Option<String>)> = on_pool!(self, db, dialect => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql(dialect.concat_times)))
                .bind(player_id)
                .bind(since)
                .fetch_optional(db)
                .await?;
            match row {
                Some(row) => Some((PlayerRow::from_row(&row)?, row.try_get("strength_times")?)),
                None => None,
            }
        });
        let Some((player, times)) = found else {
            return Ok(None);
        };
        let times = times
            .unwrap_or_default()
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| {
                t.parse::<i64>()
                    .map_err(|e| super::StoreError::Corrupt(format!("strength time {t:?}: {e}")))
            })
            .collect::<StoreResult<Vec<i64>>>()?;
        Ok(Some((player, times)))
    }

    /// `Tx::write_activity` without a lock or an explicit transaction, grouped with
    /// other requests' writes: on PostgreSQL one statement that writes everything only
    /// if the player is still at `w.expected_version` (else `None`, nothing written);
    /// on SQLite the same checks in the writer's group transaction. Returns once the
    /// write is committed, with the player's XP of the ledger entry's week.
    pub async fn write_activity(&self, w: &ActivityWrite) -> StoreResult<Option<WrittenActivity>> {
        if let Some(group) = &self.sqlite_group {
            return group.write(w.clone()).await;
        }
        match &self.batcher {
            Some(batcher) => batcher.write(w.clone()).await,
            None => Err(super::StoreError::Corrupt("no activity writers".into())),
        }
    }

    /// SQLite: (transactions the activity writer committed, activities written in
    /// them) since the store was opened; `None` on PostgreSQL.
    pub fn sqlite_write_stats(&self) -> Option<(u64, u64)> {
        self.sqlite_group.as_ref().map(|g| g.stats())
    }
}

impl Tx {
    pub async fn set_activity_award(&mut self, id: i64, award_json: &str) -> StoreResult<()> {
        on_tx!(self, c => sqlx::query("UPDATE activities SET award_json = $1 WHERE id = $2")
            .bind(award_json.to_string())
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl Store {
    pub async fn trained_on(&self, player_id: i64, local_date: &str) -> StoreResult<bool> {
        let n: i64 = on_pool!(self, db => sqlx::query_scalar(
            "SELECT COUNT(*) FROM day_kinds WHERE player_id = $1 AND local_date = $2 \
             AND training = 1",
        )
        .bind(player_id)
        .bind(local_date.to_string())
        .fetch_one(db)
        .await)?;
        Ok(n > 0)
    }
}

impl Store {
    /// Checks `day_kinds` against the activities it sums (tests, audits): one line per
    /// player, date and kind where they differ.
    pub async fn audit_day_kinds(&self) -> StoreResult<Vec<String>> {
        type Key = (i64, String, String);
        let from_activities: Vec<(i64, String, String, i64, f64, f64, i64)> = on_pool!(self, db => sqlx::query_as(
            "SELECT player_id, local_date, kind, COUNT(*), \
             CAST(COALESCE(SUM(distance_km), 0) AS DOUBLE PRECISION), \
             CAST(COALESCE(SUM(duration_min), 0) AS DOUBLE PRECISION), MIN(id) FROM activities \
             GROUP BY player_id, local_date, kind",
        )
        .fetch_all(db)
        .await)?;
        let stored: Vec<(i64, String, String, i64, f64, f64, i64)> = on_pool!(self, db => sqlx::query_as(
            "SELECT player_id, local_date, kind, sessions, distance_km, duration_min, first_id \
             FROM day_kinds",
        )
        .fetch_all(db)
        .await)?;
        let index = |rows: Vec<(i64, String, String, i64, f64, f64, i64)>| {
            rows.into_iter()
                .map(|(p, d, k, n, km, min, first)| ((p, d, k), (n, km, min, first)))
                .collect::<std::collections::BTreeMap<Key, (i64, f64, f64, i64)>>()
        };
        let (want, have) = (index(from_activities), index(stored));
        let mut problems = Vec::new();
        for key in want
            .keys()
            .chain(have.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            let (w, h) = (want.get(key), have.get(key));
            let same = match (w, h) {
                (Some(w), Some(h)) => {
                    w.0 == h.0 && (w.1 - h.1).abs() < 1e-6 && (w.2 - h.2).abs() < 1e-6 && w.3 == h.3
                }
                _ => false,
            };
            if !same {
                problems.push(format!("{key:?}: activities {w:?}, day_kinds {h:?}"));
            }
        }
        Ok(problems)
    }
}
