//! The media capability: player images in object storage. The avatar (set by its
//! player, read by anyone at `/players/{username}/avatar`, with a strong ETag) and
//! activity photos (the owner's only, read through signed, expiring links); the
//! signed links themselves, checked when a file is read without a token; and the
//! fresh links put in every activity (one, a page, the dashboard's recent list) as
//! it is served.
//!
//! Every upload's size is checked first (413 whatever else is wrong with it), then
//! it goes through `crate::images`: decoded with limits and encoded again, so what
//! is stored and served is always an image this service wrote, never the bytes a
//! client sent.
//!
//! The shape is the accounts template: `model.rs` (results, paths), `error.rs`
//! (`MediaError`, no protocol), `store.rs` (the ports); here the use cases. Never
//! `app`, `state`, `http`, `grpc`, `services`, `jobs`, axum or tonic.

mod error;
mod model;
mod store;
#[cfg(test)]
mod tests;

pub use error::MediaError;
pub use model::{File, MAX_IMAGE_BYTES, Photo, StoredImage, avatar_path};
pub use store::{Blobs, Links, MediaCaches, MediaStore};

use crate::clock::Clock;
use crate::images::{self, Purpose};
use crate::links::LinkError;
use crate::model::{Activity, AvatarUrl, PhotoUrl};
use crate::objects;
use crate::storage::Store;
use bytes::Bytes;
use model::{Appended, MAX_PHOTOS, has_room, photo_key_of, photo_path, valid_photo_id};
use serde_json::value::RawValue;
use std::sync::Arc;

pub type MediaResult<T> = Result<T, MediaError>;

/// The media use cases over a store `S` (the service's `Store` unless a test brings
/// its own), the object store, the link signer, the caches and the clock.
pub struct Media<S: MediaStore = Store> {
    store: S,
    blobs: Arc<dyn Blobs>,
    links: Arc<dyn Links>,
    caches: Arc<dyn MediaCaches>,
    clock: Arc<Clock>,
}

/// The size comes first, before the type or the player: an oversized body is
/// refused whatever else is wrong with it, and never decoded.
fn check_size(body: &Bytes) -> MediaResult<()> {
    if body.len() > MAX_IMAGE_BYTES {
        return Err(MediaError::too_large());
    }
    Ok(())
}

/// A strong validator of stored bytes: half a SHA-256, quoted.
fn etag(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("\"{}\"", hex::encode(&sha2::Sha256::digest(bytes)[..16]))
}

fn new_photo_id() -> String {
    let mut raw = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut raw);
    hex::encode(raw)
}

/// A photo's id: taken from the upload's `Idempotency-Key` when it has one, so a
/// retry of an upload that died after storing its photo writes that photo again
/// instead of a second one (and its replay can link it afresh); random otherwise.
fn photo_id(player_id: i64, activity_id: i64, idempotency_key: Option<&str>) -> String {
    use sha2::Digest;
    match idempotency_key {
        Some(key) => {
            let digest = sha2::Sha256::digest(format!("photo\n{player_id}\n{activity_id}\n{key}"));
            hex::encode(&digest[..8])
        }
        None => new_photo_id(),
    }
}

impl<S: MediaStore> Media<S> {
    pub fn new(
        store: S,
        blobs: Arc<dyn Blobs>,
        links: Arc<dyn Links>,
        caches: Arc<dyn MediaCaches>,
        clock: Arc<Clock>,
    ) -> Self {
        Media {
            store,
            blobs,
            links,
            caches,
            clock,
        }
    }

    /// Sets the player's avatar (stored re-encoded as a thumbnail, under the one key
    /// the player's avatar has, so a new one replaces the old).
    pub async fn set_avatar(&self, player_id: i64, body: Bytes) -> MediaResult<AvatarUrl> {
        check_size(&body)?;
        let image = images::process_blocking(body, Purpose::Avatar).await?;
        let p = self
            .store
            .player(player_id)
            .await?
            .ok_or(MediaError::PlayerNotFound)?;
        let key = objects::avatar_key(player_id);
        self.blobs
            .put(&key, image.bytes)
            .await
            .map_err(MediaError::Objects)?;
        self.store.set_avatar(player_id, &key).await?;
        // The cached player carries avatar_url.
        self.caches.player_changed(&p).await;
        Ok(AvatarUrl {
            avatar_url: avatar_path(&p.username),
        })
    }

    /// A player's avatar (public).
    pub async fn avatar(&self, username: &str) -> MediaResult<StoredImage> {
        let p = self
            .store
            .player_by_username(username)
            .await?
            .ok_or(MediaError::PlayerNotFound)?;
        let key = p.avatar_key.ok_or(MediaError::AvatarNotFound)?;
        let bytes = self
            .blobs
            .get(&key)
            .await
            .map_err(MediaError::Objects)?
            .ok_or(MediaError::AvatarNotFound)?;
        Ok(StoredImage {
            content_type: images::content_type(&bytes),
            etag: etag(&bytes),
            bytes,
        })
    }

