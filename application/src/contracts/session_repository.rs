//! [`SessionRepository`]: sessions stored as hashes, live until they expire or end.

use tessera_domain::{AccountChange, CredentialKind, LookupId, User};
use time::{Duration, OffsetDateTime};

use super::World;
use super::fixtures::{audited_by, entry_by, person, unknown_lookup};
use crate::ports::*;
use crate::{Clock, issue_credential};

/// Stores a session of `user` that expires at `expires_at`; its lookup id.
pub async fn session<P: Ports>(w: &World<P>, user: &User, expires_at: OffsetDateTime) -> LookupId {
    let credential = issue_credential(&w.rng, CredentialKind::Session);
    let new = NewSession {
        lookup_id: credential.lookup_id().clone(),
        hash: credential.hash(),
        user: user.clone(),
        created_at: w.clock.now(),
        expires_at,
    };
    w.sessions.insert(&new).await.unwrap();
    new.lookup_id
}

/// A session is live, with its hash and person, until it expires; an unknown one is not.
pub async fn a_session_is_live_until_it_expires<P: Ports>(w: &World<P>) {
    let ada = person(w, "ada").await;
    let now = w.clock.now();
    let lookup = session(w, &ada, now + Duration::hours(1)).await;
    let (_, user) = w.sessions.find_live(&lookup, now).await.unwrap().unwrap();
    assert_eq!(user, ada);
    let later = now + Duration::hours(1);
    assert!(
        w.sessions
            .find_live(&lookup, later)
            .await
            .unwrap()
            .is_none()
    );
    let unknown = unknown_lookup(w, CredentialKind::Session);
    assert!(w.sessions.find_live(&unknown, now).await.unwrap().is_none());
}

/// A deleted session is gone; deleting it again is no error.
pub async fn a_deleted_session_is_gone<P: Ports>(w: &World<P>) {
    let ada = person(w, "ada").await;
    let now = w.clock.now();
    let lookup = session(w, &ada, now + Duration::hours(1)).await;
    w.sessions.delete(&lookup).await.unwrap();
    w.sessions.delete(&lookup).await.unwrap();
    assert!(w.sessions.find_live(&lookup, now).await.unwrap().is_none());
}

/// Ending every session of a person ends theirs only, counts them, and is audited.
pub async fn ending_every_session_ends_only_that_person_s<P: Ports>(w: &World<P>) {
    let (ada, bob) = (person(w, "ada").await, person(w, "bob").await);
    let now = w.clock.now();
    let hour = now + Duration::hours(1);
    let (first, second) = (session(w, &ada, hour).await, session(w, &ada, hour).await);
    let bobs = session(w, &bob, hour).await;
    let audit = entry_by("leaver", "revoke", "session", ada.id, now);
    assert_eq!(w.sessions.end_all(ada.id, &audit).await.unwrap(), 2);
    assert!(w.sessions.find_live(&first, now).await.unwrap().is_none());
    assert!(w.sessions.find_live(&second, now).await.unwrap().is_none());
    assert!(w.sessions.find_live(&bobs, now).await.unwrap().is_some());
    assert_eq!(audited_by(w, "leaver").await.len(), 1);
}

/// A suspended person's sessions end; a new password ends all but the one kept.
pub async fn suspension_and_a_new_password_end_sessions<P: Ports>(w: &World<P>) {
    let (ada, bob) = (person(w, "ada").await, person(w, "bob").await);
    let now = w.clock.now();
    let hour = now + Duration::hours(1);
    let adas = session(w, &ada, hour).await;
    let audit = entry_by("admin", "suspend", "user", ada.id, now);
    let allow = |_: &tessera_domain::Account, _: u64| Ok(true);
    let suspended = w
        .users
        .change_account(ada.id, AccountChange::Suspend, &audit, allow);
    suspended.await.unwrap().unwrap().unwrap();
    assert!(w.sessions.find_live(&adas, now).await.unwrap().is_none());
    let (kept, ended) = (session(w, &bob, hour).await, session(w, &bob, hour).await);
    let hash = tessera_domain::PasswordHash::new("$argon2id$new".into());
    let changed = w
        .users
        .set_password(bob.id, &hash, Some(&kept), &audit)
        .await;
    assert_eq!(changed.unwrap(), Some(1));
    assert!(w.sessions.find_live(&kept, now).await.unwrap().is_some());
    assert!(w.sessions.find_live(&ended, now).await.unwrap().is_none());
}

/// Every test of [`SessionRepository`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! session_repository_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, session_repository:
            a_session_is_live_until_it_expires,
            a_deleted_session_is_gone,
            ending_every_session_ends_only_that_person_s,
            suspension_and_a_new_password_end_sessions,
        );
    };
}
