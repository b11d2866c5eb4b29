//! Player images in object storage: the avatar (`PUT /me/avatar`, public to signed-in
//! players at `/players/{username}/avatar`) and activity photos (owner only). The
//! type is read from the bytes' magic numbers, never from a header the client sets.

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::model::{AvatarUrl, PhotoUrl};
use crate::objects;
use axum::http::StatusCode;
use bytes::Bytes;
use serde_json::{Value, json};

/// The largest image accepted (the routes read at most this much).
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;

/// The image type from its first bytes: PNG, JPEG or WebP.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

fn check_image(bytes: &[u8]) -> ApiResult<&'static str> {
    if bytes.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_image",
            "the body must be an image (PNG, JPEG or WebP)",
        ));
    }
    image_type(bytes).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image_type",
            "only PNG, JPEG and WebP images are accepted",
        )
    })
}

pub async fn set_avatar(state: &AppState, player_id: i64, body: Bytes) -> ApiResult<AvatarUrl> {
    check_image(&body)?;
    let p = state
        .store
        .player(player_id)
        .await?
        .ok_or_else(|| ApiError::not_found("player"))?;
    let key = objects::avatar_key(player_id);
    state
        .objects
        .put(&key, body)
        .await
        .map_err(ApiError::internal)?;
    state.store.set_avatar(player_id, &key).await?;
    // The cached player carries avatar_url: drop it.
    crate::services::hot::invalidate(state, &p).await;
    Ok(AvatarUrl {
        avatar_url: format!("/api/v1/players/{}/avatar", p.username),
    })
}

/// A player's avatar bytes and content type.
pub async fn avatar(state: &AppState, username: &str) -> ApiResult<(&'static str, Bytes)> {
    let p = state
        .store
        .player_by_username(username)
        .await?
        .ok_or_else(|| ApiError::not_found("player"))?;
    let key = p.avatar_key.ok_or_else(|| ApiError::not_found("avatar"))?;
    image_of(state, &key, "avatar").await
}

async fn image_of(state: &AppState, key: &str, what: &str) -> ApiResult<(&'static str, Bytes)> {
    let bytes = state
        .objects
        .get(key)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found(what))?;
    Ok((
        image_type(&bytes).unwrap_or("application/octet-stream"),
        bytes,
    ))
}

/// Adds a photo to the player's own activity (anyone else's → 404).
pub async fn add_photo(
    state: &AppState,
    player_id: i64,
    activity_id: i64,
    body: Bytes,
) -> ApiResult<PhotoUrl> {
    check_image(&body)?;
    if state
        .store
        .activity(player_id, activity_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("activity"));
    }
    let mut raw = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut raw);
    let photo_id = hex::encode(raw);
    let key = objects::photo_key(player_id, activity_id, &photo_id);
    state
        .objects
        .put(&key, body)
        .await
        .map_err(ApiError::internal)?;
    let url = format!("/api/v1/activities/{activity_id}/photos/{photo_id}");
    // Appended under the activity's row lock, so concurrent uploads all land.
    let mut tx = state.store.begin().await?;
    tx.lock_player(player_id).await?;
    let a = tx
        .activity_for_update(player_id, activity_id)
        .await?
        .ok_or_else(|| ApiError::not_found("activity"))?;
    let mut photos: Vec<Value> = serde_json::from_str(&a.photos_json).unwrap_or_default();
    photos.push(json!(url));
    tx.set_activity_photos(player_id, activity_id, &json!(photos).to_string())
        .await?;
    tx.commit().await?;
    // The dashboard's recent activities show photos.
    crate::services::hot::invalidate_dashboard(state, player_id).await;
    Ok(PhotoUrl { photo_url: url })
}

/// One photo of the player's own activity.
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
    image_of(
        state,
        &objects::photo_key(player_id, activity_id, photo_id),
        "photo",
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(image_type(b"GIF89a"), None);
        assert_eq!(image_type(b""), None);
    }
}
