//! Boss routes: this week's villain and the hall of past ones. An escape cutscene the
//! player has not seen yet rides along once as `pending_cutscene`.

use crate::error::ApiResult;
use crate::extract::Auth;
use crate::model::{Boss, BossHistory};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use std::sync::Arc;

type S = State<Arc<AppState>>;

#[utoipa::path(operation_id = "current_boss", get, path = "/api/v1/boss", tag = "boss",
    responses((status = 200, description = "this week's boss", body = Boss)))]
pub async fn current(State(state): S, auth: Auth) -> ApiResult<Json<Boss>> {
    Ok(Json(state.progress.boss_page(auth.player_id).await?))
}

#[utoipa::path(operation_id = "boss_history", get, path = "/api/v1/boss/history", tag = "boss",
    responses((status = 200, description = "past weeks, newest first; escaped ones carry cutscene, defeated ones badge", body = BossHistory)))]
pub async fn history(State(state): S, auth: Auth) -> ApiResult<Json<BossHistory>> {
    Ok(Json(state.progress.boss_history(auth.player_id).await?))
}
