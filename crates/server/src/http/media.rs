//! Image routes: the avatar and activity photos. Bodies are read raw with their own
//! 5 MiB limit (the global limit for JSON is 1 MiB); too large → 413.

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Auth;
use crate::model::{AvatarUrl, PhotoUrl};
use crate::services::media::{self, MAX_IMAGE_BYTES};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use std::sync::Arc;

type S = State<Arc<AppState>>;

/// Reads the body up to the image limit.
async fn read_image(body: Body) -> ApiResult<Bytes> {
    axum::body::to_bytes(body, MAX_IMAGE_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "image_too_large",
                "images are at most 5 MiB",
            )
            .with_details(serde_json::json!({ "max_bytes": MAX_IMAGE_BYTES }))
        })
}

fn parse_id(s: &str) -> ApiResult<i64> {
    s.parse().map_err(|_| ApiError::not_found("activity"))
}

#[utoipa::path(put, path = "/api/v1/me/avatar", tag = "accounts",
    request_body(description = "PNG, JPEG or WebP, at most 5 MiB",
        content(("image/png"), ("image/jpeg"), ("image/webp"))),
    responses((status = 200, description = "the avatar's link", body = AvatarUrl),
              (status = 413, description = "image_too_large"),
              (status = 415, description = "unsupported_image_type")))]
pub async fn put_avatar(State(state): S, auth: Auth, body: Body) -> ApiResult<Json<AvatarUrl>> {
    let bytes = read_image(body).await?;
    Ok(Json(
        media::set_avatar(&state, auth.player_id, bytes).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/players/{username}/avatar", tag = "progress",
    params(("username" = String, Path, description = "username")),
    responses((status = 200, description = "the image, with its content type",
               content(("image/png"), ("image/jpeg"), ("image/webp"))),
              (status = 404, description = "no such player or no avatar")))]
pub async fn get_avatar(
    State(state): S,
    _auth: Auth,
    Path(username): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let (content_type, bytes) = media::avatar(&state, &username).await?;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes))
}

#[utoipa::path(post, path = "/api/v1/activities/{id}/photos", tag = "activities",
    params(("id" = i64, Path, description = "activity id")),
    request_body(description = "PNG, JPEG or WebP, at most 5 MiB",
        content(("image/png"), ("image/jpeg"), ("image/webp"))),
    responses((status = 201, description = "the photo's link", body = PhotoUrl),
              (status = 404, description = "not your activity"),
              (status = 413, description = "image_too_large"),
              (status = 415, description = "unsupported_image_type")))]
pub async fn add_photo(
    State(state): S,
    auth: Auth,
    Path(id): Path<String>,
    body: Body,
) -> ApiResult<(StatusCode, Json<PhotoUrl>)> {
    let id = parse_id(&id)?;
    let bytes = read_image(body).await?;
    let out = media::add_photo(&state, auth.player_id, id, bytes).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}/photos/{photo}", tag = "activities",
    params(("id" = i64, Path, description = "activity id"), ("photo" = String, Path, description = "photo id")),
    responses((status = 200, description = "the image, with its content type",
               content(("image/png"), ("image/jpeg"), ("image/webp"))),
              (status = 404, description = "not your activity, or no such photo")))]
pub async fn get_photo(
    State(state): S,
    auth: Auth,
    Path((id, photo)): Path<(String, String)>,
) -> ApiResult<impl IntoResponse> {
    let (content_type, bytes) =
        media::photo(&state, auth.player_id, parse_id(&id)?, &photo).await?;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes))
}
