//! Operational settings of the web tier: which proxies to trust, rate limits, body limits,
//! cookie flags and the organization's contact line. Parsed by the binary, passed in whole.

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

/// A network in CIDR notation (`10.0.0.0/8`, `::1/128`, or a bare address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// A CIDR string that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an IP network (expected e.g. 10.0.0.0/8 or 127.0.0.1): {0}")]
pub struct BadNet(pub String);

impl IpNet {
    /// True when `ip` lies in this network. IPv4-mapped IPv6 addresses count as IPv4.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNet {
    type Err = BadNet;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadNet(s.to_string());
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().map_err(|_| bad())?,
            None => max,
        };
        if prefix > max {
            return Err(bad());
        }
        Ok(IpNet { addr, prefix })
    }
}

/// An IPv4-mapped IPv6 address as IPv4; any other address unchanged.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// A token-bucket limit: `burst` requests at once, one more every `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Time to earn back one request.
    pub period: Duration,
    /// Requests allowed at once.
    pub burst: u32,
}

/// The web tier's settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Proxies whose `Forwarded` / `X-Forwarded-For` headers are believed. Empty: none are.
    pub trusted_proxies: Vec<IpNet>,
    /// Every request, per client.
    pub general_limit: Limit,
    /// Searches and follow-up code look-ups (form submissions), per client.
    pub strict_limit: Limit,
    /// Largest request body accepted, in bytes (every route but list uploads).
    pub body_limit: usize,
    /// Largest list upload accepted, in bytes: the console's import pages and the API's import.
    pub upload_limit: usize,
    /// Mark cookies `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// How the public reaches the organization, shown after a possible match.
    pub organization_contact: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            trusted_proxies: Vec::new(),
            general_limit: Limit {
                period: Duration::from_millis(500),
                burst: 60,
            },
            strict_limit: Limit {
                period: Duration::from_secs(6),
                burst: 10,
            },
            body_limit: 16 * 1024,
            upload_limit: 64 * 1024 * 1024,
            secure_cookies: false,
            organization_contact: "Athar demo office — +000 000 0000 — contact@example.org"
                .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn cidr_membership() {
        assert!(net("10.0.0.0/8").contains("10.200.3.4".parse().unwrap()));
        assert!(!net("10.0.0.0/8").contains("11.0.0.1".parse().unwrap()));
        assert!(net("127.0.0.1").contains("127.0.0.1".parse().unwrap()));
        assert!(!net("127.0.0.1").contains("127.0.0.2".parse().unwrap()));
        assert!(net("0.0.0.0/0").contains("8.8.8.8".parse().unwrap()));
        assert!(net("fd00::/8").contains("fd12::1".parse().unwrap()));
        assert!(!net("fd00::/8").contains("fe80::1".parse().unwrap()));
        assert!(net("192.168.1.0/24").contains("::ffff:192.168.1.9".parse().unwrap()));
    }

    #[test]
    fn bad_cidrs_are_refused() {
        for s in ["", "10.0.0.0/33", "::1/129", "example.org", "10.0.0.0/x"] {
            assert!(s.parse::<IpNet>().is_err(), "{s}");
        }
    }
}
