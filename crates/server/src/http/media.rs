//! Image and file routes: the avatar (public, cacheable with an ETag), activity
//! photos, and `/api/v1/files/...`, where signed links to photos and replays are
//! read without a token. Upload bodies are read raw with their own 5 MiB limit
//! (the global limit for JSON is 1 MiB); too large → 413.

use crate::error::{ApiError, ApiResult};
use crate::extract::Auth;
use crate::model::{AvatarUrl, PhotoUrl};
use crate::services::media::{self, MAX_IMAGE_BYTES};
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
        .map_err(|_| media::image_too_large())
}

fn parse_id(s: &str) -> ApiResult<i64> {
    s.parse().map_err(|_| ApiError::not_found("activity"))
}

#[utoipa::path(put, path = "/api/v1/me/avatar", tag = "accounts",
    request_body(description = "PNG, JPEG or WebP, at most 5 MiB and 40 megapixels; stored re-encoded as a thumbnail",
        content(("image/png"), ("image/jpeg"), ("image/webp"))),
    responses((status = 200, description = "the avatar's public link", body = AvatarUrl),
              (status = 413, description = "image_too_large"),
              (status = 415, description = "unsupported_image_type or invalid_image")))]
pub async fn put_avatar(State(state): S, auth: Auth, body: Body) -> ApiResult<Json<AvatarUrl>> {
    let bytes = read_image(body).await?;
    Ok(Json(
        media::set_avatar(&state, auth.player_id, bytes).await?,
    ))
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
    let img = media::avatar(&state, &username).await?;
    let etag = HeaderValue::from_str(&img.etag).map_err(ApiError::internal)?;
    let cache = HeaderValue::from_static("public, no-cache");
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == img.etag
        });
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
              (status = 413, description = "image_too_large"),
              (status = 415, description = "unsupported_image_type or invalid_image")))]
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
    let now = state.clock.now().timestamp();
    state
        .objects
        .verify_link(&key, q.expires.as_deref(), q.sig.as_deref(), now)
        .map_err(|e| match e {
            crate::links::LinkError::Expired => ApiError::new(
                StatusCode::FORBIDDEN,
                "link_expired",
                "this link has expired; read the resource again for a fresh one",
            ),
            crate::links::LinkError::BadSignature => ApiError::new(
                StatusCode::FORBIDDEN,
                "invalid_signature",
                "this link is not valid",
            ),
        })?;
    let bytes = state
        .objects
        .get(&key)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("file"))?;
    let content_type = if key.ends_with(".json") {
        "application/json"
    } else {
        crate::images::content_type(&bytes)
    };
    // Cacheable by the one browser that holds the link, until it expires.
    let left = q
        .expires
        .and_then(|e| e.parse::<i64>().ok())
        .map_or(0, |e| (e - now).max(0));
    let cache =
        HeaderValue::from_str(&format!("private, max-age={left}")).map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response())
}
