//! What stands before the MCP transport: the `Host` check against DNS rebinding, then the
//! access token (audience and `mcp` scope), answered with the challenges of SPEC §6.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, web};
use tessera_application::Ports;
use tessera_application::admin::{Admin, Origin};
use tessera_application::oauth::{BearerError, McpCaller, OAuthService};
use tessera_application::ports::Actor;
use tessera_domain::{MCP_PATH, User};
use uuid::Uuid;

use crate::http::{ApiError, Challenge, TrustedProxies, bearer_token};
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
    /// The admin capability, when the person is an admin (the tools follow their role).
    pub admin: Option<Admin>,
}

impl Caller {
    /// Who the audit log names for this caller's changes.
    pub(crate) fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id.as_uuid()),
            name: self.user.username.as_str().to_owned(),
            ip: self.ip,
            user_agent: self.user_agent.clone(),
        }
    }

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

    /// The refusal of a token at this endpoint, with its challenge (SPEC §6).
    fn refusal(&self, challenge: Challenge) -> ApiError {
        let description = match challenge {
            Challenge::NoToken => "An access token with the mcp scope is required.",
            Challenge::InsufficientScope(_) => "The access token lacks the mcp scope.",
            Challenge::InvalidToken => {
                "The access token is invalid, expired, revoked or not for this resource."
            }
        };
        ApiError::Challenged {
            challenge,
            resource_metadata: self.resource_metadata.clone(),
            description,
        }
    }

    /// Where `req` came from (behind trusted proxies), for the audit log.
    fn origin(&self, req: &ServiceRequest) -> Origin {
        Origin {
            ip: self.trusted_proxies.client_ip(req.request()),
            user_agent: header_text(req, header::USER_AGENT),
        }
    }

    /// The refusal of a bearer error at this endpoint.
    fn refused(&self, e: BearerError) -> ApiError {
        match e {
            BearerError::InvalidToken => self.refusal(Challenge::InvalidToken),
            BearerError::InsufficientScope(scope) => {
                self.refusal(Challenge::InsufficientScope(scope))
            }
            BearerError::Repo(e) => e.into(),
        }
    }
}

fn header_text(req: &ServiceRequest, name: header::HeaderName) -> Option<String> {
    let value = req.headers().get(name)?;
    value.to_str().ok().map(str::to_owned)
}

fn host_of(req: &ServiceRequest) -> Option<String> {
    match req.headers().get(header::HOST) {
        Some(_) => header_text(req, header::HOST),
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
    match authenticate(&settings, &oauth, &req).await {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(e) => Ok(req.error_response(e)),
    }
}

/// The caller of `req`, or why they are refused.
async fn authenticate<P: Ports>(
    settings: &GuardSettings,
    oauth: &OAuthService<P>,
    req: &ServiceRequest,
) -> Result<Caller, ApiError> {
    if !host_of(req).is_some_and(|h| settings.host_matches(&h)) {
        return Err(ApiError::ForeignHost);
    }
    let token = bearer_token(req.headers())
        .map_err(|_| settings.refusal(Challenge::InvalidToken))?
        .ok_or_else(|| settings.refusal(Challenge::NoToken))?;
    let origin = settings.origin(req);
    let McpCaller { record, admin } = oauth
        .authenticate_mcp_caller(token, &settings.resource, origin.clone())
        .await
        .map_err(|e| settings.refused(e))?;
    Ok(Caller {
        user: record.user,
        client_id: record.client_id,
        ip: origin.ip,
        user_agent: origin.user_agent,
        admin,
    })
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
    fn the_refusals_name_the_resource_metadata_as_spec_section_6_writes_it() {
        let s = GuardSettings::new("https://auth.example.com", TrustedProxies::default());
        let metadata = "https://auth.example.com/.well-known/oauth-protected-resource/api/experimental/mcp/http";
        match s.refusal(Challenge::NoToken) {
            ApiError::Challenged {
                resource_metadata, ..
            } => assert_eq!(resource_metadata, metadata),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_access_url_with_a_path_puts_it_after_the_well_known_prefix() {
        let s = GuardSettings::new("https://example.com/auth", TrustedProxies::default());
        assert_eq!(
            s.resource,
            "https://example.com/auth/api/experimental/mcp/http"
        );
        assert_eq!(
            s.resource_metadata,
            "https://example.com/.well-known/oauth-protected-resource/auth/api/experimental/mcp/http"
        );
    }
}
