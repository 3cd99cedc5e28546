//! CIDR blocks and address sets for IPv4 and IPv6.

use std::fmt;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cidr {
    V4 { addr: u32, len: u8 },
    V6 { addr: u128, len: u8 },
}

impl Cidr {
    /// Parse `a.b.c.d/n`, `x::/n`, or a bare address (a host route).
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (ip, len) = match s.split_once('/') {
            Some((ip, len)) => (ip, Some(len)),
            None => (s, None),
        };
        let ip: IpAddr = ip
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or CIDR block"))?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let len = match len {
            Some(l) => l
                .parse::<u8>()
                .ok()
                .filter(|l| *l <= max)
                .ok_or_else(|| format!("{s:?} has an invalid prefix length"))?,
            None => max,
        };
        Ok(Cidr::from_ip(ip, len))
    }

    pub fn from_ip(ip: IpAddr, len: u8) -> Cidr {
        match ip {
            IpAddr::V4(v4) => {
                let len = len.min(32);
                Cidr::V4 {
                    addr: u32::from(v4) & mask4(len),
                    len,
                }
            }
            IpAddr::V6(v6) => {
                let len = len.min(128);
                Cidr::V6 {
                    addr: u128::from(v6) & mask6(len),
                    len,
                }
            }
        }
    }

    pub fn host(ip: IpAddr) -> Cidr {
        Cidr::from_ip(ip, if ip.is_ipv4() { 32 } else { 128 })
    }

    /// The prefix length.
    pub fn prefix_len(&self) -> u8 {
        match self {
            Cidr::V4 { len, .. } | Cidr::V6 { len, .. } => *len,
        }
    }

    pub fn is_v4(&self) -> bool {
        matches!(self, Cidr::V4 { .. })
    }

    pub fn contains_ip(&self, ip: IpAddr) -> bool {
        match (self, ip) {
            (Cidr::V4 { addr, len }, IpAddr::V4(v)) => u32::from(v) & mask4(*len) == *addr,
            (Cidr::V6 { addr, len }, IpAddr::V6(v)) => u128::from(v) & mask6(*len) == *addr,
            _ => false,
        }
    }

    /// True when every address of `other` is inside `self`.
    pub fn contains(&self, other: &Cidr) -> bool {
        match (self, other) {
            (Cidr::V4 { addr, len }, Cidr::V4 { addr: o, len: ol }) => {
                ol >= len && o & mask4(*len) == *addr
            }
            (Cidr::V6 { addr, len }, Cidr::V6 { addr: o, len: ol }) => {
                ol >= len && o & mask6(*len) == *addr
            }
            _ => false,
        }
    }

    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.contains(other) || other.contains(self)
    }
}

fn mask4(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - len as u32)
    }
}

fn mask6(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - len as u32)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cidr::V4 { addr, len } => write!(f, "{}/{}", std::net::Ipv4Addr::from(*addr), len),
            Cidr::V6 { addr, len } => write!(f, "{}/{}", std::net::Ipv6Addr::from(*addr), len),
        }
    }
}

/// One address, or a block standing for "some address in it" when the exact
/// address was not captured (for example an endpoint ENI known only by subnet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrSet {
    Ip(IpAddr),
    Block(Cidr),
}

/// How much of an address set a CIDR block covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cover {
    All,
    Some,
    None,
}

impl AddrSet {
    pub fn is_v4(&self) -> bool {
        match self {
            AddrSet::Ip(ip) => ip.is_ipv4(),
            AddrSet::Block(c) => c.is_v4(),
        }
    }

    pub fn covered_by(&self, c: &Cidr) -> Cover {
        match self {
            AddrSet::Ip(ip) => {
                if c.contains_ip(*ip) {
                    Cover::All
                } else {
                    Cover::None
                }
            }
            AddrSet::Block(b) => {
                if c.contains(b) {
                    Cover::All
                } else if b.contains(c) {
                    Cover::Some
                } else {
                    Cover::None
                }
            }
        }
    }

    pub fn as_cidr(&self) -> Cidr {
        match self {
            AddrSet::Ip(ip) => Cidr::host(*ip),
            AddrSet::Block(b) => *b,
        }
    }
}

impl fmt::Display for AddrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddrSet::Ip(ip) => write!(f, "{ip}"),
            AddrSet::Block(b) => write!(f, "an address in {b}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_contain() {
        let c = Cidr::parse("10.0.1.0/24").unwrap();
        assert!(c.contains_ip("10.0.1.200".parse().unwrap()));
        assert!(!c.contains_ip("10.0.2.1".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(&c));
        assert!(!c.contains(&Cidr::parse("10.0.0.0/16").unwrap()));
        assert_eq!(Cidr::parse("10.0.1.7").unwrap().prefix_len(), 32);
        assert_eq!(
            Cidr::parse("10.0.1.7/24").unwrap().to_string(),
            "10.0.1.0/24"
        );
        let v6 = Cidr::parse("2600:1f18::/56").unwrap();
        assert!(v6.contains_ip("2600:1f18::42".parse().unwrap()));
        assert!(!v6.contains_ip("10.0.0.1".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("nope").is_err());
    }

    #[test]
    fn cover_of_blocks() {
        let sub = AddrSet::Block(Cidr::parse("10.0.10.0/24").unwrap());
        assert_eq!(
            sub.covered_by(&Cidr::parse("10.0.0.0/16").unwrap()),
            Cover::All
        );
        assert_eq!(
            sub.covered_by(&Cidr::parse("10.0.10.5/32").unwrap()),
            Cover::Some
        );
        assert_eq!(
            sub.covered_by(&Cidr::parse("10.1.0.0/16").unwrap()),
            Cover::None
        );
    }
}
