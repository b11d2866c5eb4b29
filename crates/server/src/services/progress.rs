//! Progress as the adapters see it: what follows a commit outside the database
//! (caches, leaderboards), and the player's view from the hot state. The writes and
//! the view itself are the progress capability's (`crate::progress`).

use crate::error::{ApiError, ApiResult};
use crate::model::Player;
use crate::services::hot;
use crate::state::AppState;
use crate::storage::PlayerRow;

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

/// Runs after a transaction that changed a player's XP has committed: the place
/// where derived state outside the database (caches, leaderboards) is brought up to
/// date. Every writer of XP calls it; it must never be the only copy of anything.
pub async fn after_commit(state: &AppState, p: &PlayerRow) {
    after_commit_knowing_week(state, p, None).await;
}

/// `after_commit` for a writer that already knows the player's XP of a week (local
/// Monday) as committed: the weekly board needs no read then.
pub async fn after_commit_knowing_week(state: &AppState, p: &PlayerRow, week: Option<(&str, i64)>) {
    hot::invalidate(state, p).await;
    match week {
        Some((week, xp)) => state.leaderboards.record_week(p, week, xp).await,
        None => state.leaderboards.record(p).await,
    }
}

/// Runs after a committed change to a player outside the XP ledger (settings,
/// class): drops the cached state, and moves the player between class boards when
/// the class was `old_class` before.
pub async fn player_changed(state: &AppState, id: i64, old_class: Option<&str>) -> ApiResult<()> {
    if let Some(p) = state.store.player(id).await? {
        hot::invalidate(state, &p).await;
        if let Some(old) = old_class {
            state.leaderboards.class_changed(&p, old).await;
        }
    }
    Ok(())
}

/// The contract's `player` for the player with `id`, as of now (from the hot state).
pub async fn player_view(state: &AppState, id: i64) -> ApiResult<Player> {
    let p = hot::player(state, id)
        .await?
        .ok_or_else(|| ApiError::not_found("player"))?;
    player_view_of(state, &p).await
}

/// What register and login answer (REST and gRPC alike): the token and the
/// `player` object as of now.
pub async fn signed_in_view(
    state: &AppState,
    signed: crate::accounts::SignedIn,
) -> ApiResult<crate::accounts::TokenResponse> {
    let player = player_view(state, signed.player.id).await?;
    Ok(crate::accounts::TokenResponse {
        token: signed.token,
        player,
    })
}

/// `player_view` of a row already loaded.
pub async fn player_view_of(state: &AppState, p: &PlayerRow) -> ApiResult<Player> {
    let now = state.clock.now();
    let today = today(p, now).to_string();
    let trained_today = hot::trained_on(state, p.id, p.version, &today).await?;
    let avatar = p
        .avatar_key
        .as_ref()
        .map(|_| format!("/api/v1/players/{}/avatar", p.username));
    Ok(player_of(p, now, trained_today, avatar))
}
