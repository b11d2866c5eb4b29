//! Progress as the adapters see it: what follows a commit outside the database
//! (caches, leaderboards), and the player's view from the hot state, both on
//! `Players`. The writes and the view itself are the progress capability's
//! (`crate::progress`).

use crate::clock::Clock;
use crate::error::{ApiError, ApiResult};
use crate::leaderboards::Leaderboards;
use crate::model::Player;
use crate::services::hot::PlayerCaches;
use crate::storage::{PlayerRow, Store};
use std::sync::Arc;

// The row's meaning under the rules lives below every service (`crate::player`); it
// is re-exported here for the services that read it through `progress`.
pub use crate::player::{
    Applied, buff_active, calendar, chain, class, date_at, display_streak, fatigue_now,
    set_calendar, set_chain, settle, today, training_days,
};
// Closing days and the `player` view belong to the progress capability.
pub use crate::progress::{close_days, player_of, stats_of};
// Posting to the ledger sits below every service too (`crate::ledger`).
pub use crate::ledger::{Entry, apply_amount, post};

/// What follows a commit outside the database, and the player's view from the hot
/// state: the player caches, the leaderboards (a player's boards move with their
/// XP and class), the store (a fresh read after a change) and the clock. Built once
/// by `app`, kept in `AppState` (`state.players`); cheap to clone.
#[derive(Clone)]
pub struct Players {
    hot: PlayerCaches,
    leaderboards: Arc<Leaderboards>,
    store: Store,
    clock: Arc<Clock>,
}

impl Players {
    pub fn new(
        hot: PlayerCaches,
        leaderboards: Arc<Leaderboards>,
        store: Store,
        clock: Arc<Clock>,
    ) -> Players {
        Players {
            hot,
            leaderboards,
            store,
            clock,
        }
    }

    /// Runs after a transaction that changed a player's XP has committed: the place
    /// where derived state outside the database (caches, leaderboards) is brought up
    /// to date. Every writer of XP calls it; it must never be the only copy of
    /// anything.
    pub async fn after_commit(&self, p: &PlayerRow) {
        self.after_commit_knowing_week(p, None).await;
    }

    /// `after_commit` for a writer that already knows the player's XP of a week
    /// (local Monday) as committed: the weekly board needs no read then.
    pub async fn after_commit_knowing_week(&self, p: &PlayerRow, week: Option<(&str, i64)>) {
        self.hot.invalidate(p).await;
        match week {
            Some((week, xp)) => self.leaderboards.record_week(p, week, xp).await,
            None => self.leaderboards.record(p).await,
        }
    }

    /// Runs after a committed change to a player outside the XP ledger (settings,
    /// class): drops the cached state, and moves the player between class boards
    /// when the class was `old_class` before.
    pub async fn player_changed(&self, id: i64, old_class: Option<&str>) -> ApiResult<()> {
        if let Some(p) = self.store.player(id).await? {
            self.hot.invalidate(&p).await;
            if let Some(old) = old_class {
                self.leaderboards.class_changed(&p, old).await;
            }
        }
        Ok(())
    }

    /// Replays what a cache outage left undone (cached state and boards), once the
    /// cache answers again.
    pub async fn repair(&self) {
        self.hot.repair(&self.leaderboards).await;
    }

    /// The contract's `player` for the player with `id`, as of now (from the hot
    /// state).
    pub async fn player_view(&self, id: i64) -> ApiResult<Player> {
        let p = self.row(id).await?;
        self.player_view_of(&p).await
    }

    /// The player's row from the hot state; a player that is gone is not found.
    pub async fn row(&self, id: i64) -> ApiResult<PlayerRow> {
        self.hot
            .player(id)
            .await?
            .ok_or_else(|| ApiError::not_found("player"))
    }

    /// What register and login answer (REST and gRPC alike): the token and the
    /// `player` object as of now.
    pub async fn signed_in_view(
        &self,
        signed: crate::accounts::SignedIn,
    ) -> ApiResult<crate::accounts::TokenResponse> {
        let player = self.player_view(signed.player.id).await?;
        Ok(crate::accounts::TokenResponse {
            token: signed.token,
            player,
        })
    }

    /// `player_view` of a row already loaded.
    pub async fn player_view_of(&self, p: &PlayerRow) -> ApiResult<Player> {
        let now = self.clock.now();
        let today = today(p, now).to_string();
        let trained_today = self.hot.trained_on(p.id, p.version, &today).await?;
        let avatar = p
            .avatar_key
            .as_ref()
            .map(|_| format!("/api/v1/players/{}/avatar", p.username));
        Ok(player_of(p, now, trained_today, avatar))
    }
}
