//! The ports of accounts: exactly the storage calls its use cases make
//! (`AccountStore`, and `AccountTx` for the ones inside a transaction), implemented
//! here for the service's `Store`; and the recurring jobs a new player needs
//! (`NewPlayerJobs`), implemented by the job system, which sits above.

use crate::storage::{NewPlayer, PlayerRow, Store, StoreResult, Tx};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use futures_util::future::BoxFuture;
use std::future::Future;

/// The storage accounts reads and writes outside a transaction. Times are Unix
/// microseconds, like the store's.
pub trait AccountStore: Send + Sync {
    type Tx: AccountTx;

    /// A write transaction; dropped without `commit`, it rolls back.
    fn begin(&self) -> impl Future<Output = StoreResult<Self::Tx>> + Send;

    /// Registrations accepted from `address` at or after `since` and the oldest one's
    /// time (a cheap look; the count that decides is
    /// `AccountTx::registrations_since`).
    fn registrations_from(
        &self,
        address: &str,
        since: i64,
    ) -> impl Future<Output = StoreResult<(i64, Option<i64>)>> + Send;

    fn player_by_username(
        &self,
        username: &str,
    ) -> impl Future<Output = StoreResult<Option<PlayerRow>>> + Send;

    /// By username or email address.
    fn player_by_login(
        &self,
        login: &str,
    ) -> impl Future<Output = StoreResult<Option<PlayerRow>>> + Send;

    fn insert_token(
        &self,
        token_hash: &str,
        player_id: i64,
        now: i64,
        expires_at: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The player a live (unexpired, unrevoked) token belongs to.
    fn token_player(
        &self,
        token_hash: &str,
        now: i64,
    ) -> impl Future<Output = StoreResult<Option<i64>>> + Send;

    fn revoke_token(&self, token_hash: &str) -> impl Future<Output = StoreResult<()>> + Send;

    /// Counts one use of the budget `name` in the window starting at `window_start`;
    /// returns the uses of this window and of the one before.
    fn use_budget(
        &self,
        name: &str,
        window_start: i64,
        window: i64,
    ) -> impl Future<Output = StoreResult<(i64, i64)>> + Send;

    /// Gives back one use of `name` counted in the window starting at `window_start`.
    fn refund_budget(
        &self,
        name: &str,
        window_start: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// The storage accounts uses inside one transaction.
pub trait AccountTx: Send {
    /// Locks the address's registration gate until commit; returns the registrations
    /// from it at or after `since` and the oldest one's time.
    fn registrations_since(
        &mut self,
        address: &str,
        since: i64,
        now: i64,
    ) -> impl Future<Output = StoreResult<(i64, Option<i64>)>> + Send;

    /// `StoreError::Conflict` when the username or email is taken.
    fn insert_player(
        &mut self,
        p: NewPlayer,
    ) -> impl Future<Output = StoreResult<PlayerRow>> + Send;

    fn record_registration(
        &mut self,
        address: &str,
        at: i64,
        player_id: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The player's row, locked until commit (`StoreError::NotFound` if none).
    fn lock_player(&mut self, id: i64) -> impl Future<Output = StoreResult<PlayerRow>> + Send;

    /// Writes the settings in force and the calendar of a locked player.
    fn save_settings(&mut self, p: &PlayerRow) -> impl Future<Output = StoreResult<()>> + Send;

    fn reclassify(
        &mut self,
        id: i64,
        class: &str,
        goals: [i64; 3],
        now: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn commit(self) -> impl Future<Output = StoreResult<()>> + Send;
}

/// The recurring jobs every player has from registration on (the nightly day close,
/// the weekly boss), enqueued inside the registration's transaction `T`, so they
/// exist exactly when the player does.
pub trait NewPlayerJobs<T>: Send + Sync {
    fn schedule<'a>(
        &'a self,
        tx: &'a mut T,
        player_id: i64,
        timezone: Tz,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, StoreResult<()>>;
}

impl AccountStore for Store {
    type Tx = Tx;

    async fn begin(&self) -> StoreResult<Tx> {
        Store::begin(self).await
    }

    async fn registrations_from(
        &self,
        address: &str,
        since: i64,
    ) -> StoreResult<(i64, Option<i64>)> {
        Store::registrations_from(self, address, since).await
    }

    async fn player_by_username(&self, username: &str) -> StoreResult<Option<PlayerRow>> {
        Store::player_by_username(self, username).await
    }

    async fn player_by_login(&self, login: &str) -> StoreResult<Option<PlayerRow>> {
        Store::player_by_login(self, login).await
    }

    async fn insert_token(
        &self,
        token_hash: &str,
        player_id: i64,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        Store::insert_token(self, token_hash, player_id, now, expires_at).await
    }

    async fn token_player(&self, token_hash: &str, now: i64) -> StoreResult<Option<i64>> {
        Store::token_player(self, token_hash, now).await
    }

    async fn revoke_token(&self, token_hash: &str) -> StoreResult<()> {
        Store::revoke_token(self, token_hash).await
    }

    async fn use_budget(
        &self,
        name: &str,
        window_start: i64,
        window: i64,
    ) -> StoreResult<(i64, i64)> {
        Store::use_budget(self, name, window_start, window).await
    }

    async fn refund_budget(&self, name: &str, window_start: i64) -> StoreResult<()> {
        Store::refund_budget(self, name, window_start).await
    }
}

impl AccountTx for Tx {
    async fn registrations_since(
        &mut self,
        address: &str,
        since: i64,
        now: i64,
    ) -> StoreResult<(i64, Option<i64>)> {
        Tx::registrations_since(self, address, since, now).await
    }

    async fn insert_player(&mut self, p: NewPlayer) -> StoreResult<PlayerRow> {
        Tx::insert_player(self, p).await
    }

    async fn record_registration(
        &mut self,
        address: &str,
        at: i64,
        player_id: i64,
    ) -> StoreResult<()> {
        Tx::record_registration(self, address, at, player_id).await
    }

    async fn lock_player(&mut self, id: i64) -> StoreResult<PlayerRow> {
        Tx::lock_player(self, id).await
    }

    async fn save_settings(&mut self, p: &PlayerRow) -> StoreResult<()> {
        Tx::save_settings(self, p).await
    }

    async fn reclassify(
        &mut self,
        id: i64,
        class: &str,
        goals: [i64; 3],
        now: i64,
    ) -> StoreResult<()> {
        Tx::reclassify(self, id, class, goals, now).await
    }

    async fn commit(self) -> StoreResult<()> {
        Tx::commit(self).await
    }
}
