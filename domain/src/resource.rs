//! Resource indicators and token audiences (RFC 8707, SPEC §4 Audience).

use url::Url;

use crate::{PROTECTED_PATH, ServerSlug};

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

/// What a well-formed `resource` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// tessera itself: the API (`access_url`) or its MCP endpoint, in canonical form.
    Own(String),
    /// A protected MCP server's URL (SPEC §9), if a server with this slug is registered.
    Protected {
        /// The slug the URL names.
        slug: ServerSlug,
        /// The URL, `<access_url>/mcp/<slug>`.
        url: String,
    },
}

impl Target {
    /// The resource URL in canonical form.
    pub fn url(&self) -> &str {
        match self {
            Self::Own(url) | Self::Protected { url, .. } => url,
        }
    }
}

/// The resources this server serves: the API (`access_url`), the MCP endpoint, and the
/// protected MCP servers' URLs. A token's audience is one of them.
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

    /// What a requested `resource` names: tessera itself, or (shape only: the caller checks
    /// the registry) a protected server's URL `<access_url>/mcp/<slug>`.
    pub fn target(&self, resource: &str) -> Result<Target, ResourceError> {
        match self.recognise(resource) {
            Ok(own) => Ok(Target::Own(own.to_owned())),
            Err(ResourceError::Unknown) => self
                .protected_slug(resource)
                .map(|slug| Target::Protected {
                    slug,
                    url: resource.to_owned(),
                })
                .ok_or(ResourceError::Unknown),
            Err(e) => Err(e),
        }
    }

    /// The slug of a protected server's URL, if `resource` is shaped like one.
    pub fn protected_slug(&self, resource: &str) -> Option<ServerSlug> {
        let prefix = format!("{}{PROTECTED_PATH}/", self.server);
        resource
            .strip_prefix(&prefix)
            .and_then(|slug| ServerSlug::parse(slug).ok())
    }

    /// Whether a token whose audience is `audience` may be used at `resource` (one of
    /// tessera's own): its own resource, or the server as a whole. A token for a protected
    /// server is never accepted here.
    pub fn admits(&self, audience: &str, resource: &str) -> bool {
        audience == resource || audience == self.server
    }

    /// The audience of a token (SPEC §4 Audience): the `resource` the token request names,
    /// if the grant covers it (the granted resource itself, or any of tessera's own when the
    /// grant named none or the whole server); else the granted resource; else the server.
    /// A protected server's URL is covered only by a grant for exactly that server: the
    /// person was asked about it by name on the consent page.
    pub fn audience_for(
        &self,
        granted: Option<&str>,
        requested: Option<&str>,
    ) -> Result<String, ResourceError> {
        match requested {
            None => Ok(granted.unwrap_or(&self.server).to_owned()),
            Some(requested) => match self.target(requested)? {
                Target::Own(canonical) => match granted {
                    Some(g) if g != canonical && g != self.server => Err(ResourceError::Unknown),
                    _ => Ok(canonical),
                },
                Target::Protected { url, .. } => match granted {
                    Some(g) if g == url => Ok(url),
                    _ => Err(ResourceError::Unknown),
                },
            },
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
    fn a_protected_servers_url_is_recognised_by_its_shape_below_the_access_url() {
        let r = resources();
        let docs = "https://auth.example.com/mcp/docs";
        assert_eq!(
            r.target(docs),
            Ok(Target::Protected {
                slug: ServerSlug::parse("docs").unwrap(),
                url: docs.into()
            })
        );
        assert_eq!(
            r.target("https://auth.example.com"),
            Ok(Target::Own("https://auth.example.com".into()))
        );
        for bad in [
            "https://auth.example.com/mcp/Docs",
            "https://auth.example.com/mcp/docs/",
            "https://auth.example.com/mcp/",
            "https://other.example/mcp/docs",
        ] {
            assert_eq!(r.target(bad), Err(ResourceError::Unknown), "{bad}");
        }
    }

    #[test]
    fn a_protected_audience_is_granted_only_when_the_authorization_named_that_server() {
        let r = resources();
        let docs = "https://auth.example.com/mcp/docs";
        let other = "https://auth.example.com/mcp/other";
        assert_eq!(r.audience_for(Some(docs), None).unwrap(), docs);
        assert_eq!(r.audience_for(Some(docs), Some(docs)).unwrap(), docs);
        assert_eq!(
            r.audience_for(None, Some(docs)),
            Err(ResourceError::Unknown)
        );
        assert_eq!(
            r.audience_for(Some(r.server()), Some(docs)),
            Err(ResourceError::Unknown)
        );
        assert_eq!(
            r.audience_for(Some(docs), Some(other)),
            Err(ResourceError::Unknown)
        );
        assert_eq!(
            r.audience_for(Some(docs), Some(r.server())),
            Err(ResourceError::Unknown)
        );
    }

    #[test]
    fn a_token_for_a_protected_server_is_not_admitted_by_tesseras_own_resources() {
        let r = resources();
        let docs = "https://auth.example.com/mcp/docs";
        assert!(!r.admits(docs, r.server()));
        assert!(!r.admits(docs, r.mcp()));
    }

    #[test]
    fn a_server_wide_token_is_admitted_everywhere_and_an_mcp_token_only_at_mcp() {
        let r = resources();
        assert!(r.admits(r.server(), r.mcp()));
        assert!(r.admits(r.mcp(), r.mcp()));
        assert!(!r.admits(r.mcp(), r.server()));
    }
}
