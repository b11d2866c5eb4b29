//! The ports of progress: exactly the storage calls its use cases make
//! (`ProgressStore`, and `ProgressTx` inside a transaction), implemented here for the
//! service's `Store`; the job queue a new boss fight schedules its weekly rollover on
//! (`RolloverJobs`, implemented by the job system above); and where a week's villain
//! comes from (`VillainGenerator`, implemented in `services::villains`).
//!
//! `commit_plan` is THE write of a planned activity: on PostgreSQL the grouped
//! statement of `storage::batch`, on SQLite the writer's group transaction
//! (`storage::sqlite_writer`), inside a transaction `Tx::write_activity`, which the
//! SQLite writer runs for each member too. Every form applies only if the player is
//! still at the version the plan was made from.

use crate::ledger::{self, Entry};
use crate::storage::{
    ActivityRow, ActivityWrite, BadgeRow, BattleRow, DayKind, LedgerEntry, NewBattle,
    PendingCutscene, PlayerRow, Store, StoreResult, Tx, VillainRow, WrittenActivity,
};
use chrono::{DateTime, Utc};
use futures_util::future::BoxFuture;
use shonen_rules::RuleError;
use shonen_rules::villain::Villain;
use std::future::Future;
use std::pin::Pin;

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

    fn player(&self, id: i64) -> impl Future<Output = StoreResult<Option<PlayerRow>>> + Send;

    /// Stores a week's villain unless one is stored already; returns the stored one
    /// (the first writer's).
    fn insert_villain_once(
        &self,
        v: VillainRow,
    ) -> impl Future<Output = StoreResult<VillainRow>> + Send;

    /// The player's fights of weeks before the local Monday `week_start`, newest
    /// first, at most `limit`.
    fn past_battles(
        &self,
        player_id: i64,
        week_start: &str,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<BattleRow>>> + Send;

    /// The player's badges, oldest first.
    fn badges(&self, player_id: i64) -> impl Future<Output = StoreResult<Vec<BadgeRow>>> + Send;

    fn has_unseen_cutscene(&self, player_id: i64)
    -> impl Future<Output = StoreResult<bool>> + Send;

    /// Marks the player's unseen escape cutscenes seen and returns them, newest first.
    fn take_unseen_cutscenes(
        &self,
        player_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<PendingCutscene>>> + Send;

    /// The player's ledger entries with ids below `before`, newest first, at most
    /// `limit`.
    fn ledger(
        &self,
        player_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> impl Future<Output = StoreResult<Vec<LedgerEntry>>> + Send;
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

    /// The amount the ledger entry with `rule_key` recorded (a skip: what it took).
    fn rule_amount(
        &mut self,
        player_id: i64,
        rule_key: &str,
    ) -> impl Future<Output = StoreResult<Option<i64>>> + Send;

    /// The chain's ledger entries (Plot Armor, streak breaks, breaks given back):
    /// (rule key, amount).
    fn chain_entries(
        &mut self,
        player_id: i64,
    ) -> impl Future<Output = StoreResult<Vec<(String, i64)>>> + Send;

    /// What an activity's award and its edit corrections moved in all (each as the
    /// ledger recorded it, after the floor at 0 XP).
    fn activity_award_total(
        &mut self,
        player_id: i64,
        activity_id: i64,
    ) -> impl Future<Output = StoreResult<i64>> + Send;

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

    fn villain(
        &mut self,
        week: &str,
    ) -> impl Future<Output = StoreResult<Option<VillainRow>>> + Send;

    /// `ProgressStore::insert_villain_once` inside this transaction.
    fn insert_villain_once(
        &mut self,
        v: VillainRow,
    ) -> impl Future<Output = StoreResult<VillainRow>> + Send;

    /// Creates a fight unless the player has one that week: whether it was created.
    fn insert_battle(&mut self, b: NewBattle) -> impl Future<Output = StoreResult<bool>> + Send;

    fn update_battle_progress(
        &mut self,
        player_id: i64,
        week: &str,
        hp: i64,
        progress_json: &str,
        now: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Ends an active fight as `status` (`defeated`, `escaped`): whether it was
    /// still active (only the first ending counts).
    fn resolve_battle(
        &mut self,
        player_id: i64,
        week: &str,
        status: &str,
        penalty: i64,
        cutscene: Option<String>,
        now: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// The local Monday of the player's newest ended fight.
    fn last_resolved_week(
        &mut self,
        player_id: i64,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;

    /// The local Monday of the player's first fight.
    fn first_battle_week(
        &mut self,
        player_id: i64,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;

    /// Awards a badge unless the player has it for that week: whether it is new.
    fn insert_badge(
        &mut self,
        player_id: i64,
        name: &str,
        week: &str,
        now: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// The player's XP from the ledger entries before `at`.
    fn xp_before(
        &mut self,
        player_id: i64,
        at: i64,
    ) -> impl Future<Output = StoreResult<i64>> + Send;

    fn commit(self) -> impl Future<Output = StoreResult<()>> + Send;
}

/// The job queue, inside the transaction `T` that creates a player's first boss
/// fight: the player's weekly rollover runs at `at` (enqueued with the change, so it
/// exists iff the fight does; a player has at most one).
pub trait RolloverJobs<T>: Send + Sync {
    fn roll_over_at<'a>(
        &'a self,
        tx: &'a mut T,
        player_id: i64,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, StoreResult<()>>;
}

/// A villain and which generator wrote its words (`procedural` or `llm`).
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub villain: Villain,
    pub source: &'static str,
}

pub type GenFuture<'a> = Pin<Box<dyn Future<Output = Result<Generated, RuleError>> + Send + 'a>>;

/// Where the villain of an ISO week comes from (possibly over the network: asked
/// outside transactions only). Errors only for a week that does not exist.
pub trait VillainGenerator: Send + Sync {
    fn villain(&self, iso_year: i32, iso_week: u32) -> GenFuture<'_>;
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

    async fn player(&self, id: i64) -> StoreResult<Option<PlayerRow>> {
        Store::player(self, id).await
    }

    async fn insert_villain_once(&self, v: VillainRow) -> StoreResult<VillainRow> {
        Store::insert_villain_once(self, v).await
    }

    async fn past_battles(
        &self,
        player_id: i64,
        week_start: &str,
        limit: i64,
    ) -> StoreResult<Vec<BattleRow>> {
        Store::past_battles(self, player_id, week_start, limit).await
    }

    async fn badges(&self, player_id: i64) -> StoreResult<Vec<BadgeRow>> {
        Store::badges(self, player_id).await
    }

    async fn has_unseen_cutscene(&self, player_id: i64) -> StoreResult<bool> {
        Store::has_unseen_cutscene(self, player_id).await
    }

    async fn take_unseen_cutscenes(&self, player_id: i64) -> StoreResult<Vec<PendingCutscene>> {
        Store::take_unseen_cutscenes(self, player_id).await
    }

    async fn ledger(
        &self,
        player_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<LedgerEntry>> {
        Store::ledger(self, player_id, before, limit).await
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

    async fn rule_amount(&mut self, player_id: i64, rule_key: &str) -> StoreResult<Option<i64>> {
        Tx::rule_amount(self, player_id, rule_key).await
    }

    async fn chain_entries(&mut self, player_id: i64) -> StoreResult<Vec<(String, i64)>> {
        Tx::chain_entries(self, player_id).await
    }

    async fn activity_award_total(&mut self, player_id: i64, activity_id: i64) -> StoreResult<i64> {
        Tx::activity_award_total(self, player_id, activity_id).await
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

    async fn villain(&mut self, week: &str) -> StoreResult<Option<VillainRow>> {
        Tx::villain(self, week).await
    }

    async fn insert_villain_once(&mut self, v: VillainRow) -> StoreResult<VillainRow> {
        Tx::insert_villain_once(self, v).await
    }

    async fn insert_battle(&mut self, b: NewBattle) -> StoreResult<bool> {
        Tx::insert_battle(self, b).await
    }

    async fn update_battle_progress(
        &mut self,
        player_id: i64,
        week: &str,
        hp: i64,
        progress_json: &str,
        now: i64,
    ) -> StoreResult<()> {
        Tx::update_battle_progress(self, player_id, week, hp, progress_json, now).await
    }

    async fn resolve_battle(
        &mut self,
        player_id: i64,
        week: &str,
        status: &str,
        penalty: i64,
        cutscene: Option<String>,
        now: i64,
    ) -> StoreResult<bool> {
        Tx::resolve_battle(self, player_id, week, status, penalty, cutscene, now).await
    }

    async fn last_resolved_week(&mut self, player_id: i64) -> StoreResult<Option<String>> {
        Tx::last_resolved_week(self, player_id).await
    }

    async fn first_battle_week(&mut self, player_id: i64) -> StoreResult<Option<String>> {
        Tx::first_battle_week(self, player_id).await
    }

    async fn insert_badge(
        &mut self,
        player_id: i64,
        name: &str,
        week: &str,
        now: i64,
    ) -> StoreResult<bool> {
        Tx::insert_badge(self, player_id, name, week, now).await
    }

    async fn xp_before(&mut self, player_id: i64, at: i64) -> StoreResult<i64> {
        Tx::xp_before(self, player_id, at).await
    }

    async fn commit(self) -> StoreResult<()> {
        Tx::commit(self).await
    }
}
