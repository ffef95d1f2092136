//! Redirect URIs: what may be registered and how a requested one is matched (SPEC §4.1, §5).

use std::fmt;
use std::hash::{Hash, Hasher};

use url::Url;

use crate::client::ApplicationType;

/// Schemes that would run code or read local data in the browser (RFC 9700 §4.1).
const FORBIDDEN_SCHEMES: [&str; 6] = ["javascript", "data", "file", "vbscript", "blob", "about"];
/// Longer redirect URIs are refused rather than stored.
const MAX_LEN: usize = 2048;
/// The loopback hosts of RFC 8252 §7.3, spelled exactly as the URI must spell them.
const LOOPBACK_IPS: [&str; 2] = ["127.0.0.1", "[::1]"];

/// Why a redirect URI was refused; each description is fixed and safe to send as
/// `error_description` (RFC 6749 §4.1.2.1, RFC 7591 §3.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectUriError {
    /// Over the length limit.
    TooLong,
    /// Whitespace, control characters or backslashes, which parsers disagree about.
    InvalidCharacter,
    /// Not an absolute URI (RFC 6749 §3.1.2).
    NotAbsolute,
    /// Has a fragment, even an empty one (RFC 6749 §3.1.2).
    HasFragment,
    /// A scheme that runs code or reads local data (`javascript:`, `data:`, `file:`, …).
    ForbiddenScheme,
    /// Carries a user name or password.
    HasUserinfo,
    /// An `http` or `https` URI without `//host`.
    MissingHost,
    /// `http` on a host other than `127.0.0.1`, `[::1]` or `localhost` (RFC 8252 §8.3).
    HttpRequiresLoopback,
    /// `http` loopback for a `web` client (RFC 8252 §7.3 is for native apps).
    HttpRequiresNative,
    /// A private-use scheme for a `web` client (RFC 8252 §7.1 is for native apps).
    PrivateUseSchemeRequiresNative,
    /// A scheme that is neither `https`, `http` nor a reverse-DNS name (RFC 8252 §7.1).
    SchemeNotAllowed,
}

impl RedirectUriError {
    /// The fixed human description, sent as `error_description`.
    pub fn description(&self) -> &'static str {
        match self {
            Self::TooLong => "redirect URIs must be at most 2048 characters long",
            Self::InvalidCharacter => {
                "redirect URIs must not contain whitespace, control characters or backslashes"
            }
            Self::NotAbsolute => "redirect URIs must be absolute URIs",
            Self::HasFragment => "redirect URIs must not contain a fragment",
            Self::ForbiddenScheme => {
                "redirect URIs must not use the javascript, data, file, vbscript, blob or about schemes"
            }
            Self::HasUserinfo => "redirect URIs must not contain user information",
            Self::MissingHost => "http and https redirect URIs must name a host",
            Self::HttpRequiresLoopback => {
                "http redirect URIs are allowed only on the loopback hosts 127.0.0.1, [::1] and localhost"
            }
            Self::HttpRequiresNative => {
                "http loopback redirect URIs are allowed only for native clients"
            }
            Self::PrivateUseSchemeRequiresNative => {
                "private-use URI schemes are allowed only for native clients"
            }
            Self::SchemeNotAllowed => {
                "redirect URIs must use https, http on a loopback host, or a reverse domain name scheme such as com.example.app"
            }
        }
    }
}

impl fmt::Display for RedirectUriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl std::error::Error for RedirectUriError {}

/// An absolute redirect URI, kept exactly as it was written so that matching compares what
/// was registered (RFC 6749 §3.1.2, SPEC §4.1).
#[derive(Clone)]
pub struct RedirectUri {
    original: String,
    url: Url,
}

/// The pieces of the original string that loopback matching compares.
struct RawParts<'a> {
    scheme: &'a str,
    host: Option<&'a str>,
    has_userinfo: bool,
    rest: &'a str,
}

