//! Protected MCP servers (SPEC §9): the registry admins manage, with its audit trail, the
//! introspection credentials of detached resource servers, and (in [`relay`]) admitting a
//! relayed request as a verified, signed identity.

mod relay;
#[cfg(test)]
mod tests;

pub use relay::{Admission, RelayError};

use crate::ports::Rng as _;
use tessera_domain::{
    AppSecretInfo, Credential, CredentialKind, FieldProblem, McpServer, McpServerDraft, ServerSlug,
};
use uuid::Uuid;

use crate::admin::Admin;
use crate::issue_credential;
use crate::ports::{
    Actor, AssertionSigner, AuditEntry, Clock, Details, McpServerRepository, NewServerCredential,
    Ports, PublicSigningKey, RepoError,
};

/// Why an operation on the registry failed.
#[derive(Debug, thiserror::Error)]
pub enum McpServerError {
    /// Fields failed validation (or the slug is taken); each is named.
    #[error("invalid protected MCP server")]
    Invalid(Vec<FieldProblem>),
    /// No such server (or credential).
    #[error("not found")]
    NotFound,
    /// A repository failure.
    #[error(transparent)]
    Repo(RepoError),
}

impl From<RepoError> for McpServerError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::Conflict { field } => Self::Invalid(vec![FieldProblem {
                field: field.into(),
                detail: "a protected MCP server with this slug already exists".into(),
            }]),
            other => Self::Repo(other),
        }
    }
}

/// Use cases of protected MCP servers: the admin registry and the relay's admission.
#[derive(Debug)]
pub struct McpServerService<P: Ports> {
    servers: P::McpServers,
    grants: P::Grants,
    clients: P::Clients,
    signer: P::Signer,
    clock: P::Clock,
    rng: P::Rng,
    access_url: String,
}

/// The ports the service needs, named so that `new` stays readable.
#[derive(Debug)]
pub struct McpServerPorts<P: Ports> {
    /// The registry.
    pub servers: P::McpServers,
    /// Access tokens, to admit relayed requests.
    pub grants: P::Grants,
    /// Clients, for the public `client_id` of the caller.
    pub clients: P::Clients,
    /// The assertion signer.
    pub signer: P::Signer,
    /// The time.
    pub clock: P::Clock,
    /// Randomness, for credentials.
    pub rng: P::Rng,
}

