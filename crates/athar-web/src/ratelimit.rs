//! Who is asking, for rate limiting and the search log: the client key.
//!
//! The key is the TCP peer's address, unless the peer is one of the configured trusted
//! proxies; then `X-Forwarded-For` (or, without it, `Forwarded: for=`) is walked from right to
//! left, skipping trusted proxies, and the first address that is not one is the client. A
//! header from an untrusted peer is ignored entirely: anyone can write one, and the leftmost
//! entry is always whatever the client chose (the flaw of tower_governor's
//! `SmartIpKeyExtractor`). IPv6 clients are keyed by their /64, which one household gets whole.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Request};
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

use crate::config::{IpNet, canonical};
use crate::error::WebError;

/// Resolves the client key of a request, trusting proxy headers only from `trusted`.
#[derive(Debug, Clone)]
pub struct ClientKeyExtractor {
    trusted: Arc<Vec<IpNet>>,
}

impl ClientKeyExtractor {
    /// An extractor that believes forwarding headers only from these proxies.
    pub fn new(trusted: Vec<IpNet>) -> Self {
        ClientKeyExtractor {
            trusted: Arc::new(trusted),
        }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(ip))
    }

    /// The client key for a connection from `peer` carrying `headers`.
    pub fn resolve(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.is_trusted(peer) {
            return key_of(peer);
        }
        let chain = forwarded_chain(headers);
        let mut client = peer;
        for hop in chain.iter().rev() {
            match hop {
                Some(ip) => {
                    client = canonical(*ip);
                    if !self.is_trusted(client) {
                        return key_of(client);
                    }
                }
                // An entry we cannot read: stop at the last address we could vouch for.
                None => return key_of(client),
            }
        }
        key_of(client)
    }
}

/// The addresses of `X-Forwarded-For` (all instances, in order), or of `Forwarded: for=` when
/// there is no `X-Forwarded-For`. `None` marks an entry that is not an address.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let xff: Vec<Option<IpAddr>> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| {
            v.to_str()
                .unwrap_or("\u{0}")
                .split(',')
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .map(|s| parse_addr(s.trim()))
        .collect();
    if !xff.is_empty() {
        return xff;
    }
    headers
        .get_all("forwarded")
        .iter()
        .flat_map(|v| {
            v.to_str()
                .unwrap_or("\u{0}")
                .split(',')
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .map(|element| {
            element
                .split(';')
                .find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.eq_ignore_ascii_case("for")
                        .then(|| v.trim().trim_matches('"').to_string())
                })
                .and_then(|v| parse_addr(&v))
        })
        .collect()
}

/// Parses `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]` or `[::1]:5678`.
fn parse_addr(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Some(sa.ip());
    }
    s.strip_prefix('[')?.strip_suffix(']')?.parse().ok()
}

/// IPv4 addresses as they are; IPv6 addresses cut to their /64.
fn key_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
    }
}

impl KeyExtractor for ClientKeyExtractor {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<Self::Key, GovernorError> {
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or(GovernorError::UnableToExtractKey)?;
        Ok(self.resolve(peer, req.headers()))
    }
}

/// The client key of the current request, as an extractor for handlers (the search log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientKey(pub IpAddr);

impl FromRequestParts<crate::AppState> for ClientKey {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or(WebError::Internal)?;
        Ok(ClientKey(state.client_keys.resolve(peer, &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    /// One row: trusted proxies, peer, headers, expected key.
    fn check(trusted: &[&str], peer: &str, hs: &[(&'static str, &str)], want: &str) {
        let ex = ClientKeyExtractor::new(trusted.iter().map(|s| s.parse().unwrap()).collect());
        assert_eq!(
            ex.resolve(ip(peer), &headers(hs)),
            ip(want),
            "{trusted:?} {peer} {hs:?}"
        );
    }

    #[test]
    fn headers_from_untrusted_peers_are_ignored() {
        check(
            &[],
            "203.0.113.7",
            &[("x-forwarded-for", "1.1.1.1")],
            "203.0.113.7",
        );
        check(
            &["10.0.0.0/8"],
            "203.0.113.7",
            &[("x-forwarded-for", "1.1.1.1")],
            "203.0.113.7",
        );
        check(
            &[],
            "203.0.113.7",
            &[("forwarded", "for=1.1.1.1")],
            "203.0.113.7",
        );
    }

    #[test]
    fn trusted_proxy_chain_is_walked_from_the_right() {
        // The client prepended a forged entry; the proxy appended the real address.
        check(
            &["10.0.0.0/8"],
            "10.0.0.2",
            &[("x-forwarded-for", "6.6.6.6, 198.51.100.4")],
            "198.51.100.4",
        );
        // Two trusted hops.
        check(
            &["10.0.0.0/8"],
            "10.0.0.2",
            &[("x-forwarded-for", "6.6.6.6, 198.51.100.4, 10.0.0.9")],
            "198.51.100.4",
        );
        // Several header instances are one list.
        check(
            &["10.0.0.0/8"],
            "10.0.0.2",
            &[
                ("x-forwarded-for", "6.6.6.6"),
                ("x-forwarded-for", "198.51.100.4"),
            ],
            "198.51.100.4",
        );
        check(
            &["127.0.0.1"],
            "127.0.0.1",
            &[(
                "forwarded",
                "for=6.6.6.6, for=\"[2001:db8::1]:443\";proto=https",
            )],
            "2001:db8::",
        );
    }

    #[test]
    fn a_trusted_proxy_without_headers_is_the_client() {
        check(&["10.0.0.0/8"], "10.0.0.2", &[], "10.0.0.2");
    }

    #[test]
    fn garbage_stops_the_walk() {
        check(
            &["10.0.0.0/8"],
            "10.0.0.2",
            &[("x-forwarded-for", "6.6.6.6, junk")],
            "10.0.0.2",
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        check(&[], "2001:db8:1:2:aaaa::1", &[], "2001:db8:1:2::");
        check(&[], "::ffff:198.51.100.4", &[], "198.51.100.4");
    }
}
