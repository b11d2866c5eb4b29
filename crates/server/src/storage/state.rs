//! Named values kept across restarts (`service_state`) and idempotency records.

use super::{Store, StoreResult};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdempotentResponse {
    pub request_hash: String,
    /// 0 while the request runs (a reservation).
    pub status: i64,
    pub body: String,
    /// When the reservation was made or last taken over.
    pub created_at: i64,
}

impl Store {
    pub async fn state(&self, name: &str) -> StoreResult<Option<String>> {
        Ok(
            on_pool!(self, db => sqlx::query_scalar("SELECT value FROM service_state WHERE name = $1")
                .bind(name.to_string())
                .fetch_optional(db)
                .await)?,
        )
    }

    pub async fn set_state(&self, name: &str, value: &str) -> StoreResult<()> {
        on_pool!(self, db => sqlx::query(
            "INSERT INTO service_state (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name.to_string())
        .bind(value.to_string())
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Stores `value` under `name` unless a value is already there, and returns the
    /// value that is kept. One statement, so instances racing on an empty table all
    /// end up with the first writer's value.
    pub async fn state_or_init(&self, name: &str, value: &str) -> StoreResult<String> {
        on_pool!(self, db => sqlx::query(
            "INSERT INTO service_state (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name.to_string())
        .bind(value.to_string())
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        self.state(name)
            .await?
            .ok_or_else(|| super::StoreError::Corrupt(format!("service_state {name} vanished")))
    }

    pub async fn idempotent_response(
        &self,
        owner: &str,
        key: &str,
    ) -> StoreResult<Option<IdempotentResponse>> {
        Ok(on_pool!(self, db => sqlx::query_as(
            "SELECT request_hash, status, body, created_at FROM idempotency WHERE player_key = $1 \
             AND idem_key = $2",
        )
        .bind(owner.to_string())
        .bind(key.to_string())
        .fetch_optional(db)
        .await)?)
    }

    /// Reserves a key before the request runs (status 0 = in progress). Returns
    /// false when the key is already known.
    pub async fn reserve_idempotency(
        &self,
        owner: &str,
        key: &str,
        request_hash: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let inserted: Option<String> = on_pool!(self, db => sqlx::query_scalar(
            "INSERT INTO idempotency (player_key, idem_key, request_hash, status, body, \
             created_at) VALUES ($1, $2, $3, 0, '', $4) ON CONFLICT DO NOTHING RETURNING idem_key",
        )
        .bind(owner.to_string())
        .bind(key.to_string())
        .bind(request_hash.to_string())
        .bind(now)
        .fetch_optional(db)
        .await)?;
        Ok(inserted.is_some())
    }

    pub async fn complete_idempotency(
        &self,
        owner: &str,
        key: &str,
        status: u16,
        body: &str,
    ) -> StoreResult<()> {
        on_pool!(self, db => sqlx::query(
            "UPDATE idempotency SET status = $1, body = $2 WHERE player_key = $3 AND idem_key = $4",
        )
        .bind(i64::from(status))
        .bind(body.to_string())
        .bind(owner.to_string())
        .bind(key.to_string())
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Takes over a reservation left by a request that died (its lease, from
    /// `created_at`, has run out). Only one retry wins; false means another did, or
    /// the request finished meanwhile.
    pub async fn take_over_idempotency(
        &self,
        owner: &str,
        key: &str,
        leased_at: i64,
        now: i64,
    ) -> StoreResult<bool> {
        let done = on_pool!(self, db => sqlx::query(
            "UPDATE idempotency SET created_at = $1 WHERE player_key = $2 AND idem_key = $3 \
             AND status = 0 AND created_at = $4",
        )
        .bind(now)
        .bind(owner.to_string())
        .bind(key.to_string())
        .bind(leased_at)
        .execute(db)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Forgets a reservation whose request failed on our side, so a retry can run.
    pub async fn release_idempotency(&self, owner: &str, key: &str) -> StoreResult<()> {
        on_pool!(self, db => sqlx::query("DELETE FROM idempotency WHERE player_key = $1 AND idem_key = $2")
            .bind(owner.to_string())
            .bind(key.to_string())
            .execute(db)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
