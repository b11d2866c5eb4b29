//! `GET /api/v1/leaderboard`: the top of a board plus the caller's own rank.

use crate::error::ApiResult;
use crate::extract::Auth;
use crate::leaderboards::{BoardQuery, Source};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::Arc;

#[utoipa::path(get, path = "/api/v1/leaderboard", tag = "progress", params(BoardQuery),
    responses((status = 200, description = "the top of the board and the caller's rank", body = crate::model::LeaderboardPage),
              (status = 422, description = "bad scope, class or limit")))]
pub async fn leaderboard(
    State(state): State<Arc<AppState>>,
    auth: Auth,
    Query(q): Query<BoardQuery>,
) -> ApiResult<impl IntoResponse> {
    let page = state.leaderboards.page(auth.player_id, &q).await?;
    // A page from the cache means it answers again: replay what an outage left.
    if page.source == Source::Cache {
        state.players.repair().await;
    }
    Ok(([(header::CONTENT_TYPE, "application/json")], page.to_json()))
}
