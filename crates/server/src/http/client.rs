//! The client's address, for every per-address limit. It is the TCP peer, unless
//! the peer is a reverse proxy listed in `SHONEN_TRUSTED_PROXIES`: then
//! `X-Forwarded-For` is read from the right (each proxy appends the address it
//! saw), skipping trusted proxies, and the first address that is not one is the
//! client. Entries left of it were written by the client itself and are never
//! believed.
//!
//! `ClientIp` itself is protocol-neutral (`crate::request`); this is its axum
//! extractor, which the shared middleware runs for REST and gRPC alike.

use crate::request::ClientIp;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The client address of a request whose TCP peer is `peer`.
pub fn client_ip(trusted: &[IpNet], peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return peer;
    }
    // Several headers count as one comma-separated list, in order.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            // Garbage from the left of here cannot be trusted: stop at the last
            // address a trusted proxy vouched for.
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    canonical(client)
}

/// `1.2.3.4`, `1.2.3.4:5678`, `::1` or `[::1]:5678`.
fn parse_hop(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// Extractor: the request's client address (see the module doc).
impl FromRequestParts<Arc<AppState>> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        if let Some(ip) = parts.extensions.get::<ClientIp>() {
            return Ok(*ip);
        }
        // Served without connect info only in in-process router tests: no peer to
        // speak of, so the unspecified address stands in for it.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let ip = ClientIp(client_ip(
            &state.config.trusted_proxies,
            peer,
            &parts.headers,
        ));
        parts.extensions.insert(ip);
        Ok(ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_claim() {
        let h = headers(&["9.9.9.9"]);
        assert_eq!(client_ip(&[], ip("5.6.7.8"), &h), ip("5.6.7.8"));
        let trusted = crate::config::parse_cidrs("10.0.0.0/8").unwrap();
        assert_eq!(client_ip(&trusted, ip("5.6.7.8"), &h), ip("5.6.7.8"));
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = crate::config::parse_cidrs("10.0.0.0/8, 127.0.0.1").unwrap();
        // The client forged the first entry; the proxy appended what it saw.
        let h = headers(&["1.1.1.1, 2.2.2.2", "10.0.0.5"]);
        assert_eq!(client_ip(&trusted, ip("127.0.0.1"), &h), ip("2.2.2.2"));
        // No header: the proxy itself.
        assert_eq!(
            client_ip(&trusted, ip("10.1.1.1"), &HeaderMap::new()),
            ip("10.1.1.1")
        );
        // Garbage stops the walk at the last vouched-for address.
        let h = headers(&["3.3.3.3, not-an-ip, 10.0.0.7"]);
        assert_eq!(client_ip(&trusted, ip("10.0.0.1"), &h), ip("10.0.0.7"));
        // Ports and IPv6, mapped addresses.
        let h = headers(&["[2001:db8::1]:443"]);
        assert_eq!(client_ip(&trusted, ip("10.0.0.1"), &h), ip("2001:db8::1"));
        let h = headers(&["4.4.4.4:80"]);
        assert_eq!(
            client_ip(&trusted, ip("::ffff:127.0.0.1"), &h),
            ip("4.4.4.4")
        );
    }
}
