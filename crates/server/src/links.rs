//! Signed, expiring links to stored objects (photos and replays), so that an
//! `<img src>` or a `fetch` without an `Authorization` header can read them.
//!
//! With the local directory store the link is ours: `/api/v1/files/<key>?expires=
//! <unix seconds>&sig=<hex>`, where `sig` is HMAC-SHA256 over the key and the expiry
//! under a key derived from the service secret. With S3 it is a presigned GET (the
//! bucket checks it). Either way a link lives at most `LINK_LIFETIME` plus one
//! `LINK_BUCKET` (well under 24 h); links made within the same bucket are
//! identical, so a browser can cache the image between two reads.

use sha2::{Digest, Sha256};

/// How long a link stays valid at least.
pub const LINK_LIFETIME_SECS: i64 = 6 * 3600;
/// Expiries are rounded up to a multiple of this.
pub const LINK_BUCKET_SECS: i64 = 3600;

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Equality that takes the same time wherever the first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    /// Missing, malformed or wrong signature (the key or expiry were changed).
    BadSignature,
    Expired,
}

/// Signs and checks links to the local store.
#[derive(Clone)]
pub struct LocalLinks {
    key: [u8; 32],
}

impl LocalLinks {
    /// Keys derived from the service secret, separate from the token-hash key.
    pub fn new(secret: &[u8]) -> LocalLinks {
        LocalLinks {
            key: hmac_sha256(secret, b"shonen object links v1"),
        }
    }

    fn signature(&self, object_key: &str, expires: i64) -> [u8; 32] {
        hmac_sha256(
            &self.key,
            format!("GET\n{object_key}\n{expires}").as_bytes(),
        )
    }

    /// The expiry of a link made at `now` (unix seconds).
    pub fn expiry(now: i64) -> i64 {
        let at = now + LINK_LIFETIME_SECS;
        at.div_euclid(LINK_BUCKET_SECS) * LINK_BUCKET_SECS + LINK_BUCKET_SECS
    }

    /// The link path for `object_key`, valid from `now` (unix seconds).
    pub fn link(&self, object_key: &str, now: i64) -> String {
        let expires = Self::expiry(now);
        let sig = hex::encode(self.signature(object_key, expires));
        format!("/api/v1/files/{object_key}?expires={expires}&sig={sig}")
    }

    pub fn verify(
        &self,
        object_key: &str,
        expires: Option<&str>,
        sig: Option<&str>,
        now: i64,
    ) -> Result<(), LinkError> {
        let expires: i64 = expires
            .and_then(|e| e.parse().ok())
            .ok_or(LinkError::BadSignature)?;
        let sig = sig
            .and_then(|s| hex::decode(s).ok())
            .ok_or(LinkError::BadSignature)?;
        if !same(&sig, &self.signature(object_key, expires)) {
            return Err(LinkError::BadSignature);
        }
        if now >= expires {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let long_key = [0xaa; 131];
        assert_eq!(
            hex::encode(hmac_sha256(
                &long_key,
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn links_verify_expire_and_resist_tampering() {
        let links = LocalLinks::new(b"secret");
        let now = 1_800_000_000;
        let link = links.link("photos/1/2/ab", now);
        let query = link.split_once('?').unwrap().1;
        let mut params = query.split('&').map(|p| p.split_once('=').unwrap().1);
        let (expires, sig) = (params.next().unwrap(), params.next().unwrap());
        let exp: i64 = expires.parse().unwrap();
        assert!(exp - now >= LINK_LIFETIME_SECS && exp - now <= 24 * 3600);
        assert_eq!(
            links.link("photos/1/2/ab", now + 1),
            link,
            "same bucket, same link"
        );
        assert_eq!(
            links.verify("photos/1/2/ab", Some(expires), Some(sig), now),
            Ok(())
        );
        assert_eq!(
            links.verify("photos/1/2/ab", Some(expires), Some(sig), exp),
            Err(LinkError::Expired)
        );
        let later = (exp + 3600).to_string();
        for (key, e, s) in [
            ("photos/1/2/ac", expires, sig),
            ("photos/1/2/ab", later.as_str(), sig),
            ("photos/1/2/ab", expires, &sig[..60]),
            ("photos/1/2/ab", expires, "zz"),
        ] {
            assert_eq!(
                links.verify(key, Some(e), Some(s), now),
                Err(LinkError::BadSignature)
            );
        }
        assert_eq!(
            links.verify("photos/1/2/ab", None, Some(sig), now),
            Err(LinkError::BadSignature)
        );
        let other = LocalLinks::new(b"other secret");
        assert_eq!(
            other.verify("photos/1/2/ab", Some(expires), Some(sig), now),
            Err(LinkError::BadSignature)
        );
    }
}
