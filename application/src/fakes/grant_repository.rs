//! Codes, grants, tokens and approvals in memory. One mutex serializes every redemption, as
//! the real repository's row locks do. Linked to people and clients
//! ([`FakeGrants::linked`]), tokens stop working when their person is suspended or their
//! client blocked, as PostgreSQL's joins make them; a client the linked clients do not
//! know counts as an active one, so use-case tests need not store every client twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tessera_domain::{
    AccessTokenRecord, AccountStatus, Credential, CredentialHash, CredentialKind, LookupId,
    ScopeSet, StoredCode, User, UserId,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{FakeAudit, FakeClients, FakeUsers, lock};
use crate::ports::*;

mod reads;
mod redemption;

/// A stored grant.
#[derive(Debug, Clone)]
struct GrantRow {
    client_id: Uuid,
    user_id: UserId,
    scopes: ScopeSet,
    resource: Option<String>,
    created_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    revoked: bool,
}

/// A stored access token.
#[derive(Debug, Clone)]
struct AccessRow {
    hash: CredentialHash,
    grant_id: Uuid,
    audience: String,
    scopes: ScopeSet,
    issued_at: OffsetDateTime,
    expires_at: OffsetDateTime,
}

/// A stored refresh token.
#[derive(Debug, Clone)]
struct RefreshRowData {
    hash: CredentialHash,
    grant_id: Uuid,
    generation: i32,
    issued_at: OffsetDateTime,
    rotated_at: Option<OffsetDateTime>,
}

/// Every row, behind the one mutex.
#[derive(Debug, Default)]
struct State {
    codes: HashMap<String, StoredCode>,
    grants: HashMap<Uuid, GrantRow>,
    access: HashMap<String, AccessRow>,
    refresh: HashMap<String, RefreshRowData>,
    approvals: HashMap<(UserId, Uuid, String), ScopeSet>,
}

impl State {
    /// Revokes the live grants of `client_id` (only `user`'s, when given), deletes the unused
    /// codes and forgets the approvals of the same; how many rows changed.
    fn revoke(&mut self, user: Option<UserId>, client_id: Uuid) -> usize {
        let of = |u: UserId, c: Uuid| c == client_id && user.is_none_or(|user| user == u);
        let mut changed = 0;
        for g in self.grants.values_mut() {
            if of(g.user_id, g.client_id) && !g.revoked {
                g.revoked = true;
                changed += 1;
            }
        }
        let before = self.codes.len() + self.approvals.len();
        self.codes
            .retain(|_, c| !(of(c.user_id, c.client_id) && c.redeemed_into.is_none()));
        self.approvals.retain(|(u, c, _), _| !of(*u, *c));
        changed + before - self.codes.len() - self.approvals.len()
    }
}

/// Codes, grants, tokens and approvals; clones share them.
#[derive(Debug, Clone, Default)]
pub struct FakeGrants {
    state: Arc<Mutex<State>>,
    users: FakeUsers,
    clients: FakeClients,
    /// The audit log revocations are recorded in.
    pub audit: FakeAudit,
}

