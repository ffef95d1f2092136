//! The rows contract tests stand on, stored through the ports themselves, so that each
//! implementation stores them its own way.

use tessera_domain::{
    AccountStatus, App, AppDraft, CodeChallenge, CodeVerifier, CredentialKind, Email, LookupId,
    PasswordHash, RegistrationSource, ScopeSet, User, UserId, UserWithPassword, Username,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::World;
use crate::issue_credential;
use crate::ports::*;
use crate::{Clock, Rng};

/// An audit entry by a test actor, at `at`.
pub fn entry(
    action: &'static str,
    target_type: &'static str,
    target_id: &str,
    at: OffsetDateTime,
) -> AuditEntry {
    AuditEntry {
        actor: Actor {
            user_id: None,
            name: "contract".into(),
            ip: None,
            user_agent: None,
        },
        action,
        target_type,
        target_id: target_id.to_owned(),
        at,
        details: Vec::new(),
    }
}

/// A person named `name` (also their email's local part), not yet stored.
pub fn someone<P: Ports>(w: &World<P>, name: &str) -> UserWithPassword {
    UserWithPassword {
        user: User {
            id: UserId::new(w.rng.uuid()),
            email: Email::parse(&format!("{name}@example.com")).unwrap(),
            username: Username::parse(name).unwrap(),
            admin: false,
            created_at: w.clock.now(),
        },
        password_hash: PasswordHash::new("$argon2id$contract".into()),
        status: AccountStatus::Active,
    }
}

/// Stores an active person named `name`.
pub async fn person<P: Ports>(w: &World<P>, name: &str) -> User {
    let record = someone(w, name);
    let audit = entry("create", "user", &record.user.id.to_string(), w.clock.now());
    w.users.insert(&record, &audit).await.unwrap();
    record.user
}

/// An admin's confidential app named `name`, not yet stored, created `age` ago.
pub fn draft_app<P: Ports>(w: &World<P>, name: &str, age: Duration) -> App {
    let draft = AppDraft::parse(name, "https://app.example/cb", None, None, None).unwrap();
    let at = w.clock.now() - age;
    App {
        id: w.rng.uuid(),
        draft,
        source: RegistrationSource::Admin,
        created_at: at,
        updated_at: at,
        origin: Default::default(),
        last_token_at: None,
        blocked: false,
    }
}

/// Stores an admin's app named `name`.
pub async fn app<P: Ports>(w: &World<P>, name: &str) -> App {
    let app = draft_app(w, name, Duration::ZERO);
    let audit = entry("create", "app", &app.id.to_string(), w.clock.now());
    w.apps.insert(&app, &audit).await.unwrap();
    app
}

/// Stores an unused authorization code of `user` for `app`, for `scopes`; its lookup id.
pub async fn code<P: Ports>(w: &World<P>, user: &User, app: &App, scopes: &str) -> LookupId {
    code_approving(w, user, app, scopes, false).await
}

/// Stores an unused code as [`code`] does, remembering the approval of its scopes when
/// `remember` is set.
pub async fn code_approving<P: Ports>(
    w: &World<P>,
    user: &User,
    app: &App,
    scopes: &str,
    remember: bool,
) -> LookupId {
    store_code(w, user, app, scopes, remember, None).await
}

/// Stores an unused code, for `resource` when given.
async fn store_code<P: Ports>(
    w: &World<P>,
    user: &User,
    app: &App,
    scopes: &str,
    remember: bool,
    resource: Option<&str>,
) -> LookupId {
    let code = new_code(w, user, app, scopes, resource);
    let approval = remember.then(|| Approval {
        user_id: user.id,
        client_id: app.id,
        resource: code.resource.clone(),
        scopes: code.scopes.clone(),
        at: code.created_at,
    });
    w.grants
        .insert_code(&code, approval.as_ref())
        .await
        .unwrap();
    code.lookup_id
}

/// A fresh code of `user` for `app` with `scopes` (and `resource`), not stored.
pub fn new_code<P: Ports>(
    w: &World<P>,
    user: &User,
    app: &App,
    scopes: &str,
    resource: Option<&str>,
) -> NewCode {
    let credential = issue_credential(&w.rng, CredentialKind::AuthorizationCode);
    let verifier = CodeVerifier::parse("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
    let now = w.clock.now();
    NewCode {
        lookup_id: credential.lookup_id().clone(),
        hash: credential.hash(),
        client_id: app.id,
        user_id: user.id,
        redirect_uri: "https://app.example/cb".into(),
        redirect_uri_sent: true,
        challenge: CodeChallenge::from_verifier(&verifier),
        scopes: ScopeSet::parse(scopes).unwrap(),
        resource: resource.map(str::to_owned),
        state_hash: None,
        created_at: now,
        expires_at: now + Duration::minutes(10),
    }
}

/// A grant and the tokens of its first token response.
#[derive(Debug)]
pub struct Issued {
    /// The grant's id.
    pub grant_id: Uuid,
    /// The access token's lookup id.
    pub access: LookupId,
    /// The refresh token's lookup id.
    pub refresh: LookupId,
}

/// A grant of `scopes` from `user` to `app`, made at `at` by redeeming a fresh code, and
/// its first tokens.
pub async fn grant<P: Ports>(
    w: &World<P>,
    user: &User,
    app: &App,
    scopes: &str,
    at: OffsetDateTime,
) -> Issued {
    let lookup = code(w, user, app, scopes).await;
    redeem(w, &lookup, app, scopes, at).await
}

/// A grant for `resource` (a protected server's URL), made as [`grant`] makes one.
pub async fn grant_for_resource<P: Ports>(
    w: &World<P>,
    user: &User,
    app: &App,
    resource: &str,
    at: OffsetDateTime,
) -> Issued {
    let lookup = store_code(w, user, app, "mcp", true, Some(resource)).await;
    redeem_for(w, &lookup, app, "mcp", Some(resource), at).await
}

/// Redeems the code `lookup` of `app` into a grant of `scopes` at `at`.
pub async fn redeem<P: Ports>(
    w: &World<P>,
    lookup: &LookupId,
    app: &App,
    scopes: &str,
    at: OffsetDateTime,
) -> Issued {
    redeem_for(w, lookup, app, scopes, None, at).await
}

/// Redeems a code into a grant, for `resource` when given. The one place the contracts
/// redeem a code.
async fn redeem_for<P: Ports>(
    w: &World<P>,
    lookup: &LookupId,
    app: &App,
    scopes: &str,
    resource: Option<&str>,
    at: OffsetDateTime,
) -> Issued {
    let access = issue_credential(&w.rng, CredentialKind::AccessToken);
    let refresh = issue_credential(&w.rng, CredentialKind::RefreshToken);
    let issued = Issued {
        grant_id: w.rng.uuid(),
        access: access.lookup_id().clone(),
        refresh: refresh.lookup_id().clone(),
    };
    let scopes = ScopeSet::parse(scopes).unwrap();
    let outcome = CodeOutcome::Issue(
        NewGrant {
            id: issued.grant_id,
            scopes: scopes.clone(),
            resource: resource.map(str::to_owned),
            expires_at: at + Duration::days(30),
        },
        NewTokens {
            access: NewToken {
                lookup_id: issued.access.clone(),
                hash: access.hash(),
            },
            audience: "https://auth.example".into(),
            scopes,
            access_expires_at: at + Duration::hours(1),
            refresh: Some(NewToken {
                lookup_id: issued.refresh.clone(),
                hash: refresh.hash(),
            }),
            issued_at: at,
        },
    );
    let presenter = Presenter {
        client_id: app.id,
        secret: None,
    };
    let done = w.grants.redeem_code(lookup, presenter, |_, code| {
        let found = code.is_some();
        (outcome, found)
    });
    assert!(done.await.unwrap(), "the code to redeem exists");
    issued
}

/// A lookup id nothing was stored under.
pub fn unknown_lookup<P: Ports>(w: &World<P>, kind: CredentialKind) -> LookupId {
    issue_credential(&w.rng, kind).lookup_id().clone()
}

/// The audit entries whose actor is named `actor`, newest first, and how many there are.
pub async fn audited_by<P: Ports>(w: &World<P>, actor: &str) -> Vec<AuditRecord> {
    let text = tessera_domain::AuditQueryText {
        actor: Some(actor),
        ..Default::default()
    };
    let query = tessera_domain::AuditQuery::parse(text).unwrap();
    w.audit.list(&query).await.unwrap().0
}

/// An audit entry by an actor named `actor`, to find it again with [`audited_by`].
pub fn entry_by(
    actor: &str,
    action: &'static str,
    target_type: &'static str,
    target_id: impl std::fmt::Display,
    at: OffsetDateTime,
) -> AuditEntry {
    let mut audit = entry(action, target_type, &target_id.to_string(), at);
    audit.actor.name = actor.to_owned();
    audit
}

/// Whether `user`'s approval of `client_id` (for `resource`) is remembered.
pub async fn remembered<P: Ports>(
    w: &World<P>,
    user: tessera_domain::UserId,
    client_id: Uuid,
    resource: Option<&str>,
) -> bool {
    let approval = w.grants.approval(user, client_id, resource).await;
    approval.unwrap().is_some()
}

/// Whether the access token with lookup id `access` (which must exist) reads as revoked.
pub async fn access_revoked<P: Ports>(w: &World<P>, access: &LookupId) -> bool {
    let found = w.grants.find_access_token(access).await.unwrap();
    found.expect("the access token exists").revoked
}

/// Whether the refresh token with lookup id `refresh` (which must exist) reads as inactive.
pub async fn refresh_inactive<P: Ports>(w: &World<P>, refresh: &LookupId) -> bool {
    let found = w.grants.find_refresh_token(refresh).await.unwrap();
    found.expect("the refresh token exists").inactive
}
