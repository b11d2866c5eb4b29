//! Hot per-player state in the cache: the player's row (streak chain, buffs,
//! multipliers, fatigue, totals), whether they trained today, a typed slot for this
//! week's boss, and token → player lookups. Reads fall back to the database on a
//! miss or a cache error; every committed write invalidates (see
//! `progress::Players::after_commit`), so a read after a write never sees the old values, on
//! any instance sharing the cache.
//!
//! Race bound: a reader that loaded the row before a commit could fill the cache
//! after that commit's invalidation. Fills use SET NX with a short TTL
//! (`PLAYER_TTL`), which bounds such a window; the writer's own next read is always
//! fresh because the invalidation runs before its response is sent.
//!
//! When a cache write fails (Redis down), the affected player ids and keys are
//! remembered and repaired (invalidated, leaderboards re-recorded from the database)
//! as soon as the cache answers again.
//!
//! Meanwhile the values that carry the player's version (dashboard parts, trained
//! today, this week's boss) are kept in this process (`Cache::degraded_set`) and used
//! only at that same version: the row read from the database says whether they still
//! hold. An outage then costs the database two primary-key reads per dashboard
//! (token, player) instead of the whole dashboard.
//!
//! All of it goes through `PlayerCaches`, a handle on exactly what it uses (the
//! cache, the store, the repair log, the clock and the token secret), built once by
//! `app` and kept in `AppState` (`state.hot`).

use crate::accounts::TokenSecret;
use crate::cache::{Cache, Repairs};
use crate::clock::Clock;
use crate::error::ApiResult;
use crate::events::Events;
use crate::leaderboards::Leaderboards;
use crate::media::MediaCaches;
pub use crate::player_rows::{HotRows, PLAYER_TTL};
use crate::player_rows::{player_key, player_row};
use crate::storage::{PlayerRow, Store};
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

pub const TOKEN_TTL: Duration = Duration::from_secs(60);
/// How long after a Redis outage token lookups go to the database: long enough for
/// every instance to have sent the deletes it missed (its watchdog pings each second).
const REVOCATION_CATCH_UP: Duration = Duration::from_secs(5);

/// How long a cached boss may stand without a write; every XP change and every
/// weekly rollover clears it sooner.
pub const BOSS_TTL: Duration = Duration::from_secs(300);

fn trained_key(id: i64, date: &str) -> String {
    format!("hot:trained:{id}:{date}")
}
fn boss_key(id: i64) -> String {
    format!("hot:boss:{id}")
}
fn dashboard_key(id: i64) -> String {
    format!("hot:dash:{id}")
}
fn token_key(hash: &str) -> String {
    format!("tok:{hash}")
}

/// The per-player hot state: the cache in front of the store, what an outage left
/// to repair, the clock (a player's local today) and the token secret (tokens are
/// cached under their hash). Cheap to clone (handles only).
#[derive(Clone)]
pub struct PlayerCaches {
    cache: Arc<Cache>,
    store: Store,
    repairs: Arc<Repairs>,
    clock: Arc<Clock>,
    tokens: TokenSecret,
}

impl PlayerCaches {
    pub fn new(
        cache: Arc<Cache>,
        store: Store,
        repairs: Arc<Repairs>,
        clock: Arc<Clock>,
        tokens: TokenSecret,
    ) -> PlayerCaches {
        PlayerCaches {
            cache,
            store,
            repairs,
            clock,
            tokens,
        }
    }

