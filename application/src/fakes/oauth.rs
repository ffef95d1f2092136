//! In-memory clients and grants, for the OAuth use-case tests. One mutex serializes every
//! redemption, as the real repository's row locks do.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tessera_domain::{
    AccessTokenRecord, Credential, CredentialKind, LookupId, OAuthClient, RefreshState, ScopeSet,
    StoredCode, User, UserId,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::FakeAudit;
use crate::ports::*;

#[derive(Debug, Clone, Default)]
pub struct FakeClients {
    clients: Arc<Mutex<Vec<OAuthClient>>>,
    secrets: Arc<Mutex<Vec<(String, StoredSecretRow)>>>,
}

#[derive(Debug, Clone)]
struct StoredSecretRow {
    id: Uuid,
    client_id: Uuid,
    hash: tessera_domain::CredentialHash,
}

impl FakeClients {
    pub fn add(&self, client: OAuthClient) {
        self.clients.lock().unwrap().push(client);
    }
    /// Adds the client, or replaces the one with its id.
    pub fn put(&self, client: OAuthClient) {
        let mut clients = self.clients.lock().unwrap();
        clients.retain(|c| c.id != client.id);
        clients.push(client);
    }
    pub fn add_secret(&self, client_id: Uuid, secret: &Credential) {
        let lookup = secret.lookup_id().as_str().to_owned();
        let row = StoredSecretRow {
            id: super::id_from(&lookup),
            client_id,
            hash: secret.hash(),
        };
        self.secrets.lock().unwrap().push((lookup, row));
    }
}

impl ClientRepository for FakeClients {
    async fn find_client(&self, id: Uuid) -> Result<Option<OAuthClient>, RepoError> {
        Ok(self
            .clients
            .lock()
            .unwrap()
            .iter()
            .find(|c| c.id == id)
            .cloned())
    }
    async fn find_secret(&self, lookup_id: &LookupId) -> Result<Option<StoredSecret>, RepoError> {
        let secrets = self.secrets.lock().unwrap();
        Ok(secrets
            .iter()
            .find(|(l, _)| l == lookup_id.as_str())
            .map(|(_, r)| StoredSecret {
                id: r.id,
                client_id: r.client_id,
                hash: r.hash.clone(),
            }))
    }
}

#[derive(Debug, Clone)]
struct GrantRow {
    client_id: Uuid,
    user_id: UserId,
    scopes: ScopeSet,
    resource: Option<String>,
    expires_at: OffsetDateTime,
    revoked: bool,
}

#[derive(Debug, Clone)]
struct AccessRow {
    hash: tessera_domain::CredentialHash,
    grant_id: Uuid,
    audience: String,
    scopes: ScopeSet,
    issued_at: OffsetDateTime,
    expires_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
struct RefreshRowData {
    hash: tessera_domain::CredentialHash,
    grant_id: Uuid,
    generation: i32,
    rotated_at: Option<OffsetDateTime>,
}

#[derive(Debug, Default)]
struct State {
    users: HashMap<UserId, User>,
    codes: HashMap<String, StoredCode>,
    grants: HashMap<Uuid, GrantRow>,
    access: HashMap<String, AccessRow>,
    refresh: HashMap<String, RefreshRowData>,
    approvals: HashMap<(UserId, Uuid, String), ScopeSet>,
}

#[derive(Debug, Clone, Default)]
pub struct FakeGrants {
    state: Arc<Mutex<State>>,
    pub audit: FakeAudit,
    /// The clients a redemption reads its presenter from, as PostgreSQL joins them.
    clients: FakeClients,
}

impl FakeGrants {
    /// Grants whose redemptions read their presenters from `clients`.
    pub fn reading(clients: &FakeClients) -> Self {
        Self {
            clients: clients.clone(),
            ..Self::default()
        }
    }

    fn presenter(&self, presenter: Presenter<'_>) -> PresenterRecord {
        let clients = self.clients.clients.lock().unwrap();
        let secrets = self.clients.secrets.lock().unwrap();
        PresenterRecord {
            client: clients
                .iter()
                .find(|c| c.id == presenter.client_id)
                .cloned(),
            secret: presenter.secret.and_then(|lookup| {
                secrets
                    .iter()
                    .find(|(l, r)| l == lookup.as_str() && r.client_id == presenter.client_id)
                    .map(|(_, r)| StoredSecret {
                        id: r.id,
                        client_id: r.client_id,
                        hash: r.hash.clone(),
                    })
            }),
        }
    }

    pub fn add_user(&self, user: &User) {
        self.state
            .lock()
            .unwrap()
            .users
            .insert(user.id, user.clone());
    }

