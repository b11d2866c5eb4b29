//! Progress routes: dashboard, ledger and public player profiles.

use crate::error::ApiResult;
use crate::extract::Auth;
use crate::http::activities::Page;
use crate::model::{Dashboard, LedgerPage, Profile};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use std::sync::Arc;

type S = State<Arc<AppState>>;

#[utoipa::path(get, path = "/api/v1/dashboard", tag = "progress",
    responses((status = 200, description = "the player's dashboard", body = Dashboard)))]
pub async fn dashboard(State(state): S, auth: Auth) -> ApiResult<Json<Dashboard>> {
    Ok(Json(state.dashboards().dashboard(auth.player_id).await?))
}

#[utoipa::path(get, path = "/api/v1/ledger", tag = "progress", params(Page),
    responses((status = 200, description = "XP entries, newest first", body = LedgerPage)))]
pub async fn ledger(
    State(state): S,
    auth: Auth,
    Query(page): Query<Page>,
) -> ApiResult<Json<LedgerPage>> {
    let q = page.query()?;
    Ok(Json(state.progress.ledger(auth.player_id, q).await?))
}

#[utoipa::path(get, path = "/api/v1/players/{username}", tag = "progress",
    params(("username" = String, Path, description = "username")),
    responses((status = 200, description = "public profile", body = Profile), (status = 404, description = "no such player")))]
pub async fn profile(
    State(state): S,
    _auth: Auth,
    Path(username): Path<String>,
) -> ApiResult<Json<Profile>> {
    Ok(Json(state.dashboards().profile(&username).await?))
}
