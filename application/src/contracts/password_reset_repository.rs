//! [`PasswordResetRepository`]: one live link per person, used up once.

use tessera_domain::{CredentialKind, LookupId, PasswordHash, User, UserId};
use time::{Duration, OffsetDateTime};

use super::World;
use super::fixtures::{entry, person};
use super::session_repository::session;
use crate::ports::*;
use crate::{Clock, Rng, issue_credential};

/// A reset link for `user` expiring at `expires_at`, not yet stored.
fn link<P: Ports>(w: &World<P>, user: UserId, expires_at: OffsetDateTime) -> NewPasswordReset {
    let credential = issue_credential(&w.rng, CredentialKind::PasswordReset);
    NewPasswordReset {
        lookup_id: credential.lookup_id().clone(),
        hash: credential.hash(),
        user_id: user,
        created_at: w.clock.now(),
        expires_at,
    }
}

async fn store<P: Ports>(w: &World<P>, user: &User, expires_at: OffsetDateTime) -> LookupId {
    let reset = link(w, user.id, expires_at);
    let audit = entry(
        "create",
        "password_reset",
        &user.id.to_string(),
        w.clock.now(),
    );
    assert!(w.resets.insert(&reset, &audit).await.unwrap());
    reset.lookup_id
}

/// A link for an unknown person is refused; a new link replaces the person's old one.
pub async fn one_live_link_per_known_person<P: Ports>(w: &World<P>) {
    let now = w.clock.now();
    let unknown = link(w, UserId::new(w.rng.uuid()), now + Duration::hours(1));
    let audit = entry("create", "password_reset", "nobody", now);
    assert!(!w.resets.insert(&unknown, &audit).await.unwrap());
    let ada = person(w, "ada").await;
    let old = store(w, &ada, now + Duration::hours(1)).await;
    let new = store(w, &ada, now + Duration::hours(1)).await;
    assert!(w.resets.find_live(&old, now).await.unwrap().is_none());
    let (_, user) = w.resets.find_live(&new, now).await.unwrap().unwrap();
    assert_eq!(user, ada.id);
}

/// A link is used up once: the password changes and the person's sessions end.
pub async fn a_link_is_redeemed_once<P: Ports>(w: &World<P>) {
    let ada = person(w, "ada").await;
    let now = w.clock.now();
    let lookup = store(w, &ada, now + Duration::hours(1)).await;
    let signed_in = session(w, &ada, now + Duration::hours(1)).await;
    let hash = PasswordHash::new("$argon2id$reset".into());
    let audit = entry("update", "user", &ada.id.to_string(), now);
    let redeemed = w.resets.redeem(&lookup, now, &hash, &audit).await.unwrap();
    assert_eq!(redeemed, Some(ada.id));
    assert!(
        w.resets
            .redeem(&lookup, now, &hash, &audit)
            .await
            .unwrap()
            .is_none()
    );
    let found = w
        .users
        .find_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.password_hash.as_str(), "$argon2id$reset");
    assert!(
        w.sessions
            .find_live(&signed_in, now)
            .await
            .unwrap()
            .is_none()
    );
}

/// An expired link is neither found nor redeemed.
pub async fn an_expired_link_is_dead<P: Ports>(w: &World<P>) {
    let ada = person(w, "ada").await;
    let now = w.clock.now();
    let lookup = store(w, &ada, now + Duration::minutes(1)).await;
    let later = now + Duration::minutes(1);
    assert!(w.resets.find_live(&lookup, later).await.unwrap().is_none());
    let hash = PasswordHash::new("$argon2id$reset".into());
    let audit = entry("update", "user", &ada.id.to_string(), now);
    assert!(
        w.resets
            .redeem(&lookup, later, &hash, &audit)
            .await
            .unwrap()
            .is_none()
    );
}

/// Every test of [`PasswordResetRepository`], as `#[tokio::test]`s on the world `$world`
/// builds.
#[macro_export]
macro_rules! password_reset_repository_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, password_reset_repository:
            one_live_link_per_known_person,
            a_link_is_redeemed_once,
            an_expired_link_is_dead,
        );
    };
}
