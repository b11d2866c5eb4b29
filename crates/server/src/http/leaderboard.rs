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
    #[param(value_type = Option<crate::model::BoardScope>)]
    pub scope: Option<String>,
    /// Required with `scope=class`, refused without it.
    #[param(value_type = Option<crate::model::ClassName>)]
    pub class: Option<String>,
    /// 1–100, default 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/leaderboard", tag = "progress", params(BoardQuery),
    responses((status = 200, description = "the top of the board and the caller's rank", body = crate::model::LeaderboardPage),
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
