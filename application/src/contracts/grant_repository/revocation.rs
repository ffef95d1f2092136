//! Revocation: of one grant, of an authorization, by blocking an app or suspending its
//! person.

use tessera_domain::AccountChange;

use super::pending;
use crate::Clock;
use crate::contracts::World;
use crate::contracts::fixtures::{
    self, access_revoked, app, audited_by, code, code_approving, entry_by, grant, person,
    refresh_inactive, remembered,
};
use crate::ports::*;

/// Revoking a grant revokes its tokens, and is audited once however often it is asked.
pub async fn a_revoked_grant_s_tokens_stop_and_it_is_audited_once<P: Ports>(w: &World<P>) {
    let (user, app) = (person(w, "ada").await, app(w, "Editor").await);
    let issued = grant(w, &user, &app, "mcp", w.clock.now()).await;
    let id = issued.grant_id.to_string();
    let audit = entry_by("revoker", "revoke", "grant", &id, w.clock.now());
    w.grants
        .revoke_grant(issued.grant_id, &audit)
        .await
        .unwrap();
    w.grants
        .revoke_grant(issued.grant_id, &audit)
        .await
        .unwrap();
    assert!(access_revoked(w, &issued.access).await);
    assert!(refresh_inactive(w, &issued.refresh).await);
    assert_eq!(audited_by(w, "revoker").await.len(), 1);
}

/// Revoking an authorization revokes the grants, deletes the pending codes and forgets the
/// approval of that person for that client, and no one else's.
pub async fn revoking_an_authorization_takes_grants_pending_codes_and_approvals<P: Ports>(
    w: &World<P>,
) {
    let (user, app) = (person(w, "ada").await, app(w, "Editor").await);
    let other = fixtures::app(w, "Viewer").await;
    let issued = grant(w, &user, &app, "mcp", w.clock.now()).await;
    let waiting = code_approving(w, &user, &app, "mcp", true).await;
    let elsewhere = code_approving(w, &user, &other, "mcp", true).await;
    let audit = entry_by("revoker", "revoke", "client", app.id, w.clock.now());
    assert!(
        w.grants
            .revoke_authorization(user.id, app.id, &audit)
            .await
            .unwrap()
    );
    assert!(access_revoked(w, &issued.access).await);
    assert!(!pending(w, &waiting).await);
    assert!(!remembered(w, user.id, app.id, None).await);
    assert!(pending(w, &elsewhere).await);
    assert!(remembered(w, user.id, other.id, None).await);
    assert_eq!(audited_by(w, "revoker").await.len(), 1);
}

/// Revoking an authorization that holds nothing changes nothing and audits nothing.
pub async fn revoking_nothing_is_false_and_unaudited<P: Ports>(w: &World<P>) {
    let (user, app) = (person(w, "ada").await, app(w, "Editor").await);
    let audit = entry_by("revoker", "revoke", "client", app.id, w.clock.now());
    assert!(
        !w.grants
            .revoke_authorization(user.id, app.id, &audit)
            .await
            .unwrap()
    );
    assert!(audited_by(w, "revoker").await.is_empty());
}

/// Blocking an app stops its tokens, deletes its pending codes and forgets its approvals.
pub async fn a_blocked_app_s_tokens_codes_and_approvals_stop<P: Ports>(w: &World<P>) {
    let (user, app) = (person(w, "ada").await, app(w, "Editor").await);
    let issued = grant(w, &user, &app, "mcp", w.clock.now()).await;
    let waiting = code_approving(w, &user, &app, "mcp", true).await;
    let audit = entry_by("blocker", "block", "app", app.id, w.clock.now());
    assert!(w.apps.set_blocked(app.id, true, &audit).await.unwrap());
    assert!(access_revoked(w, &issued.access).await);
    assert!(refresh_inactive(w, &issued.refresh).await);
    assert!(!pending(w, &waiting).await);
    assert!(!remembered(w, user.id, app.id, None).await);
    let audit = entry_by("blocker", "unblock", "app", app.id, w.clock.now());
    assert!(w.apps.set_blocked(app.id, false, &audit).await.unwrap());
    let access = w
        .grants
        .find_access_token(&issued.access)
        .await
        .unwrap()
        .unwrap();
    assert!(access.revoked, "unblocking brings no grant back");
}

/// A suspended person's tokens stop working and their pending codes go, and unsuspending
/// them brings neither back.
pub async fn a_suspended_person_s_tokens_and_codes_stop_for_good<P: Ports>(w: &World<P>) {
    let (user, app) = (person(w, "ada").await, app(w, "Editor").await);
    let issued = grant(w, &user, &app, "mcp", w.clock.now()).await;
    let waiting = code(w, &user, &app, "mcp").await;
    let changes = [
        (AccountChange::Suspend, "suspend"),
        (AccountChange::Unsuspend, "unsuspend"),
    ];
    for (change, action) in changes {
        let audit = entry_by("admin", action, "user", user.id, w.clock.now());
        let decide = |_: &tessera_domain::Account, _: u64| Ok(true);
        let changed = w
            .users
            .change_account(user.id, change, &audit, decide)
            .await;
        assert!(matches!(changed.unwrap(), Some(Ok(_))));
        assert!(access_revoked(w, &issued.access).await, "after {action}");
        assert!(refresh_inactive(w, &issued.refresh).await, "after {action}");
        assert!(!pending(w, &waiting).await, "after {action}");
    }
}
