//! A `client_id` that is a Client ID Metadata Document URL (SPEC §5 "Client ID Metadata
//! Documents"), the host patterns that admit or deny it, and how long its document is kept.

use std::fmt;

use time::{Duration, OffsetDateTime};
use url::Url;

/// Shortest time a fetched document is kept (SPEC §5).
pub const MIN_DOCUMENT_TTL: Duration = Duration::minutes(5);
/// Longest time a fetched document is kept (SPEC §5).
pub const MAX_DOCUMENT_TTL: Duration = Duration::hours(24);
/// How long past its expiry a document may still be used when fetching it again fails for a
/// passing reason (the host is down, slow, or its fetch budget is spent): a client is not cut
/// off by an outage, or by someone spending its host's budget, for up to a day.
pub const MAX_DOCUMENT_STALENESS: Duration = Duration::hours(24);
/// Longest metadata document URL accepted.
const MAX_LEN: usize = 2048;

/// Why a URL `client_id` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClientIdUrlError {
    /// Not an `https` URL with a host and a path (or, when allowed for tests, `http` on loopback).
    #[error("a URL client_id must be an https URL with a path")]
    NotHttpsWithPath,
    /// User information, a fragment, or dot segments.
    #[error("a URL client_id must not carry user information, a fragment or dot segments")]
    Malformed,
}

/// A metadata document URL, kept exactly as written (its document's `client_id` must equal
/// it byte for byte).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientIdUrl {
    original: String,
    url: Url,
}

impl ClientIdUrl {
    /// Whether `s` looks like a URL rather than a registered client's id.
    pub fn looks_like_url(s: &str) -> bool {
        s.starts_with("https://") || s.starts_with("http://")
    }

    /// Reads a URL `client_id`: `https` with a host and a non-root path; `http` only when
    /// `allow_http_loopback` (tests) and the host is a loopback address.
    pub fn parse(s: &str, allow_http_loopback: bool) -> Result<Self, ClientIdUrlError> {
        if s.len() > MAX_LEN || s.contains('#') || s.contains('\\') {
            return Err(ClientIdUrlError::Malformed);
        }
        let url = Url::parse(s).map_err(|_| ClientIdUrlError::NotHttpsWithPath)?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ClientIdUrlError::Malformed);
        }
        if s.split(['/', '?']).any(|seg| seg == "." || seg == "..") {
            return Err(ClientIdUrlError::Malformed);
        }
        let loopback = matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
            || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
        let scheme_ok =
            url.scheme() == "https" || (url.scheme() == "http" && allow_http_loopback && loopback);
        if !scheme_ok || url.host_str().is_none() || url.path() == "/" || url.path().is_empty() {
            return Err(ClientIdUrlError::NotHttpsWithPath);
        }
        Ok(Self {
            original: s.to_owned(),
            url,
        })
    }

    /// The URL as written.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// Its host, lowercased: the client's identity on the consent page.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// Whether the URL is plain `http` (only ever admitted on loopback, for tests).
    pub fn is_http(&self) -> bool {
        self.url.scheme() == "http"
    }
}

impl fmt::Debug for ClientIdUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientIdUrl").field(&self.original).finish()
    }
}

/// `cimd.allowed_domains` and `cimd.denied_domains`: `example.com` names that host,
/// `*.example.com` any host below it. An allow list, when set, admits only its hosts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainPolicy {
    allowed: Vec<String>,
    denied: Vec<String>,
}

impl DomainPolicy {
    /// Builds the policy from the configured patterns (case-insensitive).
    pub fn new(allowed: &[String], denied: &[String]) -> Self {
        let norm = |v: &[String]| v.iter().map(|p| p.trim().to_ascii_lowercase()).collect();
        Self {
            allowed: norm(allowed),
            denied: norm(denied),
        }
    }

    /// Whether documents may be fetched from `host`.
    pub fn admits(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let matches = |pattern: &String| match pattern.strip_prefix("*.") {
            Some(parent) => host.ends_with(&format!(".{parent}")),
            None => host == *pattern,
        };
        !self.denied.iter().any(matches)
            && (self.allowed.is_empty() || self.allowed.iter().any(matches))
    }
}

/// How long a document is kept: its `max-age`, within [5 min, 24 h]; 5 minutes when it
/// says nothing or forbids caching (the fetch would otherwise repeat on every request).
pub fn document_ttl(max_age: Option<Duration>) -> Duration {
    max_age
        .unwrap_or(MIN_DOCUMENT_TTL)
        .clamp(MIN_DOCUMENT_TTL, MAX_DOCUMENT_TTL)
}

/// Whether a document that expired at `expires_at` may still be used at `now`, when it cannot
/// be fetched again for a passing reason (see [`MAX_DOCUMENT_STALENESS`]).
pub fn stale_document_usable(expires_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    now < expires_at + MAX_DOCUMENT_STALENESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_https_url_with_a_path_is_a_client_id_and_it_is_kept_exactly() {
        let url = ClientIdUrl::parse("https://App.Example.com/oauth/client.json", false).unwrap();
        assert_eq!(url.as_str(), "https://App.Example.com/oauth/client.json");
        assert_eq!(url.host(), "app.example.com");
    }

    #[test]
    fn other_urls_are_refused() {
        for bad in [
            "http://app.example.com/client.json",
            "https://app.example.com",
            "https://app.example.com/",
            "https://user@app.example.com/client.json",
            "https://app.example.com/client.json#x",
            "https://app.example.com/a/../client.json",
            "ftp://app.example.com/client.json",
            "http://127.0.0.1:8080/client.json",
        ] {
            assert!(ClientIdUrl::parse(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_test_setting_admits_http_on_loopback_only() {
        assert!(ClientIdUrl::parse("http://127.0.0.1:8080/client.json", true).is_ok());
        assert!(ClientIdUrl::parse("http://[::1]:8080/client.json", true).is_ok());
        assert!(ClientIdUrl::parse("http://app.example.com/client.json", true).is_err());
    }

    #[test]
    fn deny_wins_and_an_allow_list_admits_only_its_hosts() {
        let open = DomainPolicy::new(&[], &["*.evil.example".into()]);
        assert!(open.admits("good.example"));
        assert!(!open.admits("a.evil.example"));
        assert!(
            open.admits("evil.example"),
            "a wildcard covers subdomains only"
        );
        let strict = DomainPolicy::new(
            &["client.dev".into(), "*.tools.example".into()],
            &["x.tools.example".into()],
        );
        assert!(strict.admits("CLIENT.dev"));
        assert!(strict.admits("a.tools.example"));
        assert!(!strict.admits("x.tools.example"));
        assert!(!strict.admits("other.example"));
        assert!(!strict.admits("eviltools.example"));
    }

    #[test]
    fn the_document_lifetime_is_clamped_to_five_minutes_and_a_day() {
        assert_eq!(document_ttl(None), Duration::minutes(5));
        assert_eq!(
            document_ttl(Some(Duration::seconds(10))),
            Duration::minutes(5)
        );
        assert_eq!(document_ttl(Some(Duration::hours(2))), Duration::hours(2));
        assert_eq!(document_ttl(Some(Duration::days(7))), Duration::hours(24));
    }

    #[test]
    fn a_stale_document_is_usable_for_a_day_after_it_expires_and_no_longer() {
        let expired = OffsetDateTime::UNIX_EPOCH + Duration::days(100);
        assert!(stale_document_usable(
            expired,
            expired + Duration::hours(23)
        ));
        assert!(!stale_document_usable(
            expired,
            expired + Duration::hours(24)
        ));
    }
}
