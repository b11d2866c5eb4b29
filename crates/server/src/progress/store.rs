//! The ports of progress: exactly the storage calls its use cases make
//! (`ProgressStore`, and `ProgressTx` inside a transaction), implemented here for the
//! service's `Store`; and the boss fight's transactional steps (`BossFight`), which
//! create fights and enqueue their rollover job, implemented above (`services::boss`).
//!
//! `commit_plan` is THE write of a planned activity: on PostgreSQL the grouped
//! statement of `storage::batch`, on SQLite the writer's group transaction
//! (`storage::sqlite_writer`), inside a transaction `Tx::write_activity`, which the
//! SQLite writer runs for each member too. Every form applies only if the player is
//! still at the version the plan was made from.

use super::news::BossNews;
use crate::ledger::{self, Entry};
use crate::storage::{
    ActivityRow, ActivityWrite, BattleRow, DayKind, PlayerRow, Store, StoreResult, Tx, VillainRow,
    WrittenActivity,
};
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use std::future::Future;

/// The storage progress reads and writes outside a transaction. Times are Unix
/// microseconds, like the store's.
pub trait ProgressStore: Send + Sync {
    type Tx: ProgressTx;

    /// A write transaction; dropped without `commit`, it rolls back.
    fn begin(&self) -> impl Future<Output = StoreResult<Self::Tx>> + Send;

    /// The player (with its version) and the times of its paid strength sessions
    /// from `since` on, from one snapshot: read first, so that anything read after it
    /// is at least as new, and `commit_plan` applies only if nothing committed since.
    fn player_for_activity(
        &self,
        player_id: i64,
        since: i64,
    ) -> impl Future<Output = StoreResult<Option<(PlayerRow, Vec<i64>)>>> + Send;

    /// The day totals of local dates `[from, to]`.
    fn day_kinds(
        &self,
        player_id: i64,
        from: &str,
        to: &str,
    ) -> impl Future<Output = StoreResult<Vec<DayKind>>> + Send;

    fn battle(
        &self,
        player_id: i64,
        week: &str,
    ) -> impl Future<Output = StoreResult<Option<BattleRow>>> + Send;

    fn villain(&self, week: &str) -> impl Future<Output = StoreResult<Option<VillainRow>>> + Send;

    fn activity(
        &self,
        player_id: i64,
        id: i64,
    ) -> impl Future<Output = StoreResult<Option<ActivityRow>>> + Send;

    /// Commits a planned activity, grouped with other requests' plans, if its player
    /// is still at the plan's version: `None` when it was not (nothing written).
    /// Returns once committed, with the player's XP of the ledger entry's week.
    fn commit_plan(
        &self,
        plan: &ActivityWrite,
    ) -> impl Future<Output = StoreResult<Option<WrittenActivity>>> + Send;
}

/// The storage progress uses inside one transaction.
pub trait ProgressTx: Send {
    /// The player's row, locked until commit (`StoreError::NotFound` if none).
    fn lock_player(&mut self, id: i64) -> impl Future<Output = StoreResult<PlayerRow>> + Send;

    fn day_kinds(
        &mut self,
        player_id: i64,
        from: &str,
        to: &str,
    ) -> impl Future<Output = StoreResult<Vec<DayKind>>> + Send;

    fn battle(
        &mut self,
        player_id: i64,
        week: &str,
    ) -> impl Future<Output = StoreResult<Option<BattleRow>>> + Send;

    /// Paid strength sessions that occurred in `[from, to)`.
    fn strength_sessions_between(
        &mut self,
        player_id: i64,
        from: i64,
        to: i64,
    ) -> impl Future<Output = StoreResult<i64>> + Send;

    /// Distinct local dates with training in `[from, to]`.
    fn training_dates_between(
        &mut self,
        player_id: i64,
        from: &str,
        to: &str,
    ) -> impl Future<Output = StoreResult<Vec<String>>> + Send;

    /// `ProgressStore::commit_plan` inside this transaction: `None` when the player
    /// is not at the plan's version.
    fn commit_plan(
        &mut self,
        plan: &ActivityWrite,
    ) -> impl Future<Output = StoreResult<Option<ActivityRow>>> + Send;

    /// Posts a ledger entry to a locked player (`crate::ledger::post`): `None` when
    /// its rule key was already used.
    fn post(
        &mut self,
        p: &mut PlayerRow,
        e: Entry<'_>,
    ) -> impl Future<Output = StoreResult<Option<i64>>> + Send;

    /// Writes a locked player's totals, fatigue, chain and buff.
    fn save_progress(&mut self, p: &PlayerRow) -> impl Future<Output = StoreResult<()>> + Send;

