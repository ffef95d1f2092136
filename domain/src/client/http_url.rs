//! Absolute http(s) URLs a client registers about itself: home page, logo, terms, keys.

use std::fmt;
use std::hash::{Hash, Hasher};

use url::Url;

/// Longer URLs are refused rather than stored.
const MAX_LEN: usize = 2048;

/// Why a URL was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HttpUrlError {
    /// Over the length limit.
    #[error("URL must be at most 2048 characters long")]
    TooLong,
    /// Whitespace, control characters or backslashes.
    #[error("URL must not contain whitespace, control characters or backslashes")]
    InvalidCharacter,
    /// Not an absolute URL.
    #[error("URL must be absolute")]
    NotAbsolute,
    /// Neither `http` nor `https`.
    #[error("URL must use http or https")]
    NotHttp,
    /// No `//host`.
    #[error("URL must name a host")]
    MissingHost,
    /// A user name or password, which can disguise the real host.
    #[error("URL must not contain user information")]
    HasUserinfo,
}

/// An absolute `http` or `https` URL, kept as written (`client_uri`, `logo_uri`, `tos_uri`,
/// `policy_uri`, `jwks_uri` of RFC 7591 §2; an app's icon).
#[derive(Clone)]
pub struct HttpUrl {
    original: String,
    url: Url,
}

impl HttpUrl {
    /// Accepts an absolute `http`/`https` URL with a host and no user information.
    pub fn parse(s: &str) -> Result<Self, HttpUrlError> {
        if s.len() > MAX_LEN {
            return Err(HttpUrlError::TooLong);
        }
        if s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return Err(HttpUrlError::InvalidCharacter);
        }
        let url = Url::parse(s).map_err(|_| HttpUrlError::NotAbsolute)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HttpUrlError::NotHttp);
        }
        let Some((_, after_scheme)) = s.split_once("://") else {
            return Err(HttpUrlError::MissingHost);
        };
        let authority_end = after_scheme
            .find(['/', '?', '#'])
            .unwrap_or(after_scheme.len());
        if after_scheme[..authority_end].contains('@') {
            return Err(HttpUrlError::HasUserinfo);
        }
        Ok(Self {
            original: s.to_owned(),
            url,
        })
    }

    /// The URL exactly as it was given.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// The host as a browser would connect to it.
    pub fn host(&self) -> Option<&str> {
        self.url.host_str()
    }
}

impl fmt::Debug for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HttpUrl").field(&self.original).finish()
    }
}

impl PartialEq for HttpUrl {
    fn eq(&self, other: &Self) -> bool {
        self.original == other.original
    }
}

impl Eq for HttpUrl {}

impl Hash for HttpUrl {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.original.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn an_https_url_is_kept_as_written() {
        let url = HttpUrl::parse("https://Example.com/logo.png#x").unwrap();
        assert_eq!(url.as_str(), "https://Example.com/logo.png#x");
        assert_eq!(url.host(), Some("example.com"));
    }

    #[test]
    fn a_relative_url_is_rejected() {
        assert_eq!(
            HttpUrl::parse("/icon.png").unwrap_err(),
            HttpUrlError::NotAbsolute
        );
    }

    #[test]
    fn schemes_other_than_http_and_https_are_rejected() {
        for s in [
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "ftp://example.com/x",
        ] {
            assert_eq!(HttpUrl::parse(s).unwrap_err(), HttpUrlError::NotHttp, "{s}");
        }
    }

    #[test]
    fn a_url_without_double_slash_is_rejected() {
        assert_eq!(
            HttpUrl::parse("https:example.com").unwrap_err(),
            HttpUrlError::MissingHost
        );
    }

    #[test]
    fn user_information_is_rejected() {
        let err = HttpUrl::parse("https://good.example@evil.example/").unwrap_err();
        assert_eq!(err, HttpUrlError::HasUserinfo);
    }

    #[test]
    fn whitespace_is_rejected() {
        let err = HttpUrl::parse("https://example.com/a b").unwrap_err();
        assert_eq!(err, HttpUrlError::InvalidCharacter);
    }

    proptest! {
        #[test]
        fn parsed_urls_are_http_or_https_with_a_host_and_no_userinfo(
            s in "[a-zA-Z]{1,6}:(//)?[a-z0-9@.:/?#-]{0,24}"
        ) {
            if let Ok(url) = HttpUrl::parse(&s) {
                prop_assert!(matches!(url.url.scheme(), "http" | "https"));
                prop_assert!(url.host().is_some_and(|h| !h.is_empty()));
                prop_assert!(url.url.username().is_empty());
                prop_assert_eq!(url.as_str(), s.as_str());
            }
        }
    }
}
