//! Progress as the adapters see it: what follows a commit outside the database
//! (caches, leaderboards), and the player's derived view. The writes themselves are
//! the progress capability's (`crate::progress`).

use crate::app::AppState;
use crate::clock::from_micros;
use crate::error::{ApiError, ApiResult};
use crate::model::{Buff, Pending, Player, SkillState, Stats};
use crate::player::schedule_of;
use crate::services::hot;
use crate::storage::PlayerRow;
use chrono::{DateTime, Utc};
use shonen_rules::{level_for_xp, skills_for, title, xp_for_next_level, xp_into_level};

// The row's meaning under the rules lives below every service (`crate::player`); it
// is re-exported here for the services that read it through `progress`.
pub use crate::player::{
    Applied, buff_active, calendar, chain, class, date_at, display_streak, fatigue_now,
    set_calendar, set_chain, settle, today, training_days,
};
// Closing days belongs to the progress capability.
pub use crate::progress::close_days;
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

pub fn stats_of(p: &PlayerRow) -> Stats {
    Stats {
        strength: p.xp_strength,
        agility: p.xp_agility,
        intelligence: p.xp_intelligence,
        fighting: p.xp_fighting,
        discipline: p.xp_discipline,
    }
}

/// The contract's `player` object.
pub fn player_of(
    p: &PlayerRow,
    now: DateTime<Utc>,
    trained_today: bool,
    avatar_url: Option<String>,
) -> Player {
    let pending = calendar(p).pending(now);
    let mut settled = p.clone();
    settle(&mut settled, now);
    let p = &settled;
    let level = level_for_xp(p.total_xp);
    let class = class(p);
    let buffs = if buff_active(p, now) {
        vec![Buff {
            name: "Training Arc Buff".into(),
            multiplier: shonen_rules::award::TRAINING_ARC_BUFF,
            expires_at: p.buff_expires_at.map(|t| from_micros(t).to_rfc3339()),
        }]
    } else {
        Vec::new()
    };
    let skills = skills_for(class, level)
        .into_iter()
        .map(|s| SkillState {
            name: s.name,
            level: s.level,
            active: s.active,
        })
        .collect();
    let days = training_days(p)
        .days()
        .iter()
        .map(|d| d.as_str().to_string())
        .collect();
    Player {
        id: p.id,
        username: p.username.clone(),
        class: p.class.clone(),
        level,
        title: title(level).to_string(),
        total_xp: p.total_xp,
        xp_into_level: xp_into_level(p.total_xp),
        xp_for_next_level: xp_for_next_level(p.total_xp),
        stats: stats_of(p),
        fatigue: fatigue_now(p, now),
        streak: display_streak(p, trained_today),
        buffs,
        skills,
        plot_armor_charges: chain(p).plot_armor_charges(today(p, now), level),
        timezone: p.timezone.clone(),
        training_days: days,
        weekly_goal: p.weekly_goal,
        wake_target: p.wake_target.clone(),
        avatar_url,
        created_at: from_micros(p.created_at).to_rfc3339(),
        pending: pending.map(|w| pending_view(&w)),
    }
}

/// The contract's `player.pending`: the waiting settings in their API forms.
fn pending_view(w: &shonen_rules::Pending) -> Pending {
    Pending {
        timezone: w.timezone.clone(),
        training_days: w.training_days.as_ref().map(|days| {
            schedule_of(days)
                .days()
                .iter()
                .map(|d| d.as_str().to_string())
                .collect()
        }),
        weekly_goal: w.weekly_goal.map(i64::from),
        wake_target: w.wake_target.clone(),
        effective_at: w.effective_at.to_rfc3339(),
        weekly_goal_effective_at: w.weekly_goal_effective_at.map(|t| t.to_rfc3339()),
    }
}