    /// Adds a photo to the player's own activity (anyone else's is not found); the
    /// answer is a signed link to it. An upload with an `Idempotency-Key` stores one
    /// photo however often it runs (see `photo_id`).
    pub async fn add_photo(
        &self,
        player_id: i64,
        activity_id: i64,
        body: Bytes,
        idempotency_key: Option<&str>,
    ) -> MediaResult<PhotoUrl> {
        check_size(&body)?;
        let photo_id = photo_id(player_id, activity_id, idempotency_key);
        let path = photo_path(activity_id, &photo_id);
        // Full before any work: nothing decoded, nothing stored.
        match self.store.activity_photos(player_id, activity_id).await? {
            None => return Err(MediaError::ActivityNotFound),
            Some(photos) if !has_room(&photos, &path) => {
                return Err(MediaError::PhotoLimit { limit: MAX_PHOTOS });
            }
            Some(_) => {}
        }
        let image = images::process_blocking(body, Purpose::Photo).await?;
        let key = objects::photo_key(player_id, activity_id, &photo_id);
        self.blobs
            .put(&key, image.bytes)
            .await
            .map_err(MediaError::Objects)?;
        match self
            .store
            .append_photo(player_id, activity_id, &path)
            .await?
        {
            Appended::Listed => {}
            Appended::NoActivity => return Err(MediaError::ActivityNotFound),
            // Filled by uploads at the same time: this one's object stays unlisted.
            Appended::Full => return Err(MediaError::PhotoLimit { limit: MAX_PHOTOS }),
        }
        // The dashboard's recent activities show photos.
        self.caches.dashboard_changed(player_id).await;
        Ok(PhotoUrl {
            photo_url: self.link(&key).await?,
        })
    }

    /// A fresh signed link to the photo an upload with this `Idempotency-Key` stored
    /// (what a replay of that upload answers: the first answer's link may have
    /// expired since).
    pub async fn stored_photo_link(
        &self,
        player_id: i64,
        activity_id: i64,
        idempotency_key: &str,
    ) -> MediaResult<PhotoUrl> {
        let photo_id = photo_id(player_id, activity_id, Some(idempotency_key));
        let key = objects::photo_key(player_id, activity_id, &photo_id);
        Ok(PhotoUrl {
            photo_url: self.link(&key).await?,
        })
    }

    /// One photo of the player's own activity (read with the player's token).
    pub async fn photo(
        &self,
        player_id: i64,
        activity_id: i64,
        photo_id: &str,
    ) -> MediaResult<Photo> {
        if !valid_photo_id(photo_id) {
            return Err(MediaError::PhotoNotFound);
        }
        if self
            .store
            .activity_photos(player_id, activity_id)
            .await?
            .is_none()
        {
            return Err(MediaError::PhotoNotFound);
        }
        let bytes = self
            .blobs
            .get(&objects::photo_key(player_id, activity_id, photo_id))
            .await
            .map_err(MediaError::Objects)?
            .ok_or(MediaError::PhotoNotFound)?;
        Ok(Photo {
            content_type: images::content_type(&bytes),
            bytes,
        })
    }

    /// A signed link to read the object `key` without credentials, valid from now.
    pub async fn link(&self, key: &str) -> MediaResult<String> {
        let now = self.clock.now().timestamp();
        self.links.link(key, now).await.map_err(MediaError::Objects)
    }

    /// The object behind a signed link of ours (`/api/v1/files/{key}?expires=&sig=`):
    /// no token, the signature is the permission. A replay is JSON; anything else
    /// is an image.
    pub async fn file(
        &self,
        key: &str,
        expires: Option<&str>,
        sig: Option<&str>,
    ) -> MediaResult<File> {
        let now = self.clock.now().timestamp();
        self.links
            .verify(key, expires, sig, now)
            .map_err(|e| match e {
                LinkError::Expired => MediaError::LinkExpired,
                LinkError::BadSignature => MediaError::InvalidSignature,
            })?;
        let bytes = self
            .blobs
            .get(key)
            .await
            .map_err(MediaError::Objects)?
            .ok_or(MediaError::FileNotFound)?;
        let content_type = if key.ends_with(".json") {
            "application/json"
        } else {
            images::content_type(&bytes)
        };
        let max_age = expires
            .and_then(|e| e.parse::<i64>().ok())
            .map_or(0, |e| (e - now).max(0));
        Ok(File {
            content_type,
            bytes,
            max_age,
        })
    }

    /// Replaces the activity's stored photo paths with fresh signed links. Only the
    /// owner reads activities, so the photos are `player_id`'s; anything else in the
    /// list is left as it is.
    pub async fn sign_activity(&self, player_id: i64, a: &mut Activity) -> MediaResult<()> {
        for p in a.photos.iter_mut() {
            if let Some(key) = photo_key_of(player_id, p) {
                *p = self.link(&key).await?;
            }
        }
        Ok(())
    }

    /// The dashboard's recent activities (cached JSON text) with fresh photo links;
    /// the text passes through unparsed when no activity has a photo.
    pub async fn sign_recent(
        &self,
        player_id: i64,
        recent: Box<RawValue>,
    ) -> MediaResult<Box<RawValue>> {
        if !recent.get().contains("/photos/") {
            return Ok(recent);
        }
        let internal =
            |e: serde_json::Error| MediaError::Internal(format!("recent activities: {e}"));
        let mut items: Vec<Activity> = serde_json::from_str(recent.get()).map_err(internal)?;
        for a in &mut items {
            self.sign_activity(player_id, a).await?;
        }
        let text = serde_json::to_string(&items).map_err(internal)?;
        RawValue::from_string(text).map_err(internal)
    }
}
