//! People management on a real PostgreSQL (issue 18): the last-admin rule under concurrent
//! changes, what a suspension ends, and the search of people.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

#[path = "support/people.rs"]
mod people;

use people::*;
use tessera_adapters::postgres::{
    PgGrantRepository, PgPasswordResetRepository, PgSessionRepository, PgUserRepository,
};
use tessera_application::ports::{GrantRepository, PasswordResetRepository, UserRepository};
use tessera_domain::{AccountChange, AccountQuery, AccountRefusal, AccountStatus};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_demoting_or_suspending_each_other_at_once_always_leave_one_active_admin() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let ada = person(&repo, "ada", true).await;
    let bob = person(&repo, "bob", true).await;
    for round in 0..40 {
        let (first, second) = match round % 2 {
            0 => (AccountChange::RemoveAdmin, AccountChange::RemoveAdmin),
            _ => (AccountChange::Suspend, AccountChange::RemoveAdmin),
        };
        let (r1, r2) = (repo.clone(), repo.clone());
        let a = tokio::spawn(async move { change(&r1, bob.id, first).await });
        let b = tokio::spawn(async move { change(&r2, ada.id, second).await });
        let outcomes = [a.await.unwrap(), b.await.unwrap()];
        let refused = outcomes
            .iter()
            .filter(|o| **o == Err(AccountRefusal::LastAdmin))
            .count();
        assert_eq!(refused, 1, "round {round}: {outcomes:?}");
        assert_eq!(active_admins(&db).await, 1, "round {round}");
        for id in [ada.id, bob.id] {
            change(&repo, id, AccountChange::Unsuspend).await.unwrap();
            change(&repo, id, AccountChange::GrantAdmin).await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_suspension_ends_sessions_reset_links_codes_and_mcp_sessions_and_revokes_grants() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let sessions = PgSessionRepository::new(db.clone());
    person(&repo, "ada", true).await;
    let bob = person(&repo, "bob", false).await;
    let session = session_of(&sessions, &bob).await;
    let grant = insert_grant(&db, &bob).await;
    let client = db.client().await.unwrap();
    client
        .execute(
            "INSERT INTO mcp_sessions (id, state, user_id, client_id, expires_at)
             VALUES ('s1', '{}', $1, $2, now() + interval '1 hour')",
            &[&bob.id.as_uuid(), &grant.app_id],
        )
        .await
        .unwrap();
    let resets = PgPasswordResetRepository::new(db.clone());
    resets
        .insert(&reset_for(&bob), &audit("create"))
        .await
        .unwrap();

    let suspended = change(&repo, bob.id, AccountChange::Suspend).await.unwrap();

    assert_eq!(suspended.status, AccountStatus::Suspended);
    assert!(!live(&sessions, &session).await);
    let count = |sql: &'static str| {
        let client = &client;
        let bob = bob.id.as_uuid();
        async move {
            client
                .query_one(sql, &[&bob])
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    assert_eq!(
        count("SELECT count(*) FROM sessions WHERE user_id = $1").await,
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM password_resets WHERE user_id = $1").await,
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM mcp_sessions WHERE user_id = $1").await,
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM oauth2_grants WHERE user_id = $1 AND revoked_at IS NULL").await,
        0
    );
    let token = PgGrantRepository::new(db.clone())
        .find_access_token(&grant.token)
        .await
        .unwrap()
        .unwrap();
    assert!(token.revoked);
    let actions: Vec<String> = client
        .query("SELECT action FROM audit_log ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(actions.last().map(String::as_str), Some("suspend"));
}

#[tokio::test]
async fn a_token_issued_after_the_suspension_is_refused_and_unsuspending_does_not_revive_sessions()
{
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db.clone());
    let sessions = PgSessionRepository::new(db.clone());
    person(&repo, "ada", true).await;
    let bob = person(&repo, "bob", false).await;
    let session = session_of(&sessions, &bob).await;
    change(&repo, bob.id, AccountChange::Suspend).await.unwrap();
    // A code redeemed in the moment of the suspension: its grant was not there to revoke.
    let late = insert_grant(&db, &bob).await;
    let grants = PgGrantRepository::new(db.clone());
    let token = grants
        .find_access_token(&late.token)
        .await
        .unwrap()
        .unwrap();
    assert!(token.revoked, "a suspended person's tokens are refused");
    let after_session = session_of(&sessions, &bob).await;
    assert!(!live(&sessions, &after_session).await, "nor their sessions");

    change(&repo, bob.id, AccountChange::Unsuspend)
        .await
        .unwrap();
    assert!(
        !live(&sessions, &session).await,
        "the old session stays ended"
    );
    assert!(live(&sessions, &after_session).await);
}

#[tokio::test]
async fn a_search_pages_oldest_first_and_takes_wildcards_literally() {
    let db = migrated_db().await;
    let repo = PgUserRepository::new(db);
    for n in 0..5 {
        person(&repo, &format!("team{n}"), false).await;
    }
    person(&repo, "other", false).await;
    let query = AccountQuery::parse(Some("TEAM"), Some(2), Some(2)).unwrap();
    let (page, total) = repo.search(&query).await.unwrap();
    assert_eq!(total, 5);
    let names: Vec<_> = page.iter().map(|a| a.user.username.as_str()).collect();
    assert_eq!(names, ["team2", "team3"]);
    let beyond = AccountQuery::parse(Some("team"), Some(2), Some(10)).unwrap();
    assert_eq!(repo.search(&beyond).await.unwrap(), (Vec::new(), 5));
    let wildcard = AccountQuery::parse(Some("%"), None, None).unwrap();
    assert_eq!(repo.search(&wildcard).await.unwrap().1, 0);
}
