//! What this instance remembers of the players it logs for: per-player gates (two
//! requests of one player queue here instead of colliding in the database), each
//! shard keeping the last known state of a few of its players.

use super::boss::current_week;
use super::day_total::add_to_day_total;
use super::error::ProgressError;
use super::plan::{Request, fact_dates};
use super::store::ProgressStore;
use crate::player::{date_at, settle};
use crate::storage::{ActivityWrite, BattleRow, DayKind, PlayerRow};
use std::collections::HashMap;

/// Per-player gates of this instance, sharded by player id.
pub struct Gates {
    shards: Vec<tokio::sync::Mutex<Shard>>,
}

pub(super) type Shard = HashMap<i64, Snapshot>;

/// Snapshots kept per shard (256 shards): a bound on memory, not on players.
const SNAPSHOTS_PER_SHARD: usize = 32;

impl Default for Gates {
    fn default() -> Self {
        Gates {
            shards: (0..256)
                .map(|_| tokio::sync::Mutex::new(Shard::new()))
                .collect(),
        }
    }
}

impl Gates {
    pub(super) async fn enter(&self, player_id: i64) -> tokio::sync::MutexGuard<'_, Shard> {
        let i = usize::try_from(player_id.rem_euclid(self.shards.len() as i64)).unwrap_or(0);
        self.shards[i].lock().await
    }
}

/// Keeps `snap` as the player's last known state, making room in the shard.
pub(super) fn keep(shard: &mut Shard, player_id: i64, snap: Snapshot) {
    if shard.len() >= SNAPSHOTS_PER_SHARD
        && let Some(other) = shard.keys().next().copied()
    {
        shard.remove(&other);
    }
    shard.insert(player_id, snap);
}

/// What this instance knows of a player at one version: the row, the day totals of
/// a range of local dates, the boss fight of one week and the times of the strength
/// sessions since some moment. Enough to plan the next activity without reading the
/// database. A snapshot is only ever used through `commit_plan`, which writes only if
/// the player is still at the snapshot's version, and every change of a player (on
/// any instance) bumps its version: a stale snapshot costs one statement that writes
/// nothing, then a fresh read, never a wrong award.
pub(super) struct Snapshot {
    pub(super) player: PlayerRow,
    /// `days` holds every day total of the local dates `[days_from, days_to]`.
    days_from: String,
    days_to: String,
    pub(super) days: Vec<DayKind>,
    /// The fight of `week`, if it exists.
    week: String,
    pub(super) battle: Option<BattleRow>,
    /// Every strength session that occurred at or after `strength_since`.
    strength_since: i64,
    strength_times: Vec<i64>,
}

/// What planning one activity needs from a snapshot.
pub(super) struct Needs {
    days_from: String,
    days_to: String,
    pub(super) week: String,
    pub(super) week_from: String,
    pub(super) week_to: String,
    pub(super) strength_since: i64,
}

impl Needs {
    pub(super) fn of(p: &PlayerRow, req: &Request) -> Needs {
        let date = date_at(p, req.occurred_at);
        let (from, to) = fact_dates(date);
        let (week, week_from, week_to) = current_week(p, req.now);
        Needs {
            days_from: from.as_str().min(week_from.as_str()).to_string(),
            days_to: to.as_str().max(week_to.as_str()).to_string(),
            week,
            week_from,
            week_to,
            strength_since: req.strength_since(),
        }
    }
}

impl Snapshot {
    /// Reads a player's snapshot for `req`: the player first, then the rest (see
    /// `ProgressStore::player_for_activity` for why that order is safe).
    pub(super) async fn load<S: ProgressStore>(
        store: &S,
        player_id: i64,
        req: &Request,
    ) -> Result<Snapshot, ProgressError> {
        let since = req.strength_since();
        let (mut player, strength_times) = store
            .player_for_activity(player_id, since)
            .await?
            .ok_or(ProgressError::PlayerNotFound)?;
        settle(&mut player, req.now);
        let needs = Needs::of(&player, req);
        let (days, battle) = tokio::try_join!(
            store.day_kinds(player.id, &needs.days_from, &needs.days_to),
            store.battle(player.id, &needs.week),
        )?;
        Ok(Snapshot {
            player,
            days_from: needs.days_from,
            days_to: needs.days_to,
            days,
            week: needs.week,
            battle,
            strength_since: since,
            strength_times,
        })
    }

    pub(super) fn covers(&self, n: &Needs) -> bool {
        self.days_from <= n.days_from
            && n.days_to <= self.days_to
            && self.week == n.week
            && self.strength_since <= n.strength_since
    }

    /// Strength sessions in `[from, to)`.
    pub(super) fn strength_sessions(&self, from: i64, to: i64) -> i64 {
        self.strength_times
            .iter()
            .filter(|&&t| t >= from && t < to)
            .count() as i64
    }

    /// The day totals of `[from, to]`.
    pub(super) fn days_between(&self, from: &str, to: &str) -> Vec<DayKind> {
        self.days
            .iter()
            .filter(|d| d.local_date.as_str() >= from && d.local_date.as_str() <= to)
            .cloned()
            .collect()
    }

    /// The snapshot after `w` was committed as the activity `id`: what the database
    /// now holds.
    pub(super) fn apply(&mut self, w: &ActivityWrite, id: i64) {
        let a = &w.activity;
        self.player = w.player.clone();
        self.player.version += 1;
        if self.days_from <= a.local_date && a.local_date <= self.days_to {
            add_to_day_total(&mut self.days, a, id);
        }
        if a.kind == "strength" && a.xp > 0 && a.occurred_at >= self.strength_since {
            self.strength_times.push(a.occurred_at);
        }
        if let (Some(b), Some(write)) = (self.battle.as_mut(), w.battle.as_ref())
            && b.week == write.week
        {
            b.hp = write.hp;
            b.progress_json = write.progress_json.clone();
            b.updated_at = write.now;
        }
    }
}
