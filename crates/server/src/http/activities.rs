//! Activity routes: log, list (cursor), show, edit, photos.

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Auth};
use crate::services::activities::{self, ActivityBody, EditBody};
use crate::services::media;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

type S = State<Arc<AppState>>;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Page {
    pub limit: Option<String>,
    pub before: Option<String>,
}

impl Page {
    /// `limit` 1–100 (default 20); `before` an id cursor.
    pub fn parse(&self) -> ApiResult<(i64, Option<i64>)> {
        let limit = match &self.limit {
            None => 20,
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| {
                    ApiError::validation("limit", "invalid_limit", "limit must be 1–100")
                })?,
        };
        let before = match &self.before {
            None => None,
            Some(s) if s.is_empty() => None,
            Some(s) => Some(s.parse::<i64>().map_err(|_| {
                ApiError::validation(
                    "before",
                    "invalid_cursor",
                    "before must be a cursor from next_before",
                )
            })?),
        };
        Ok((limit, before))
    }
}

#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = ActivityBody,
    responses((status = 201, description = "{activity, award}"),
              (status = 422, description = "invalid or rejected activity")))]
pub async fn create(
    State(state): S,
    auth: Auth,
    ApiJson(body): ApiJson<ActivityBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut out = activities::log(&state, auth.player_id, body).await?;
    media::sign_photos(&state, auth.player_id, &mut out).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", params(Page),
    responses((status = 200, description = "{items, next_before}")))]
pub async fn list(State(state): S, auth: Auth, Query(page): Query<Page>) -> ApiResult<Json<Value>> {
    let (limit, before) = page.parse()?;
    let rows = state
        .store
        .activities(auth.player_id, before, limit)
        .await?;
    let next = if rows.len() as i64 == limit {
        rows.last().map(|a| a.id.to_string())
    } else {
        None
    };
    let items: Vec<Value> = rows.iter().map(activities::activity_json).collect();
    let mut out = json!({ "items": items, "next_before": next });
    media::sign_photos(&state, auth.player_id, &mut out).await?;
    Ok(Json(out))
}

fn parse_id(s: &str) -> ApiResult<i64> {
    s.parse().map_err(|_| ApiError::not_found("activity"))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities",
    params(("id" = String, Path, description = "activity id")),
    responses((status = 200, description = "{activity, award}"), (status = 404, description = "not yours or missing")))]
pub async fn show(State(state): S, auth: Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let a = state
        .store
        .activity(auth.player_id, parse_id(&id)?)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    let mut out =
        json!({ "activity": activities::activity_json(&a), "award": activities::award_of(&a) });
    media::sign_photos(&state, auth.player_id, &mut out).await?;
    Ok(Json(out))
}

#[utoipa::path(patch, path = "/api/v1/activities/{id}", tag = "activities", request_body = EditBody,
    params(("id" = String, Path, description = "activity id")),
    responses((status = 200, description = "{activity, award} recomputed with the edit penalty"),
              (status = 409, description = "edit window closed"), (status = 422, description = "invalid")))]
pub async fn edit(
    State(state): S,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EditBody>,
) -> ApiResult<Json<Value>> {
    let mut out = activities::edit(&state, auth.player_id, parse_id(&id)?, body).await?;
    media::sign_photos(&state, auth.player_id, &mut out).await?;
    Ok(Json(out))
}
