//! Bearer tokens: stored only as SHA-256 hashes, with an expiry and a revoked flag.

use super::{Store, StoreResult};

impl Store {
    pub async fn insert_token(
        &self,
        token_hash: &str,
        player_id: i64,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        on_pool!(self, db => sqlx::query(
            "INSERT INTO auth_tokens (token_hash, player_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash.to_string())
        .bind(player_id)
        .bind(now)
        .bind(expires_at)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The player a live (unexpired, unrevoked) token belongs to.
    pub async fn token_player(&self, token_hash: &str, now: i64) -> StoreResult<Option<i64>> {
        Ok(on_pool!(self, db => sqlx::query_scalar(
            "SELECT player_id FROM auth_tokens WHERE token_hash = $1 AND revoked = 0 \
             AND expires_at > $2",
        )
        .bind(token_hash.to_string())
        .bind(now)
        .fetch_optional(db)
        .await)?)
    }

    /// Like `token_player`, with the token's expiry (for bounding cache lifetimes).
    pub async fn token_player_until(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<(i64, i64)>> {
        Ok(on_pool!(self, db => sqlx::query_as(
            "SELECT player_id, expires_at FROM auth_tokens WHERE token_hash = $1 \
             AND revoked = 0 AND expires_at > $2",
        )
        .bind(token_hash.to_string())
        .bind(now)
        .fetch_optional(db)
        .await)?)
    }

    pub async fn revoke_token(&self, token_hash: &str) -> StoreResult<()> {
        on_pool!(self, db => sqlx::query("UPDATE auth_tokens SET revoked = 1 WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .execute(db)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
