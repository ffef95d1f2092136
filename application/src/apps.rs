//! OAuth2 apps as admins manage them (SPEC §3): CRUD and client secrets, audited; every
//! use case takes the [`Admin`] capability.

mod listing;
#[cfg(test)]
mod tests;

pub use listing::AppPage;

use crate::ports::Rng as _;
use tessera_domain::{
    App, AppDraft, AppSecretInfo, ClientOrigin, Credential, CredentialKind, FieldProblem,
    RegistrationSource, UserId,
};
use uuid::Uuid;

use crate::admin::Admin;
use crate::issue_credential;
use crate::ports::{
    Actor, AppRepository, AuditEntry, Clock, Details, NewAppSecret, Ports, RepoError,
};

/// Why an app operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Fields failed validation; each is named.
    #[error("invalid app")]
    Invalid(Vec<FieldProblem>),
    /// No such app (or secret).
    #[error("not found")]
    NotFound,
    /// A repository failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// Use cases of the admin API and page for OAuth2 apps.
#[derive(Debug)]
pub struct AppService<P: Ports> {
    apps: P::Apps,
    clock: P::Clock,
    rng: P::Rng,
}

impl<P: Ports> AppService<P> {
    /// Wires the service to its ports.
    pub fn new(apps: P::Apps, clock: P::Clock, rng: P::Rng) -> Self {
        Self { apps, clock, rng }
    }

    fn entry(
        &self,
        actor: &Actor,
        action: &'static str,
        target_type: &'static str,
        id: Uuid,
        details: Details,
    ) -> AuditEntry {
        AuditEntry {
            actor: actor.clone(),
            action,
            target_type,
            target_id: id.to_string(),
            at: self.clock.now(),
            details,
        }
    }

    /// Creates an app from an admin's draft.
    #[tracing::instrument(skip_all)]
    pub async fn create_app(&self, admin: &Admin, draft: AppDraft) -> Result<App, AppError> {
        let actor = admin.actor();
        let now = self.clock.now();
        let app = App {
            id: self.rng.uuid(),
            draft,
            source: RegistrationSource::Admin,
            created_at: now,
            updated_at: now,
            origin: ClientOrigin {
                ip: actor.ip,
                user_agent: actor.user_agent.clone(),
                software_id: None,
                ..Default::default()
            },
            last_token_at: None,
            blocked: false,
        };
        let audit = self.entry(actor, "create", "app", app.id, describe(&app.draft));
        self.apps.insert(&app, &audit).await?;
        Ok(app)
    }

    /// Replaces an app's name, URIs, icon; its client type cannot change (tokens and
    /// secrets depend on it).
    #[tracing::instrument(skip_all, fields(app_id = %id))]
    pub async fn update_app(
        &self,
        admin: &Admin,
        id: Uuid,
        draft: AppDraft,
    ) -> Result<App, AppError> {
        let actor = admin.actor();
        let existing = self.apps.find(id).await?.ok_or(AppError::NotFound)?;
        if existing.draft.client_type != draft.client_type {
            return Err(AppError::Invalid(vec![FieldProblem {
                field: "client_type".into(),
                detail: "an app cannot change between confidential and public".into(),
            }]));
        }
        let app = App {
            draft,
            updated_at: self.clock.now(),
            ..existing
        };
        let audit = self.entry(actor, "update", "app", id, describe(&app.draft));
        match self.apps.update(&app, &audit).await? {
            true => Ok(app),
            false => Err(AppError::NotFound),
        }
    }

    /// Deletes an app and everything issued to it.
    #[tracing::instrument(skip_all, fields(app_id = %id))]
    pub async fn delete_app(&self, admin: &Admin, id: Uuid) -> Result<(), AppError> {
        let actor = admin.actor();
        let audit = self.entry(actor, "delete", "app", id, Vec::new());
        match self.apps.delete(id, &audit).await? {
            true => Ok(()),
            false => Err(AppError::NotFound),
        }
    }

    /// Blocks or unblocks an app: blocked, it cannot authorize anyone and every token it
    /// holds stops working at once (SPEC §5 for CIMD clients; any app may be blocked).
    #[tracing::instrument(skip_all, fields(app_id = %id))]
    pub async fn set_blocked(
        &self,
        admin: &Admin,
        id: Uuid,
        blocked: bool,
    ) -> Result<(), AppError> {
        let actor = admin.actor();
        let action = if blocked { "block" } else { "unblock" };
        let audit = self.entry(actor, action, "client", id, Vec::new());
        match self.apps.set_blocked(id, blocked, &audit).await? {
            true => Ok(()),
            false => Err(AppError::NotFound),
        }
    }

    /// One app.
    pub async fn get_app(&self, _admin: &Admin, id: Uuid) -> Result<App, AppError> {
        self.apps.find(id).await?.ok_or(AppError::NotFound)
    }

    /// Every app, or the apps `user` has authorized.
    pub async fn list_apps(
        &self,
        _admin: &Admin,
        user: Option<UserId>,
    ) -> Result<Vec<App>, AppError> {
        Ok(self.apps.list(user).await?)
    }

    /// Creates a client secret; the returned credential is the only time it is shown.
    #[tracing::instrument(skip_all, fields(app_id = %app_id))]
    pub async fn create_secret(
        &self,
        admin: &Admin,
        app_id: Uuid,
    ) -> Result<(AppSecretInfo, Credential), AppError> {
        let actor = admin.actor();
        let credential = issue_credential(&self.rng, CredentialKind::ClientSecret);
        let info = AppSecretInfo {
            id: self.rng.uuid(),
            display_suffix: credential.last_chars(6),
            created_at: self.clock.now(),
            last_used_at: None,
        };
        let secret = NewAppSecret {
            info,
            lookup_id: credential.lookup_id().clone(),
            hash: credential.hash(),
        };
        let audit = self.entry(
            actor,
            "create",
            "app_secret",
            secret.info.id,
            vec![("app_id", app_id.to_string())],
        );
        match self.apps.insert_secret(app_id, &secret, &audit).await? {
            true => Ok((secret.info, credential)),
            false => Err(AppError::NotFound),
        }
    }

    /// The secrets of an app, truncated.
    pub async fn list_secrets(
        &self,
        _admin: &Admin,
        app_id: Uuid,
    ) -> Result<Vec<AppSecretInfo>, AppError> {
        self.apps
            .list_secrets(app_id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Deletes one secret; clients using it stop authenticating at once.
    #[tracing::instrument(skip_all, fields(app_id = %app_id))]
    pub async fn delete_secret(
        &self,
        admin: &Admin,
        app_id: Uuid,
        secret_id: Uuid,
    ) -> Result<(), AppError> {
        let actor = admin.actor();
        let audit = self.entry(
            actor,
            "delete",
            "app_secret",
            secret_id,
            vec![("app_id", app_id.to_string())],
        );
        match self.apps.delete_secret(app_id, secret_id, &audit).await? {
            true => Ok(()),
            false => Err(AppError::NotFound),
        }
    }
}

/// The fields of an app for the audit log (a draft holds no secret).
fn describe(draft: &AppDraft) -> Details {
    let uris: Vec<&str> = draft.redirect_uris.iter().map(|u| u.as_str()).collect();
    vec![
        ("name", draft.name.as_str().to_owned()),
        ("callback_url", draft.callback_url.as_str().to_owned()),
        ("redirect_uris", uris.join(" ")),
        (
            "icon",
            draft
                .icon
                .as_ref()
                .map(|i| i.as_str().to_owned())
                .unwrap_or_default(),
        ),
        ("client_type", draft.client_type.as_str().to_owned()),
    ]
}
