//! Dynamic client registration (RFC 7591) and its management protocol (RFC 7592), with the
//! abuse controls of SPEC §5: a per-IP rate limit shared by replicas, a cap on clients, and
//! expiry of clients that never authorized anyone.

#[cfg(test)]
mod tests;

use crate::ports::Rng as _;
use tessera_domain::{
    AppSecretInfo, ClientMetadata, ClientMetadataError, ClientMetadataInput, ClientOrigin,
    ClientType, Credential, CredentialKind, OAuthError, OAuthFailure, RateLimit,
    rate_limit_network,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::issue_credential;
use crate::ports::{
    Actor, AuditEntry, Clock, NewAppSecret, NewRegistration, Ports, RateLimitRepository,
    RegisteredClient, RegistrationRepository, RepoError,
};

/// Why a registration request failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// Bad metadata: `invalid_redirect_uri` or `invalid_client_metadata` (RFC 7591 §3.2.2).
    #[error(transparent)]
    Invalid(#[from] ClientMetadataError),
    /// A rule of this server refused the request (e.g. the client cap).
    #[error(transparent)]
    Refused(OAuthFailure),
    /// Too many registrations from this IP; retry after the given time.
    #[error("too many registrations")]
    Throttled {
        /// Until the window ends.
        retry_after: Duration,
    },
    /// A missing or wrong registration access token, or an unknown client (RFC 7592 §3:
    /// deliberately indistinguishable).
    #[error("invalid registration access token")]
    InvalidToken,
    /// A repository failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// The limits of SPEC §1 `registration.*`.
#[derive(Debug, Clone, Copy)]
pub struct RegistrationPolicy {
    /// Registrations per client IP.
    pub rate_limit: RateLimit,
    /// Cap on dynamically registered and metadata-document clients together.
    pub max_clients: i64,
    /// A client that never obtained a grant is deleted after this.
    pub unused_client_ttl: Duration,
}

/// A fresh registration: the client and the credentials shown this once.
#[derive(Debug)]
pub struct Registered {
    /// The stored client.
    pub client: RegisteredClient,
    /// Its secret, when confidential.
    pub client_secret: Option<Credential>,
    /// The RFC 7592 registration access token.
    pub registration_token: Credential,
}

/// Use cases of `/oauth2/register` and `/oauth2/clients/{client_id}`.
#[derive(Debug)]
pub struct RegistrationService<P: Ports> {
    registrations: P::Registrations,
    rate_limits: P::RateLimits,
    clock: P::Clock,
    rng: P::Rng,
    policy: RegistrationPolicy,
}

fn entry(actor: &Actor, action: &'static str, id: Uuid, at: OffsetDateTime) -> AuditEntry {
    AuditEntry {
        actor: actor.clone(),
        action,
        target_type: "client",
        target_id: id.to_string(),
        at,
        details: Vec::new(),
    }
}

/// The metadata of a client for the audit log (no secret is part of it).
fn describe(metadata: &ClientMetadata) -> Vec<(&'static str, String)> {
    let uris: Vec<&str> = metadata
        .redirect_uris()
        .iter()
        .map(|u| u.as_str())
        .collect();
    let mut details = vec![
        ("redirect_uris", uris.join(" ")),
        (
            "token_endpoint_auth_method",
            metadata.token_endpoint_auth_method().as_str().to_owned(),
        ),
        (
            "application_type",
            metadata.application_type().as_str().to_owned(),
        ),
    ];
    if let Some(name) = metadata.client_name() {
        details.push(("client_name", name.as_str().to_owned()));
    }
    if let Some(software_id) = metadata.software_id() {
        details.push(("software_id", software_id.to_owned()));
    }
    details
}

impl<P: Ports> RegistrationService<P> {
    /// Wires the service to its ports and limits.
    pub fn new(
        registrations: P::Registrations,
        rate_limits: P::RateLimits,
        clock: P::Clock,
        rng: P::Rng,
        policy: RegistrationPolicy,
    ) -> Self {
        Self {
            registrations,
            rate_limits,
            clock,
            rng,
            policy,
        }
    }

    /// Registers a client (RFC 7591 §3.1), counted against the caller's IP (its /64 for IPv6).
    #[tracing::instrument(skip_all)]
    pub async fn register(
        &self,
        input: ClientMetadataInput,
        actor: &Actor,
    ) -> Result<Registered, RegistrationError> {
        let now = self.clock.now();
        if let Some(ip) = actor.ip {
            let window = self.policy.rate_limit.window_start(now);
            let hits = self
                .rate_limits
                .hit(&format!("register:{}", rate_limit_network(ip)), window)
                .await?;
            if let Some(retry_after) = self.policy.rate_limit.retry_after(hits, now) {
                return Err(RegistrationError::Throttled { retry_after });
            }
        }
        let metadata = ClientMetadata::parse(input)?;
        let client = RegisteredClient {
            id: self.rng.uuid(),
            metadata,
            issued_at: now,
            updated_at: now,
        };
        let client_secret = (client.metadata.client_type() == ClientType::Confidential)
            .then(|| issue_credential(&self.rng, CredentialKind::ClientSecret));
        let registration_token =
            issue_credential(&self.rng, CredentialKind::RegistrationAccessToken);
        let registration = NewRegistration {
            origin: ClientOrigin {
                ip: actor.ip,
                user_agent: actor.user_agent.clone(),
                software_id: client.metadata.software_id().map(str::to_owned),
                ..Default::default()
            },
            token_lookup_id: registration_token.lookup_id().clone(),
            token_hash: registration_token.hash(),
            secret: client_secret.as_ref().map(|secret| NewAppSecret {
                info: AppSecretInfo {
                    id: self.rng.uuid(),
                    display_suffix: secret.last_chars(6),
                    created_at: now,
                    last_used_at: None,
                },
                lookup_id: secret.lookup_id().clone(),
                hash: secret.hash(),
            }),
            client,
        };
        let mut audit = entry(actor, "create", registration.client.id, now);
        audit.details = describe(&registration.client.metadata);
        if !self
            .registrations
            .insert(&registration, &audit, self.policy.max_clients)
            .await?
        {
            return Err(RegistrationError::Refused(OAuthFailure::new(
                OAuthError::AccessDenied,
                "This server accepts no more client registrations.",
            )));
        }
        Ok(Registered {
            client: registration.client,
            client_secret,
            registration_token,
        })
    }

    /// The client named by `client_id`, if `token` is its registration access token.
    async fn authorized(
        &self,
        client_id: &str,
        token: Option<&str>,
    ) -> Result<RegisteredClient, RegistrationError> {
        let presented = token
            .and_then(|t| Credential::parse(CredentialKind::RegistrationAccessToken, t).ok())
            .ok_or(RegistrationError::InvalidToken)?;
        let id = Uuid::parse_str(client_id).map_err(|_| RegistrationError::InvalidToken)?;
        let (client, lookup, hash) = self
            .registrations
            .find(id)
            .await?
            .ok_or(RegistrationError::InvalidToken)?;
        match lookup == *presented.lookup_id() && hash.matches(&presented.hash()) {
            true => Ok(client),
            false => Err(RegistrationError::InvalidToken),
        }
    }

    /// RFC 7592 §2.1: reads a client's registration.
    pub async fn read(
        &self,
        client_id: &str,
        token: Option<&str>,
    ) -> Result<RegisteredClient, RegistrationError> {
        self.authorized(client_id, token).await
    }

    /// RFC 7592 §2.2: replaces a client's metadata; it may not move between public and
    /// confidential, since its secret and tokens depend on that.
    #[tracing::instrument(skip_all)]
    pub async fn replace(
        &self,
        client_id: &str,
        token: Option<&str>,
        input: ClientMetadataInput,
        actor: &Actor,
    ) -> Result<RegisteredClient, RegistrationError> {
        let existing = self.authorized(client_id, token).await?;
        let metadata = ClientMetadata::parse(input)?;
        if metadata.client_type() != existing.metadata.client_type() {
            return Err(RegistrationError::Invalid(
                ClientMetadataError::InvalidClientMetadata(
                    tessera_domain::ClientMetadataProblem::ClientTypeChange,
                ),
            ));
        }
        let now = self.clock.now();
        let client = RegisteredClient {
            metadata,
            updated_at: now,
            ..existing
        };
        let mut audit = entry(actor, "update", client.id, now);
        audit.details = describe(&client.metadata);
        match self.registrations.replace(&client, &audit).await? {
            true => Ok(client),
            false => Err(RegistrationError::InvalidToken),
        }
    }

    /// RFC 7592 §2.3: deletes a client and everything issued to it.
    #[tracing::instrument(skip_all)]
    pub async fn delete(
        &self,
        client_id: &str,
        token: Option<&str>,
        actor: &Actor,
    ) -> Result<(), RegistrationError> {
        let client = self.authorized(client_id, token).await?;
        let audit = entry(actor, "delete", client.id, self.clock.now());
        match self.registrations.delete(client.id, &audit).await? {
            true => Ok(()),
            false => Err(RegistrationError::InvalidToken),
        }
    }

    /// Deletes clients registered (or first named by a metadata document) longer than
    /// `registration.unused_client_ttl` ago that never obtained a grant (the periodic task
    /// of every replica calls this).
    pub async fn expire_unused(&self) -> Result<u64, RepoError> {
        let now = self.clock.now();
        let actor = Actor {
            user_id: None,
            name: "tessera (unused client expiry)".into(),
            ip: None,
            user_agent: None,
        };
        let audit = AuditEntry {
            details: vec![("reason", "never used".to_owned())],
            ..entry(&actor, "delete", Uuid::nil(), now)
        };
        self.registrations
            .delete_unused(now - self.policy.unused_client_ttl, &audit)
            .await
    }
}
