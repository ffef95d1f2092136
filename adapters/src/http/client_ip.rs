//! The client's IP address: the socket peer, or `X-Forwarded-For` when the peer is a
//! configured trusted proxy (SPEC §1 `http.trusted_proxies`).

use std::net::IpAddr;

use actix_web::HttpRequest;

/// One CIDR block, e.g. `10.0.0.0/8` or `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `addr/prefix` (or a bare address, meaning the single host).
    pub fn parse(s: &str) -> Result<Self, String> {
        let (addr, prefix) = s.trim().split_once('/').unwrap_or((s.trim(), ""));
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            "" => max,
            p => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}` has a bad prefix length"))?,
        };
        Ok(Self { network, prefix })
    }

    /// Whether `ip` lies in this block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                masked(u32::from(n).into(), 32, self.prefix)
                    == masked(u32::from(a).into(), 32, self.prefix)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                masked(u128::from(n), 128, self.prefix) == masked(u128::from(a), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, width: u32, prefix: u8) -> u128 {
    match u32::from(prefix) {
        0 => 0,
        p => bits >> (width - p),
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// From the configured CIDR strings.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|e| Cidr::parse(e))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client address of `req`: walks `X-Forwarded-For` from the right while the hop
    /// is trusted; the first untrusted hop is the client. Only the entries right of that hop
    /// were written by trusted proxies, so nothing further left is read; an entry that is not
    /// an address where one must be stops the walk at the trusted hop that passed it on.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = canonical(req.peer_addr()?.ip());
        if !self.trusts(peer) {
            return Some(peer);
        }
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        let mut nearest = peer;
        for hop in forwarded.into_iter().rev() {
            let Some(ip) = hop_address(hop) else {
                return Some(nearest);
            };
            if !self.trusts(ip) {
                return Some(ip);
            }
            nearest = ip;
        }
        Some(nearest)
    }
}

/// One `X-Forwarded-For` entry as an address: `1.2.3.4`, `2001:db8::1`, or with a port
/// (`1.2.3.4:5678`, `[2001:db8::1]:80`), as some proxies write it.
fn hop_address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    let ip = hop
        .parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))?;
    Some(canonical(ip))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn a_cidr_contains_its_addresses_and_no_others() {
        let cidr = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(cidr.contains("10.1.200.3".parse().unwrap()));
        assert!(!cidr.contains("10.2.0.1".parse().unwrap()));
        assert!(
            Cidr::parse("::/0")
                .unwrap()
                .contains("2001:db8::1".parse().unwrap())
        );
        assert!(Cidr::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn forwarded_for_is_ignored_from_an_untrusted_peer() {
        let req = TestRequest::default()
            .peer_addr("203.0.113.9:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "198.51.100.1"))
            .to_http_request();
        assert_eq!(
            proxies(&["10.0.0.0/8"]).client_ip(&req),
            Some("203.0.113.9".parse().unwrap())
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client_behind_trusted_proxies() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.2:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "1.1.1.1, 198.51.100.7, 10.0.0.3"))
            .to_http_request();
        assert_eq!(
            proxies(&["10.0.0.0/8"]).client_ip(&req),
            Some("198.51.100.7".parse().unwrap())
        );
    }

    #[test]
    fn a_garbage_entry_left_of_the_client_does_not_hide_the_client() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.2:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "not-an-ip, 198.51.100.7, 10.0.0.3"))
            .to_http_request();
        assert_eq!(
            proxies(&["10.0.0.0/8"]).client_ip(&req),
            Some("198.51.100.7".parse().unwrap())
        );
    }

    #[test]
    fn a_garbage_entry_where_the_client_should_be_stops_at_the_trusted_hop() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.2:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "198.51.100.7, bogus, 10.0.0.3"))
            .to_http_request();
        assert_eq!(
            proxies(&["10.0.0.0/8"]).client_ip(&req),
            Some("10.0.0.3".parse().unwrap())
        );
    }

    #[test]
    fn entries_with_ports_and_several_headers_are_read_in_order() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.2:5000".parse().unwrap())
            .append_header(("x-forwarded-for", "192.0.2.1"))
            .append_header(("x-forwarded-for", "[2001:db8::7]:443, 10.0.0.3:80"))
            .to_http_request();
        assert_eq!(
            proxies(&["10.0.0.0/8"]).client_ip(&req),
            Some("2001:db8::7".parse().unwrap())
        );
    }
}
