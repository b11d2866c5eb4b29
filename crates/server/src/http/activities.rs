//! Activity routes: log, list (cursor), show, edit, photos.

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Auth};
use crate::model::{ActivityAward, ActivityPage};
use crate::progress::{ActivityBody, EditBody, PageQuery};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use std::sync::Arc;

type S = State<Arc<AppState>>;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct Page {
    /// Items per page, 1–100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// The `next_before` of the previous page.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub before: Option<String>,
}

impl Page {
    /// `limit` 1–100 (default 20); `before` an id cursor (`PageQuery::parse`).
    pub fn query(&self) -> ApiResult<PageQuery> {
        Ok(PageQuery::parse(
            self.limit.as_deref(),
            self.before.as_deref(),
        )?)
    }
}

#[utoipa::path(operation_id = "log_activity", post, path = "/api/v1/activities", tag = "activities", request_body = ActivityBody,
    responses((status = 201, description = "logged", body = ActivityAward),
              (status = 422, description = "invalid or rejected activity")))]
pub async fn create(
    State(state): S,
    auth: Auth,
    ApiJson(body): ApiJson<ActivityBody>,
) -> ApiResult<(StatusCode, Json<ActivityAward>)> {
    let idem_key = crate::request::idempotency_key();
    let out = state
        .activities()
        .log(auth.player_id, body, idem_key)
        .await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[utoipa::path(operation_id = "list_activities", get, path = "/api/v1/activities", tag = "activities", params(Page),
    responses((status = 200, description = "newest first", body = ActivityPage)))]
pub async fn list(
    State(state): S,
    auth: Auth,
    Query(page): Query<Page>,
) -> ApiResult<Json<ActivityPage>> {
    let q = page.query()?;
    Ok(Json(state.activities().page(auth.player_id, q).await?))
}

fn parse_id(s: &str) -> ApiResult<i64> {
    s.parse().map_err(|_| ApiError::not_found("activity"))
}

#[utoipa::path(operation_id = "show_activity", get, path = "/api/v1/activities/{id}", tag = "activities",
    params(("id" = i64, Path, description = "activity id")),
    responses((status = 200, description = "the activity and its award", body = ActivityAward), (status = 404, description = "not yours or missing")))]
pub async fn show(
    State(state): S,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ActivityAward>> {
    Ok(Json(
        state
            .activities()
            .show(auth.player_id, parse_id(&id)?)
            .await?,
    ))
}

#[utoipa::path(operation_id = "edit_activity", patch, path = "/api/v1/activities/{id}", tag = "activities", request_body = EditBody,
    params(("id" = i64, Path, description = "activity id")),
    responses((status = 200, description = "recomputed with the edit penalty", body = ActivityAward),
              (status = 409, description = "edit window closed"), (status = 422, description = "invalid")))]
pub async fn edit(
    State(state): S,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EditBody>,
) -> ApiResult<Json<ActivityAward>> {
    Ok(Json(
        state
            .activities()
            .edit(auth.player_id, parse_id(&id)?, body)
            .await?,
    ))
}
