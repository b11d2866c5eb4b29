//! Image and file routes: the avatar (public, cacheable with an ETag), activity
//! photos, and `/api/v1/files/...`, where signed links to photos and replays are
//! read without a token. Upload bodies are read raw with their own 5 MiB limit
//! (the global limit for JSON is 1 MiB); too large → 413.

use crate::error::{ApiError, ApiResult};
use crate::extract::Auth;
use crate::media::{MAX_IMAGE_BYTES, MediaError};
use crate::model::{AvatarUrl, PhotoUrl};
use crate::state::AppState;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

type S = State<Arc<AppState>>;

/// Reads the body up to the image limit.
async fn read_image(body: Body) -> ApiResult<Bytes> {
    axum::body::to_bytes(body, MAX_IMAGE_BYTES)
        .await
        .map_err(|_| ApiError::from(MediaError::too_large()))
}

fn parse_id(s: &str) -> ApiResult<i64> {
    s.parse().map_err(|_| ApiError::not_found("activity"))
}

#[utoipa::path(put, path = "/api/v1/me/avatar", tag = "accounts",
    request_body(description = "PNG, JPEG or WebP, at most 5 MiB and 40 megapixels; stored re-encoded as a thumbnail",
        content(("image/png"), ("image/jpeg"), ("image/webp"))),
    responses((status = 200, description = "the avatar's public link", body = AvatarUrl),
              (status = 413, description = "image_too_large"),
              (status = 415, description = "unsupported_image_type"), (status = 422, description = "empty_image or invalid_image (field `image`)")))]
pub async fn put_avatar(State(state): S, auth: Auth, body: Body) -> ApiResult<Json<AvatarUrl>> {
    let bytes = read_image(body).await?;
    Ok(Json(state.media.set_avatar(auth.player_id, bytes).await?))
}

/// Public: an `<img src>` needs no token. Revalidated on each use (`no-cache`) with
/// a strong ETag, so an unchanged avatar costs a 304.
#[utoipa::path(get, path = "/api/v1/players/{username}/avatar", tag = "progress",
    params(("username" = String, Path, description = "username")),
    responses((status = 200, description = "the image, with its content type and ETag",
               content(("image/png"), ("image/jpeg"), ("image/webp"))),
              (status = 304, description = "If-None-Match matched"),
              (status = 404, description = "no such player or no avatar")))]
pub async fn get_avatar(
    State(state): S,
    Path(username): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let img = state.media.avatar(&username).await?;
    let etag = HeaderValue::from_str(&img.etag).map_err(ApiError::internal)?;
    let cache = HeaderValue::from_static("public, no-cache");
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| img.matches(v));
    if matches {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(img.content_type),
            ),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
        ],
        img.bytes,
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/activities/{id}/photos", tag = "activities",
    params(("id" = i64, Path, description = "activity id")),
    request_body(description = "PNG, JPEG or WebP, at most 5 MiB and 40 megapixels; stored re-encoded without metadata",
        content(("image/png"), ("image/jpeg"), ("image/webp"))),
    responses((status = 201, description = "a signed link to the photo, valid for hours", body = PhotoUrl),
              (status = 404, description = "not your activity"),
              (status = 409, description = "photo_limit: the activity has 10 photos already"),
              (status = 413, description = "image_too_large"),
              (status = 415, description = "unsupported_image_type"), (status = 422, description = "empty_image or invalid_image (field `image`)")))]
pub async fn add_photo(
    State(state): S,
    auth: Auth,
    Path(id): Path<String>,
    body: Body,
) -> ApiResult<(StatusCode, Json<PhotoUrl>)> {
    let id = parse_id(&id)?;
    let bytes = read_image(body).await?;
    let key = crate::request::idempotency_key();
    let out = state
        .media
        .add_photo(auth.player_id, id, bytes, key.as_deref())
        .await?;
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
    let photo = state
        .media
        .photo(auth.player_id, parse_id(&id)?, &photo)
        .await?;
    Ok(([(header::CONTENT_TYPE, photo.content_type)], photo.bytes))
}

#[derive(Debug, serde::Deserialize)]
pub struct LinkQuery {
    pub expires: Option<String>,
    pub sig: Option<String>,
}

/// `GET /api/v1/files/{*key}?expires=&sig=`: a signed link to a photo or replay in
/// the directory store (S3 links go to the bucket). No token: the signature is the
/// permission. Wrong or altered signature → 403 `invalid_signature`; past its
/// expiry → 403 `link_expired`; gone → 404.
pub async fn get_file(
    State(state): S,
    Path(key): Path<String>,
    Query(q): Query<LinkQuery>,
) -> ApiResult<Response> {
    let file = state
        .media
        .file(&key, q.expires.as_deref(), q.sig.as_deref())
        .await?;
    // Cacheable by the one browser that holds the link, until it expires.
    let cache = HeaderValue::from_str(&format!("private, max-age={}", file.max_age))
        .map_err(ApiError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            ),
            (header::CACHE_CONTROL, cache),
        ],
        file.bytes,
    )
        .into_response())
}
