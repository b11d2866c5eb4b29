//! Player images in object storage: the avatar (`PUT /me/avatar`, public at
//! `/players/{username}/avatar`) and activity photos (owner only, read through
//! signed links). Every upload goes through `crate::images`: decoded with limits
//! and re-encoded, so what is stored and served is always an image this service
//! wrote, never the bytes a client sent.

use crate::error::{ApiError, ApiResult};
use crate::images::{self, ImageError, Purpose};
use crate::model::{Activity, AvatarUrl, PhotoUrl};
use crate::objects;
use crate::state::AppState;
use axum::http::StatusCode;
use bytes::Bytes;
use serde_json::{Value, json};

/// The largest image accepted (the routes read at most this much).
pub const MAX_IMAGE_BYTES: usize = images::MAX_IMAGE_BYTES;

impl From<ImageError> for ApiError {
    fn from(e: ImageError) -> Self {
        let message = e.to_string();
        match e {
            ImageError::Empty => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "empty_image",
                "the body must be an image (PNG, JPEG or WebP)",
            ),
            ImageError::TooLarge => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "image_too_large", message)
                    .with_details(json!({ "max_bytes": images::MAX_IMAGE_BYTES }))
            }
            ImageError::TooManyPixels { width, height } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "image_too_large", message)
                    .with_details(json!({
                        "max_pixels": images::MAX_PIXELS, "width": width, "height": height,
                    }))
            }
            ImageError::UnsupportedType => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_image_type",
                message,
            ),
            ImageError::Undecodable(why) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_image",
                "the body is not a readable PNG, JPEG or WebP image",
            )
            .with_details(json!({ "reason": why })),
            ImageError::Encoding(why) => ApiError::internal(format!("image encoding: {why}")),
        }
    }
}

/// The public path of a player's avatar.
pub fn avatar_path(username: &str) -> String {
    format!("/api/v1/players/{username}/avatar")
}

/// An image body over the limit (413), as every adapter answers it.
pub fn image_too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "image_too_large",
        "images are at most 5 MiB",
    )
    .with_details(json!({ "max_bytes": MAX_IMAGE_BYTES }))
}

/// The size comes first, before the type or the player: an oversized body is 413
/// whatever else is wrong with it.
fn check_size(body: &Bytes) -> ApiResult<()> {
    if body.len() > MAX_IMAGE_BYTES {
        return Err(image_too_large());
    }
    Ok(())
}

pub async fn set_avatar(state: &AppState, player_id: i64, body: Bytes) -> ApiResult<AvatarUrl> {
    check_size(&body)?;
    let image = images::process_blocking(body, Purpose::Avatar).await?;
    let p = state
        .store
        .player(player_id)
        .await?
        .ok_or_else(|| ApiError::not_found("player"))?;
    let key = objects::avatar_key(player_id);
    state
        .objects
        .put(&key, image.bytes)
        .await
        .map_err(ApiError::internal)?;
    state.store.set_avatar(player_id, &key).await?;
    // The cached player carries avatar_url: drop it.
    crate::services::hot::invalidate(state, &p).await;
    Ok(AvatarUrl {
        avatar_url: avatar_path(&p.username),
    })
}

/// A stored image with what a reader needs to cache it.
pub struct StoredImage {
    pub content_type: &'static str,
    pub bytes: Bytes,
    /// A strong validator: a hash of the bytes.
    pub etag: String,
}

/// A player's avatar (public).
pub async fn avatar(state: &AppState, username: &str) -> ApiResult<StoredImage> {
    let p = state
        .store
        .player_by_username(username)
        .await?
        .ok_or_else(|| ApiError::not_found("player"))?;
    let key = p.avatar_key.ok_or_else(|| ApiError::not_found("avatar"))?;
    let bytes = state
        .objects
        .get(&key)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("avatar"))?;
    use sha2::Digest;
    let etag = format!("\"{}\"", hex::encode(&sha2::Sha256::digest(&bytes)[..16]));
    Ok(StoredImage {
        content_type: images::content_type(&bytes),
        bytes,
        etag,
    })
}

