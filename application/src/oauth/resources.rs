//! Which `resource` a request may name (RFC 8707, SPEC §4 Audience and §9): tessera
//! itself, its MCP endpoint, or a protected MCP server registered now.

use tessera_domain::{McpServer, OAuthError, Target};

use super::{FlowError, OAuthService};
use crate::ports::{McpServerRepository, Ports};

fn invalid_target() -> FlowError {
    FlowError::refused(
        OAuthError::InvalidTarget,
        "resource must be this server, its MCP endpoint or a protected MCP server.",
    )
}

impl<P: Ports> OAuthService<P> {
    /// Registers the protected MCP servers whose URLs `resource` may name, and whose
    /// introspection credentials `/oauth2/introspect` accepts.
    pub fn with_protected_servers(mut self, servers: P::McpServers) -> Self {
        self.mcp_servers = Some(servers);
        self
    }

    /// The canonical form of a requested `resource`, and the protected server it names, if
    /// any; `invalid_target` for anything this server does not serve now.
    pub(super) async fn resolve_resource(
        &self,
        resource: &str,
    ) -> Result<(String, Option<McpServer>), FlowError> {
        match self.resources.target(resource) {
            Ok(Target::Own(url)) => Ok((url, None)),
            Ok(Target::Protected { slug, url }) => {
                let Some(servers) = &self.mcp_servers else {
                    return Err(invalid_target());
                };
                let server = servers.find(&slug).await?.ok_or_else(invalid_target)?;
                Ok((url, Some(server)))
            }
            Err(_) => Err(invalid_target()),
        }
    }

    /// Refuses a token request whose `resource` names a protected server that is not
    /// registered (any more); the grant's own coverage is checked when the tokens are minted.
    pub(super) async fn check_requested_resource(
        &self,
        resource: Option<&str>,
    ) -> Result<(), FlowError> {
        match resource {
            Some(r) if self.resources.protected_slug(r).is_some() => {
                self.resolve_resource(r).await.map(drop)
            }
            _ => Ok(()),
        }
    }
}
