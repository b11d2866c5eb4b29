//! `GET /api/v1/leaderboard`: the top of a board plus the caller's own rank.

use crate::app::AppState;
use crate::error::ApiResult;
use crate::extract::Auth;
use crate::services::leaderboard::{self, Scope};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use std::sync::Arc;

/// Raw query parameters; validated into a `Scope` and a limit (422 naming the field).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BoardQuery {
    /// `global` (default), `weekly` or `class`.
    pub scope: Option<String>,
    /// Required with `scope=class`: brawler, speedster, strategist or balanced.
    pub class: Option<String>,
    /// 1–100, default 50.
    pub limit: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/leaderboard", tag = "progress", params(BoardQuery),
    responses((status = 200, description = "{entries: [{rank, username, class, level, xp}], me: {rank, xp}}"),
              (status = 422, description = "bad scope, class or limit")))]
pub async fn leaderboard(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Query(q): Query<BoardQuery>,
) -> ApiResult<impl IntoResponse> {
    let scope = Scope::parse(q.scope.as_deref(), q.class.as_deref())?;
    let limit = leaderboard::parse_limit(q.limit.as_deref())?;
    let body = leaderboard::page(&state, scope, limit, auth.player_id).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body))
}
