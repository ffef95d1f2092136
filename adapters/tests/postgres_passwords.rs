//! People's own passwords and sessions on a real PostgreSQL (issue 18): a new password ends
//! the other sessions, signing out everywhere, and one-time reset links.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

#[path = "support/people.rs"]
mod people;

use people::*;
use tessera_adapters::postgres::{
    PgPasswordResetRepository, PgSessionRepository, PgUserRepository,
};
use tessera_application::ports::{PasswordResetRepository, SessionRepository, UserRepository};
use tessera_domain::{PasswordHash, User, UserId};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[tokio::test]
async fn a_new_password_ends_every_session_but_the_one_kept() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let sessions = PgSessionRepository::new(db.clone());
    let ada = person(&repo, "ada", true).await;
    let here = session_of(&sessions, &ada).await;
    let elsewhere = session_of(&sessions, &ada).await;
    let hash = PasswordHash::new("$argon2id$new".into());
    let ended = repo
        .set_password(ada.id, &hash, Some(here.lookup_id()), &audit("update"))
        .await
        .unwrap();
    assert_eq!(ended, Some(1));
    assert!(live(&sessions, &here).await);
    assert!(!live(&sessions, &elsewhere).await);
    let stored = repo
        .find_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.password_hash.as_str(), "$argon2id$new");
    let nobody = UserId::new(Uuid::new_v4());
    let unknown = repo
        .set_password(nobody, &hash, None, &audit("update"))
        .await;
    assert_eq!(unknown.unwrap(), None);
}

#[tokio::test]
async fn signing_out_everywhere_ends_only_that_persons_sessions() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let sessions = PgSessionRepository::new(db.clone());
    let ada = person(&repo, "ada", true).await;
    let bob = person(&repo, "bob", false).await;
    let (a1, a2) = (
        session_of(&sessions, &ada).await,
        session_of(&sessions, &ada).await,
    );
    let b1 = session_of(&sessions, &bob).await;
    let ended = sessions.end_all(ada.id, &audit("revoke")).await.unwrap();
    assert_eq!(ended, 2);
    assert!(!live(&sessions, &a1).await && !live(&sessions, &a2).await);
    assert!(live(&sessions, &b1).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_uses_of_one_reset_link_exactly_one_sets_the_password() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let sessions = PgSessionRepository::new(db.clone());
    let ada = person(&repo, "ada", true).await;
    let session = session_of(&sessions, &ada).await;
    let resets = PgPasswordResetRepository::new(db.clone());
    let reset = reset_for(&ada);
    assert!(resets.insert(&reset, &audit("create")).await.unwrap());
    let now = OffsetDateTime::now_utc();
    let (hash, user) = resets
        .find_live(&reset.lookup_id, now)
        .await
        .unwrap()
        .unwrap();
    assert!(hash.matches(&reset.hash) && user == ada.id);
    let uses: Vec<_> = (0..10)
        .map(|i| {
            let (resets, lookup) = (resets.clone(), reset.lookup_id.clone());
            tokio::spawn(async move {
                let hash = PasswordHash::new(format!("$argon2id$use{i}"));
                resets
                    .redeem(&lookup, now, &hash, &audit("update"))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut redeemed = 0;
    for u in uses {
        redeemed += usize::from(u.await.unwrap() == Some(ada.id));
    }
    assert_eq!(redeemed, 1);
    assert!(!live(&sessions, &session).await);
    assert!(
        resets
            .find_live(&reset.lookup_id, now)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_new_reset_link_replaces_the_old_and_an_expired_one_is_dead() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let resets = PgPasswordResetRepository::new(db.clone());
    let ada = person(&repo, "ada", true).await;
    let (first, second) = (reset_for(&ada), reset_for(&ada));
    resets.insert(&first, &audit("create")).await.unwrap();
    resets.insert(&second, &audit("create")).await.unwrap();
    let now = OffsetDateTime::now_utc();
    assert!(
        resets
            .find_live(&first.lookup_id, now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        resets
            .find_live(&second.lookup_id, now)
            .await
            .unwrap()
            .is_some()
    );
    let later = now + Duration::hours(2);
    assert!(
        resets
            .find_live(&second.lookup_id, later)
            .await
            .unwrap()
            .is_none()
    );
    let hash = PasswordHash::new("$argon2id$late".into());
    let entry = audit("update");
    let late = resets.redeem(&second.lookup_id, later, &hash, &entry).await;
    assert_eq!(late.unwrap(), None);
    let nobody = User {
        id: UserId::new(Uuid::new_v4()),
        ..ada
    };
    assert!(
        !resets
            .insert(&reset_for(&nobody), &audit("create"))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_rehash_replaces_only_the_hash_it_was_computed_from_and_keeps_the_sessions() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let sessions = PgSessionRepository::new(db.clone());
    let ada = person(&repo, "ada", true).await;
    let here = session_of(&sessions, &ada).await;
    let old = repo
        .find_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    let new = PasswordHash::new("$argon2id$rehashed".into());
    let stale = PasswordHash::new("$argon2id$not-the-stored-one".into());
    assert!(!repo.rehash_password(ada.id, &stale, &new).await.unwrap());
    assert!(
        repo.rehash_password(ada.id, &old.password_hash, &new)
            .await
            .unwrap()
    );
    let stored = repo
        .find_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.password_hash.as_str(), "$argon2id$rehashed");
    assert!(live(&sessions, &here).await, "a rehash ends no session");
}