impl<P: Ports> McpServerService<P> {
    /// Wires the service to its ports and `access_url` (the issuer, and the base of every
    /// protected server's URL).
    pub fn new(ports: McpServerPorts<P>, access_url: &str) -> Self {
        Self {
            servers: ports.servers,
            grants: ports.grants,
            clients: ports.clients,
            signer: ports.signer,
            clock: ports.clock,
            rng: ports.rng,
            access_url: access_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The URL `server` is served at, its tokens' only audience.
    pub fn resource_url(&self, server: &McpServer) -> String {
        server.resource_url(&self.access_url)
    }

    fn entry(
        &self,
        actor: &Actor,
        action: &'static str,
        target_type: &'static str,
        id: String,
        details: Details,
    ) -> AuditEntry {
        AuditEntry {
            actor: actor.clone(),
            action,
            target_type,
            target_id: id,
            at: self.clock.now(),
            details,
        }
    }

    /// Registers a server.
    #[tracing::instrument(skip_all, fields(slug = %draft.slug.as_str()))]
    pub async fn create_server(
        &self,
        admin: &Admin,
        draft: McpServerDraft,
    ) -> Result<McpServer, McpServerError> {
        let actor = admin.actor();
        let now = self.clock.now();
        let server = McpServer {
            id: self.rng.uuid(),
            draft,
            created_at: now,
            updated_at: now,
        };
        let audit = self.entry(
            actor,
            "create",
            "mcp_server",
            slug_of(&server),
            describe(&server),
        );
        self.servers.insert(&server, &audit).await?;
        Ok(server)
    }

    /// Replaces a server's name, upstream, scopes and timeout; its slug cannot change (it is
    /// its tokens' audience).
    #[tracing::instrument(skip_all, fields(slug = %slug.as_str()))]
    pub async fn update_server(
        &self,
        admin: &Admin,
        slug: &ServerSlug,
        draft: McpServerDraft,
    ) -> Result<McpServer, McpServerError> {
        let actor = admin.actor();
        if &draft.slug != slug {
            return Err(McpServerError::Invalid(vec![FieldProblem {
                field: "slug".into(),
                detail: "the slug of a protected MCP server cannot change".into(),
            }]));
        }
        let existing = self.get_server(admin, slug).await?;
        let server = McpServer {
            draft,
            updated_at: self.clock.now(),
            ..existing
        };
        let audit = self.entry(
            actor,
            "update",
            "mcp_server",
            slug_of(&server),
            describe(&server),
        );
        match self.servers.update(&server, &audit).await? {
            true => Ok(server),
            false => Err(McpServerError::NotFound),
        }
    }

    /// Deletes a server: it stops at once on every replica, and the grants for it are revoked.
    #[tracing::instrument(skip_all, fields(slug = %slug.as_str()))]
    pub async fn delete_server(
        &self,
        admin: &Admin,
        slug: &ServerSlug,
    ) -> Result<(), McpServerError> {
        let actor = admin.actor();
        let resource = tessera_domain::protected_resource_url(&self.access_url, slug);
        let audit = self.entry(
            actor,
            "delete",
            "mcp_server",
            slug.as_str().into(),
            Vec::new(),
        );
        match self
            .servers
            .delete(slug, &resource, audit.at, &audit)
            .await?
        {
            true => Ok(()),
            false => Err(McpServerError::NotFound),
        }
    }

    /// One server.
    pub async fn get_server(
        &self,
        _admin: &Admin,
        slug: &ServerSlug,
    ) -> Result<McpServer, McpServerError> {
        self.servers
            .find(slug)
            .await?
            .ok_or(McpServerError::NotFound)
    }

    /// Every server, by slug.
    pub async fn list_servers(&self, _admin: &Admin) -> Result<Vec<McpServer>, McpServerError> {
        Ok(self.servers.list().await?)
    }

    /// Issues an introspection credential for a detached resource server; the returned
    /// credential is the only time it is shown.
    #[tracing::instrument(skip_all, fields(slug = %slug.as_str()))]
    pub async fn create_credential(
        &self,
        admin: &Admin,
        slug: &ServerSlug,
    ) -> Result<(AppSecretInfo, Credential), McpServerError> {
        let actor = admin.actor();
        let credential = issue_credential(&self.rng, CredentialKind::IntrospectionSecret);
        let info = AppSecretInfo {
            id: self.rng.uuid(),
            display_suffix: credential.last_chars(6),
            created_at: self.clock.now(),
            last_used_at: None,
        };
        let new = NewServerCredential {
            info,
            lookup_id: credential.lookup_id().clone(),
            hash: credential.hash(),
        };
        let details = vec![("slug", slug.as_str().to_owned())];
        let audit = self.entry(
            actor,
            "create",
            "mcp_server_credential",
            new.info.id.to_string(),
            details,
        );
        match self.servers.insert_credential(slug, &new, &audit).await? {
            true => Ok((new.info, credential)),
            false => Err(McpServerError::NotFound),
        }
    }

    /// The introspection credentials of a server, truncated.
    pub async fn list_credentials(
        &self,
        _admin: &Admin,
        slug: &ServerSlug,
    ) -> Result<Vec<AppSecretInfo>, McpServerError> {
        self.servers
            .list_credentials(slug)
            .await?
            .ok_or(McpServerError::NotFound)
    }

    /// Deletes one introspection credential; it stops working at once.
    #[tracing::instrument(skip_all, fields(slug = %slug.as_str()))]
    pub async fn delete_credential(
        &self,
        admin: &Admin,
        slug: &ServerSlug,
        id: Uuid,
    ) -> Result<(), McpServerError> {
        let actor = admin.actor();
        let details = vec![("slug", slug.as_str().to_owned())];
        let audit = self.entry(
            actor,
            "delete",
            "mcp_server_credential",
            id.to_string(),
            details,
        );
        match self.servers.delete_credential(slug, id, &audit).await? {
            true => Ok(()),
            false => Err(McpServerError::NotFound),
        }
    }

    /// The keys that verify identity assertions (the JWKS).
    pub async fn public_keys(&self) -> Result<Vec<PublicSigningKey>, RepoError> {
        self.signer.public_keys().await
    }
}

fn slug_of(server: &McpServer) -> String {
    server.draft.slug.as_str().to_owned()
}

/// The fields of a server for the audit log.
fn describe(server: &McpServer) -> Details {
    let d = &server.draft;
    vec![
        ("name", d.name.as_str().to_owned()),
        ("upstream_url", d.upstream.as_str().to_owned()),
        ("scopes", d.scopes.to_string()),
        (
            "timeout_seconds",
            d.timeout
                .map(|t| t.whole_seconds().to_string())
                .unwrap_or_default(),
        ),
    ]
}
