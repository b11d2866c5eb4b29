//! Object storage for replays, avatars and activity photos, through the
//! `object_store` crate: a directory (the default, `<data_dir>/objects`) or S3
//! (`s3://bucket/prefix`, any S3 API via an endpoint override). Keys are laid out
//! here and nowhere else:
//!
//! - `replays/<duel id>.json` — a resolved duel's battle, as JSON
//! - `avatars/<player id>` — the player's avatar image
//! - `photos/<player id>/<activity id>/<photo id>` — an activity photo
//!
//! Photos and replays are read through signed, expiring links (`link`): our own
//! HMAC-signed `/api/v1/files/...` path for the directory store, a presigned GET
//! for S3 (see `crate::links`).

use anyhow::Context;
use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::sync::Arc;

/// S3 settings beyond the standard AWS environment (which is always read).
#[derive(Clone, Default)]
pub struct S3Settings {
    /// `SHONEN_S3_ENDPOINT` (or `AWS_ENDPOINT_URL`): an S3 API other than AWS's.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

#[derive(Clone)]
pub struct Objects {
    store: Arc<dyn ObjectStore>,
    /// Where it points, for logs (`file:///…` or `s3://bucket/prefix`).
    pub location: String,
    /// S3 only: presigns GET links.
    signer: Option<Arc<dyn object_store::signer::Signer>>,
    /// The directory store's link signer (set by `enable_links`).
    local_links: Option<crate::links::LocalLinks>,
    /// S3 only: the origin presigned links point at (for the page policy).
    origin: Option<String>,
}

pub fn replay_key(duel_id: i64) -> String {
    format!("replays/{duel_id}.json")
}

pub fn avatar_key(player_id: i64) -> String {
    format!("avatars/{player_id}")
}

pub fn photo_key(player_id: i64, activity_id: i64, photo_id: &str) -> String {
    format!("photos/{player_id}/{activity_id}/{photo_id}")
}

impl Objects {
    /// Opens the store named by `url`: empty means `<data_dir>/objects`; `s3://` is
    /// S3; `file://` or a plain path is a local directory.
    pub fn open(url: &str, data_dir: &std::path::Path, s3: &S3Settings) -> anyhow::Result<Objects> {
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            anyhow::ensure!(
                !bucket.is_empty(),
                "object store URL {url:?} names no bucket"
            );
            let mut b = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
            let endpoint = s3
                .endpoint
                .clone()
                .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
                .filter(|e| !e.is_empty());
            if let Some(ep) = &endpoint {
                // A custom endpoint is a test server or a private S3 API: path-style
                // requests, and plain HTTP allowed when the URL says so.
                b = b
                    .with_endpoint(ep.clone())
                    .with_allow_http(ep.starts_with("http://"))
                    .with_virtual_hosted_style_request(false);
            }
            if let Some(r) = &s3.region {
                b = b.with_region(r.clone());
            }
            if let Some(k) = &s3.access_key_id {
                b = b.with_access_key_id(k.clone());
            }
            if let Some(s) = &s3.secret_access_key {
                b = b.with_secret_access_key(s.clone());
            }
            let s3_store = b.build().context("configuring S3 object storage")?;
            let (store, signer): (Arc<dyn ObjectStore>, Arc<dyn object_store::signer::Signer>) =
                if prefix.trim_matches('/').is_empty() {
                    let s = Arc::new(s3_store);
                    (s.clone(), s)
                } else {
                    let s = Arc::new(object_store::prefix::PrefixStore::new(
                        s3_store,
                        prefix.trim_matches('/'),
                    ));
                    (s.clone(), s)
                };
            return Ok(Objects {
                store,
                location: url.to_string(),
                signer: Some(signer),
                local_links: None,
                origin: None,
            });
        }
        let dir = if url.is_empty() {
            data_dir.join("objects")
        } else {
            std::path::PathBuf::from(url.strip_prefix("file://").unwrap_or(url))
        };
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating object directory {}", dir.display()))?;
        let local = object_store::local::LocalFileSystem::new_with_prefix(&dir)
            .with_context(|| format!("opening object directory {}", dir.display()))?;
        Ok(Objects {
            store: Arc::new(local),
            location: format!("file://{}", dir.display()),
            signer: None,
            local_links: None,
            origin: None,
        })
    }

    /// Prepares signed links: the directory store signs with a key derived from
    /// `secret`; S3 presigns, and one probe link tells the origin it points at.
    pub async fn enable_links(&mut self, secret: &[u8]) -> anyhow::Result<()> {
        match &self.signer {
            None => self.local_links = Some(crate::links::LocalLinks::new(secret)),
            Some(signer) => {
                let probe = signer
                    .signed_url(
                        object_store::signer::Method::GET,
                        &Path::from("probe"),
                        std::time::Duration::from_secs(60),
                    )
                    .await
                    .context("presigning an S3 link")?;
                self.origin = Some(probe.origin().ascii_serialization());
            }
        }
        Ok(())
    }

    /// The origin of links when it is not this service's (S3), for the page policy.
    pub fn link_origin(&self) -> Option<String> {
        self.origin.clone()
    }

    /// A signed, expiring link to read `key` without credentials, valid from `now`
    /// (unix seconds on the service clock; S3 links use the wall clock).
    pub async fn link(&self, key: &str, now: i64) -> anyhow::Result<String> {
        if let Some(signer) = &self.signer {
            let lifetime = crate::links::LocalLinks::expiry(now) - now;
            let url = signer
                .signed_url(
                    object_store::signer::Method::GET,
                    &Path::from(key),
                    std::time::Duration::from_secs(lifetime.max(1) as u64),
                )
                .await
                .with_context(|| format!("presigning {key}"))?;
            return Ok(url.to_string());
        }
        match &self.local_links {
            Some(l) => Ok(l.link(key, now)),
            None => anyhow::bail!("object links are not enabled"),
        }
    }

    /// Checks a local link's signature and expiry (`None` links: S3 checks its own).
    pub fn verify_link(
        &self,
        key: &str,
        expires: Option<&str>,
        sig: Option<&str>,
        now: i64,
    ) -> Result<(), crate::links::LinkError> {
        match &self.local_links {
            Some(l) => l.verify(key, expires, sig, now),
            None => Err(crate::links::LinkError::BadSignature),
        }
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> anyhow::Result<()> {
        self.store
            .put(&Path::from(key), PutPayload::from(bytes))
            .await
            .with_context(|| format!("storing object {key}"))?;
        Ok(())
    }

    /// The object's bytes, or `None` when there is no such object.
    pub async fn get(&self, key: &str) -> anyhow::Result<Option<Bytes>> {
        match self.store.get(&Path::from(key)).await {
            Ok(r) => Ok(Some(
                r.bytes()
                    .await
                    .with_context(|| format!("reading object {key}"))?,
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(anyhow::Error::new(e).context(format!("reading object {key}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_layout() {
        assert_eq!(replay_key(7), "replays/7.json");
        assert_eq!(avatar_key(3), "avatars/3");
        assert_eq!(photo_key(3, 9, "ab"), "photos/3/9/ab");
    }

    #[tokio::test]
    async fn local_directory_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let o = Objects::open("", dir.path(), &S3Settings::default()).unwrap();
        assert!(o.get("replays/1.json").await.unwrap().is_none());
        o.put("replays/1.json", Bytes::from_static(b"{}"))
            .await
            .unwrap();
        assert_eq!(o.get("replays/1.json").await.unwrap().unwrap(), "{}");
        assert!(dir.path().join("objects/replays/1.json").exists());
        assert!(Objects::open("s3:///x", dir.path(), &S3Settings::default()).is_err());
    }
}
