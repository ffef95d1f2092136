//! Admins managing accounts, with fakes.

use tessera_domain::{AccountStatus, SecretString};
use time::Duration;

use super::*;
use crate::admin::{AdminAuthError, NotAdmin, Origin, console_operator};
use crate::fakes::{
    CountingRng, FakeClock, FakeHasher, FakePorts, FakeUsers, new_user, store_user,
};
use crate::people::{LogInError, LoginThrottle, SessionService};

struct World {
    users: FakeUsers,
    service: AccountService<FakePorts>,
    sessions: SessionService<FakePorts>,
    admin: User,
    member: User,
}

async fn world() -> World {
    let users = FakeUsers::default();
    let hasher = FakeHasher::default();
    let clock = FakeClock::default();
    let admin = store_user(&users, &hasher, new_user("ada@example.com", "ada", true)).await;
    let member = store_user(&users, &hasher, new_user("bob@example.com", "bob", false)).await;
    let service = AccountService::new(
        users.clone(),
        users.resets(),
        hasher.clone(),
        clock.clone(),
        CountingRng::default(),
    );
    let sessions = SessionService::new(
        users.clone(),
        users.sessions(),
        Default::default(),
        hasher,
        clock,
        CountingRng::default(),
        LoginThrottle::default(),
        Duration::hours(24),
    );
    World {
        users,
        service,
        sessions,
        admin,
        member,
    }
}

impl World {
    fn as_admin(&self) -> Admin {
        Admin::of(&self.admin, Origin::default()).unwrap()
    }
    async fn log_in(&self, email: &str) -> Result<String, LogInError> {
        let password = SecretString::new("correct horse".into());
        let logged_in = self.sessions.log_in(email, &password, None).await?;
        Ok(logged_in.session.expose().to_owned())
    }
}

#[tokio::test]
async fn a_members_session_mints_no_admin_and_an_admins_session_reaches_the_use_cases() {
    let w = world().await;
    let member = w.log_in("bob@example.com").await.unwrap();
    let refused = w
        .sessions
        .authenticate_admin(&member, Origin::default())
        .await;
    assert!(matches!(refused, Err(AdminAuthError::NotAdmin(NotAdmin))));
    let session = w.log_in("ada@example.com").await.unwrap();
    let admin = w
        .sessions
        .authenticate_admin(&session, Origin::default())
        .await
        .unwrap();
    assert_eq!(admin.user_id(), Some(w.admin.id));
    let found = w.service.get_account(&admin, w.member.id).await.unwrap();
    assert!(!found.user.admin);
}

#[tokio::test]
async fn an_admin_creates_a_person_and_the_creation_is_audited_without_the_password() {
    let w = world().await;
    let created = w
        .service
        .create_account(&w.as_admin(), new_user("eve@example.com", "eve", false))
        .await
        .unwrap();
    let entry = w.users.audit().pop().unwrap();
    assert_eq!((entry.action, entry.target_type), ("create", "user"));
    assert_eq!(entry.target_id, created.id.to_string());
    assert_eq!(entry.actor.name, "ada");
    assert!(!format!("{entry:?}").contains("correct horse"));
}

#[tokio::test]
async fn an_email_taken_in_another_case_is_named_as_taken() {
    let w = world().await;
    let again = w
        .service
        .create_account(&w.as_admin(), new_user("BOB@example.com", "bob2", false))
        .await;
    assert!(matches!(again, Err(AccountError::Taken("email"))));
}

#[tokio::test]
async fn the_last_admin_is_neither_demoted_nor_suspended_even_from_the_console() {
    let w = world().await;
    let console = console_operator();
    for change in [AccountChange::RemoveAdmin, AccountChange::Suspend] {
        let refused = w.service.change_account(&console, w.admin.id, change).await;
        assert!(
            matches!(
                refused,
                Err(AccountError::Refused(AccountRefusal::LastAdmin))
            ),
            "{change:?}: {refused:?}"
        );
    }
    let audited = w.users.audit().len();
    w.service
        .change_account(&console, w.member.id, AccountChange::GrantAdmin)
        .await
        .unwrap();
    let demoted = w
        .service
        .change_account(&w.as_admin(), w.admin.id, AccountChange::RemoveAdmin)
        .await
        .unwrap();
    assert!(
        !demoted.user.admin,
        "with a second admin, the first may step down"
    );
    assert_eq!(w.users.audit().len(), audited + 2);
}