    fn store_tokens(state: &mut State, grant_id: Uuid, generation: i32, tokens: &NewTokens) {
        state.access.insert(
            tokens.access.lookup_id.as_str().to_owned(),
            AccessRow {
                hash: tokens.access.hash.clone(),
                grant_id,
                audience: tokens.audience.clone(),
                scopes: tokens.scopes.clone(),
                issued_at: tokens.issued_at,
                expires_at: tokens.access_expires_at,
            },
        );
        if let Some(refresh) = &tokens.refresh {
            state.refresh.insert(
                refresh.lookup_id.as_str().to_owned(),
                RefreshRowData {
                    hash: refresh.hash.clone(),
                    grant_id,
                    generation,
                    rotated_at: None,
                },
            );
        }
    }
}

impl GrantRepository for FakeGrants {
    async fn approval(
        &self,
        user_id: UserId,
        client_id: Uuid,
        resource: Option<&str>,
    ) -> Result<Option<ScopeSet>, RepoError> {
        let key = (user_id, client_id, resource.unwrap_or("").to_owned());
        Ok(self.state.lock().unwrap().approvals.get(&key).cloned())
    }

    async fn insert_code(
        &self,
        code: &NewCode,
        approval: Option<&Approval>,
    ) -> Result<(), RepoError> {
        let mut state = self.state.lock().unwrap();
        state.codes.insert(
            code.lookup_id.as_str().to_owned(),
            StoredCode {
                hash: code.hash.clone(),
                client_id: code.client_id,
                user_id: code.user_id,
                redirect_uri: code.redirect_uri.clone(),
                redirect_uri_sent: code.redirect_uri_sent,
                challenge: code.challenge.clone(),
                scopes: code.scopes.clone(),
                resource: code.resource.clone(),
                expires_at: code.expires_at,
                redeemed_into: None,
            },
        );
        if let Some(a) = approval {
            let key = (
                a.user_id,
                a.client_id,
                a.resource.clone().unwrap_or_default(),
            );
            let merged = match state.approvals.get(&key) {
                Some(old) => ScopeSet::from_scopes(old.iter().chain(a.scopes.iter())),
                None => a.scopes.clone(),
            };
            state.approvals.insert(key, merged);
        }
        Ok(())
    }

    async fn insert_code_if_approved(&self, code: &NewCode) -> Result<bool, RepoError> {
        let resource = code.resource.as_deref();
        let approved = self
            .approval(code.user_id, code.client_id, resource)
            .await?;
        let covered = approved.is_some_and(|a| code.scopes.is_within(&a));
        if covered {
            self.insert_code(code, None).await?;
        }
        Ok(covered)
    }

    async fn redeem_code<F, T>(
        &self,
        lookup_id: &LookupId,
        presenter: Presenter<'_>,
        decide: F,
    ) -> Result<T, RepoError>
    where
        F: FnOnce(&PresenterRecord, Option<&StoredCode>) -> (CodeOutcome, T) + Send,
        T: Send,
    {
        let record = self.presenter(presenter);
        let mut state = self.state.lock().unwrap();
        let found = state.codes.get(lookup_id.as_str()).cloned();
        let (outcome, reply) = decide(&record, found.as_ref());
        let Some(code) = found else {
            return Ok(reply);
        };
        match &outcome {
            CodeOutcome::Issue(grant, tokens) => {
                state.grants.insert(
                    grant.id,
                    GrantRow {
                        client_id: code.client_id,
                        user_id: code.user_id,
                        scopes: grant.scopes.clone(),
                        resource: grant.resource.clone(),
                        expires_at: grant.expires_at,
                        revoked: false,
                    },
                );
                if let Some(c) = state.codes.get_mut(lookup_id.as_str()) {
                    c.redeemed_into = Some(grant.id);
                }
                Self::store_tokens(&mut state, grant.id, 0, tokens);
            }
            CodeOutcome::RevokeGrant(id, audit) => {
                if let Some(g) = state.grants.get_mut(id) {
                    g.revoked = true;
                }
                self.audit.record(audit);
            }
            CodeOutcome::Refuse => {}
        }
        Ok(reply)
    }

