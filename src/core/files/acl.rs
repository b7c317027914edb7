//! The `access_control_list` option: which client IPv4 addresses may
//! connect.
//!
//! The value is a comma-separated list of `+` (allow) or `-` (deny)
//! followed by `A.B.C.D` or `A.B.C.D/N`. With a non-empty list a client
//! starts denied and the last matching entry decides.
//!
//! Fixes over 5.4: a malformed list is an error rather than "allow
//! everyone", and the network part is masked, so `+10.1.2.3/8` means
//! 10.0.0.0/8 instead of matching nothing.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

/// One `+`/`-` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rule {
    allow: bool,
    /// The network, already masked.
    net: u32,
    mask: u32,
}

/// A parsed access control list. An empty list allows everyone (the
/// option is unset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl {
    rules: Vec<Rule>,
}

/// Why an `access_control_list` value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclError {
    /// The offending entry, as written (without surrounding whitespace).
    pub entry: Vec<u8>,
}

impl fmt::Display for AclError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid access_control_list entry \"{}\": expected +A.B.C.D or -A.B.C.D/N",
            String::from_utf8_lossy(&self.entry)
        )
    }
}

impl std::error::Error for AclError {}

/// Parses a decimal number of 1 to `max_digits` digits.
fn decimal(s: &[u8], max_digits: usize) -> Option<u32> {
    if s.is_empty() || s.len() > max_digits || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |acc, &b| acc * 10 + u32::from(b - b'0')))
}

/// Parses `A.B.C.D` (all four octets, decimal, 0-255).
fn parse_ipv4(s: &[u8]) -> Option<u32> {
    let mut addr: u32 = 0;
    let mut count = 0;
    for part in s.split(|&b| b == b'.') {
        let octet = decimal(part, 3).filter(|&v| v <= 255)?;
        addr = (addr << 8) | octet;
        count += 1;
    }
    (count == 4).then_some(addr)
}

fn parse_rule(entry: &[u8]) -> Option<Rule> {
    let (&sign, rest) = entry.split_first()?;
    let allow = match sign {
        b'+' => true,
        b'-' => false,
        _ => return None,
    };
    let (addr, bits) = match rest.iter().position(|&b| b == b'/') {
        Some(slash) => (
            &rest[..slash],
            decimal(&rest[slash + 1..], 2).filter(|&n| n <= 32)?,
        ),
        None => (rest, 32),
    };
    let ip = parse_ipv4(addr)?;
    let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
    Some(Rule {
        allow,
        net: ip & mask,
        mask,
    })
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &s[start..end]
}