impl FakeGrants {
    /// Grants of `users`' people to `clients`' clients, recorded in `audit`.
    pub fn linked(users: &FakeUsers, clients: &FakeClients, audit: &FakeAudit) -> Self {
        let grants = Self {
            state: Arc::default(),
            users: users.clone(),
            clients: clients.clone(),
            audit: audit.clone(),
        };
        users.0.grants.set(&grants);
        grants
    }
    /// Grants whose redemptions read their presenters from `clients`, as PostgreSQL joins
    /// them, with people and an audit log of their own.
    pub fn reading(clients: &FakeClients) -> Self {
        Self {
            clients: clients.clone(),
            ..Self::default()
        }
    }
    /// The client and secret a redemption is presented with, as the lock statement reads them.
    fn presenter(&self, presenter: Presenter<'_>) -> PresenterRecord {
        let secret = presenter.secret;
        PresenterRecord {
            client: self.clients.get(presenter.client_id),
            secret: secret.and_then(|l| self.clients.secret_of(presenter.client_id, l)),
        }
    }
    /// Stores `user` among the people grants can be issued to.
    pub fn add_user(&self, user: &User) {
        self.users.put(user);
    }
    /// The clients these grants are issued to.
    pub fn clients(&self) -> &FakeClients {
        &self.clients
    }
    /// The ids of the clients `user` holds a grant for that is not revoked.
    pub(super) fn clients_of(&self, user: UserId) -> Vec<Uuid> {
        let state = self.lock();
        let held = state.grants.values().filter(|g| g.user_id == user);
        held.filter(|g| !g.revoked).map(|g| g.client_id).collect()
    }
    /// Revokes everything of a client being blocked, as blocking it does.
    pub(super) fn revoke_client(&self, client_id: Uuid) {
        self.lock().revoke(None, client_id);
    }
    /// Revokes the grants and deletes the unused codes of a person being suspended.
    pub(super) fn revoke_person(&self, user: UserId) {
        let mut state = self.lock();
        for g in state.grants.values_mut().filter(|g| g.user_id == user) {
            g.revoked = true;
        }
        state
            .codes
            .retain(|_, c| c.user_id != user || c.redeemed_into.is_some());
    }
    /// Revokes the grants, deletes the unused codes and forgets the approvals for
    /// `resource`, as deleting its protected server does.
    pub(super) fn revoke_resource(&self, resource: &str) {
        let mut state = self.lock();
        let of = |r: &Option<String>| r.as_deref() == Some(resource);
        for g in state.grants.values_mut().filter(|g| of(&g.resource)) {
            g.revoked = true;
        }
        state
            .codes
            .retain(|_, c| !of(&c.resource) || c.redeemed_into.is_some());
        state.approvals.retain(|(_, _, r), _| r != resource);
    }
    /// Deletes everything of a client being deleted.
    pub(super) fn forget_client(&self, client_id: Uuid) {
        let mut state = self.lock();
        state.revoke(None, client_id);
        let gone: Vec<Uuid> = state
            .grants
            .iter()
            .filter(|(_, g)| g.client_id == client_id)
            .map(|(id, _)| *id)
            .collect();
        state.grants.retain(|id, _| !gone.contains(id));
        state.codes.retain(|_, c| c.client_id != client_id);
        state.access.retain(|_, a| !gone.contains(&a.grant_id));
        state.refresh.retain(|_, r| !gone.contains(&r.grant_id));
    }
    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
    /// The person of a grant (`None`: no such person) and whether they are suspended.
    fn person(&self, id: UserId) -> Option<(User, bool)> {
        let account = self.users.account(id)?;
        Some((account.user, account.status != AccountStatus::Active))
    }
    /// A client's public `client_id`, name and whether it is blocked.
    fn client(&self, id: Uuid) -> (String, String, bool) {
        match self.clients.get(id) {
            Some(c) => (
                c.cimd_url.unwrap_or_else(|| id.to_string()),
                c.name.as_str().to_owned(),
                c.blocked,
            ),
            None => (id.to_string(), String::new(), false),
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
        Ok(self.lock().approvals.get(&key).cloned())
    }

    async fn insert_code(
        &self,
        code: &NewCode,
        approval: Option<&Approval>,
    ) -> Result<(), RepoError> {
        self.store_code(code, approval);
        Ok(())
    }

    async fn insert_code_if_approved(&self, code: &NewCode) -> Result<bool, RepoError> {
        let resource = code.resource.as_deref();
        let approved = self
            .approval(code.user_id, code.client_id, resource)
            .await?;
        let covered = approved.is_some_and(|a| code.scopes.is_within(&a));
        if covered {
            self.store_code(code, None);
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
        Ok(self.redeem_code_now(lookup_id, &record, decide))
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
        Ok(self.redeem_refresh_now(lookup_id, &record, decide))
    }

    async fn find_access_token(
        &self,
        lookup_id: &LookupId,
    ) -> Result<Option<AccessTokenRecord>, RepoError> {
        Ok(self.access_token(lookup_id))
    }

    async fn find_refresh_token(
        &self,
        lookup_id: &LookupId,
    ) -> Result<Option<RefreshTokenRecord>, RepoError> {
        Ok(self.refresh_token(lookup_id))
    }

    async fn delete_access_token(&self, lookup_id: &LookupId) -> Result<(), RepoError> {
        self.lock().access.remove(lookup_id.as_str());
        Ok(())
    }

    async fn revoke_grant(&self, grant_id: Uuid, audit: &AuditEntry) -> Result<(), RepoError> {
        let mut state = self.lock();
        if let Some(g) = state.grants.get_mut(&grant_id).filter(|g| !g.revoked) {
            g.revoked = true;
            self.audit.record(audit);
        }
        Ok(())
    }

    async fn revoke_authorization(
        &self,
        user_id: UserId,
        client_id: Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let changed = self.lock().revoke(Some(user_id), client_id) > 0;
        if changed {
            self.audit.record(audit);
        }
        Ok(changed)
    }

    async fn authorized_apps(
        &self,
        user_id: UserId,
        now: OffsetDateTime,
    ) -> Result<Vec<AuthorizedApp>, RepoError> {
        Ok(self.authorized(user_id, now))
    }
}

/// A credential of `kind` from fixed bytes, for tests that need one they can present.
pub fn credential(kind: CredentialKind, n: u8) -> Credential {
    Credential::from_entropy(kind, [n; 8], [n; 32])
}
