//! Which IP addresses a server-side fetch may connect to: public unicast only, so a Client
//! ID Metadata Document URL cannot reach the server's own network (SPEC §5, SSRF).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` is a public unicast address. Refused: unspecified, loopback, private
/// (RFC 1918, ULA), link-local (which holds the cloud metadata endpoints 169.254.169.254 and
/// fe80::), CGNAT (100.64.0.0/10), multicast, broadcast, documentation, benchmarking,
/// reserved, and IPv6 forms that embed one of those IPv4 addresses (mapped, SIIT-translated,
/// NAT64 well-known and local-use prefixes, 6to4).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // CGNAT, RFC 6598
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments, RFC 6890
        || (a == 198 && (b == 18 || b == 19)) // benchmarking, RFC 2544
        || a >= 240; // reserved, RFC 1112
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    if let Some(public) = local_use_nat64_is_public(ip) {
        return public;
    }
    let first = ip.segments()[0];
    let refused = ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7 (AWS metadata fd00:ec2::254)
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local, deprecated
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation 2001:db8::/32
        || first == 0x0100 && ip.segments()[1..4] == [0, 0, 0]; // discard-only 100::/64
    !refused
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (::ffff:a.b.c.d), SIIT's
/// IPv4-translated form (::ffff:0:a.b.c.d, RFC 7915), the deprecated IPv4-compatible form,
/// NAT64's well-known prefix (64:ff9b::/96, RFC 6052) and 6to4 (2002::/16). The NAT64
/// local-use prefix 64:ff9b:1::/48 (RFC 8215) is [`local_use_nat64_is_public`]'s.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    match s {
        [0, 0, 0, 0, 0, 0, hi, lo] if (hi, lo) != (0, 0) && (hi, lo) != (0, 1) => {
            Some(tail(hi, lo))
        }
        [0, 0, 0, 0, 0xffff, 0, hi, lo] => Some(tail(hi, lo)),
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(tail(hi, lo)),
        [0x2002, hi, lo, ..] => Some(tail(hi, lo)),
        _ => None,
    }
}

/// Whether an address under the NAT64 local-use prefix 64:ff9b:1::/48 (RFC 8215) is public.
/// Its translator may use any RFC 6052 prefix length from /48 to /96 inside it, so the IPv4
/// address may sit at four places; the address is public only if every one of them is.
fn local_use_nat64_is_public(ip: Ipv6Addr) -> Option<bool> {
    let o = ip.octets();
    if o[..6] != [0, 0x64, 0xff, 0x9b, 0, 1] {
        return None;
    }
    // RFC 6052 §2.2: bits 64–71 (octet 8) are skipped.
    let candidates = [
        [o[6], o[7], o[9], o[10]],    // /48
        [o[7], o[9], o[10], o[11]],   // /56
        [o[9], o[10], o[11], o[12]],  // /64
        [o[12], o[13], o[14], o[15]], // /96
    ];
    Some(
        candidates
            .into_iter()
            .all(|c| is_public_v4(Ipv4Addr::from(c))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap())
    }

    #[test]
    fn every_refused_ipv4_range_is_refused() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
            "192.168.255.255",
            "169.254.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "224.0.0.1",
            "239.255.255.255",
            "255.255.255.255",
            "192.0.2.1",
            "198.51.100.1",
            "203.0.113.1",
            "192.0.0.1",
            "198.18.0.1",
            "198.19.255.255",
            "240.0.0.1",
        ] {
            assert!(!public(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn every_refused_ipv6_range_is_refused() {
        for ip in [
            "::",
            "::1",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "100::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:c0a8:0101::1",
            "::7f00:1",
        ] {
            assert!(!public(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn siit_translated_and_local_use_nat64_addresses_are_judged_by_their_ipv4_address() {
        for ip in [
            "::ffff:0:127.0.0.1",
            "::ffff:0:169.254.169.254",
            "::ffff:0:10.0.0.1",
            "64:ff9b:1::a9fe:a9fe",     // /96 inside the local-use prefix
            "64:ff9b:1::7f00:1",        // /96: 127.0.0.1
            "64:ff9b:1:a9fe:a9:fe00::", // /48: 169.254.169.254
            "64:ff9b:1:0a:0:0001::",    // /56: 10.0.0.1
            "64:ff9b:1::c0:a800:100:0", // /64: 192.168.0.1
        ] {
            assert!(!public(ip), "{ip} must be refused");
        }
        for ip in ["::ffff:0:8.8.8.8", "64:ff9b:1:808:8:800:808:808"] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[test]
    fn public_unicast_addresses_are_allowed() {
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }
}
