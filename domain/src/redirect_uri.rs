//! Redirect URIs: what may be registered and how a requested one is matched (SPEC §4.1, §5).

use std::fmt;
use std::hash::{Hash, Hasher};

use url::Url;

use crate::client::ApplicationType;

/// Schemes never accepted (SPEC §5): those that run code or read local data in the browser
/// (RFC 9700 §4.1), those the browser handles itself instead of handing them to an app, and
/// those that start another program with the query as its input (mail, phone, Android
/// intents, OAuth's retired out-of-band `urn`).
const FORBIDDEN_SCHEMES: &[&str] = &[
    "javascript",
    "vbscript",
    "livescript",
    "data",
    "file",
    "blob",
    "about",
    "filesystem",
    "view-source",
    "jar",
    "res",
    "resource",
    "ftp",
    "ftps",
    "sftp",
    "ws",
    "wss",
    "gopher",
    "mailto",
    "news",
    "nntp",
    "tel",
    "callto",
    "sms",
    "mms",
    "facetime",
    "intent",
    "android-app",
    "content",
    "market",
    "chrome",
    "chrome-extension",
    "chrome-search",
    "chrome-untrusted",
    "devtools",
    "edge",
    "brave",
    "opera",
    "vivaldi",
    "moz-extension",
    "safari-extension",
    "ms-browser-extension",
    "search-ms",
    "urn",
];
/// Windows' own protocol handlers (`ms-settings:`, `ms-msdt:`…) start system programs.
const FORBIDDEN_SCHEME_PREFIX: &str = "ms-";
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
    /// A scheme that runs code, reads local data, is handled by the browser itself or starts
    /// another program (`javascript:`, `data:`, `file:`, `ws:`, `mailto:`, …).
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
    /// A private-use URI with nothing after the scheme (`myapp:`), which names no callback.
    EmptyPrivateUseUri,
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
                "redirect URIs must not use a scheme that runs code, reads local data, is handled by the browser or starts another program (javascript, data, file, ws, mailto and the like)"
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
            Self::EmptyPrivateUseUri => {
                "private-use redirect URIs must name a path after the scheme, such as com.example.app:/callback"
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

/// Whether `scheme` (lowercase) is one no redirect URI may use.
fn is_forbidden_scheme(scheme: &str) -> bool {
    FORBIDDEN_SCHEMES.contains(&scheme) || scheme.starts_with(FORBIDDEN_SCHEME_PREFIX)
}

/// An absolute redirect URI, kept exactly as it was written so that matching compares what
/// was registered (RFC 6749 §3.1.2, SPEC §4.1).
#[derive(Clone)]
pub struct RedirectUri {
    original: String,
    url: Url,
}

/// The pieces of the original string that matching compares.
struct RawParts<'a> {
    scheme: &'a str,
    /// `host[:port]` with any user information, for hierarchical URIs.
    authority: Option<&'a str>,
    /// The host without its port.
    host: Option<&'a str>,
    has_userinfo: bool,
    /// Path and query (everything after the authority, or after the scheme's colon).
    rest: &'a str,
}

fn raw_parts(original: &str) -> RawParts<'_> {
    let (scheme, after_scheme) = original.split_once(':').unwrap_or((original, ""));
    let Some(hierarchical) = after_scheme.strip_prefix("//") else {
        return RawParts {
            scheme,
            authority: None,
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
        authority: Some(authority),
        host: Some(host),
        has_userinfo: authority.contains('@'),
        rest,
    }
}

impl RawParts<'_> {
    /// Whether the path and query are the same, where an `http(s)` URI's empty path is `/`
    /// (RFC 3986 §6.2.3: `http://h:1` and `http://h:1/` are one URI).
    fn same_path_and_query(&self, other: &RawParts<'_>, http: bool) -> bool {
        let empty_path = |rest: &str| rest.is_empty() || rest.starts_with('?');
        match (http, empty_path(self.rest), empty_path(other.rest)) {
            (true, true, false) => other.rest.strip_prefix('/') == Some(self.rest),
            (true, false, true) => self.rest.strip_prefix('/') == Some(other.rest),
            _ => self.rest == other.rest,
        }
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
        if is_forbidden_scheme(url.scheme()) {
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

    fn is_http_or_https(&self) -> bool {
        matches!(self.scheme(), "http" | "https")
    }

    /// A private-use URI scheme (RFC 8252 §7.1): anything but `http` and `https`.
    pub fn is_private_use(&self) -> bool {
        !self.is_http_or_https()
    }

    /// Whether only a native client may register this URI: `http` on loopback or a
    /// private-use scheme (RFC 8252 §7.1, §7.3). Decides `application_type` when a client
    /// leaves it out (SPEC §5).
    pub fn is_native_only(&self) -> bool {
        self.is_loopback_http() || self.is_private_use()
    }

    /// Whether `requested` may be used where `self` was registered: the same string, except
    /// that an `http(s)` URI's empty path equals `/` (RFC 3986 §6.2.3) and an `http` loopback
    /// URI's port is ignored (RFC 8252 §7.3). Scheme, host, path and query compare exactly.
    pub fn matches(&self, requested: &RedirectUri) -> bool {
        if self.original == requested.original {
            return true;
        }
        let (registered, wanted) = (raw_parts(&self.original), raw_parts(&requested.original));
        if registered.scheme != wanted.scheme
            || !registered.same_path_and_query(&wanted, self.is_http_or_https())
        {
            return false;
        }
        match self.is_loopback_http() && requested.is_loopback_http() {
            true => registered.host == wanted.host,
            false => registered.authority == wanted.authority,
        }
    }

    /// Whether a client of `application_type` may register this URI (SPEC §5, RFC 8252 §7):
    /// `https` always; `http` only on loopback and only for native clients; any other
    /// (private-use) scheme only for native clients. Forbidden schemes never parse.
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
            _ if raw_parts(&self.original)
                .rest
                .trim_start_matches('/')
                .is_empty()
                && self.url.host_str().is_none_or(str::is_empty) =>
            {
                Err(RedirectUriError::EmptyPrivateUseUri)
            }
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
