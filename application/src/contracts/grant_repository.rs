//! [`GrantRepository`]: approvals, tokens as read back, revocation, authorized apps. The
//! redemption itself is exercised only through `fixtures::redeem` and `pending`, the
//! places to adapt when its signature changes.

use tessera_domain::{CredentialKind, LookupId, ScopeSet};
use time::Duration;

use super::World;
use super::fixtures::{
    self, app, code, code_approving, entry_by, grant, new_code, person, redeem, remembered,
    unknown_lookup,
};
use crate::Clock;
use crate::ports::*;

mod revocation;

pub use revocation::*;

fn scopes(s: &str) -> ScopeSet {
    ScopeSet::parse(s).unwrap()
}

/// Whether a code can still be redeemed (it exists and is unused); refuses it if so.
async fn pending<P: Ports>(w: &World<P>, lookup: &LookupId) -> bool {
    let presenter = Presenter {
        client_id: uuid::Uuid::nil(),
        secret: None,
    };
    let outcome = w.grants.redeem_code(lookup, presenter, |_, code| {
        let unused = code.is_some_and(|c| c.redeemed_into.is_none());
        (CodeOutcome::Refuse, unused)
    });
    outcome.await.unwrap()
}

/// Nothing is remembered before a person approves.
pub async fn no_approval_is_remembered_before_one_is_given<P: Ports>(w: &World<P>) {
    let (user, app) = (person(w, "ada").await, app(w, "Editor").await);
    assert!(!remembered(w, user.id, app.id, None).await);
}

/// An approval stored with a code is remembered, and a later one widens it.
pub async fn an_approval_is_remembered_and_widened<P: Ports>(w: &World<P>) {
    let (user, app) = (person(w, "ada").await, app(w, "Editor").await);
    code_approving(w, &user, &app, "mcp", true).await;
    code_approving(w, &user, &app, "user:read", true).await;
    let remembered = w.grants.approval(user.id, app.id, None).await.unwrap();
    assert_eq!(remembered, Some(scopes("mcp user:read")));
    let elsewhere = w
        .grants
        .approval(user.id, app.id, Some("https://mcp.example"));
    assert!(elsewhere.await.unwrap().is_none());
}

/// A code is stored on a remembered approval only when the approval covers its scopes and
/// is for its resource.
pub async fn a_remembered_approval_stores_a_code_only_within_what_it_covers<P: Ports>(
    w: &World<P>,
) {
    let (user, app) = (person(w, "ada").await, app(w, "Editor").await);
    let none = new_code(w, &user, &app, "mcp", None);
    assert!(!w.grants.insert_code_if_approved(&none).await.unwrap());
    assert!(!pending(w, &none.lookup_id).await, "nothing stored");
    code_approving(w, &user, &app, "mcp", true).await;
    let wider = new_code(w, &user, &app, "mcp user:read", None);
    assert!(!w.grants.insert_code_if_approved(&wider).await.unwrap());
    assert!(!pending(w, &wider.lookup_id).await);
    let elsewhere = new_code(w, &user, &app, "mcp", Some("https://mcp.example"));
    assert!(!w.grants.insert_code_if_approved(&elsewhere).await.unwrap());
    let covered = new_code(w, &user, &app, "mcp", None);
    assert!(w.grants.insert_code_if_approved(&covered).await.unwrap());
    assert!(pending(w, &covered.lookup_id).await);
}

/// A stored code can be redeemed; an unknown one cannot.
pub async fn a_stored_code_is_pending_and_an_unknown_one_is_not<P: Ports>(w: &World<P>) {
    let (user, app) = (person(w, "ada").await, app(w, "Editor").await);
    let lookup = code(w, &user, &app, "mcp").await;
    assert!(pending(w, &lookup).await);
    let unknown = unknown_lookup(w, CredentialKind::AuthorizationCode);
    assert!(!pending(w, &unknown).await);
}

