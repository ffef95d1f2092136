//! [`UserRepository`]: people, their uniqueness, search and the admins' changes.

use tessera_domain::{
    Account, AccountChange, AccountQuery, AccountRefusal, AccountStatus, PasswordHash,
};

use super::World;
use super::fixtures::{audited_by, entry_by, person, someone};
use crate::ports::*;
use crate::{Clock, Rng};

/// The audit entry of an account change to `user` made by "changer".
fn changer_audit<P: Ports>(w: &World<P>, user: &tessera_domain::User) -> AuditEntry {
    entry_by("changer", "update", "user", user.id, w.clock.now())
}

/// The first user is stored only while there is none.
pub async fn the_first_user_is_stored_only_while_none_exists<P: Ports>(w: &World<P>) {
    assert!(!w.users.any_exists().await.unwrap());
    assert!(w.users.insert_first(&someone(w, "ada")).await.unwrap());
    assert!(w.users.any_exists().await.unwrap());
    assert!(!w.users.insert_first(&someone(w, "bob")).await.unwrap());
    assert!(
        w.users
            .find_by_email("bob@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

/// A taken email (in any case) or username is a conflict naming it, and stores nothing.
pub async fn a_taken_email_or_username_is_a_conflict<P: Ports>(w: &World<P>) {
    person(w, "ada").await;
    let mut same_email = someone(w, "other");
    same_email.user.email = tessera_domain::Email::parse("ADA@example.com").unwrap();
    let mut same_name = someone(w, "ada");
    same_name.user.email = tessera_domain::Email::parse("else@example.com").unwrap();
    for (record, field) in [(same_email, "email"), (same_name, "username")] {
        let audit = entry_by("adder", "create", "user", "u", w.clock.now());
        let refused = w.users.insert(&record, &audit).await;
        assert!(
            matches!(refused, Err(RepoError::Conflict { field: f }) if f == field),
            "{field}"
        );
    }
    assert!(audited_by(w, "adder").await.is_empty());
    assert!(
        w.users
            .find_by_email("else@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

/// A person is found by normalized email and by id, with their hash and status.
pub async fn a_person_is_found_by_email_and_by_id<P: Ports>(w: &World<P>) {
    let ada = person(w, "ada").await;
    let found = w
        .users
        .find_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.user, ada);
    assert_eq!(found.password_hash.as_str(), "$argon2id$contract");
    assert_eq!(found.status, AccountStatus::Active);
    let account = w.users.find_account(ada.id).await.unwrap().unwrap();
    assert_eq!((account.user, account.status), (ada, AccountStatus::Active));
    let unknown = tessera_domain::UserId::new(w.rng.uuid());
    assert!(w.users.find_account(unknown).await.unwrap().is_none());
}

/// Search matches email or username in any case, oldest first, a page at a time.
pub async fn search_matches_email_or_username_a_page_at_a_time<P: Ports>(w: &World<P>) {
    for name in ["alice", "malik", "bob"] {
        person(w, name).await;
    }
    let query = AccountQuery::parse(Some("LI"), Some(1), Some(1)).unwrap();
    let (page, total) = w.users.search(&query).await.unwrap();
    assert_eq!(total, 2);
    let names: Vec<_> = page
        .iter()
        .map(|a| a.user.username.as_str().to_owned())
        .collect();
    assert_eq!(names, vec!["malik"]);
}

/// A refused change and a change that changes nothing write nothing, not even an audit
/// entry; an unknown account is `None`.
pub async fn a_refused_or_empty_change_writes_nothing<P: Ports>(w: &World<P>) {
    let ada = person(w, "ada").await;
    let audit = changer_audit(w, &ada);
    let refuse = |_: &Account, _: u64| Err(AccountRefusal::LastAdmin);
    let refused = w
        .users
        .change_account(ada.id, AccountChange::GrantAdmin, &audit, refuse);
    assert!(matches!(
        refused.await.unwrap(),
        Some(Err(AccountRefusal::LastAdmin))
    ));
    let nothing = |_: &Account, _: u64| Ok(false);
    let unchanged = w
        .users
        .change_account(ada.id, AccountChange::GrantAdmin, &audit, nothing);
    let account = unchanged.await.unwrap().unwrap().unwrap();
    assert!(!account.user.admin);
    assert!(audited_by(w, "changer").await.is_empty());
    let unknown = tessera_domain::UserId::new(w.rng.uuid());
    let allow = |_: &Account, _: u64| Ok(true);
    let missing = w
        .users
        .change_account(unknown, AccountChange::GrantAdmin, &audit, allow);
    assert!(missing.await.unwrap().is_none());
}

/// An allowed change is stored and audited, and `decide` sees the active admins.
pub async fn an_allowed_change_is_stored_and_audited<P: Ports>(w: &World<P>) {
    let ada = person(w, "ada").await;
    let audit = changer_audit(w, &ada);
    let seen = std::sync::Mutex::new(None);
    let allow = |_: &Account, admins: u64| {
        *seen.lock().unwrap() = Some(admins);
        Ok(true)
    };
    let changed = w
        .users
        .change_account(ada.id, AccountChange::GrantAdmin, &audit, allow);
    assert!(changed.await.unwrap().unwrap().unwrap().user.admin);
    assert_eq!(*seen.lock().unwrap(), Some(0));
    assert!(
        w.users
            .find_account(ada.id)
            .await
            .unwrap()
            .unwrap()
            .user
            .admin
    );
    assert_eq!(audited_by(w, "changer").await.len(), 1);
}

/// A new password is stored; an unknown person is `None`.
pub async fn a_new_password_is_stored<P: Ports>(w: &World<P>) {
    let ada = person(w, "ada").await;
    let audit = changer_audit(w, &ada);
    let hash = PasswordHash::new("$argon2id$new".into());
    assert_eq!(
        w.users
            .set_password(ada.id, &hash, None, &audit)
            .await
            .unwrap(),
        Some(0)
    );
    let found = w
        .users
        .find_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.password_hash.as_str(), "$argon2id$new");
    let unknown = tessera_domain::UserId::new(w.rng.uuid());
    assert!(
        w.users
            .set_password(unknown, &hash, None, &audit)
            .await
            .unwrap()
            .is_none()
    );
}

/// A rehash replaces only the hash it was computed from, and audits nothing.
pub async fn a_rehash_replaces_only_the_hash_it_was_computed_from<P: Ports>(w: &World<P>) {
    let ada = person(w, "ada").await;
    let find = || w.users.find_by_email("ada@example.com");
    let old = find().await.unwrap().unwrap().password_hash;
    let new = PasswordHash::new("$argon2id$rehashed".into());
    let stale = PasswordHash::new("$argon2id$not-the-stored-one".into());
    assert!(!w.users.rehash_password(ada.id, &stale, &new).await.unwrap());
    assert_eq!(
        find().await.unwrap().unwrap().password_hash.as_str(),
        old.as_str()
    );
    assert!(w.users.rehash_password(ada.id, &old, &new).await.unwrap());
    let stored = find().await.unwrap().unwrap().password_hash;
    assert_eq!(stored.as_str(), "$argon2id$rehashed");
    let unknown = tessera_domain::UserId::new(w.rng.uuid());
    assert!(!w.users.rehash_password(unknown, &new, &old).await.unwrap());
}

/// Every test of [`UserRepository`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! user_repository_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, user_repository:
            the_first_user_is_stored_only_while_none_exists,
            a_taken_email_or_username_is_a_conflict,
            a_person_is_found_by_email_and_by_id,
            search_matches_email_or_username_a_page_at_a_time,
            a_refused_or_empty_change_writes_nothing,
            an_allowed_change_is_stored_and_audited,
            a_new_password_is_stored,
            a_rehash_replaces_only_the_hash_it_was_computed_from,
        );
    };
}
