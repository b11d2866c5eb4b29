//! Duel routes: challenge, list, show, accept, decline, and the replay (readable by
//! the two duellists only; anyone else gets 404, as for any private resource). Each
//! calls the duels capability; a challenge is then announced to both players.

use crate::duels::{ChallengeInput, DuelId, ListQuery};
use crate::error::ApiResult;
use crate::extract::{ApiJson, Auth};
use crate::model::{Duel, DuelList};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use std::sync::Arc;

type S = State<Arc<AppState>>;

#[utoipa::path(operation_id = "create_duel", post, path = "/api/v1/duels", tag = "duels", request_body = ChallengeInput,
    responses((status = 201, description = "duel (pending)", body = Duel),
              (status = 409, description = "duel_already_open"),
              (status = 422, description = "self_duel, unknown_opponent"),
              (status = 429, description = "daily_challenge_limit (5 a local day)")))]
pub async fn challenge(
    State(state): S,
    auth: Auth,
    ApiJson(input): ApiJson<ChallengeInput>,
) -> ApiResult<(StatusCode, Json<Duel>)> {
    let sent = state.duels.challenge(auth.player_id, input).await?;
    state.events.after_challenge(&sent);
    Ok((StatusCode::CREATED, Json(sent.duel)))
}

#[utoipa::path(operation_id = "list_duels", get, path = "/api/v1/duels", tag = "duels", params(ListQuery),
    responses((status = 200, description = "newest first", body = DuelList),
              (status = 422, description = "invalid_status")))]
pub async fn list(
    State(state): S,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<DuelList>> {
    Ok(Json(state.duels.list(auth.player_id, q).await?))
}

#[utoipa::path(operation_id = "show_duel", get, path = "/api/v1/duels/{id}", tag = "duels",
    params(("id" = i64, Path, description = "duel id")),
    responses((status = 200, description = "duel; a queued one carries job_status", body = Duel),
              (status = 404, description = "not one of its players, or missing")))]
pub async fn show(State(state): S, auth: Auth, Path(id): Path<String>) -> ApiResult<Json<Duel>> {
    let id = DuelId::parse(&id)?;
    Ok(Json(state.duels.view(auth.player_id, id).await?))
}

#[utoipa::path(operation_id = "accept_duel", post, path = "/api/v1/duels/{id}/accept", tag = "duels",
    params(("id" = i64, Path, description = "duel id")),
    responses((status = 202, description = "duel (queued): the battle runs in the background", body = Duel),
              (status = 403, description = "challenger_cannot_answer"),
              (status = 404, description = "not one of its players"),
              (status = 409, description = "duel_expired, duel_declined, duel_already_accepted")))]
pub async fn accept(
    State(state): S,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<Duel>)> {
    let id = DuelId::parse(&id)?;
    let duel = state.duels.accept(auth.player_id, id).await?;
    Ok((StatusCode::ACCEPTED, Json(duel)))
}

#[utoipa::path(operation_id = "decline_duel", post, path = "/api/v1/duels/{id}/decline", tag = "duels",
    params(("id" = i64, Path, description = "duel id")),
    responses((status = 200, description = "duel (declined)", body = Duel),
              (status = 403, description = "challenger_cannot_answer"),
              (status = 404, description = "not one of its players"),
              (status = 409, description = "duel_expired, duel_declined, duel_already_accepted")))]
pub async fn decline(State(state): S, auth: Auth, Path(id): Path<String>) -> ApiResult<Json<Duel>> {
    let id = DuelId::parse(&id)?;
    Ok(Json(state.duels.decline(auth.player_id, id).await?))
}

#[utoipa::path(operation_id = "duel_replay", get, path = "/api/v1/duels/{id}/replay", tag = "duels",
    params(("id" = i64, Path, description = "duel id")),
    responses((status = 200, description = "the replay, from object storage", body = crate::model::Replay),
              (status = 404, description = "not one of its players, or not resolved yet")))]
pub async fn replay(
    State(state): S,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let id = DuelId::parse(&id)?;
    let bytes = state.duels.replay(auth.player_id, id).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes))
}