    fn set_activity_award(
        &mut self,
        id: i64,
        award_json: &str,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn activity_for_update(
        &mut self,
        player_id: i64,
        id: i64,
    ) -> impl Future<Output = StoreResult<Option<ActivityRow>>> + Send;

    /// Rewrites an edited strength session and its day total.
    fn update_strength_activity(
        &mut self,
        id: i64,
        duration_min: f64,
        sets_json: &str,
        xp: i64,
        award_json: &str,
        now: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn commit(self) -> impl Future<Output = StoreResult<()>> + Send;
}

/// The boss fight's steps inside the activity's transaction `T` that a plan cannot
/// take: creating the week's fight (with its rollover job) and a defeat's reward.
/// Only called when `strike` says the fight needs them.
pub trait BossFight<T>: Send + Sync {
    /// What the committed `activity` does to the fight of the week of `now` (the
    /// player `p` is locked; a reward is posted to it).
    fn on_activity<'a>(
        &'a self,
        tx: &'a mut T,
        p: &'a mut PlayerRow,
        activity: &'a ActivityRow,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, StoreResult<BossNews>>;
}

impl ProgressStore for Store {
    type Tx = Tx;

    async fn begin(&self) -> StoreResult<Tx> {
        Store::begin(self).await
    }

    async fn player_for_activity(
        &self,
        player_id: i64,
        since: i64,
    ) -> StoreResult<Option<(PlayerRow, Vec<i64>)>> {
        Store::player_for_activity(self, player_id, since).await
    }

    async fn day_kinds(&self, player_id: i64, from: &str, to: &str) -> StoreResult<Vec<DayKind>> {
        Store::day_kinds(self, player_id, from, to).await
    }

    async fn battle(&self, player_id: i64, week: &str) -> StoreResult<Option<BattleRow>> {
        Store::battle(self, player_id, week).await
    }

    async fn villain(&self, week: &str) -> StoreResult<Option<VillainRow>> {
        Store::villain(self, week).await
    }

    async fn activity(&self, player_id: i64, id: i64) -> StoreResult<Option<ActivityRow>> {
        Store::activity(self, player_id, id).await
    }

    async fn commit_plan(&self, plan: &ActivityWrite) -> StoreResult<Option<WrittenActivity>> {
        Store::write_activity(self, plan).await
    }
}

impl ProgressTx for Tx {
    async fn lock_player(&mut self, id: i64) -> StoreResult<PlayerRow> {
        Tx::lock_player(self, id).await
    }

    async fn day_kinds(
        &mut self,
        player_id: i64,
        from: &str,
        to: &str,
    ) -> StoreResult<Vec<DayKind>> {
        Tx::day_kinds(self, player_id, from, to).await
    }

    async fn battle(&mut self, player_id: i64, week: &str) -> StoreResult<Option<BattleRow>> {
        Tx::battle(self, player_id, week).await
    }

    async fn strength_sessions_between(
        &mut self,
        player_id: i64,
        from: i64,
        to: i64,
    ) -> StoreResult<i64> {
        Tx::strength_sessions_between(self, player_id, from, to).await
    }

    async fn training_dates_between(
        &mut self,
        player_id: i64,
        from: &str,
        to: &str,
    ) -> StoreResult<Vec<String>> {
        Tx::training_dates_between(self, player_id, from, to).await
    }

    async fn commit_plan(&mut self, plan: &ActivityWrite) -> StoreResult<Option<ActivityRow>> {
        Tx::write_activity(self, plan).await
    }

    async fn post(&mut self, p: &mut PlayerRow, e: Entry<'_>) -> StoreResult<Option<i64>> {
        ledger::post(self, p, e).await
    }

    async fn save_progress(&mut self, p: &PlayerRow) -> StoreResult<()> {
        Tx::save_progress(self, p).await
    }

    async fn set_activity_award(&mut self, id: i64, award_json: &str) -> StoreResult<()> {
        Tx::set_activity_award(self, id, award_json).await
    }

    async fn activity_for_update(
        &mut self,
        player_id: i64,
        id: i64,
    ) -> StoreResult<Option<ActivityRow>> {
        Tx::activity_for_update(self, player_id, id).await
    }

    async fn update_strength_activity(
        &mut self,
        id: i64,
        duration_min: f64,
        sets_json: &str,
        xp: i64,
        award_json: &str,
        now: i64,
    ) -> StoreResult<()> {
        Tx::update_strength_activity(self, id, duration_min, sets_json, xp, award_json, now).await
    }

    async fn commit(self) -> StoreResult<()> {
        Tx::commit(self).await
    }
}