#[tokio::test]
async fn an_admin_cannot_suspend_themselves() {
    let w = world().await;
    w.service
        .change_account(&w.as_admin(), w.member.id, AccountChange::GrantAdmin)
        .await
        .unwrap();
    let own = w
        .service
        .change_account(&w.as_admin(), w.admin.id, AccountChange::Suspend)
        .await;
    assert!(matches!(
        own,
        Err(AccountError::Refused(AccountRefusal::OwnAccount))
    ));
}

#[tokio::test]
async fn a_suspended_person_loses_their_sessions_cannot_log_in_and_unsuspending_brings_nothing_back()
 {
    let w = world().await;
    let session = w.log_in("bob@example.com").await.unwrap();
    let suspended = w
        .service
        .change_account(&w.as_admin(), w.member.id, AccountChange::Suspend)
        .await
        .unwrap();
    assert_eq!(suspended.status, AccountStatus::Suspended);
    assert!(w.sessions.authenticate(&session).await.is_err());
    assert!(matches!(
        w.log_in("bob@example.com").await,
        Err(LogInError::Suspended)
    ));
    assert_eq!(w.users.audit().pop().unwrap().action, "suspend");

    w.service
        .change_account(&w.as_admin(), w.member.id, AccountChange::Unsuspend)
        .await
        .unwrap();
    assert!(
        w.sessions.authenticate(&session).await.is_err(),
        "the old session stays dead"
    );
    assert!(w.log_in("bob@example.com").await.is_ok());
}

#[tokio::test]
async fn a_change_that_changes_nothing_is_not_audited() {
    let w = world().await;
    let audited = w.users.audit().len();
    let same = w
        .service
        .change_account(&w.as_admin(), w.admin.id, AccountChange::GrantAdmin)
        .await
        .unwrap();
    assert!(same.user.admin);
    assert_eq!(w.users.audit().len(), audited);
}

#[tokio::test]
async fn unknown_people_are_not_found() {
    let w = world().await;
    let nobody = UserId::new(uuid::Uuid::nil());
    let change = w
        .service
        .change_account(&w.as_admin(), nobody, AccountChange::Suspend)
        .await;
    assert!(matches!(change, Err(AccountError::NotFound)));
    let link = w.service.issue_reset_link(&w.as_admin(), nobody).await;
    assert!(matches!(link, Err(AccountError::NotFound)));
}

#[tokio::test]
async fn a_search_matches_emails_and_usernames_in_any_case_a_page_at_a_time() {
    let w = world().await;
    for n in 0..3 {
        let input = new_user(&format!("team{n}@corp.example"), &format!("t{n}"), false);
        w.service
            .create_account(&w.as_admin(), input)
            .await
            .unwrap();
    }
    let query = AccountQuery::parse(Some("CORP"), Some(2), Some(0)).unwrap();
    let page = w.service.list_accounts(&w.as_admin(), query).await.unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.accounts.len(), 2);
    let by_name = AccountQuery::parse(Some("bo"), None, None).unwrap();
    let page = w
        .service
        .list_accounts(&w.as_admin(), by_name)
        .await
        .unwrap();
    assert_eq!(page.accounts[0].user.username.as_str(), "bob");
}

#[tokio::test]
async fn a_reset_link_is_a_one_hour_credential_whose_issue_is_audited() {
    let w = world().await;
    let link = w
        .service
        .issue_reset_link(&w.as_admin(), w.member.id)
        .await
        .unwrap();
    assert!(link.credential.expose().starts_with("tpr_"));
    assert_eq!(
        link.expires_at - FakeClock::default().now(),
        Duration::hours(1)
    );
    let entry = w.users.audit().pop().unwrap();
    assert_eq!(
        (entry.action, entry.target_type),
        ("create", "password_reset")
    );
    assert!(!format!("{entry:?}").contains(link.credential.expose()));
}