    /// Replays what failed during an outage (called after successful cache
    /// operations): the keys left to delete, then each player's cached state and
    /// board entries, from the database.
    pub async fn repair(&self, leaderboards: &Leaderboards) {
        if self.repairs.is_empty() {
            return;
        }
        let (players, keys) = self.repairs.take();
        tracing::info!(
            players = players.len(),
            keys = keys.len(),
            "repairing cache after an outage"
        );
        if let Err(e) = self.cache.del(&keys).await {
            tracing::warn!(error = %e, "cache repair failed; will retry");
            for k in keys {
                self.repairs.key(k);
            }
        }
        for id in players {
            match self.store.player(id).await {
                Ok(Some(p)) => {
                    self.invalidate(&p).await;
                    leaderboards.record(&p).await;
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "cache repair: loading player");
                    self.repairs.player(id);
                }
            }
        }
    }

    /// The player's row: cache, else database (then cached).
    pub async fn player(&self, id: i64) -> ApiResult<Option<PlayerRow>> {
        Ok(player_row(&self.cache, &self.store, id).await?)
    }

    /// A value kept in this process during an outage, tagged with the player's
    /// version.
    fn degraded_at(&self, key: &str, version: i64) -> Option<String> {
        let v = self.cache.degraded_get(key)?;
        let (at, value) = v.split_once('\n')?;
        (at.parse::<i64>().ok()? == version).then(|| value.to_string())
    }

    fn keep_degraded(&self, key: &str, version: i64, value: &str) {
        self.cache.degraded_set(key, &format!("{version}\n{value}"));
    }

    /// Whether the player (whose row is at `version`) logged an activity on local
    /// `date`.
    pub async fn trained_on(&self, id: i64, version: i64, date: &str) -> ApiResult<bool> {
        let key = trained_key(id, date);
        match self.cache.get(&key).await {
            Ok(Some(v)) => return Ok(v == "1"),
            Ok(None) => {}
            Err(_) => {
                if let Some(v) = self.degraded_at(&key, version) {
                    return Ok(v == "1");
                }
            }
        }
        let trained = self.store.trained_on(id, date).await?;
        let value = if trained { "1" } else { "0" };
        if self
            .cache
            .set_nx(&key, value, Some(PLAYER_TTL))
            .await
            .is_err()
        {
            self.keep_degraded(&key, version, value);
        }
        Ok(trained)
    }

    /// Drops everything cached about the player (after any committed change).
    pub async fn invalidate(&self, p: &PlayerRow) {
        let today = crate::player::today(p, self.clock.now());
        let keys = vec![
            player_key(p.id),
            trained_key(p.id, &today.to_string()),
            trained_key(p.id, &today.pred_opt().unwrap_or(today).to_string()),
            boss_key(p.id),
            dashboard_key(p.id),
        ];
        for k in &keys {
            self.cache.degraded_del(k);
        }
        if let Err(e) = self.cache.del(&keys).await {
            tracing::warn!(error = %e, player = p.id, "cache invalidation failed; will repair");
            self.repairs.player(p.id);
        }
    }

    /// The cached dashboard parts, if they were computed for the 12 weeks from
    /// `first_week` at the player's `version` (parts filled by a reader that raced a
    /// writer carry an older version than the writer's row and are not used).
    pub async fn dashboard(&self, id: i64, version: i64, first_week: &str) -> Option<HotDashboard> {
        let key = dashboard_key(id);
        let json = match self.cache.get(&key).await {
            Ok(json) => json?,
            Err(_) => self.cache.degraded_get(&key)?,
        };
        let hot: HotDashboard = serde_json::from_str(&json).ok()?;
        (hot.first_week == first_week && hot.version == version).then_some(hot)
    }

    /// Caches the dashboard parts (same race bound as the player row: `PLAYER_TTL`).
    pub async fn set_dashboard(&self, id: i64, parts: &HotDashboard) {
        if let Ok(json) = serde_json::to_string(parts) {
            let key = dashboard_key(id);
            if self
                .cache
                .set_nx(&key, &json, Some(PLAYER_TTL))
                .await
                .is_err()
            {
                // The parts carry their version; `dashboard` checks it.
                self.cache.degraded_set(&key, &json);
            }
        }
    }

    /// The cached boss slot of the player (whose row is at `version`), if one is set
    /// for the local week starting on `week_start` (a boss cached last week is not
    /// this week's, whatever its TTL says).
    pub async fn boss(
        &self,
        id: i64,
        version: i64,
        week_start: &str,
    ) -> Option<crate::model::Boss> {
        let key = boss_key(id);
        let json = match self.cache.get(&key).await {
            Ok(json) => json?,
            Err(_) => self.degraded_at(&key, version)?,
        };
        let boss: crate::model::Boss = serde_json::from_str(&json).ok()?;
        (boss.week_start == week_start).then_some(boss)
    }

    /// Caches this week's boss state (the `boss` object of the contract), computed
    /// for the player's row at `version`.
    pub async fn set_boss(&self, id: i64, version: i64, boss: &crate::model::Boss) {
        let Ok(json) = serde_json::to_string(boss) else {
            return;
        };
        let key = boss_key(id);
        if self.cache.set(&key, &json, Some(BOSS_TTL)).await.is_err() {
            self.keep_degraded(&key, version, &json);
        }
    }

    /// Clears the cached boss (a weekly rollover changes it without an XP change).
    pub async fn invalidate_boss(&self, id: i64) {
        self.cache.degraded_del(&boss_key(id));
        if self.cache.del(&[boss_key(id)]).await.is_err() {
            self.repairs.player(id);
        }
    }

    /// token → player, cached for at most `TOKEN_TTL` (and never past the token's
    /// expiry on the session clock, which the cached value carries).
    pub async fn token_player(&self, token: &str) -> ApiResult<Option<i64>> {
        Ok(self.token_player_until(token).await?.map(|(id, _)| id))
    }

    /// Like `token_player`, with the token's expiry (microseconds on the session
    /// clock, `Clock::session_micros`).
    pub async fn token_player_until(&self, token: &str) -> ApiResult<Option<(i64, i64)>> {
        let hash = self.tokens.hash(token);
        let key = token_key(&hash);
        let now = self.clock.session_micros();
        // Just after a Redis outage, a token revoked on another instance meanwhile
        // may still be cached (that instance deletes it as soon as it reaches Redis
        // again): the database answers for a few seconds, and clears what it denies.
        if self.cache.recovered_within(REVOCATION_CATCH_UP) {
            let found = self.store.token_player_until(&hash, now).await?;
            if found.is_none() {
                let _ = self.cache.del(std::slice::from_ref(&key)).await;
            }
            return Ok(found);
        }
        if let Ok(Some(v)) = self.cache.get(&key).await
            && let Some((id, until)) = v.split_once(':')
            && let (Ok(id), Ok(until)) = (id.parse::<i64>(), until.parse::<i64>())
            && until > now
        {
            return Ok(Some((id, until)));
        }
        let Some((id, until)) = self.store.token_player_until(&hash, now).await? else {
            return Ok(None);
        };
        let _ = self
            .cache
            .set(&key, &format!("{id}:{until}"), Some(TOKEN_TTL))
            .await;
        Ok(Some((id, until)))
    }

    /// After a token is revoked: forgets it in the cache and closes the sockets
    /// opened with it, on every instance (through `events`).
    pub async fn token_revoked(&self, events: &Events, token: &str) {
        self.forget_token(token).await;
        events.token_revoked(&self.tokens.hash(token)).await;
    }

    /// Forgets a revoked token everywhere (all instances share the cache).
    pub async fn forget_token(&self, token: &str) {
        let key = token_key(&self.tokens.hash(token));
        if let Err(e) = self.cache.del(std::slice::from_ref(&key)).await {
            tracing::warn!(error = %e, "could not drop a revoked token from the cache; will repair");
            self.repairs.key(key);
        }
    }
}

/// The player's cached state as media's port sees it: the cached player (it carries
/// the avatar) and the dashboard (its recent activities show photos).
impl MediaCaches for PlayerCaches {
    fn player_changed(&self, p: &PlayerRow) -> BoxFuture<'_, ()> {
        let p = p.clone();
        Box::pin(async move { self.invalidate(&p).await })
    }

    /// Only the dashboard parts: an attached photo moves no XP.
    fn dashboard_changed(&self, id: i64) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let key = dashboard_key(id);
            self.cache.degraded_del(&key);
            if self.cache.del(std::slice::from_ref(&key)).await.is_err() {
                self.repairs.key(key);
            }
        })
    }
}

/// The dashboard's ledger-derived parts: the 12 weekly points (from `first_week`)
/// and the most recent activities, as the contract shows them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HotDashboard {
    /// The player's version these parts were read at (or after).
    pub version: i64,
    pub first_week: String,
    /// JSON text of `[WeekPoint]`, spliced into the response unparsed.
    pub weekly: Box<serde_json::value::RawValue>,
    /// JSON text of `[Activity]`.
    pub recent: Box<serde_json::value::RawValue>,
}