    async fn redeem_refresh<F, T>(
        &self,
        lookup_id: &LookupId,
        presenter: Presenter<'_>,
        decide: F,
    ) -> Result<T, RepoError>
    where
        F: FnOnce(&PresenterRecord, Option<&RefreshRow>) -> (RefreshOutcome, T) + Send,
        T: Send,
    {
        let record = self.presenter(presenter);
        let mut state = self.state.lock().unwrap();
        let found = state.refresh.get(lookup_id.as_str()).cloned();
        let found = found.and_then(|t| Some((state.grants.get(&t.grant_id).cloned()?, t)));
        let Some((grant, token)) = found else {
            return Ok(decide(&record, None).1);
        };
        let current = state
            .refresh
            .values()
            .filter(|r| r.grant_id == token.grant_id)
            .map(|r| r.generation)
            .max()
            .unwrap_or(0);
        let row = RefreshRow {
            state: RefreshState {
                hash: token.hash.clone(),
                generation: token.generation,
                rotated_at: token.rotated_at,
                current_generation: current,
                client_id: grant.client_id,
                grant_expires_at: grant.expires_at,
                grant_revoked: grant.revoked,
            },
            grant_id: token.grant_id,
            scopes: grant.scopes.clone(),
            resource: grant.resource.clone(),
        };
        let (outcome, reply) = decide(&record, Some(&row));
        match &outcome {
            RefreshOutcome::Rotate(tokens) => {
                for r in state.refresh.values_mut() {
                    if r.grant_id == token.grant_id
                        && r.generation == current
                        && r.rotated_at.is_none()
                    {
                        r.rotated_at = Some(tokens.issued_at);
                    }
                }
                Self::store_tokens(&mut state, token.grant_id, current + 1, tokens);
            }
            RefreshOutcome::Reissue(tokens) => {
                Self::store_tokens(&mut state, token.grant_id, current, tokens)
            }
            RefreshOutcome::RevokeGrant(audit) => {
                if let Some(g) = state.grants.get_mut(&token.grant_id) {
                    g.revoked = true;
                }
                self.audit.record(audit);
            }
            RefreshOutcome::Refuse => {}
        }
        Ok(reply)
    }

    async fn find_access_token(
        &self,
        lookup_id: &LookupId,
    ) -> Result<Option<AccessTokenRecord>, RepoError> {
        let state = self.state.lock().unwrap();
        let Some(a) = state.access.get(lookup_id.as_str()) else {
            return Ok(None);
        };
        let Some(g) = state.grants.get(&a.grant_id) else {
            return Ok(None);
        };
        Ok(state.users.get(&g.user_id).map(|user| AccessTokenRecord {
            hash: a.hash.clone(),
            grant_id: a.grant_id,
            client_id: g.client_id,
            public_client_id: g.client_id.to_string(),
            user: user.clone(),
            audience: a.audience.clone(),
            scopes: a.scopes.clone(),
            issued_at: a.issued_at,
            expires_at: a.expires_at,
            revoked: g.revoked,
        }))
    }

    async fn find_refresh_token(
        &self,
        lookup_id: &LookupId,
    ) -> Result<Option<RefreshTokenRecord>, RepoError> {
        let state = self.state.lock().unwrap();
        let Some(r) = state.refresh.get(lookup_id.as_str()) else {
            return Ok(None);
        };
        let Some(g) = state.grants.get(&r.grant_id) else {
            return Ok(None);
        };
        Ok(state.users.get(&g.user_id).map(|user| RefreshTokenRecord {
            hash: r.hash.clone(),
            grant_id: r.grant_id,
            client_id: g.client_id,
            public_client_id: g.client_id.to_string(),
            user: user.clone(),
            scopes: g.scopes.clone(),
            issued_at: OffsetDateTime::UNIX_EPOCH,
            expires_at: g.expires_at,
            inactive: r.rotated_at.is_some() || g.revoked,
        }))
    }

    async fn delete_access_token(&self, lookup_id: &LookupId) -> Result<(), RepoError> {
        self.state.lock().unwrap().access.remove(lookup_id.as_str());
        Ok(())
    }

    async fn revoke_grant(&self, grant_id: Uuid, audit: &AuditEntry) -> Result<(), RepoError> {
        if let Some(g) = self.state.lock().unwrap().grants.get_mut(&grant_id) {
            g.revoked = true;
        }
        self.audit.record(audit);
        Ok(())
    }

    async fn revoke_authorization(
        &self,
        user_id: UserId,
        client_id: Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let mut state = self.state.lock().unwrap();
        let mut changed = false;
        for g in state.grants.values_mut() {
            if g.user_id == user_id && g.client_id == client_id && !g.revoked {
                g.revoked = true;
                changed = true;
            }
        }
        state
            .approvals
            .retain(|(u, c, _), _| !(*u == user_id && *c == client_id));
        self.audit.record(audit);
        Ok(changed)
    }

    async fn authorized_apps(
        &self,
        user_id: UserId,
        now: OffsetDateTime,
    ) -> Result<Vec<AuthorizedApp>, RepoError> {
        let state = self.state.lock().unwrap();
        Ok(state
            .grants
            .values()
            .filter(|g| g.user_id == user_id && !g.revoked && g.expires_at > now)
            .map(|g| AuthorizedApp {
                client_id: g.client_id.to_string(),
                name: String::new(),
                scopes: g.scopes.clone(),
                first_authorized_at: now,
                last_authorized_at: now,
            })
            .collect())
    }
}

/// A credential of `kind` from fixed bytes, for tests that need one they can present.
pub fn credential(kind: CredentialKind, n: u8) -> Credential {
    Credential::from_entropy(kind, [n; 8], [n; 32])
}
