//! What stands before the MCP transport: the `Host` check against DNS rebinding, then the
//! access token (audience and `mcp` scope), answered with the challenges of SPEC §6.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, web};
use tessera_application::Ports;
use tessera_application::oauth::{BearerError, OAuthService};
use tessera_domain::{MCP_PATH, Scope, User};
use uuid::Uuid;

use crate::http::TrustedProxies;
use crate::postgres::McpSessionOwner;

/// Who calls the MCP endpoint, from the access token, for the tools.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The person the token acts for.
    pub user: User,
    /// The client the token was issued to.
    pub client_id: Uuid,
    /// The client's address (behind trusted proxies, from `X-Forwarded-For`), for the
    /// audit log.
    pub ip: Option<IpAddr>,
    /// The client's user agent, for the audit log.
    pub user_agent: Option<String>,
}

impl Caller {
    /// Who a session opened with this caller's token belongs to.
    pub(crate) fn owner(&self) -> McpSessionOwner {
        McpSessionOwner {
            user_id: self.user.id.as_uuid(),
            client_id: self.client_id,
        }
    }
}

/// The endpoint's identity: the host it answers to and the URLs its challenges name.
#[derive(Debug)]
pub(crate) struct GuardSettings {
    host: String,
    port: Option<u16>,
    resource: String,
    resource_metadata: String,
    trusted_proxies: TrustedProxies,
}

impl GuardSettings {
    pub(crate) fn new(access_url: &str, trusted_proxies: TrustedProxies) -> Self {
        let base = access_url.trim_end_matches('/');
        let url = url::Url::parse(base).ok();
        let path = url
            .as_ref()
            .map(|u| u.path().trim_end_matches('/').to_owned());
        Self {
            host: url
                .as_ref()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
                .unwrap_or_default(),
            port: url.as_ref().and_then(url::Url::port_or_known_default),
            resource: format!("{base}{MCP_PATH}"),
            resource_metadata: format!(
                "{}/.well-known/oauth-protected-resource{}{MCP_PATH}",
                url.as_ref()
                    .map(|u| u.origin().ascii_serialization())
                    .unwrap_or_default(),
                path.unwrap_or_default()
            ),
            trusted_proxies,
        }
    }

    /// The `Host` values rmcp's own DNS-rebinding check admits (defence in depth).
    pub(crate) fn allowed_hosts(&self) -> Vec<String> {
        let host = match self.host.contains(':') {
            true => format!("[{}]", self.host.trim_matches(['[', ']'])),
            false => self.host.clone(),
        };
        // With and without the port: behind a TLS-terminating proxy the scheme rmcp sees
        // is not the one clients used, so it cannot tell the default port itself.
        match self.port {
            Some(port) => vec![format!("{host}:{port}"), host],
            None => vec![host],
        }
    }

    /// Whether a `Host` header names this server (the default port may be left out).
    fn host_matches(&self, value: &str) -> bool {
        let Ok(authority) = value.parse::<http::uri::Authority>() else {
            return false;
        };
        let host = authority
            .host()
            .trim_matches(['[', ']'])
            .to_ascii_lowercase();
        host == self.host.trim_matches(['[', ']'])
            && authority.port_u16().or(self.port) == self.port
    }

    fn challenge(&self, error: Option<&str>) -> String {
        let metadata = format!("resource_metadata=\"{}\"", self.resource_metadata);
        match error {
            None => format!("Bearer {metadata}"),
            Some("insufficient_scope") => {
                format!("Bearer error=\"insufficient_scope\", scope=\"mcp\", {metadata}")
            }
            Some(error) => format!("Bearer {metadata}, error=\"{error}\""),
        }
    }

    fn refuse(&self, status: StatusCode, error: Option<&'static str>) -> HttpResponse {
        let description = match error {
            None => "An access token with the mcp scope is required.",
            Some("insufficient_scope") => "The access token lacks the mcp scope.",
            Some(_) => "The access token is invalid, expired, revoked or not for this resource.",
        };
        HttpResponse::build(status)
            .insert_header((header::WWW_AUTHENTICATE, self.challenge(error)))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({
                "error": error.unwrap_or("invalid_request"),
                "error_description": description,
            }))
    }
}

/// The bearer token of the `Authorization` header: `Ok(None)` without one, `Err` when
/// the header is not a bearer token. Query strings are never looked at (RFC 6750 §2.3).
fn bearer(req: &ServiceRequest) -> Result<Option<String>, ()> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(drop)?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(()),
    }
}

