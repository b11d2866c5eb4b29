//! Leaderboard truth from the database: what the Redis boards are rebuilt from after
//! a flush, what is served when Redis is down, and what tests compare against.
//! Order: XP descending, then player id descending (the same order the cache uses
//! for ties, since members are zero-padded ids).

use super::{Store, StoreResult};

/// Which board.
#[derive(Debug, Clone, Copy)]
pub enum BoardScope<'a> {
    Global,
    Class(&'a str),
    /// The week starting on this Monday ('YYYY-MM-DD'), from the weekly rollups.
    Week(&'a str),
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BoardRow {
    pub id: i64,
    pub username: String,
    pub class: String,
    pub total_xp: i64,
    pub xp: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlayerCard {
    pub id: i64,
    pub username: String,
    pub class: String,
    pub total_xp: i64,
}

const WEEK_SUMS: &str = "SELECT player_id, CAST(COALESCE(SUM(xp), 0) AS BIGINT) AS xp \
    FROM weekly_rollups WHERE week_start = $1 GROUP BY player_id";

impl Store {
    /// Every player's score on the board: (player id, xp).
    pub async fn board_scores(&self, scope: BoardScope<'_>) -> StoreResult<Vec<(i64, i64)>> {
        Ok(on_pool!(self, db => match scope {
            BoardScope::Global => {
                sqlx::query_as("SELECT id, total_xp FROM players")
                    .fetch_all(db)
                    .await
            }
            BoardScope::Class(c) => {
                sqlx::query_as("SELECT id, total_xp FROM players WHERE class = $1")
                    .bind(c.to_string())
                    .fetch_all(db)
                    .await
            }
            BoardScope::Week(w) => {
                sqlx::query_as(WEEK_SUMS)
                    .bind(w.to_string())
                    .fetch_all(db)
                    .await
            }
        })?)
    }

    /// The top `limit` of a board.
    pub async fn board_top(&self, scope: BoardScope<'_>, limit: i64) -> StoreResult<Vec<BoardRow>> {
        let week = format!(
            "SELECT p.id, p.username, p.class, p.total_xp, w.xp FROM ({WEEK_SUMS}) w \
             JOIN players p ON p.id = w.player_id ORDER BY w.xp DESC, p.id DESC LIMIT $2"
        );
        Ok(on_pool!(self, db => match scope {
            BoardScope::Global => {
                sqlx::query_as(
                    "SELECT id, username, class, total_xp, total_xp AS xp FROM players \
                     ORDER BY total_xp DESC, id DESC LIMIT $1",
                )
                .bind(limit)
                .fetch_all(db)
                .await
            }
            BoardScope::Class(c) => {
                sqlx::query_as(
                    "SELECT id, username, class, total_xp, total_xp AS xp FROM players \
                     WHERE class = $2 ORDER BY total_xp DESC, id DESC LIMIT $1",
                )
                .bind(limit)
                .bind(c.to_string())
                .fetch_all(db)
                .await
            }
            BoardScope::Week(w) => {
                sqlx::query_as(sqlx::AssertSqlSafe(week))
                    .bind(w.to_string())
                    .bind(limit)
                    .fetch_all(db)
                    .await
            }
        })?)
    }

    /// A player's score and 1-based rank on a board; `None` when not on it.
    pub async fn board_rank(
        &self,
        scope: BoardScope<'_>,
        player_id: i64,
    ) -> StoreResult<Option<(i64, i64)>> {
        let scores = match scope {
            BoardScope::Week(w) => {
                let xp: Option<i64> = on_pool!(self, db => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT xp FROM ({WEEK_SUMS}) w WHERE player_id = $2"
                )))
                .bind(w.to_string())
                .bind(player_id)
                .fetch_optional(db)
                .await)?;
                let Some(xp) = xp else { return Ok(None) };
                let above: i64 = on_pool!(self, db => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM ({WEEK_SUMS}) w \
                     WHERE w.xp > $2 OR (w.xp = $2 AND w.player_id > $3)"
                )))
                .bind(w.to_string())
                .bind(xp)
                .bind(player_id)
                .fetch_one(db)
                .await)?;
                return Ok(Some((above + 1, xp)));
            }
            BoardScope::Global | BoardScope::Class(_) => {
                let row: Option<(i64, String)> = on_pool!(self, db => sqlx::query_as("SELECT total_xp, class FROM players WHERE id = $1")
                        .bind(player_id)
                        .fetch_optional(db)
                        .await)?;
                row
            }
        };
        let Some((xp, class)) = scores else {
            return Ok(None);
        };
        let above: i64 = match scope {
            BoardScope::Class(c) => {
                if c != class {
                    return Ok(None);
                }
                on_pool!(self, db => sqlx::query_scalar(
                    "SELECT COUNT(*) FROM players WHERE class = $3 AND \
                     (total_xp > $1 OR (total_xp = $1 AND id > $2))",
                )
                .bind(xp)
                .bind(player_id)
                .bind(c.to_string())
                .fetch_one(db)
                .await)?
            }
            _ => on_pool!(self, db => sqlx::query_scalar(
                "SELECT COUNT(*) FROM players WHERE total_xp > $1 OR (total_xp = $1 AND id > $2)",
            )
            .bind(xp)
            .bind(player_id)
            .fetch_one(db)
            .await)?,
        };
        Ok(Some((above + 1, xp)))
    }

    /// XP a player earned (net) in the week starting `week_start`; `None` when
    /// nothing was posted that week (then they are not on that week's board).
    pub async fn week_xp(&self, player_id: i64, week_start: &str) -> StoreResult<Option<i64>> {
        Ok(on_pool!(self, db => week_xp_query(player_id, week_start)
            .fetch_one(db)
            .await)?)
    }

    /// Names and classes for the given players (for leaderboard entries).
    pub async fn player_cards(&self, ids: &[i64]) -> StoreResult<Vec<PlayerCard>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Integers only: safe to inline, and one statement whatever the count.
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT id, username, class, total_xp FROM players WHERE id IN ({})",
            list.join(",")
        );
        Ok(
            on_pool!(self, db => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(db)
            .await)?,
        )
    }
}

/// The player's net XP of one week from the rollups (`None`: no entry that week).
pub(super) fn week_xp_query<'q, DB: sqlx::Database>(
    player_id: i64,
    week_start: &str,
) -> sqlx::query::QueryScalar<'q, DB, Option<i64>, DB::Arguments>
where
    (Option<i64>,): for<'r> sqlx::FromRow<'r, DB::Row>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query_scalar(
        "SELECT CAST(SUM(xp) AS BIGINT) FROM weekly_rollups \
         WHERE player_id = $1 AND week_start = $2",
    )
    .bind(player_id)
    .bind(week_start.to_string())
}
