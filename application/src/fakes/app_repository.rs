//! In-memory apps and secrets; searches and bulk deletes follow the domain's own rules
//! (`AppQuery::select`, `AppDeletion::covers`). Linked to grants ([`FakeApps::linked`]),
//! an app is also a client to the OAuth endpoints, blocking it revokes its grants, and
//! listing by person sees who holds a grant, as in PostgreSQL's one table of clients.

use std::sync::{Arc, Mutex};

use tessera_domain::{App, AppDeletion, AppDraft, AppQuery, AppSecretInfo, OAuthClient, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::client_repository::client_of;
use super::{FakeAudit, FakeClients, FakeGrants, lock};
use crate::ports::*;

/// OAuth2 apps and their secrets; clones share them.
#[derive(Debug, Clone, Default)]
pub struct FakeApps {
    apps: Arc<Mutex<Vec<App>>>,
    secrets: Arc<Mutex<Vec<(Uuid, AppSecretInfo)>>>,
    grants: FakeGrants,
}

impl FakeApps {
    /// Apps that are clients of `grants`' clients, recorded in `grants`' audit log.
    pub fn linked(grants: &FakeGrants) -> Self {
        Self {
            apps: Arc::default(),
            secrets: Arc::default(),
            grants: grants.clone(),
        }
    }

    /// Stores `app` as it is (any source, any last token), without an audit entry.
    pub fn put(&self, app: App) {
        self.clients().put(client_of(&app));
        lock(&self.apps).push(app);
    }

    /// The audit log its changes land in.
    pub fn audit(&self) -> &FakeAudit {
        &self.grants.audit
    }

    /// The ids of the apps stored now.
    pub fn ids(&self) -> Vec<Uuid> {
        lock(&self.apps).iter().map(|a| a.id).collect()
    }

    fn clients(&self) -> &FakeClients {
        self.grants.clients()
    }

    /// Removes `app` with its secrets, client rows and grants.
    fn forget(&self, app: Uuid) {
        lock(&self.secrets).retain(|(id, _)| *id != app);
        self.clients().remove(app);
        self.grants.forget_client(app);
    }

    /// Every app, oldest first, as PostgreSQL orders them.
    fn sorted(&self) -> Vec<App> {
        let mut apps = lock(&self.apps).clone();
        apps.sort_by_key(|a| (a.created_at, a.id));
        apps
    }
}

impl AppRepository for FakeApps {
    async fn insert(&self, app: &App, audit: &AuditEntry) -> Result<(), RepoError> {
        self.put(app.clone());
        self.audit().record(audit);
        Ok(())
    }
    async fn update(&self, app: &App, audit: &AuditEntry) -> Result<bool, RepoError> {
        let updated = {
            let mut apps = lock(&self.apps);
            let Some(slot) = apps.iter_mut().find(|a| a.id == app.id) else {
                return Ok(false);
            };
            slot.draft = AppDraft {
                client_type: slot.draft.client_type,
                ..app.draft.clone()
            };
            slot.updated_at = app.updated_at;
            slot.clone()
        };
        self.clients().put(client_of(&updated));
        self.audit().record(audit);
        Ok(true)
    }
    async fn set_blocked(
        &self,
        id: Uuid,
        blocked: bool,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let app = lock(&self.apps).iter_mut().find(|a| a.id == id).map(|app| {
            app.blocked = blocked;
            client_of(app)
        });
        // A registered or document client is a row of the same table in PostgreSQL.
        let Some(client) = app.or_else(|| self.clients().get(id)) else {
            return Ok(false);
        };
        self.clients().put(OAuthClient { blocked, ..client });
        if blocked {
            self.grants.revoke_client(id);
        }
        self.audit().record(audit);
        Ok(true)
    }
    async fn delete(&self, id: Uuid, audit: &AuditEntry) -> Result<bool, RepoError> {
        let found = {
            let mut apps = lock(&self.apps);
            let before = apps.len();
            apps.retain(|a| a.id != id);
            apps.len() < before
        };
        if found {
            self.forget(id);
            self.audit().record(audit);
        }
        Ok(found)
    }
    async fn find(&self, id: Uuid) -> Result<Option<App>, RepoError> {
        Ok(lock(&self.apps).iter().find(|a| a.id == id).cloned())
    }
    async fn list(&self, user: Option<UserId>) -> Result<Vec<App>, RepoError> {
        let mut apps = self.sorted();
        if let Some(user) = user {
            let held = self.grants.clients_of(user);
            apps.retain(|a| held.contains(&a.id));
        }
        Ok(apps)
    }
    async fn search(
        &self,
        query: &AppQuery,
        now: OffsetDateTime,
    ) -> Result<(Vec<App>, i64), RepoError> {
        let mut apps = self.sorted();
        if let Some(user) = query.filter().authorized_by {
            let held = self.grants.clients_of(user);
            apps.retain(|a| held.contains(&a.id));
        }
        Ok(query.select(&apps, now))
    }
    async fn delete_many(
        &self,
        deletion: &AppDeletion,
        audit: &AuditEntry,
    ) -> Result<u64, RepoError> {
        let gone: Vec<App> = {
            let mut apps = lock(&self.apps);
            let (gone, kept) = apps.drain(..).partition(|a| deletion.covers(a));
            *apps = kept;
            gone
        };
        for app in &gone {
            self.forget(app.id);
            self.audit().record(&AuditEntry {
                target_id: app.id.to_string(),
                ..audit.clone()
            });
        }
        Ok(gone.len() as u64)
    }
    async fn insert_secret(
        &self,
        app_id: Uuid,
        secret: &NewAppSecret,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        if !lock(&self.apps).iter().any(|a| a.id == app_id) {
            return Ok(false);
        }
        lock(&self.secrets).push((app_id, secret.info.clone()));
        let (id, hash) = (secret.info.id, secret.hash.clone());
        self.clients()
            .store_secret(id, app_id, &secret.lookup_id, hash);
        self.audit().record(audit);
        Ok(true)
    }
    async fn list_secrets(&self, app_id: Uuid) -> Result<Option<Vec<AppSecretInfo>>, RepoError> {
        if !lock(&self.apps).iter().any(|a| a.id == app_id) {
            return Ok(None);
        }
        let secrets = lock(&self.secrets);
        let of = secrets.iter().filter(|(a, _)| *a == app_id);
        Ok(Some(of.map(|(_, s)| s.clone()).collect()))
    }
    async fn delete_secret(
        &self,
        app_id: Uuid,
        secret_id: Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let found = {
            let mut secrets = lock(&self.secrets);
            let before = secrets.len();
            secrets.retain(|(a, s)| !(*a == app_id && s.id == secret_id));
            secrets.len() < before
        };
        if found {
            self.clients().remove_secrets(app_id, |id| id == secret_id);
            self.audit().record(audit);
        }
        Ok(found)
    }
}
