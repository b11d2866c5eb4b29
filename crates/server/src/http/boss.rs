//! Boss routes: this week's villain and the hall of past ones. An escape cutscene the
//! player has not seen yet rides along once as `pending_cutscene`.

use crate::app::AppState;
use crate::error::ApiResult;
use crate::extract::Auth;
use crate::services::boss;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use std::sync::Arc;

type S = State<Arc<AppState>>;

#[utoipa::path(get, path = "/api/v1/boss", tag = "boss",
    responses((status = 200, description = "{week, name, epithet, taunt, weakness, hp, hp_max, objectives, status, reward, pending_cutscene?}")))]
pub async fn current(State(state): S, auth: Auth) -> ApiResult<Json<Value>> {
    let mut boss = boss::current(&state, auth.player_id).await?;
    if let Some(scene) = boss::take_pending_cutscene(&state, auth.player_id).await? {
        boss["pending_cutscene"] = scene;
    }
    Ok(Json(boss))
}

#[utoipa::path(get, path = "/api/v1/boss/history", tag = "boss",
    responses((status = 200, description = "{items: [boss]} past weeks, newest first; escaped ones carry cutscene, defeated ones badge")))]
pub async fn history(State(state): S, auth: Auth) -> ApiResult<Json<Value>> {
    let items = boss::history(&state, auth.player_id).await?;
    let mut out = json!({ "items": items });
    if let Some(scene) = boss::take_pending_cutscene(&state, auth.player_id).await? {
        out["pending_cutscene"] = scene;
    }
    Ok(Json(out))
}
