//! In-memory apps and secrets; searches and bulk deletes follow the domain's own rules
//! (`AppQuery::select`, `AppDeletion::covers`), which the PostgreSQL twin is tested against.

use std::sync::{Arc, Mutex};

use tessera_domain::{App, AppDeletion, AppQuery, AppSecretInfo, UserId};
use time::OffsetDateTime;

use super::{CountingRng, FakeAudit, FakeClock, FakePorts};
use crate::apps::AppService;
use crate::ports::*;

#[derive(Debug, Clone, Default)]
pub struct FakeApps {
    apps: Arc<Mutex<Vec<App>>>,
    secrets: Arc<Mutex<Vec<(uuid::Uuid, AppSecretInfo)>>>,
    audit: FakeAudit,
}

impl FakeApps {
    /// Stores `app` as it is (any source, any last token), without an audit entry.
    pub fn put(&self, app: App) {
        self.apps.lock().unwrap().push(app);
    }

    /// The audit log its changes land in.
    pub fn audit(&self) -> &FakeAudit {
        &self.audit
    }

    /// The ids of the apps stored now.
    pub fn ids(&self) -> Vec<uuid::Uuid> {
        self.apps.lock().unwrap().iter().map(|a| a.id).collect()
    }
}

impl AppRepository for FakeApps {
    async fn insert(&self, app: &App, audit: &AuditEntry) -> Result<(), RepoError> {
        self.apps.lock().unwrap().push(app.clone());
        self.audit.record(audit);
        Ok(())
    }
    async fn update(&self, app: &App, audit: &AuditEntry) -> Result<bool, RepoError> {
        let mut apps = self.apps.lock().unwrap();
        let Some(slot) = apps.iter_mut().find(|a| a.id == app.id) else {
            return Ok(false);
        };
        *slot = app.clone();
        self.audit.record(audit);
        Ok(true)
    }
    async fn set_blocked(
        &self,
        id: uuid::Uuid,
        blocked: bool,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let mut apps = self.apps.lock().unwrap();
        let Some(app) = apps.iter_mut().find(|a| a.id == id) else {
            return Ok(false);
        };
        app.blocked = blocked;
        self.audit.record(audit);
        Ok(true)
    }
    async fn delete(&self, id: uuid::Uuid, audit: &AuditEntry) -> Result<bool, RepoError> {
        let mut apps = self.apps.lock().unwrap();
        let before = apps.len();
        apps.retain(|a| a.id != id);
        self.secrets.lock().unwrap().retain(|(app, _)| *app != id);
        self.audit.record(audit);
        Ok(apps.len() < before)
    }
    async fn find(&self, id: uuid::Uuid) -> Result<Option<App>, RepoError> {
        Ok(self
            .apps
            .lock()
            .unwrap()
            .iter()
            .find(|a| a.id == id)
            .cloned())
    }
    async fn list(&self, user: Option<UserId>) -> Result<Vec<App>, RepoError> {
        Ok(match user {
            None => self.apps.lock().unwrap().clone(),
            Some(_) => Vec::new(),
        })
    }
    async fn search(
        &self,
        query: &AppQuery,
        now: OffsetDateTime,
    ) -> Result<(Vec<App>, i64), RepoError> {
        if query.filter().authorized_by.is_some() {
            return Ok((Vec::new(), 0)); // no grants here, as `list` has none
        }
        Ok(query.select(&self.apps.lock().unwrap(), now))
    }
    async fn delete_many(
        &self,
        deletion: &AppDeletion,
        audit: &AuditEntry,
    ) -> Result<u64, RepoError> {
        let mut apps = self.apps.lock().unwrap();
        let (gone, kept): (Vec<App>, Vec<App>) = apps.drain(..).partition(|a| deletion.covers(a));
        *apps = kept;
        for app in &gone {
            self.secrets.lock().unwrap().retain(|(id, _)| *id != app.id);
            self.audit.record(&AuditEntry {
                target_id: app.id.to_string(),
                ..audit.clone()
            });
        }
        Ok(gone.len() as u64)
    }
    async fn insert_secret(
        &self,
        app_id: uuid::Uuid,
        secret: &NewAppSecret,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        if !self.apps.lock().unwrap().iter().any(|a| a.id == app_id) {
            return Ok(false);
        }
        self.secrets
            .lock()
            .unwrap()
            .push((app_id, secret.info.clone()));
        self.audit.record(audit);
        Ok(true)
    }
    async fn list_secrets(
        &self,
        app_id: uuid::Uuid,
    ) -> Result<Option<Vec<AppSecretInfo>>, RepoError> {
        if !self.apps.lock().unwrap().iter().any(|a| a.id == app_id) {
            return Ok(None);
        }
        let secrets = self.secrets.lock().unwrap();
        Ok(Some(
            secrets
                .iter()
                .filter(|(a, _)| *a == app_id)
                .map(|(_, s)| s.clone())
                .collect(),
        ))
    }
    async fn delete_secret(
        &self,
        app_id: uuid::Uuid,
        secret_id: uuid::Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let mut secrets = self.secrets.lock().unwrap();
        let before = secrets.len();
        secrets.retain(|(a, s)| !(*a == app_id && s.id == secret_id));
        self.audit.record(audit);
        Ok(secrets.len() < before)
    }
}

/// An app service on fakes, and the audit log its changes land in.
pub fn app_service() -> (AppService<FakePorts>, FakeAudit) {
    let (service, apps, _) = app_service_with();
    (service, apps.audit)
}

/// An app service on fakes, with its apps (to store any kind directly) and its clock.
pub fn app_service_with() -> (AppService<FakePorts>, FakeApps, FakeClock) {
    let apps = FakeApps::default();
    let clock = FakeClock::default();
    let service = AppService::new(apps.clone(), clock.clone(), CountingRng::default());
    (service, apps, clock)
}
