//! Progress routes: dashboard, ledger and public player profiles.

use crate::app::AppState;
use crate::clock::from_micros;
use crate::error::{ApiError, ApiResult};
use crate::extract::Auth;
use crate::http::accounts::player_view_of;
use crate::http::activities::Page;
use crate::services::hot::HotDashboard;
use crate::services::{activities, boss, hot, local, progress};
use crate::storage::{NO_STAT, PlayerRow};
use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::Duration;
use serde_json::{Map, Value, json};
use std::sync::Arc;

type S = State<Arc<AppState>>;

const STATS: [&str; 5] = [
    "strength",
    "agility",
    "intelligence",
    "fighting",
    "discipline",
];

#[utoipa::path(get, path = "/api/v1/dashboard", tag = "progress",
    responses((status = 200, description = "{player, weekly, streak, buffs, boss, recent}")))]
pub async fn dashboard(State(state): S, auth: Auth) -> ApiResult<Json<Value>> {
    let p = hot::player(&state, auth.player_id)
        .await?
        .ok_or_else(|| ApiError::not_found("player"))?;
    let player = player_view_of(&state, &p).await?;
    let this_week = local::week_start(progress::today(&p, state.clock.now()));
    let first = (this_week - Duration::weeks(11)).to_string();
    // The weekly points and recent activities change only when the player writes:
    // cached, and dropped by every committed change of the player.
    let parts = match hot::dashboard(&state, p.id, p.version, &first).await {
        Some(parts) => parts,
        None => {
            let parts = dashboard_parts(&state, &p, &first).await?;
            hot::set_dashboard(&state, p.id, &parts).await;
            parts
        }
    };
    // The boss is read through the cache; a miss computes and caches it.
    let boss_json = match hot::boss(&state, p.id).await {
        Some(b) => b,
        None => {
            let b = boss::current(&state, p.id).await?;
            hot::set_boss(&state, p.id, &b).await;
            b
        }
    };
    // Photo links are signed per read (never cached: they expire).
    let mut recent = parts.recent;
    crate::services::media::sign_photos(&state, p.id, &mut recent).await?;
    Ok(Json(json!({
        "streak": player["streak"],
        "buffs": player["buffs"],
        "player": player,
        "weekly": parts.weekly,
        "boss": boss_json,
        "recent": recent,
    })))
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
    let weekly: Vec<Value> = (0..12)
        .map(|i| {
            let week = (monday + Duration::weeks(i)).to_string();
            let mut by_stat = Map::new();
            for s in STATS {
                by_stat.insert(s.to_string(), json!(0));
            }
            let mut xp = 0;
            for r in rows.iter().filter(|r| r.week_start == week) {
                xp += r.xp;
                if r.stat != NO_STAT {
                    by_stat.insert(r.stat.clone(), json!(r.xp));
                }
            }
            json!({ "week_start": week, "xp": xp, "by_stat": by_stat })
        })
        .collect();
    let recent: Vec<Value> = recent.iter().map(activities::activity_json).collect();
    Ok(HotDashboard {
        version: p.version,
        first_week: first.to_string(),
        weekly: Value::Array(weekly),
        recent: Value::Array(recent),
    })
}

#[utoipa::path(get, path = "/api/v1/ledger", tag = "progress", params(Page),
    responses((status = 200, description = "{items, next_before}")))]
pub async fn ledger(
    State(state): S,
    auth: Auth,
    Query(page): Query<Page>,
) -> ApiResult<Json<Value>> {
    let (limit, before) = page.parse()?;
    let rows = state.store.ledger(auth.player_id, before, limit).await?;
    let next = if rows.len() as i64 == limit {
        rows.last().map(|e| e.id.to_string())
    } else {
        None
    };
    let items: Vec<Value> = rows
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "at": from_micros(e.at).to_rfc3339(),
                "stat": e.stat,
                "amount": e.amount,
                "reason": e.reason,
                "activity_id": e.activity_id,
            })
        })
        .collect();
    Ok(Json(json!({ "items": items, "next_before": next })))
}

#[utoipa::path(get, path = "/api/v1/players/{username}", tag = "progress",
    params(("username" = String, Path, description = "username")),
    responses((status = 200, description = "public profile"), (status = 404, description = "no such player")))]
pub async fn profile(
    State(state): S,
    _auth: Auth,
    Path(username): Path<String>,
) -> ApiResult<Json<Value>> {
    let p = state
        .store
        .player_by_username(&username)
        .await?
        .ok_or_else(|| ApiError::not_found("player"))?;
    let now = state.clock.now();
    let today = progress::today(&p, now).to_string();
    let trained = state.store.trained_on(p.id, &today).await?;
    let level = shonen_rules::level_for_xp(p.total_xp);
    Ok(Json(json!({
        "username": p.username,
        "class": p.class,
        "level": level,
        "title": shonen_rules::title(level),
        "total_xp": p.total_xp,
        "stats": progress::stats_json(&p),
        "streak": progress::display_streak(&p, trained),
        "badges": boss::badges(&state, p.id).await?,
        // Public, like the profile: an `<img src>` needs no token.
        "avatar_url": p.avatar_key.as_ref().map(|_| crate::services::media::avatar_path(&p.username)),
    })))
}
