//! Protected MCP servers (SPEC §9): other MCP servers that tessera fronts at
//! `<access_url>/mcp/<slug>`, and the rule that decides which tokens work there.

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::{AppName, FieldProblem, HttpUrl, Scope, ScopeSet};

/// Where protected servers live below `access_url`: `<access_url>/mcp/<slug>`.
pub const PROTECTED_PATH: &str = "/mcp";
/// The shortest request timeout an admin may set.
const MIN_TIMEOUT: Duration = Duration::seconds(1);
/// The longest request timeout an admin may set.
const MAX_TIMEOUT: Duration = Duration::hours(1);
/// The timeout of a server that sets none: how long the upstream may take to start answering.
pub const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::seconds(30);

/// A protected server's name in its URL: `[a-z0-9-]{1,40}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerSlug(String);

/// Why a slug was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("slug must be 1 to 40 characters of a-z, 0-9 and -")]
pub struct ServerSlugError;

impl ServerSlug {
    /// Accepts 1 to 40 lowercase ASCII letters, digits and hyphens.
    pub fn parse(s: &str) -> Result<Self, ServerSlugError> {
        let valid = (1..=40).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        match valid {
            true => Ok(Self(s.to_owned())),
            false => Err(ServerSlugError),
        }
    }

    /// The slug as written in URLs.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an admin sets for a protected server, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpServerDraft {
    /// Its name in URLs; fixed once created (it is part of the tokens' audience).
    pub slug: ServerSlug,
    /// Shown on consent ("Use *Docs MCP* on your behalf") and in the metadata.
    pub name: AppName,
    /// Where requests are relayed: http or https, internal addresses allowed (an admin chose it).
    pub upstream: HttpUrl,
    /// The scopes a token must carry one of; `["mcp"]` unless set.
    pub scopes: ScopeSet,
    /// How long the upstream may take to start answering; [`DEFAULT_UPSTREAM_TIMEOUT`] unless set.
    pub timeout: Option<Duration>,
}

/// The raw fields of a draft as the API or the page received them.
#[derive(Debug, Clone, Copy, Default)]
pub struct McpServerInput<'a> {
    /// `slug`.
    pub slug: &'a str,
    /// `name`.
    pub name: &'a str,
    /// `upstream_url`.
    pub upstream_url: &'a str,
    /// `scopes`, when sent.
    pub scopes: Option<&'a [String]>,
    /// `timeout_seconds`, when sent.
    pub timeout_seconds: Option<i64>,
}

impl McpServerDraft {
    /// Validates every field and names each bad one.
    pub fn parse(input: McpServerInput<'_>) -> Result<Self, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let mut note = |field: &str, detail: String| {
            problems.push(FieldProblem {
                field: field.into(),
                detail,
            })
        };
        let slug = ServerSlug::parse(input.slug)
            .map_err(|e| note("slug", e.to_string()))
            .ok();
        let name = AppName::parse(input.name)
            .map_err(|e| note("name", e.to_string()))
            .ok();
        let upstream = match HttpUrl::parse(input.upstream_url.trim()) {
            Ok(url) if url.as_str().contains('#') => {
                note("upstream_url", "URL must not have a fragment".into());
                None
            }
            Ok(url) => Some(url),
            Err(e) => {
                note("upstream_url", e.to_string());
                None
            }
        };
        let scopes = match input.scopes {
            None => Some(ScopeSet::from_scopes([Scope::Mcp])),
            Some([]) => {
                note("scopes", "must name at least one scope".into());
                None
            }
            Some(list) => ScopeSet::parse(&list.join(" "))
                .map_err(|e| note("scopes", e.to_string()))
                .ok(),
        };
        let timeout = match input.timeout_seconds.map(Duration::seconds) {
            Some(t) if !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(&t) => {
                note("timeout_seconds", "must be between 1 and 3600".into());
                None
            }
            other => Some(other),
        };
        match (slug, name, upstream, scopes, timeout) {
            (Some(slug), Some(name), Some(upstream), Some(scopes), Some(timeout))
                if problems.is_empty() =>
            {
                Ok(Self {
                    slug,
                    name,
                    upstream,
                    scopes,
                    timeout,
                })
            }
            _ => Err(problems),
        }
    }

    /// The timeout in force: the one set, or [`DEFAULT_UPSTREAM_TIMEOUT`].
    pub fn effective_timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_UPSTREAM_TIMEOUT)
    }
}

/// A protected MCP server as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpServer {
    /// Its id.
    pub id: Uuid,
    /// What the admin set.
    pub draft: McpServerDraft,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

/// Why a token is not accepted at a protected server (SPEC §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// For another audience (tessera itself, or another server): 401 `invalid_token`.
    WrongAudience,
    /// For this server, but with none of its scopes: 403 `insufficient_scope`, naming this one.
    InsufficientScope(Scope),
}

/// The URL a server with `slug` is served at, below `access_url` (no trailing slash).
pub fn protected_resource_url(access_url: &str, slug: &ServerSlug) -> String {
    format!(
        "{}{PROTECTED_PATH}/{}",
        access_url.trim_end_matches('/'),
        slug.as_str()
    )
}

impl McpServer {
    /// Its resource URL (RFC 8707), the only audience it accepts.
    pub fn resource_url(&self, access_url: &str) -> String {
        protected_resource_url(access_url, &self.draft.slug)
    }

    /// Whether a live token with `audience` and `scopes` may be used here: its audience must
    /// be exactly `resource` (this server's URL; a token for tessera itself or for another
    /// server is refused) and it must carry one of this server's scopes.
    pub fn admits(&self, resource: &str, audience: &str, scopes: &ScopeSet) -> Result<(), Refusal> {
        if audience != resource {
            return Err(Refusal::WrongAudience);
        }
        let accepted = &self.draft.scopes;
        match accepted.iter().any(|s| scopes.covers(s)) {
            true => Ok(()),
            false => Err(Refusal::InsufficientScope(
                accepted.iter().next().unwrap_or(Scope::Mcp),
            )),
        }
    }
}

#[cfg(test)]
mod tests;