fn host_of(req: &ServiceRequest) -> Option<String> {
    match req.headers().get(header::HOST) {
        Some(host) => host.to_str().ok().map(str::to_owned),
        None => req.uri().authority().map(|a| a.as_str().to_owned()),
    }
}

/// The middleware: 403 for a foreign `Host`, 401/403 with challenges for a missing, bad
/// or under-scoped token; otherwise the [`Caller`] goes into the request's extensions.
pub(crate) async fn require_token<P: Ports>(
    settings: Arc<GuardSettings>,
    oauth: web::Data<OAuthService<P>>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let refuse = |req: ServiceRequest, response: HttpResponse| Ok(req.into_response(response));
    if !host_of(&req).is_some_and(|h| settings.host_matches(&h)) {
        let response = HttpResponse::Forbidden().json(serde_json::json!({
            "error": "forbidden",
            "error_description": "The Host header does not name this server.",
        }));
        return refuse(req, response);
    }
    let token = match bearer(&req) {
        Ok(Some(token)) => token,
        Ok(None) => return refuse(req, settings.refuse(StatusCode::UNAUTHORIZED, None)),
        Err(()) => {
            let response = settings.refuse(StatusCode::UNAUTHORIZED, Some("invalid_token"));
            return refuse(req, response);
        }
    };
    let record = match oauth
        .authenticate_bearer(&token, &settings.resource, Scope::Mcp)
        .await
    {
        Ok(record) => record,
        Err(BearerError::InvalidToken) => {
            let response = settings.refuse(StatusCode::UNAUTHORIZED, Some("invalid_token"));
            return refuse(req, response);
        }
        Err(BearerError::InsufficientScope(_)) => {
            let response = settings.refuse(StatusCode::FORBIDDEN, Some("insufficient_scope"));
            return refuse(req, response);
        }
        Err(BearerError::Repo(e)) => {
            let e: crate::http::ApiError = e.into();
            return Err(e.into());
        }
    };
    let caller = Caller {
        user: record.user,
        client_id: record.client_id,
        ip: settings.trusted_proxies.client_ip(req.request()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    req.extensions_mut().insert(caller);
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// rmcp-actix-web's `on_request` hook: hands the [`Caller`] to the MCP request context.
pub(crate) fn forward_caller(req: &HttpRequest, extensions: &mut rmcp::model::Extensions) {
    if let Some(caller) = req.extensions().get::<Caller>() {
        extensions.insert(caller.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_must_name_the_access_url_with_its_port_or_the_default_one() {
        let s = GuardSettings::new("http://127.0.0.1:3000", TrustedProxies::default());
        assert!(s.host_matches("127.0.0.1:3000"));
        assert!(!s.host_matches("127.0.0.1:3001"));
        assert!(!s.host_matches("evil.example:3000"));
        let https = GuardSettings::new("https://Auth.Example.com", TrustedProxies::default());
        assert!(https.host_matches("auth.example.com"));
        assert!(https.host_matches("auth.example.com:443"));
        assert!(!https.host_matches("auth.example.com.evil.example"));
        assert_eq!(
            https.allowed_hosts(),
            ["auth.example.com:443", "auth.example.com"]
        );
    }

    #[test]
    fn the_challenges_name_the_resource_metadata_as_spec_section_6_writes_them() {
        let s = GuardSettings::new("https://auth.example.com", TrustedProxies::default());
        let metadata = "https://auth.example.com/.well-known/oauth-protected-resource/api/experimental/mcp/http";
        assert_eq!(
            s.challenge(None),
            format!("Bearer resource_metadata=\"{metadata}\"")
        );
        assert_eq!(
            s.challenge(Some("invalid_token")),
            format!("Bearer resource_metadata=\"{metadata}\", error=\"invalid_token\"")
        );
        assert_eq!(
            s.challenge(Some("insufficient_scope")),
            format!(
                "Bearer error=\"insufficient_scope\", scope=\"mcp\", resource_metadata=\"{metadata}\""
            )
        );
    }

    #[test]
    fn an_access_url_with_a_path_puts_it_after_the_well_known_prefix() {
        let s = GuardSettings::new("https://example.com/auth", TrustedProxies::default());
        assert_eq!(
            s.resource,
            "https://example.com/auth/api/experimental/mcp/http"
        );
        assert!(s.challenge(None).contains(
            "https://example.com/.well-known/oauth-protected-resource/auth/api/experimental/mcp/http"
        ));
    }
}
