//! Bearer tokens at the edge (RFC 6750): the one reader of the `Authorization` header and
//! the one builder of the `WWW-Authenticate` challenges that answer a missing or bad token.

use actix_web::http::header::{self, HeaderMap};
use tessera_domain::Scope;

/// An `Authorization` header that is not `Bearer <token>`: answered like a bad token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the Authorization header is not a bearer token")]
pub struct NotABearer;

/// The token of the `Authorization: Bearer` header: `Ok(None)` without the header, `Err`
/// when it is not a bearer token. Query strings are never looked at (RFC 6750 §2.3).
pub fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, NotABearer> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| NotABearer)?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(NotABearer),
    }
}

/// Why a request to a protected resource is challenged (RFC 6750 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    /// No token at all: the challenge carries no error code.
    NoToken,
    /// A malformed, unknown, expired or revoked token, or one for another audience.
    InvalidToken,
    /// A valid token without the scope the resource needs.
    InsufficientScope(Scope),
}

impl Challenge {
    /// The `WWW-Authenticate` value, naming the resource's metadata when it publishes one
    /// (RFC 9728 §5.1), in the parameter order SPEC §6 writes.
    pub fn header_value(self, resource_metadata: Option<&str>) -> String {
        let metadata = resource_metadata.map(|url| format!("resource_metadata=\"{url}\""));
        let params = match self {
            Self::NoToken => vec![metadata],
            Self::InvalidToken => vec![metadata, Some("error=\"invalid_token\"".to_owned())],
            Self::InsufficientScope(scope) => vec![
                Some("error=\"insufficient_scope\"".to_owned()),
                Some(format!("scope=\"{}\"", scope.as_str())),
                metadata,
            ],
        };
        let params: Vec<String> = params.into_iter().flatten().collect();
        match params.is_empty() {
            true => "Bearer".to_owned(),
            false => format!("Bearer {}", params.join(", ")),
        }
    }

    /// The RFC 6750 §3.1 error code (`invalid_request` for a missing token).
    pub fn code(self) -> &'static str {
        match self {
            Self::NoToken => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope(_) => "insufficient_scope",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn parse(value: Option<&str>) -> Result<Option<String>, NotABearer> {
        let mut req = TestRequest::default();
        if let Some(value) = value {
            req = req.insert_header(("authorization", value));
        }
        let req = req.to_http_request();
        bearer_token(req.headers()).map(|t| t.map(str::to_owned))
    }

    #[test]
    fn only_a_non_empty_bearer_token_is_read_and_other_schemes_are_refused() {
        assert_eq!(parse(None), Ok(None));
        assert_eq!(parse(Some("bearer  tat_x ")), Ok(Some("tat_x".into())));
        assert_eq!(parse(Some("Basic abc")), Err(NotABearer));
        assert_eq!(parse(Some("Bearer ")), Err(NotABearer));
        assert_eq!(parse(Some("Bearer")), Err(NotABearer));
    }

    #[test]
    fn the_challenges_follow_spec_section_6_with_and_without_metadata() {
        let m = Some("https://a.example/.well-known/oauth-protected-resource/x");
        let metadata =
            "resource_metadata=\"https://a.example/.well-known/oauth-protected-resource/x\"";
        assert_eq!(
            Challenge::NoToken.header_value(m),
            format!("Bearer {metadata}")
        );
        assert_eq!(
            Challenge::InvalidToken.header_value(m),
            format!("Bearer {metadata}, error=\"invalid_token\"")
        );
        assert_eq!(
            Challenge::InsufficientScope(Scope::Mcp).header_value(m),
            format!("Bearer error=\"insufficient_scope\", scope=\"mcp\", {metadata}")
        );
        assert_eq!(
            Challenge::InvalidToken.header_value(None),
            "Bearer error=\"invalid_token\""
        );
        assert_eq!(
            Challenge::InsufficientScope(Scope::Admin).header_value(None),
            "Bearer error=\"insufficient_scope\", scope=\"admin\""
        );
    }
}
