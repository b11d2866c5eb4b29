//! The dashboard and a public profile, as REST and gRPC serve them: the head
//! (player, boss, chart weeks) read per call, the ledger-derived parts (weekly
//! points, recent activities) cached per player version.

use crate::error::{ApiError, ApiResult};
use crate::local;
use crate::model::{Dashboard, Profile, Stats, WeekPoint};
use crate::services::hot::HotDashboard;
use crate::services::progress;
use crate::state::AppState;
use crate::storage::PlayerRow;
use chrono::Duration;
use serde_json::value::RawValue;

/// The player's dashboard (photo links signed for this read).
pub async fn dashboard(state: &AppState, player_id: i64) -> ApiResult<Dashboard> {
    let head = dashboard_head(state, player_id).await?;
    let parts = dashboard_cached_parts(state, &head.row, &head.first_week).await?;
    // Photo links are signed per read (never cached: they expire).
    let recent = state.media.sign_recent(head.row.id, parts.recent).await?;
    Ok(Dashboard {
        streak: head.player.streak,
        buffs: head.player.buffs.clone(),
        player: head.player,
        weekly: parts.weekly,
        boss: head.boss,
        recent,
    })
}

/// What a dashboard shows besides its ledger-derived parts, and the player row and
/// first chart week those parts are read for (REST and gRPC build on this).
pub struct DashboardHead {
    pub row: PlayerRow,
    pub player: crate::model::Player,
    pub boss: crate::model::Boss,
    pub first_week: String,
}

pub async fn dashboard_head(state: &AppState, player_id: i64) -> ApiResult<DashboardHead> {
    let p = state
        .hot
        .player(player_id)
        .await?
        .ok_or_else(|| ApiError::not_found("player"))?;
    let player = state.players.player_view_of(&p).await?;
    let this_week = local::week_start(progress::today(&p, state.clock.now()));
    let first_week = (this_week - Duration::weeks(11)).to_string();
    // The boss is read through the cache; a miss computes and caches it. A cached
    // boss of another week (the week turned since it was cached, and a fight that had
    // already ended mid-week leaves nothing for the rollover to clear) is a miss.
    let boss = match state
        .hot
        .boss(p.id, p.version, &this_week.to_string())
        .await
    {
        Some(b) => b,
        None => {
            let b = state.progress.boss(p.id).await?;
            state.hot.set_boss(p.id, p.version, &b).await;
            b
        }
    };
    Ok(DashboardHead {
        row: p,
        player,
        boss,
        first_week,
    })
}

/// The weekly points and recent activities: they change only when the player
/// writes, so they are cached and dropped by every committed change of the player.
pub async fn dashboard_cached_parts(
    state: &AppState,
    p: &PlayerRow,
    first: &str,
) -> ApiResult<HotDashboard> {
    if let Some(parts) = state.hot.dashboard(p.id, p.version, first).await {
        return Ok(parts);
    }
    let parts = dashboard_parts(state, p, first).await?;
    state.hot.set_dashboard(p.id, &parts).await;
    Ok(parts)
}

/// The 12 weekly points from the Monday `first` and the 5 most recent activities,
/// from the database.
async fn dashboard_parts(state: &AppState, p: &PlayerRow, first: &str) -> ApiResult<HotDashboard> {
    let id = p.id;
    let (rows, recent) = tokio::try_join!(
        state.store.weekly_since(id, first),
        state.store.activities(id, None, 5),
    )?;
    let monday = local::parse_date(first).ok_or_else(|| ApiError::internal("bad week start"))?;
    let weekly: Vec<WeekPoint> = (0..12)
        .map(|i| {
            let week = (monday + Duration::weeks(i)).to_string();
            let mut by_stat = Stats {
                strength: 0,
                agility: 0,
                intelligence: 0,
                fighting: 0,
                discipline: 0,
            };
            let mut xp = 0;
            for r in rows.iter().filter(|r| r.week_start == week) {
                xp += r.xp;
                let slot = match r.stat.as_str() {
                    "strength" => &mut by_stat.strength,
                    "agility" => &mut by_stat.agility,
                    "intelligence" => &mut by_stat.intelligence,
                    "fighting" => &mut by_stat.fighting,
                    "discipline" => &mut by_stat.discipline,
                    // NO_STAT rows (penalties) count in the week's total only.
                    _ => continue,
                };
                *slot = r.xp;
            }
            WeekPoint {
                week_start: week,
                xp,
                by_stat,
            }
        })
        .collect();
    let recent: Vec<_> = recent.iter().map(crate::progress::activity_view).collect();
    let raw = |text: String| RawValue::from_string(text).map_err(ApiError::internal);
    Ok(HotDashboard {
        version: p.version,
        first_week: first.to_string(),
        weekly: raw(serde_json::to_string(&weekly).map_err(ApiError::internal)?)?,
        recent: raw(serde_json::to_string(&recent).map_err(ApiError::internal)?)?,
    })
}

/// A player's public profile, by username.
pub async fn profile(state: &AppState, username: &str) -> ApiResult<Profile> {
    let p = state
        .store
        .player_by_username(username)
        .await?
        .ok_or_else(|| ApiError::not_found("player"))?;
    let now = state.clock.now();
    let today = progress::today(&p, now).to_string();
    let trained = state.store.trained_on(p.id, &today).await?;
    let level = shonen_rules::level_for_xp(p.total_xp);
    Ok(Profile {
        stats: progress::stats_of(&p),
        streak: progress::display_streak(&p, trained),
        badges: state.progress.badges(p.id).await?,
        // Public, like the profile: an `<img src>` needs no token.
        avatar_url: p
            .avatar_key
            .as_ref()
            .map(|_| crate::media::avatar_path(&p.username)),
        username: p.username,
        class: p.class,
        level,
        title: shonen_rules::title(level).to_string(),
        total_xp: p.total_xp,
    })
}
