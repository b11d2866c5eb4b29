//! What media hands back (a stored image with its validator, a photo, a file behind
//! a signed link) and the paths it names things by: the avatar's public path, the
//! stored form of a photo (`/api/v1/activities/{a}/photos/{p}`) and its object key.

use crate::objects;
use bytes::Bytes;
use serde_json::Value;

/// The largest image accepted (the routes read at most this much).
pub const MAX_IMAGE_BYTES: usize = crate::images::MAX_IMAGE_BYTES;

/// A stored image with what a reader needs to cache it.
#[derive(Debug, Clone)]
pub struct StoredImage {
    pub content_type: &'static str,
    pub bytes: Bytes,
    /// A strong validator: a hash of the bytes, quoted.
    pub etag: String,
}

impl StoredImage {
    /// Whether an `If-None-Match` value (a list of tags, or `*`) names this image.
    pub fn matches(&self, if_none_match: &str) -> bool {
        if_none_match.split(',').any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == self.etag
        })
    }
}

/// A photo read by its owner.
#[derive(Debug, Clone)]
pub struct Photo {
    pub content_type: &'static str,
    pub bytes: Bytes,
}

/// An object read through a signed link.
#[derive(Debug, Clone)]
pub struct File {
    pub content_type: &'static str,
    pub bytes: Bytes,
    /// Seconds the link has left (0 when it expires now): how long the one browser
    /// holding it may keep the bytes.
    pub max_age: i64,
}

/// The public path of a player's avatar.
pub fn avatar_path(username: &str) -> String {
    format!("/api/v1/players/{username}/avatar")
}

/// A photo id is lowercase or uppercase hex, never empty (nothing else reaches a key).
pub(crate) fn valid_photo_id(photo_id: &str) -> bool {
    !photo_id.is_empty() && photo_id.chars().all(|c| c.is_ascii_hexdigit())
}

/// How a photo is stored in its activity's list (readers get a signed link for it).
pub(crate) fn photo_path(activity_id: i64, photo_id: &str) -> String {
    format!("/api/v1/activities/{activity_id}/photos/{photo_id}")
}

/// The object key of a stored photo path of `player_id`'s activity.
pub(crate) fn photo_key_of(player_id: i64, path: &str) -> Option<String> {
    let rest = path.strip_prefix("/api/v1/activities/")?;
    let (activity, photo) = rest.split_once("/photos/")?;
    let activity: i64 = activity.parse().ok()?;
    valid_photo_id(photo).then(|| objects::photo_key(player_id, activity, photo))
}

/// The most photos one activity keeps.
pub const MAX_PHOTOS: usize = 10;

/// What appending a photo to an activity's list came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    Listed,
    /// The activity is gone (or not the player's).
    NoActivity,
    /// The activity has `MAX_PHOTOS` photos already.
    Full,
}

/// An activity's stored photo list (`photos_json`) with `path` appended, once (an
/// upload run again lists its photo once); a list that does not parse starts again
/// empty. `None` when the list is full and `path` not in it.
pub(crate) fn with_photo(photos_json: &str, path: &str) -> Option<String> {
    let mut photos: Vec<Value> = serde_json::from_str(photos_json).unwrap_or_default();
    if !photos.iter().any(|p| p.as_str() == Some(path)) {
        if photos.len() >= MAX_PHOTOS {
            return None;
        }
        photos.push(Value::String(path.to_string()));
    }
    Some(Value::Array(photos).to_string())
}

/// Whether a photo list has room for `path` (it is listed already, or the list is
/// not full).
pub(crate) fn has_room(photos_json: &str, path: &str) -> bool {
    with_photo(photos_json, path).is_some()
}