/// A redeemed code is no longer pending, and its grant's tokens read back with the person,
/// the client and the scopes.
pub async fn a_redeemed_code_s_tokens_read_back<P: Ports>(w: &World<P>) {
    let (user, app) = (person(w, "ada").await, app(w, "Editor").await);
    let lookup = code(w, &user, &app, "mcp").await;
    let at = w.clock.now();
    let issued = redeem(w, &lookup, &app, "mcp", at).await;
    assert!(!pending(w, &lookup).await);
    let access = w
        .grants
        .find_access_token(&issued.access)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(access.grant_id, issued.grant_id);
    let public_id = app.id.to_string();
    assert_eq!(
        (access.client_id, access.public_client_id),
        (app.id, public_id)
    );
    assert_eq!(access.user.id, user.id);
    assert_eq!(access.scopes, scopes("mcp"));
    let times = (access.issued_at, access.expires_at);
    assert_eq!(times, (at, at + Duration::hours(1)));
    assert!(!access.revoked);
    let refresh = w
        .grants
        .find_refresh_token(&issued.refresh)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (refresh.grant_id, refresh.client_id),
        (issued.grant_id, app.id)
    );
    let times = (refresh.issued_at, refresh.expires_at);
    assert_eq!(times, (at, at + Duration::days(30)));
    assert!(!refresh.inactive);
}

/// Unknown tokens are not found, nor is a deleted access token.
pub async fn unknown_and_deleted_tokens_are_not_found<P: Ports>(w: &World<P>) {
    let (user, app) = (person(w, "ada").await, app(w, "Editor").await);
    let issued = grant(w, &user, &app, "mcp", w.clock.now()).await;
    let unknown = unknown_lookup(w, CredentialKind::AccessToken);
    assert!(
        w.grants
            .find_access_token(&unknown)
            .await
            .unwrap()
            .is_none()
    );
    let unknown = unknown_lookup(w, CredentialKind::RefreshToken);
    assert!(
        w.grants
            .find_refresh_token(&unknown)
            .await
            .unwrap()
            .is_none()
    );
    w.grants.delete_access_token(&issued.access).await.unwrap();
    assert!(
        w.grants
            .find_access_token(&issued.access)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        w.grants
            .find_refresh_token(&issued.refresh)
            .await
            .unwrap()
            .is_some()
    );
}

/// Authorized apps are one entry per app, named, with every scope of its live grants and
/// the first and last time one was made, the most recently authorized first.
pub async fn authorized_apps_are_grouped_per_app<P: Ports>(w: &World<P>) {
    let (user, app) = (person(w, "ada").await, app(w, "Editor").await);
    let other = fixtures::app(w, "Viewer").await;
    let first = w.clock.now() - Duration::hours(3);
    grant(w, &user, &app, "mcp", first).await;
    grant(w, &user, &app, "user:read", first + Duration::hours(1)).await;
    grant(w, &user, &other, "mcp", first + Duration::hours(2)).await;
    let revoked = grant(w, &user, &other, "user:read", first + Duration::hours(2)).await;
    let audit = entry_by("revoker", "revoke", "grant", "g", w.clock.now());
    w.grants
        .revoke_grant(revoked.grant_id, &audit)
        .await
        .unwrap();
    let apps = w
        .grants
        .authorized_apps(user.id, w.clock.now())
        .await
        .unwrap();
    assert_eq!(apps.len(), 2);
    assert_eq!(apps[0].client_id, other.id.to_string());
    assert_eq!(
        (apps[0].name.as_str(), &apps[0].scopes),
        ("Viewer", &scopes("mcp"))
    );
    assert_eq!(apps[1].client_id, app.id.to_string());
    assert_eq!(
        (apps[1].name.as_str(), &apps[1].scopes),
        ("Editor", &scopes("mcp user:read"))
    );
    let span = (apps[1].first_authorized_at, apps[1].last_authorized_at);
    assert_eq!(span, (first, first + Duration::hours(1)));
    let later = w.clock.now() + Duration::days(31);
    assert!(
        w.grants
            .authorized_apps(user.id, later)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Every test of [`GrantRepository`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! grant_repository_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, grant_repository:
            no_approval_is_remembered_before_one_is_given,
            an_approval_is_remembered_and_widened,
            a_remembered_approval_stores_a_code_only_within_what_it_covers,
            a_stored_code_is_pending_and_an_unknown_one_is_not,
            a_redeemed_code_s_tokens_read_back,
            unknown_and_deleted_tokens_are_not_found,
            a_revoked_grant_s_tokens_stop_and_it_is_audited_once,
            revoking_an_authorization_takes_grants_pending_codes_and_approvals,
            revoking_nothing_is_false_and_unaudited,
            a_blocked_app_s_tokens_codes_and_approvals_stop,
            a_suspended_person_s_tokens_and_codes_stop_for_good,
            authorized_apps_are_grouped_per_app,
        );
    };
}
