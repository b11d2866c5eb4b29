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

impl ClientIp {
    /// Who a per-address budget (requests, registrations, login attempts) belongs
    /// to: an IPv4 address, or an IPv6 address's /64, the network one subscriber
    /// gets, so the 2^64 addresses of one client share one budget.
    pub fn budget(&self) -> String {
        match self.0 {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", std::net::Ipv6Addr::from(network))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_budget_is_its_64() {
        let budget = |s: &str| ClientIp(s.parse().unwrap()).budget();
        assert_eq!(budget("203.0.113.7"), "203.0.113.7");
        assert_eq!(budget("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(
            budget("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            budget("2001:db8:1:2::7")
        );
        assert_ne!(budget("2001:db8:1:3::1"), budget("2001:db8:1:2::1"));
    }

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
