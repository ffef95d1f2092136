//! Whom a per-IP limit counts: one IPv4 address, or one IPv6 /64. A single host or home is
//! routinely handed a whole /64 (RFC 6177, RFC 7934) and can pick any address in it, so
//! counting IPv6 addresses one by one would give every client 2^64 buckets.

use std::net::{IpAddr, Ipv6Addr};

/// The key every per-IP limit (registration, login throttling, …) counts `ip` under: an
/// IPv4 address as is (also when written IPv4-mapped, `::ffff:a.b.c.d`), an IPv6 address
/// reduced to its /64 network.
pub fn rate_limit_network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network(s: &str) -> String {
        rate_limit_network(s.parse().unwrap()).to_string()
    }

    #[test]
    fn every_address_of_an_ipv6_slash_64_counts_as_one_client() {
        assert_eq!(network("2001:db8:1:2::1"), "2001:db8:1:2::");
        assert_eq!(
            network("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            "2001:db8:1:2::"
        );
        assert_ne!(network("2001:db8:1:3::1"), network("2001:db8:1:2::1"));
    }

    #[test]
    fn ipv4_addresses_count_one_by_one_however_written() {
        assert_eq!(network("192.0.2.7"), "192.0.2.7");
        assert_eq!(network("::ffff:192.0.2.7"), "192.0.2.7");
        assert_ne!(network("192.0.2.8"), network("192.0.2.7"));
    }
}
