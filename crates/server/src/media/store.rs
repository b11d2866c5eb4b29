//! The ports of media: the few database reads and writes it makes (`MediaStore`,
//! implemented here for `Store`), the object store the images live in (`Blobs`),
//! the signer of expiring links to them (`Links`, implemented here for `Objects`,
//! which presigns on S3, and for `LocalLinks`, the directory store's signer) and the
//! caches that show a player's avatar and photos (`MediaCaches`, implemented by
//! `services::hot`, above the capabilities).

use super::model::{Appended, with_photo};
use crate::links::{LinkError, LocalLinks};
use crate::objects::Objects;
use crate::storage::{PlayerRow, Store, StoreResult};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use std::future::Future;

/// The database side of media.
pub trait MediaStore: Send + Sync {
    fn player(&self, id: i64) -> impl Future<Output = StoreResult<Option<PlayerRow>>> + Send;

    fn player_by_username(
        &self,
        username: &str,
    ) -> impl Future<Output = StoreResult<Option<PlayerRow>>> + Send;

    /// Points the player's avatar at `key` (a change of the player row).
    fn set_avatar(&self, id: i64, key: &str) -> impl Future<Output = StoreResult<()>> + Send;

    /// The photo list (`photos_json`) of `activity_id`, if it is one of
    /// `player_id`'s activities.
    fn activity_photos(
        &self,
        player_id: i64,
        activity_id: i64,
    ) -> impl Future<Output = StoreResult<Option<String>>> + Send;

    /// Appends `path` to the activity's photo list under the activity's row lock, so
    /// concurrent uploads all land, and no more than `MAX_PHOTOS` of them.
    fn append_photo(
        &self,
        player_id: i64,
        activity_id: i64,
        path: &str,
    ) -> impl Future<Output = StoreResult<Appended>> + Send;
}

/// Where images are kept (semantics as `crate::objects::Objects`).
pub trait Blobs: Send + Sync {
    fn put(&self, key: &str, bytes: Bytes) -> BoxFuture<'_, anyhow::Result<()>>;

    /// The object's bytes, or `None` when there is no such object.
    fn get(&self, key: &str) -> BoxFuture<'_, anyhow::Result<Option<Bytes>>>;
}

/// Signed, expiring links to objects (see `crate::links`).
pub trait Links: Send + Sync {
    /// A link to read `key` without credentials, valid from `now` (unix seconds).
    fn link(&self, key: &str, now: i64) -> BoxFuture<'_, anyhow::Result<String>>;

    /// Checks a link of ours: its signature over the key and expiry, then the expiry.
    fn verify(
        &self,
        key: &str,
        expires: Option<&str>,
        sig: Option<&str>,
        now: i64,
    ) -> Result<(), LinkError>;
}

/// The caches that hold what media changes: the cached player (it carries the
/// avatar) and the dashboard (its recent activities show photos).
pub trait MediaCaches: Send + Sync {
    fn player_changed(&self, p: &PlayerRow) -> BoxFuture<'_, ()>;

    fn dashboard_changed(&self, player_id: i64) -> BoxFuture<'_, ()>;
}

impl MediaStore for Store {
    async fn player(&self, id: i64) -> StoreResult<Option<PlayerRow>> {
        Store::player(self, id).await
    }

    async fn player_by_username(&self, username: &str) -> StoreResult<Option<PlayerRow>> {
        Store::player_by_username(self, username).await
    }

    async fn set_avatar(&self, id: i64, key: &str) -> StoreResult<()> {
        Store::set_avatar(self, id, key).await
    }

    async fn activity_photos(
        &self,
        player_id: i64,
        activity_id: i64,
    ) -> StoreResult<Option<String>> {
        Ok(self
            .activity(player_id, activity_id)
            .await?
            .map(|a| a.photos_json))
    }

    async fn append_photo(
        &self,
        player_id: i64,
        activity_id: i64,
        path: &str,
    ) -> StoreResult<Appended> {
        let mut tx = self.begin().await?;
        tx.lock_player(player_id).await?;
        let Some(a) = tx.activity_for_update(player_id, activity_id).await? else {
            return Ok(Appended::NoActivity);
        };
        let Some(photos) = with_photo(&a.photos_json, path) else {
            return Ok(Appended::Full);
        };
        tx.set_activity_photos(player_id, activity_id, &photos)
            .await?;
        tx.commit().await?;
        Ok(Appended::Listed)
    }
}

impl Blobs for Objects {
    fn put(&self, key: &str, bytes: Bytes) -> BoxFuture<'_, anyhow::Result<()>> {
        let key = key.to_string();
        Box::pin(async move { Objects::put(self, &key, bytes).await })
    }

    fn get(&self, key: &str) -> BoxFuture<'_, anyhow::Result<Option<Bytes>>> {
        let key = key.to_string();
        Box::pin(async move { Objects::get(self, &key).await })
    }
}

impl Links for Objects {
    fn link(&self, key: &str, now: i64) -> BoxFuture<'_, anyhow::Result<String>> {
        let key = key.to_string();
        Box::pin(async move { Objects::link(self, &key, now).await })
    }

    fn verify(
        &self,
        key: &str,
        expires: Option<&str>,
        sig: Option<&str>,
        now: i64,
    ) -> Result<(), LinkError> {
        self.verify_link(key, expires, sig, now)
    }
}

impl Links for LocalLinks {
    fn link(&self, key: &str, now: i64) -> BoxFuture<'_, anyhow::Result<String>> {
        let link = LocalLinks::link(self, key, now);
        Box::pin(async move { Ok(link) })
    }

    fn verify(
        &self,
        key: &str,
        expires: Option<&str>,
        sig: Option<&str>,
        now: i64,
    ) -> Result<(), LinkError> {
        LocalLinks::verify(self, key, expires, sig, now)
    }
}
