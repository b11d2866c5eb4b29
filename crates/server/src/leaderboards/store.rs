//! The ports of leaderboards: the ranking cache the boards live in (`Rankings`:
//! plain keys and sorted sets), the database reads a board is rebuilt from or
//! served from while the cache is out (`BoardStore`), the caller's row (`Players`),
//! the real-time bus the `leaderboard` event goes out on (`BoardNews`) and the log
//! of writes to redo once the cache is back (`RepairLog`). Implemented here for the
//! service's `Cache`, `Store`, hot rows, `Events` and `Repairs`.

use super::model::BoardChanged;
use crate::cache::Repairs;
use crate::cache::{Cache, CacheResult, ZPage};
use crate::events::Events;
use crate::player_rows::HotRows;
use crate::storage::{BoardRow, BoardScope, PlayerCard, PlayerRow, Store, StoreResult};
use futures_util::future::BoxFuture;
use std::future::Future;
use std::time::Duration;

/// The cache operations the boards use (semantics as `crate::cache::Cache`).
pub trait Rankings: Send + Sync + 'static {
    fn get(&self, key: &str) -> impl Future<Output = CacheResult<Option<String>>> + Send;

    fn get_many(
        &self,
        keys: &[String],
    ) -> impl Future<Output = CacheResult<Vec<Option<String>>>> + Send;

    fn set(
        &self,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
    ) -> impl Future<Output = CacheResult<()>> + Send;

    /// Sets unless the key exists; whether it was set.
    fn set_nx(
        &self,
        key: &str,
        value: &str,
        ttl: Option<Duration>,
    ) -> impl Future<Output = CacheResult<bool>> + Send;

    /// A member's absolute score.
    fn zset(
        &self,
        key: &str,
        member: &str,
        score: i64,
    ) -> impl Future<Output = CacheResult<()>> + Send;

    /// Adds members not in the set yet, leaving existing scores alone.
    fn zset_many_nx(
        &self,
        key: &str,
        members: &[(String, i64)],
    ) -> impl Future<Output = CacheResult<()>> + Send;

    fn zrem(&self, key: &str, member: &str) -> impl Future<Output = CacheResult<()>> + Send;

    /// The top `limit`, highest first (ties: member descending).
    fn ztop(
        &self,
        key: &str,
        limit: usize,
    ) -> impl Future<Output = CacheResult<Vec<(String, i64)>>> + Send;

    /// `None` when `marker` is absent, else the revision, `member`'s rank and maybe
    /// the top, in one round trip.
    fn zpage(
        &self,
        key: &str,
        marker: &str,
        rev_key: &str,
        member: &str,
        top: Option<usize>,
    ) -> impl Future<Output = CacheResult<Option<ZPage>>> + Send;
}

/// The database's truth about the boards (order: XP descending, then id descending).
pub trait BoardStore: Send + Sync {
    /// Every player's score on the board: (player id, xp).
    fn board_scores(
        &self,
        scope: BoardScope<'_>,
    ) -> impl Future<Output = StoreResult<Vec<(i64, i64)>>> + Send;

    fn board_top(
        &self,
        scope: BoardScope<'_>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<BoardRow>>> + Send;

    /// The player's 1-based rank and score; `None` when not on the board.
    fn board_rank(
        &self,
        scope: BoardScope<'_>,
        player_id: i64,
    ) -> impl Future<Output = StoreResult<Option<(i64, i64)>>> + Send;

    /// The player's net XP of the week starting `week` (`None`: nothing that week).
    fn week_xp(
        &self,
        player_id: i64,
        week: &str,
    ) -> impl Future<Output = StoreResult<Option<i64>>> + Send;

    /// Names, classes and all-time XP of the given players.
    fn player_cards(
        &self,
        ids: &[i64],
    ) -> impl Future<Output = StoreResult<Vec<PlayerCard>>> + Send;
}

/// A player's row as of now (the weekly board is the reader's local week).
pub trait Players: Send + Sync {
    fn player(&self, id: i64) -> BoxFuture<'_, StoreResult<Option<PlayerRow>>>;
}

/// Where a board's `leaderboard` event goes: every connection on every instance.
pub trait BoardNews: Send + Sync {
    fn board_changed(&self, board: BoardChanged) -> BoxFuture<'_, ()>;
}

/// Players whose board writes failed (cache out): re-recorded once it answers.
pub trait RepairLog: Send + Sync {
    fn player(&self, id: i64);
}

impl Rankings for Cache {
    async fn get(&self, key: &str) -> CacheResult<Option<String>> {
        Cache::get(self, key).await
    }

    async fn get_many(&self, keys: &[String]) -> CacheResult<Vec<Option<String>>> {
        Cache::get_many(self, keys).await
    }

    async fn set(&self, key: &str, value: &str, ttl: Option<Duration>) -> CacheResult<()> {
        Cache::set(self, key, value, ttl).await
    }

    async fn set_nx(&self, key: &str, value: &str, ttl: Option<Duration>) -> CacheResult<bool> {
        Cache::set_nx(self, key, value, ttl).await
    }

    async fn zset(&self, key: &str, member: &str, score: i64) -> CacheResult<()> {
        Cache::zset(self, key, member, score).await
    }

    async fn zset_many_nx(&self, key: &str, members: &[(String, i64)]) -> CacheResult<()> {
        Cache::zset_many_nx(self, key, members).await
    }

    async fn zrem(&self, key: &str, member: &str) -> CacheResult<()> {
        Cache::zrem(self, key, member).await
    }

    async fn ztop(&self, key: &str, limit: usize) -> CacheResult<Vec<(String, i64)>> {
        Cache::ztop(self, key, limit).await
    }

    async fn zpage(
        &self,
        key: &str,
        marker: &str,
        rev_key: &str,
        member: &str,
        top: Option<usize>,
    ) -> CacheResult<Option<ZPage>> {
        Cache::zpage(self, key, marker, rev_key, member, top).await
    }
}

impl BoardStore for Store {
    async fn board_scores(&self, scope: BoardScope<'_>) -> StoreResult<Vec<(i64, i64)>> {
        Store::board_scores(self, scope).await
    }

    async fn board_top(&self, scope: BoardScope<'_>, limit: i64) -> StoreResult<Vec<BoardRow>> {
        Store::board_top(self, scope, limit).await
    }

    async fn board_rank(
        &self,
        scope: BoardScope<'_>,
        player_id: i64,
    ) -> StoreResult<Option<(i64, i64)>> {
        Store::board_rank(self, scope, player_id).await
    }

    async fn week_xp(&self, player_id: i64, week: &str) -> StoreResult<Option<i64>> {
        Store::week_xp(self, player_id, week).await
    }

    async fn player_cards(&self, ids: &[i64]) -> StoreResult<Vec<PlayerCard>> {
        Store::player_cards(self, ids).await
    }
}

impl Players for HotRows {
    fn player(&self, id: i64) -> BoxFuture<'_, StoreResult<Option<PlayerRow>>> {
        Box::pin(HotRows::player(self, id))
    }
}

impl BoardNews for Events {
    fn board_changed(&self, board: BoardChanged) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            match serde_json::to_value(&board) {
                Ok(data) => self.broadcast("leaderboard", data).await,
                Err(e) => tracing::warn!(error = %e, "leaderboard event not encoded"),
            }
        })
    }
}

impl RepairLog for Repairs {
    fn player(&self, id: i64) {
        Repairs::player(self, id);
    }
}
