//! What the relay answers instead of relaying: a foreign `Host` (403), an unknown server
//! (404), the §6 challenges naming this server's metadata and scope (401/403), a body over
//! the limit (413), and failures of tessera itself (500/503).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use tessera_application::RepoError;
use tessera_domain::{McpServer, Scope};

use crate::http::{ApiError, Challenge};

/// Whether a `Host` header names this server (DNS-rebinding protection, SPEC §6); the
/// default port may be left out.
#[derive(Debug, Clone)]
pub struct HostCheck {
    host: String,
    port: Option<u16>,
}

impl HostCheck {
    /// The host and port of `access_url`.
    pub fn new(access_url: &str) -> Self {
        let url = url::Url::parse(access_url).ok();
        Self {
            host: url
                .as_ref()
                .and_then(|u| u.host_str())
                .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
                .unwrap_or_default(),
            port: url.as_ref().and_then(url::Url::port_or_known_default),
        }
    }

    /// Whether `req`'s `Host` names this server.
    pub fn admits(&self, req: &HttpRequest) -> bool {
        let value = match req.headers().get(header::HOST) {
            Some(host) => host.to_str().ok().map(str::to_owned),
            None => req.uri().authority().map(|a| a.as_str().to_owned()),
        };
        value.is_some_and(|v| self.matches(&v))
    }

    fn matches(&self, value: &str) -> bool {
        let Ok(authority) = value.parse::<http::uri::Authority>() else {
            return false;
        };
        let host = authority
            .host()
            .trim_matches(['[', ']'])
            .to_ascii_lowercase();
        host == self.host && authority.port_u16().or(self.port) == self.port
    }
}

/// Why a request is not relayed.
#[derive(Debug)]
pub(super) enum Refusal {
    /// `Host` is not `access_url`'s host.
    ForeignHost,
    /// No server has this slug.
    UnknownServer,
    /// No bearer token.
    NoToken,
    /// A bad token, or one for another audience.
    InvalidToken,
    /// A token without any of the server's scopes.
    InsufficientScope(Scope),
    /// A body over the limit.
    TooLarge,
    /// tessera itself failed.
    Unexpected(ApiError),
}

impl From<RepoError> for Refusal {
    fn from(e: RepoError) -> Self {
        Refusal::Unexpected(e.into())
    }
}

/// The `WWW-Authenticate` value of a refusal at `server` (RFC 6750 §3, RFC 9728 §5.1).
pub(super) fn challenge(metadata_url: &str, refusal: &Refusal) -> String {
    let challenge = match refusal {
        Refusal::InsufficientScope(scope) => Challenge::InsufficientScope(*scope),
        Refusal::InvalidToken => Challenge::InvalidToken,
        _ => Challenge::NoToken,
    };
    challenge.header_value(Some(metadata_url))
}

fn json(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "error": error, "error_description": description }))
}

impl Refusal {
    /// Status, `error` and description of a refusal tessera answers itself.
    fn parts(&self) -> Option<(StatusCode, &'static str, &'static str)> {
        Some(match self {
            Refusal::ForeignHost => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "The Host header does not name this server.",
            ),
            Refusal::UnknownServer => (
                StatusCode::NOT_FOUND,
                "not_found",
                "No MCP server is served at this URL.",
            ),
            Refusal::NoToken => (
                StatusCode::UNAUTHORIZED,
                "invalid_request",
                "An access token for this MCP server is required.",
            ),
            Refusal::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "The access token is invalid, expired, revoked or not for this MCP server.",
            ),
            Refusal::InsufficientScope(_) => (
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                "The access token lacks the scope this MCP server needs.",
            ),
            Refusal::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is larger than 1 MiB.",
            ),
            Refusal::Unexpected(_) => return None,
        })
    }

    /// The response; token refusals at a known `server` carry its challenge.
    pub(super) fn response(self, server: Option<&McpServer>, access_url: &str) -> HttpResponse {
        let Some((status, error, description)) = self.parts() else {
            return match self {
                Refusal::Unexpected(e) => actix_web::ResponseError::error_response(&e),
                _ => HttpResponse::InternalServerError().finish(),
            };
        };
        let mut response = json(status, error, description);
        let challenged = matches!(
            self,
            Refusal::NoToken | Refusal::InvalidToken | Refusal::InsufficientScope(_)
        );
        if let (true, Some(server)) = (challenged, server) {
            let url = crate::http::protected_metadata_url(access_url, &server.draft.slug);
            if let Ok(value) = header::HeaderValue::from_str(&challenge(&url, &self)) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_host_must_name_the_access_url_with_its_port_or_the_default_one() {
        let check = HostCheck::new("http://127.0.0.1:3000");
        let with = |host: &str| {
            TestRequest::default()
                .insert_header(("host", host))
                .to_http_request()
        };
        assert!(check.admits(&with("127.0.0.1:3000")));
        assert!(!check.admits(&with("127.0.0.1:3001")));
        assert!(!check.admits(&with("evil.example:3000")));
        let https = HostCheck::new("https://Auth.Example.com/base");
        assert!(https.admits(&with("auth.example.com")));
        assert!(https.admits(&with("auth.example.com:443")));
        assert!(!https.admits(&with("auth.example.com.evil.example")));
    }

    #[test]
    fn the_challenges_name_the_servers_metadata_and_scope() {
        let url = "https://auth.example.com/.well-known/oauth-protected-resource/mcp/docs";
        assert_eq!(
            challenge(url, &Refusal::NoToken),
            format!("Bearer resource_metadata=\"{url}\"")
        );
        assert_eq!(
            challenge(url, &Refusal::InvalidToken),
            format!("Bearer resource_metadata=\"{url}\", error=\"invalid_token\"")
        );
        assert_eq!(
            challenge(url, &Refusal::InsufficientScope(Scope::UserRead)),
            format!(
                "Bearer error=\"insufficient_scope\", scope=\"user:read\", resource_metadata=\"{url}\""
            )
        );
    }
}