/// Adds a photo to the player's own activity (anyone else's → 404).
pub async fn add_photo(
    state: &AppState,
    player_id: i64,
    activity_id: i64,
    body: Bytes,
) -> ApiResult<PhotoUrl> {
    check_size(&body)?;
    if state
        .store
        .activity(player_id, activity_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("activity"));
    }
    let image = images::process_blocking(body, Purpose::Photo).await?;
    let mut raw = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut raw);
    let photo_id = hex::encode(raw);
    let key = objects::photo_key(player_id, activity_id, &photo_id);
    state
        .objects
        .put(&key, image.bytes)
        .await
        .map_err(ApiError::internal)?;
    // The stored form names the photo; readers get a signed link for it.
    let canonical = format!("/api/v1/activities/{activity_id}/photos/{photo_id}");
    // Appended under the activity's row lock, so concurrent uploads all land.
    let mut tx = state.store.begin().await?;
    tx.lock_player(player_id).await?;
    let a = tx
        .activity_for_update(player_id, activity_id)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    let mut photos: Vec<Value> = serde_json::from_str(&a.photos_json).unwrap_or_default();
    photos.push(json!(canonical));
    tx.set_activity_photos(player_id, activity_id, &json!(photos).to_string())
        .await?;
    tx.commit().await?;
    // The dashboard's recent activities show photos.
    crate::services::hot::invalidate_dashboard(state, player_id).await;
    Ok(PhotoUrl {
        photo_url: link(state, &key).await?,
    })
}

/// One photo of the player's own activity (the bearer-authenticated route).
pub async fn photo(
    state: &AppState,
    player_id: i64,
    activity_id: i64,
    photo_id: &str,
) -> ApiResult<(&'static str, Bytes)> {
    if photo_id.is_empty() || !photo_id.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ApiError::not_found("photo"));
    }
    if state
        .store
        .activity(player_id, activity_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("photo"));
    }
    let bytes = state
        .objects
        .get(&objects::photo_key(player_id, activity_id, photo_id))
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("photo"))?;
    Ok((images::content_type(&bytes), bytes))
}

/// A signed link to read the object `key` without credentials.
pub async fn link(state: &AppState, key: &str) -> ApiResult<String> {
    let now = state.clock.now().timestamp();
    state
        .objects
        .link(key, now)
        .await
        .map_err(ApiError::internal)
}

/// Replaces every stored photo path (`/api/v1/activities/{a}/photos/{p}`) under a
/// `photos` key of `v` with a fresh signed link. Only the owner reads activities,
/// so the photos are `player_id`'s.
pub async fn sign_photos(state: &AppState, player_id: i64, v: &mut Value) -> ApiResult<()> {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                for (k, item) in map {
                    if k != "photos" || !item.is_array() {
                        stack.push(item);
                        continue;
                    }
                    if let Value::Array(photos) = item {
                        for p in photos.iter_mut() {
                            if let Some(key) = p.as_str().and_then(|s| photo_key_of(player_id, s)) {
                                *p = json!(link(state, &key).await?);
                            }
                        }
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    Ok(())
}

/// `sign_photos` for a typed activity.
pub async fn sign_activity(state: &AppState, player_id: i64, a: &mut Activity) -> ApiResult<()> {
    for p in a.photos.iter_mut() {
        if let Some(key) = photo_key_of(player_id, p) {
            *p = link(state, &key).await?;
        }
    }
    Ok(())
}

/// The dashboard's recent activities (cached JSON text) with fresh photo links; the
/// text passes through unparsed when no activity has a photo.
pub async fn sign_recent(
    state: &AppState,
    player_id: i64,
    recent: Box<serde_json::value::RawValue>,
) -> ApiResult<Box<serde_json::value::RawValue>> {
    if !recent.get().contains("/photos/") {
        return Ok(recent);
    }
    let mut items: Vec<Activity> =
        serde_json::from_str(recent.get()).map_err(ApiError::internal)?;
    for a in &mut items {
        sign_activity(state, player_id, a).await?;
    }
    let text = serde_json::to_string(&items).map_err(ApiError::internal)?;
    serde_json::value::RawValue::from_string(text).map_err(ApiError::internal)
}

/// The object key of a stored photo path of `player_id`'s activity.
fn photo_key_of(player_id: i64, path: &str) -> Option<String> {
    let rest = path.strip_prefix("/api/v1/activities/")?;
    let (activity, photo) = rest.split_once("/photos/")?;
    let activity: i64 = activity.parse().ok()?;
    (!photo.is_empty() && photo.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| objects::photo_key(player_id, activity, photo))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_photo_paths_map_to_keys() {
        assert_eq!(
            photo_key_of(3, "/api/v1/activities/9/photos/ab12").as_deref(),
            Some("photos/3/9/ab12")
        );
        assert_eq!(photo_key_of(3, "/api/v1/activities/x/photos/ab"), None);
        assert_eq!(photo_key_of(3, "/api/v1/activities/9/photos/../../x"), None);
        assert_eq!(photo_key_of(3, "https://elsewhere/a.png"), None);
    }
}