impl Acl {
    /// Parses an `access_control_list` value. Whitespace around entries is
    /// ignored. Every entry must be `+` or `-`, then four decimal octets,
    /// then optionally `/N` with N from 0 to 32; anything else (including
    /// an empty entry between commas) is an error. An empty or all-blank
    /// value gives the empty list, which allows everyone.
    pub fn parse(spec: &[u8]) -> Result<Acl, AclError> {
        if trim(spec).is_empty() {
            return Ok(Acl::default());
        }
        let rules = spec
            .split(|&b| b == b',')
            .map(|entry| {
                let entry = trim(entry);
                parse_rule(entry).ok_or_else(|| AclError {
                    entry: entry.to_vec(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Acl { rules })
    }

    /// True when the list has no entries (everyone is allowed).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether a client at `ip` may connect.
    ///
    /// An empty list allows everyone. Otherwise the client starts denied
    /// and the last entry with `ip & mask == net` decides. IPv4-mapped IPv6
    /// addresses (`::ffff:a.b.c.d`) are checked as IPv4; any other IPv6
    /// client is denied, since the list cannot name it.
    pub fn allows(&self, ip: IpAddr) -> bool {
        if self.rules.is_empty() {
            return true;
        }
        let v4: Ipv4Addr = match ip {
            IpAddr::V4(v4) => v4,
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4,
                None => return false,
            },
        };
        let addr = u32::from(v4);
        self.rules
            .iter()
            .rev()
            .find(|rule| addr & rule.mask == rule.net)
            .is_some_and(|rule| rule.allow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    fn acl(s: &str) -> Acl {
        Acl::parse(s.as_bytes()).expect("valid ACL")
    }

    #[test]
    fn empty_allows_everyone() {
        for spec in ["", "  "] {
            let a = acl(spec);
            assert!(a.is_empty());
            assert!(a.allows(ip("1.2.3.4")));
            assert!(a.allows(ip("::1")));
        }
    }

    #[test]
    fn start_state_is_deny() {
        let a = acl("+127.0.0.1");
        assert!(!a.is_empty());
        assert!(a.allows(ip("127.0.0.1")));
        assert!(!a.allows(ip("127.0.0.2")));
        assert!(!a.allows(ip("10.0.0.1")));
    }

    #[test]
    fn last_match_wins() {
        let a = acl("-0.0.0.0/0,+192.168.0.0/16,-192.168.5.0/24");
        assert!(a.allows(ip("192.168.1.1")));
        assert!(!a.allows(ip("192.168.5.7")));
        assert!(!a.allows(ip("8.8.8.8")));
        let b = acl("+0.0.0.0/0, -10.0.0.0/8");
        assert!(b.allows(ip("8.8.8.8")));
        assert!(!b.allows(ip("10.9.9.9")));
    }

    #[test]
    fn network_is_masked() {
        let a = acl("+10.1.2.3/8");
        assert!(a.allows(ip("10.200.0.1")), "5.4 never matched this");
        assert!(a.allows(ip("10.1.2.3")));
        assert!(!a.allows(ip("11.1.2.3")));
        let b = acl("+1.2.3.4/0");
        assert!(b.allows(ip("200.1.1.1")));
        let c = acl("+1.2.3.4/32,-1.2.3.5/31");
        assert!(!c.allows(ip("1.2.3.4")), "/31 covers .4 and .5");
        assert!(!c.allows(ip("1.2.3.5")));
        let d = acl("+255.255.255.255/1");
        assert!(d.allows(ip("128.0.0.0")));
        assert!(!d.allows(ip("127.255.255.255")));
    }

    #[test]
    fn ipv6_peers() {
        let a = acl("+127.0.0.0/8");
        assert!(a.allows(IpAddr::V6(Ipv4Addr::new(127, 0, 0, 1).to_ipv6_mapped())));
        assert!(a.allows(ip("::ffff:127.1.2.3")));
        assert!(!a.allows(ip("::1")));
        assert!(!a.allows(IpAddr::V6(Ipv6Addr::UNSPECIFIED)));
        assert!(
            !a.allows(ip("::127.0.0.1")),
            "IPv4-compatible is not mapped"
        );
        let all = acl("+0.0.0.0/0");
        assert!(!all.allows(ip("2001:db8::1")));
        assert!(all.allows(ip("::ffff:8.8.8.8")));
    }

    #[test]
    fn malformed_is_an_error() {
        let bad = [
            "+192.168/16",
            "192.168.0.1",
            "*1.2.3.4",
            "+1.2.3.4/33",
            "+1.2.3.4/",
            "+1.2.3.4/-1",
            "+256.1.1.1",
            "+1.2.3",
            "+1.2.3.4.5",
            "+1.2.3.4,",
            ",+1.2.3.4",
            "+1.2.3.4,,-5.6.7.8",
            "+",
            "-",
            "+ 1.2.3.4",
            "+1.2.3.4 /8",
            "+1.2.3.0x1",
            "+0001.2.3.4",
            "+1.2.3.4/008",
            "+a.b.c.d",
            "+1..3.4",
            "+1.2.3.4/8/8",
        ];
        for spec in bad {
            let err = Acl::parse(spec.as_bytes()).expect_err(spec);
            assert!(err.to_string().contains("access_control_list"));
        }
        let err = Acl::parse(b"+1.2.3.4, +192.168/16").unwrap_err();
        assert_eq!(err.entry, b"+192.168/16");
    }
}
