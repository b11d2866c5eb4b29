//! The ports of duels: exactly the storage calls its use cases make (`DuelStore`,
//! and `DuelTx` for the ones inside a transaction), implemented here for the
//! service's `Store`; and the jobs a duel needs (`DuelJobs`: its expiry, its
//! battle), implemented by the job system, which sits above.

use crate::ledger::{self, Entry};
use crate::storage::{DuelResult, DuelRow, JobState, NewDuel, PlayerRow, Store, StoreResult, Tx};
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use std::future::Future;

/// The storage duels reads and writes outside a transaction. Times are Unix
/// microseconds, like the store's.
pub trait DuelStore: Send + Sync {
    type Tx: DuelTx;

    /// A write transaction; dropped without `commit`, it rolls back.
    fn begin(&self) -> impl Future<Output = StoreResult<Self::Tx>> + Send;

    fn player(&self, id: i64) -> impl Future<Output = StoreResult<Option<PlayerRow>>> + Send;

    fn player_by_username(
        &self,
        username: &str,
    ) -> impl Future<Output = StoreResult<Option<PlayerRow>>> + Send;

    fn duel(&self, id: i64) -> impl Future<Output = StoreResult<Option<DuelRow>>> + Send;

    /// The player's duels (either side), newest first, optionally of one status.
    fn duels_of(
        &self,
        player_id: i64,
        status: Option<&str>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<DuelRow>>> + Send;

    /// The state of a job by its dedup key (`None` once it finished).
    fn job_state(
        &self,
        dedup_key: &str,
    ) -> impl Future<Output = StoreResult<Option<JobState>>> + Send;

    /// Marks a pending duel expired; returns whether it was pending.
    fn expire_duel(&self, id: i64, now: i64) -> impl Future<Output = StoreResult<bool>> + Send;
}

/// The storage duels uses inside one transaction. Whoever locks two players locks
/// them in id order, so two transactions never wait on each other in a circle.
pub trait DuelTx: Send {
    /// The player's row, locked until commit (`StoreError::NotFound` if none).
    fn lock_player(&mut self, id: i64) -> impl Future<Output = StoreResult<PlayerRow>> + Send;

    /// Challenges the player has sent on one of their local dates.
    fn challenges_sent_on(
        &mut self,
        player_id: i64,
        date: &str,
    ) -> impl Future<Output = StoreResult<i64>> + Send;

