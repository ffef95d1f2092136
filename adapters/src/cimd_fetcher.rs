//! Fetching Client ID Metadata Documents, hardened against SSRF (SPEC §5): only public
//! addresses (checked on the addresses the connection is made to, by resolving names
//! ourselves), no redirects, 3 seconds in all, at most 5 KiB read incrementally, JSON only.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header;
use tessera_application::ports::{FetchError, FetchedDocument, MetadataFetcher};
use tessera_domain::{ClientIdUrl, is_public};

/// The whole fetch, connection to last byte.
const TIMEOUT: Duration = Duration::from_secs(3);
/// The largest document read.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024;

/// Which addresses may be connected to: public ones, plus loopback when the test-only
/// setting admits `http` documents there.
#[derive(Debug, Clone, Copy)]
struct AddressRule {
    allow_loopback: bool,
}

impl AddressRule {
    fn admits(self, ip: IpAddr) -> bool {
        is_public(ip) || (self.allow_loopback && ip.is_loopback())
    }
}

/// Refused by [`AddressRule`]; recognised in reqwest's error chain.
#[derive(Debug, thiserror::Error)]
#[error("the host resolves to no public address")]
struct NotPublicAddress;

/// Resolves names and keeps only admitted addresses: the connection can only be made to
/// an address that was checked, so DNS rebinding between check and connect is impossible.
#[derive(Debug)]
struct PublicResolver(AddressRule);

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let rule = self.0;
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let admitted: Vec<SocketAddr> = found.filter(|a| rule.admits(a.ip())).collect();
            if admitted.is_empty() {
                return Err(Box::new(NotPublicAddress) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(admitted.into_iter()) as Addrs)
        })
    }
}

/// The real fetcher (reqwest with rustls).
#[derive(Debug, Clone)]
pub struct HttpMetadataFetcher {
    client: reqwest::Client,
    rule: AddressRule,
}

impl HttpMetadataFetcher {
    /// A fetcher; `allow_http_loopback` is the test-only setting.
    pub fn new(allow_http_loopback: bool) -> Result<Self, reqwest::Error> {
        let rule = AddressRule {
            allow_loopback: allow_http_loopback,
        };
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(PublicResolver(rule)))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .no_proxy()
            .user_agent(concat!(
                "tessera/",
                env!("CARGO_PKG_VERSION"),
                " (client metadata)"
            ))
            .build()?;
        Ok(Self { client, rule })
    }
}

fn classify(e: &reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<NotPublicAddress>() {
            return FetchError::NotPublic;
        }
        source = err.source();
    }
    match e.is_timeout() {
        true => FetchError::Timeout,
        false => FetchError::Unreachable,
    }
}

/// `max-age` of a `Cache-Control` header; none when caching is forbidden.
fn max_age(headers: &header::HeaderMap) -> Option<time::Duration> {
    let value = headers.get(header::CACHE_CONTROL)?.to_str().ok()?;
    let directives: Vec<&str> = value.split(',').map(str::trim).collect();
    if directives
        .iter()
        .any(|d| d.eq_ignore_ascii_case("no-store") || d.eq_ignore_ascii_case("no-cache"))
    {
        return None;
    }
    directives
        .iter()
        .find_map(|d| {
            d.strip_prefix("max-age=")
                .and_then(|s| s.parse::<i64>().ok())
        })
        .map(time::Duration::seconds)
}

impl MetadataFetcher for HttpMetadataFetcher {
    async fn fetch(&self, url: &ClientIdUrl) -> Result<FetchedDocument, FetchError> {
        // An address written in the URL is never resolved, so it is checked here.
        let host = url.host().trim_matches(['[', ']']);
        if let Ok(ip) = host.parse::<IpAddr>()
            && !self.rule.admits(ip)
        {
            return Err(FetchError::NotPublic);
        }
        let mut response = self
            .client
            .get(url.as_str())
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| classify(&e))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(FetchError::Redirect);
        }
        if status != reqwest::StatusCode::OK {
            return Err(FetchError::Status(status.as_u16()));
        }
        let json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(FetchError::NotJson);
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
        {
            return Err(FetchError::TooLarge);
        }
        let max_age = max_age(response.headers());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&body) else {
            return Err(FetchError::Malformed);
        };
        let metadata =
            crate::metadata_json::metadata_from_object(&map).map_err(|_| FetchError::Malformed)?;
        Ok(FetchedDocument {
            client_id: map
                .get("client_id")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            metadata,
            json: serde_json::Value::Object(map).to_string(),
            max_age,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_admitted_only_by_the_test_setting() {
        let strict = AddressRule {
            allow_loopback: false,
        };
        let tests = AddressRule {
            allow_loopback: true,
        };
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let private: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(!strict.admits(loopback));
        assert!(tests.admits(loopback));
        assert!(
            !tests.admits(private),
            "the test setting admits loopback, nothing else"
        );
    }

    #[test]
    fn max_age_is_read_and_no_store_means_none() {
        let mut headers = header::HeaderMap::new();
        headers.insert(
            header::CACHE_CONTROL,
            "public, max-age=600".parse().unwrap(),
        );
        assert_eq!(max_age(&headers), Some(time::Duration::minutes(10)));
        headers.insert(
            header::CACHE_CONTROL,
            "no-store, max-age=600".parse().unwrap(),
        );
        assert_eq!(max_age(&headers), None);
    }

    #[tokio::test]
    async fn a_literal_private_address_is_refused_before_any_connection() {
        let fetcher = HttpMetadataFetcher::new(true).unwrap();
        for url in [
            "https://10.0.0.1/c.json",
            "https://169.254.169.254/latest/meta-data",
            "https://[fd00:ec2::254]/c.json",
        ] {
            let url = ClientIdUrl::parse(url, false).unwrap();
            assert_eq!(
                fetcher.fetch(&url).await.unwrap_err(),
                FetchError::NotPublic,
                "{url:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_name_resolving_only_to_loopback_is_refused() {
        let fetcher = HttpMetadataFetcher::new(false).unwrap();
        let url = ClientIdUrl::parse("https://localhost/c.json", false).unwrap();
        assert_eq!(
            fetcher.fetch(&url).await.unwrap_err(),
            FetchError::NotPublic
        );
    }
}
