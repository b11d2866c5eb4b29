//! Per-request context every adapter shares, below REST and gRPC alike: the
//! `Idempotency-Key` of the request being served and the client's address. The
//! shared middleware stack sets them (`http::idempotency::layer` the key,
//! `http::client` the address); handlers of either protocol read them from here.

use std::net::IpAddr;

tokio::task_local! {
    /// The `Idempotency-Key` of the activity request being served, set around the
    /// handler: the activity is written with it, in the same transaction (a second
    /// write with the key fails on the unique index and the idempotency layer
    /// replays the first).
    pub static IDEMPOTENCY_KEY: String;
}

/// The `Idempotency-Key` of the request being served, if it carries one.
pub fn idempotency_key() -> Option<String> {
    IDEMPOTENCY_KEY.try_with(Clone::clone).ok()
}

/// The request's client address: the TCP peer, or the address a trusted proxy
/// vouched for (worked out once per request by the shared middleware, and kept in
/// the request's extensions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_key_is_seen_inside_its_scope_only() {
        assert_eq!(idempotency_key(), None);
        let inside = IDEMPOTENCY_KEY
            .scope("k-1".to_string(), async { idempotency_key() })
            .await;
        assert_eq!(inside.as_deref(), Some("k-1"));
        assert_eq!(idempotency_key(), None);
    }
}