    /// Whether the pair already has a pending or queued duel.
    fn open_duel_between(
        &mut self,
        a: i64,
        b: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// `StoreError::Conflict` when the pair's open duel was inserted meanwhile.
    fn insert_duel(&mut self, d: NewDuel) -> impl Future<Output = StoreResult<DuelRow>> + Send;

    /// The duel, locked until commit (`StoreError::NotFound` if none).
    fn lock_duel(&mut self, id: i64) -> impl Future<Output = StoreResult<DuelRow>> + Send;

    fn expire_duel(&mut self, id: i64, now: i64) -> impl Future<Output = StoreResult<bool>> + Send;

    fn decline_duel(&mut self, id: i64, now: i64) -> impl Future<Output = StoreResult<()>> + Send;

    /// Whether the player logged training on their local `date`.
    fn trained_on(
        &mut self,
        player_id: i64,
        date: &str,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Queues the battle with both fighters' snapshots (JSON).
    fn queue_duel(
        &mut self,
        id: i64,
        challenger_json: &str,
        opponent_json: &str,
        now: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// The pair's duels resolved in the (UTC) ISO week starting `week`.
    fn pair_duels_in_week(
        &mut self,
        a: i64,
        b: i64,
        week: &str,
    ) -> impl Future<Output = StoreResult<i64>> + Send;

    /// The player's paid duel wins on their local `date`.
    fn paid_wins_on(
        &mut self,
        player_id: i64,
        date: &str,
    ) -> impl Future<Output = StoreResult<i64>> + Send;

    /// Posts a ledger entry to a locked player (`crate::ledger::post`): `None` when
    /// its rule key was already used.
    fn post(
        &mut self,
        p: &mut PlayerRow,
        e: Entry<'_>,
    ) -> impl Future<Output = StoreResult<Option<i64>>> + Send;

    /// Writes a locked player's totals and buff.
    fn save_progress(&mut self, p: &PlayerRow) -> impl Future<Output = StoreResult<()>> + Send;

    fn resolve_duel(
        &mut self,
        id: i64,
        r: DuelResult,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Records what §8's fair-play limits counted the resolved duel as.
    fn set_duel_fair_play(
        &mut self,
        duel_id: i64,
        pair_week: &str,
        paid_date: Option<&str>,
        friendly: Option<&str>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn commit(self) -> impl Future<Output = StoreResult<()>> + Send;
}

/// The jobs a duel needs, enqueued inside the transaction `T` that changes it, so a
/// pending duel always has its expiry and a queued one its battle.
pub trait DuelJobs<T>: Send + Sync {
    /// Expires the challenge at `at` unless it was answered by then.
    fn expire_at<'a>(
        &'a self,
        tx: &'a mut T,
        duel_id: i64,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, StoreResult<()>>;

    /// Fights the battle as soon as a worker is free.
    fn fight<'a>(
        &'a self,
        tx: &'a mut T,
        duel_id: i64,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, StoreResult<()>>;

    /// Called once a battle's transaction has committed: an idle worker starts it
    /// now rather than at its next poll.
    fn wake(&self);
}

impl DuelStore for Store {
    type Tx = Tx;

    async fn begin(&self) -> StoreResult<Tx> {
        Store::begin(self).await
    }

    async fn player(&self, id: i64) -> StoreResult<Option<PlayerRow>> {
        Store::player(self, id).await
    }

    async fn player_by_username(&self, username: &str) -> StoreResult<Option<PlayerRow>> {
        Store::player_by_username(self, username).await
    }

    async fn duel(&self, id: i64) -> StoreResult<Option<DuelRow>> {
        Store::duel(self, id).await
    }

    async fn duels_of(
        &self,
        player_id: i64,
        status: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<DuelRow>> {
        Store::duels_of(self, player_id, status, limit).await
    }

    async fn job_state(&self, dedup_key: &str) -> StoreResult<Option<JobState>> {
        Store::job_state(self, dedup_key).await
    }

    async fn expire_duel(&self, id: i64, now: i64) -> StoreResult<bool> {
        Store::expire_duel(self, id, now).await
    }
}

impl DuelTx for Tx {
    async fn lock_player(&mut self, id: i64) -> StoreResult<PlayerRow> {
        Tx::lock_player(self, id).await
    }

    async fn challenges_sent_on(&mut self, player_id: i64, date: &str) -> StoreResult<i64> {
        Tx::challenges_sent_on(self, player_id, date).await
    }

    async fn open_duel_between(&mut self, a: i64, b: i64) -> StoreResult<bool> {
        Tx::open_duel_between(self, a, b).await
    }

    async fn insert_duel(&mut self, d: NewDuel) -> StoreResult<DuelRow> {
        Tx::insert_duel(self, d).await
    }

    async fn lock_duel(&mut self, id: i64) -> StoreResult<DuelRow> {
        Tx::lock_duel(self, id).await
    }

    async fn expire_duel(&mut self, id: i64, now: i64) -> StoreResult<bool> {
        Tx::expire_duel(self, id, now).await
    }

    async fn decline_duel(&mut self, id: i64, now: i64) -> StoreResult<()> {
        Tx::decline_duel(self, id, now).await
    }

    async fn trained_on(&mut self, player_id: i64, date: &str) -> StoreResult<bool> {
        let dates = Tx::training_dates_between(self, player_id, date, date).await?;
        Ok(!dates.is_empty())
    }

    async fn queue_duel(
        &mut self,
        id: i64,
        challenger_json: &str,
        opponent_json: &str,
        now: i64,
    ) -> StoreResult<()> {
        Tx::queue_duel(self, id, challenger_json, opponent_json, now).await
    }

    async fn pair_duels_in_week(&mut self, a: i64, b: i64, week: &str) -> StoreResult<i64> {
        Tx::pair_duels_in_week(self, a, b, week).await
    }

    async fn paid_wins_on(&mut self, player_id: i64, date: &str) -> StoreResult<i64> {
        Tx::paid_wins_on(self, player_id, date).await
    }

    async fn post(&mut self, p: &mut PlayerRow, e: Entry<'_>) -> StoreResult<Option<i64>> {
        ledger::post(self, p, e).await
    }

    async fn save_progress(&mut self, p: &PlayerRow) -> StoreResult<()> {
        Tx::save_progress(self, p).await
    }

    async fn resolve_duel(&mut self, id: i64, r: DuelResult) -> StoreResult<()> {
        Tx::resolve_duel(self, id, r).await
    }

    async fn set_duel_fair_play(
        &mut self,
        duel_id: i64,
        pair_week: &str,
        paid_date: Option<&str>,
        friendly: Option<&str>,
    ) -> StoreResult<()> {
        Tx::set_duel_fair_play(self, duel_id, pair_week, paid_date, friendly).await
    }

    async fn commit(self) -> StoreResult<()> {
        Tx::commit(self).await
    }
}
