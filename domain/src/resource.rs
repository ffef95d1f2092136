//! Resource indicators and token audiences (RFC 8707, SPEC §4 Audience).

use url::Url;

/// Where the MCP endpoint lives below `access_url` (SPEC §6).
pub const MCP_PATH: &str = "/api/experimental/mcp/http";

/// Longest `resource` accepted.
const MAX_LEN: usize = 2048;

/// Why a `resource` parameter was refused (`invalid_target`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    /// Not an absolute URI, too long, or with a fragment (RFC 8707 §2).
    #[error("resource must be an absolute URI without a fragment")]
    Malformed,
    /// Well formed, but not a resource this server serves.
    #[error("resource is not served by this server")]
    Unknown,
}

/// The resources this server serves: the API (`access_url`) and the MCP endpoint. A token's
/// audience is one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resources {
    server: String,
    mcp: String,
}

impl Resources {
    /// The resources of a server whose `access_url` is `access_url` (no trailing slash).
    pub fn new(access_url: &str) -> Self {
        let server = access_url.trim_end_matches('/').to_owned();
        let mcp = format!("{server}{MCP_PATH}");
        Self { server, mcp }
    }

    /// The API, and the audience of a token issued without `resource`.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The MCP endpoint's URL.
    pub fn mcp(&self) -> &str {
        &self.mcp
    }

    /// The canonical form of a requested `resource`, if this server serves it. A bare
    /// origin written with a trailing `/` (as URL libraries print it) names the server.
    pub fn recognise(&self, resource: &str) -> Result<&str, ResourceError> {
        if resource.len() > MAX_LEN || resource.contains('#') || Url::parse(resource).is_err() {
            return Err(ResourceError::Malformed);
        }
        let trimmed = resource.strip_suffix('/').unwrap_or(resource);
        if resource == self.server || (trimmed == self.server && !self.has_path()) {
            Ok(&self.server)
        } else if resource == self.mcp {
            Ok(&self.mcp)
        } else {
            Err(ResourceError::Unknown)
        }
    }

    /// Whether a token whose audience is `audience` may be used at `resource`: its own
    /// resource, or the server as a whole, which every resource accepts.
    pub fn admits(&self, audience: &str, resource: &str) -> bool {
        audience == resource || audience == self.server
    }

    /// The audience of a token (SPEC §4 Audience): the `resource` the token request names,
    /// if the grant covers it (the granted resource itself, or any when the grant named none
    /// or the whole server); else the granted resource; else the server.
    pub fn audience_for(
        &self,
        granted: Option<&str>,
        requested: Option<&str>,
    ) -> Result<String, ResourceError> {
        match requested {
            None => Ok(granted.unwrap_or(&self.server).to_owned()),
            Some(requested) => {
                let canonical = self.recognise(requested)?;
                match granted {
                    Some(g) if g != canonical && g != self.server => Err(ResourceError::Unknown),
                    _ => Ok(canonical.to_owned()),
                }
            }
        }
    }

    fn has_path(&self) -> bool {
        self.server
            .split_once("://")
            .is_some_and(|(_, rest)| rest.contains('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resources() -> Resources {
        Resources::new("https://auth.example.com")
    }

    #[test]
    fn the_server_and_the_mcp_endpoint_are_recognised_in_canonical_form() {
        let r = resources();
        assert_eq!(
            r.recognise("https://auth.example.com"),
            Ok("https://auth.example.com")
        );
        assert_eq!(
            r.recognise("https://auth.example.com/"),
            Ok("https://auth.example.com")
        );
        assert_eq!(
            r.recognise("https://auth.example.com/api/experimental/mcp/http"),
            Ok("https://auth.example.com/api/experimental/mcp/http")
        );
    }

    #[test]
    fn foreign_relative_and_fragment_resources_are_refused() {
        let r = resources();
        assert_eq!(
            r.recognise("https://evil.example"),
            Err(ResourceError::Unknown)
        );
        assert_eq!(
            r.recognise("https://auth.example.com/api/experimental/mcp/http/"),
            Err(ResourceError::Unknown)
        );
        assert_eq!(r.recognise("/api"), Err(ResourceError::Malformed));
        assert_eq!(
            r.recognise("https://auth.example.com#x"),
            Err(ResourceError::Malformed)
        );
    }

    #[test]
    fn a_server_under_a_path_does_not_treat_a_trailing_slash_as_itself() {
        let r = Resources::new("https://example.com/auth");
        assert_eq!(
            r.recognise("https://example.com/auth"),
            Ok("https://example.com/auth")
        );
        assert_eq!(
            r.recognise("https://example.com/auth/"),
            Err(ResourceError::Unknown)
        );
    }

    #[test]
    fn the_audience_narrows_to_a_granted_resource_and_never_widens() {
        let r = resources();
        assert_eq!(r.audience_for(None, None).unwrap(), r.server());
        assert_eq!(r.audience_for(Some(r.mcp()), None).unwrap(), r.mcp());
        assert_eq!(r.audience_for(None, Some(r.mcp())).unwrap(), r.mcp());
        assert_eq!(
            r.audience_for(Some(r.server()), Some(r.mcp())).unwrap(),
            r.mcp()
        );
        assert_eq!(
            r.audience_for(Some(r.mcp()), Some(r.server())),
            Err(ResourceError::Unknown)
        );
        assert_eq!(
            r.audience_for(None, Some("https://other.example")),
            Err(ResourceError::Unknown)
        );
    }

    #[test]
    fn a_server_wide_token_is_admitted_everywhere_and_an_mcp_token_only_at_mcp() {
        let r = resources();
        assert!(r.admits(r.server(), r.mcp()));
        assert!(r.admits(r.mcp(), r.mcp()));
        assert!(!r.admits(r.mcp(), r.server()));
    }
}