fn raw_parts(original: &str) -> RawParts<'_> {
    let (scheme, after_scheme) = original.split_once(':').unwrap_or((original, ""));
    let Some(hierarchical) = after_scheme.strip_prefix("//") else {
        return RawParts {
            scheme,
            host: None,
            has_userinfo: false,
            rest: after_scheme,
        };
    };
    let end = hierarchical.find(['/', '?']).unwrap_or(hierarchical.len());
    let (authority, rest) = hierarchical.split_at(end);
    let host = match authority.strip_prefix('[') {
        Some(_) => authority.find(']').map_or(authority, |i| &authority[..=i]),
        None => authority
            .rsplit_once(':')
            .map_or(authority, |(host, _port)| host),
    };
    RawParts {
        scheme,
        host: Some(host),
        has_userinfo: authority.contains('@'),
        rest,
    }
}

impl RedirectUri {
    /// Accepts an absolute URI without fragment, user information or a dangerous scheme.
    pub fn parse(s: &str) -> Result<Self, RedirectUriError> {
        if s.len() > MAX_LEN {
            return Err(RedirectUriError::TooLong);
        }
        if s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
        {
            return Err(RedirectUriError::InvalidCharacter);
        }
        let url = Url::parse(s).map_err(|_| RedirectUriError::NotAbsolute)?;
        if FORBIDDEN_SCHEMES.contains(&url.scheme()) {
            return Err(RedirectUriError::ForbiddenScheme);
        }
        if s.contains('#') {
            return Err(RedirectUriError::HasFragment);
        }
        let raw = raw_parts(s);
        if raw.has_userinfo || !url.username().is_empty() || url.password().is_some() {
            return Err(RedirectUriError::HasUserinfo);
        }
        if matches!(url.scheme(), "http" | "https") && raw.host.is_none_or(str::is_empty) {
            return Err(RedirectUriError::MissingHost);
        }
        Ok(Self {
            original: s.to_owned(),
            url,
        })
    }

    /// The URI exactly as it was given.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// The scheme, lowercased.
    pub fn scheme(&self) -> &str {
        self.url.scheme()
    }

    /// The host as a browser would connect to it, shown plainly on the consent page.
    pub fn host(&self) -> Option<&str> {
        self.url.host_str()
    }

    /// Whether the host is written as `127.0.0.1`, `[::1]` or `localhost` (RFC 8252 §7.3).
    pub fn is_loopback(&self) -> bool {
        raw_parts(&self.original).host.is_some_and(|host| {
            LOOPBACK_IPS.contains(&host) || host.eq_ignore_ascii_case("localhost")
        })
    }

    fn is_loopback_http(&self) -> bool {
        self.scheme() == "http" && self.is_loopback()
    }

    /// Whether `requested` may be used where `self` was registered: the exact same string,
    /// or for `http` loopback URIs the same string apart from the port (RFC 8252 §7.3).
    pub fn matches(&self, requested: &RedirectUri) -> bool {
        if self.original == requested.original {
            return true;
        }
        if !(self.is_loopback_http() && requested.is_loopback_http()) {
            return false;
        }
        let (registered, requested) = (raw_parts(&self.original), raw_parts(&requested.original));
        registered.scheme == requested.scheme
            && registered.host == requested.host
            && registered.rest == requested.rest
    }

    /// Whether a client of `application_type` may register this URI (SPEC §5, RFC 8252 §7).
    pub fn validate_for_registration(
        &self,
        application_type: ApplicationType,
    ) -> Result<(), RedirectUriError> {
        let native = application_type == ApplicationType::Native;
        match self.scheme() {
            "https" => Ok(()),
            "http" if !self.is_loopback() => Err(RedirectUriError::HttpRequiresLoopback),
            "http" if !native => Err(RedirectUriError::HttpRequiresNative),
            "http" => Ok(()),
            scheme if !scheme.contains('.') => Err(RedirectUriError::SchemeNotAllowed),
            _ if !native => Err(RedirectUriError::PrivateUseSchemeRequiresNative),
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RedirectUri").field(&self.original).finish()
    }
}

impl PartialEq for RedirectUri {
    fn eq(&self, other: &Self) -> bool {
        self.original == other.original
    }
}

impl Eq for RedirectUri {}

impl Hash for RedirectUri {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.original.hash(state);
    }
}

#[cfg(test)]
mod tests;
