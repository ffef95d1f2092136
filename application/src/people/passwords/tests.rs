//! People changing their own passwords and sessions, with fakes.

use tessera_domain::{Credential, CredentialKind, SecretString};
use time::Duration;

use super::*;
use crate::admin::console_operator;
use crate::fakes::{
    CountingRng, FakeClock, FakeHasher, FakePorts, FakeRateLimits, FakeUsers, new_user, store_user,
};
use crate::people::{AccountService, LoginThrottle, SessionService};

const OLD: &str = "correct horse";
const NEW: &str = "a brand new password";

struct World {
    users: FakeUsers,
    hasher: FakeHasher,
    clock: FakeClock,
    passwords: PasswordService<FakePorts>,
    accounts: AccountService<FakePorts>,
    sessions: SessionService<FakePorts>,
    ada: User,
}

fn secret(s: &str) -> SecretString {
    SecretString::new(s.to_owned())
}

fn password(s: &str) -> Password {
    Password::parse(secret(s)).unwrap()
}

fn actor() -> Actor {
    Actor {
        user_id: None,
        name: "someone".into(),
        ip: None,
        user_agent: None,
    }
}

async fn world() -> World {
    let users = FakeUsers::default();
    let hasher = FakeHasher::default();
    let clock = FakeClock::default();
    let ada = store_user(&users, &hasher, new_user("ada@example.com", "ada", true)).await;
    let passwords = PasswordService::new(PasswordPorts {
        users: users.clone(),
        sessions: users.sessions(),
        resets: users.resets(),
        rate_limits: FakeRateLimits::default(),
        hasher: hasher.clone(),
        clock: clock.clone(),
    });
    let accounts = AccountService::new(
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
        hasher.clone(),
        clock.clone(),
        CountingRng::default(),
        LoginThrottle::default(),
        Duration::hours(24),
    );
    World {
        users,
        hasher,
        clock,
        passwords,
        accounts,
        sessions,
        ada,
    }
}

impl World {
    async fn log_in(&self, with: &str) -> Option<String> {
        let logged_in = self
            .sessions
            .log_in("ada@example.com", &secret(with), None)
            .await;
        logged_in.ok().map(|l| l.session.expose().to_owned())
    }
    async fn reset_link(&self) -> String {
        let caller = console_operator();
        let link = self
            .accounts
            .issue_reset_link(&caller, self.ada.id)
            .await
            .unwrap();
        link.credential.expose().to_owned()
    }
}

#[tokio::test]
async fn a_password_change_needs_the_old_password_and_ends_only_the_other_sessions() {
    let w = world().await;
    let here = w.log_in(OLD).await.unwrap();
    let elsewhere = w.log_in(OLD).await.unwrap();
    let ended = w
        .passwords
        .change_password(&w.ada, &actor(), &here, &secret(OLD), password(NEW))
        .await
        .unwrap();
    assert_eq!(ended, 1);
    assert!(w.sessions.authenticate(&here).await.is_ok());
    assert!(w.sessions.authenticate(&elsewhere).await.is_err());
    assert!(w.log_in(OLD).await.is_none());
    assert!(w.log_in(NEW).await.is_some());
    let entry = w.users.audit().pop().unwrap();
    assert_eq!((entry.action, entry.target_type), ("update", "user"));
}

#[tokio::test]
async fn a_wrong_old_password_changes_nothing() {
    let w = world().await;
    let here = w.log_in(OLD).await.unwrap();
    let elsewhere = w.log_in(OLD).await.unwrap();
    let wrong = w
        .passwords
        .change_password(
            &w.ada,
            &actor(),
            &here,
            &secret("not it at all"),
            password(NEW),
        )
        .await;
    assert!(matches!(wrong, Err(PasswordChangeError::WrongPassword)));
    assert!(w.sessions.authenticate(&elsewhere).await.is_ok());
    assert!(w.log_in(OLD).await.is_some());
}

#[tokio::test]
async fn password_changes_beyond_five_in_fifteen_minutes_are_throttled_without_hashing() {
    let w = world().await;
    for _ in 0..5 {
        let _ = w
            .passwords
            .change_password(&w.ada, &actor(), "", &secret("guess"), password(NEW))
            .await;
    }
    let hashes = w.hasher.hashes();
    let sixth = w
        .passwords
        .change_password(&w.ada, &actor(), "", &secret(OLD), password(NEW))
        .await;
    assert!(matches!(sixth, Err(PasswordChangeError::Throttled { .. })));
    assert_eq!(w.hasher.hashes(), hashes);
    w.clock.advance(Duration::minutes(15));
    let later = w
        .passwords
        .change_password(&w.ada, &actor(), "", &secret(OLD), password(NEW))
        .await;
    assert!(later.is_ok(), "{later:?}");
}

#[tokio::test]
async fn a_busy_hasher_is_busy_and_changes_nothing() {
    let w = world().await;
    w.hasher.set_busy(true);
    let busy = w
        .passwords
        .change_password(&w.ada, &actor(), "", &secret(OLD), password(NEW))
        .await;
    assert!(matches!(busy, Err(PasswordChangeError::Busy)));
    w.hasher.set_busy(false);
    assert!(w.log_in(OLD).await.is_some());
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_this_one_included() {
    let w = world().await;
    let here = w.log_in(OLD).await.unwrap();
    let elsewhere = w.log_in(OLD).await.unwrap();
    let ended = w
        .passwords
        .sign_out_everywhere(&w.ada, &actor())
        .await
        .unwrap();
    assert_eq!(ended, 2);
    assert!(w.sessions.authenticate(&here).await.is_err());
    assert!(w.sessions.authenticate(&elsewhere).await.is_err());
    assert_eq!(w.users.session_count(w.ada.id), 0);
}

#[tokio::test]
async fn a_reset_link_sets_the_password_once_and_ends_every_session() {
    let w = world().await;
    let session = w.log_in(OLD).await.unwrap();
    let link = w.reset_link().await;
    assert_eq!(w.passwords.check_reset_link(&link).await.unwrap(), w.ada.id);
    let user = w
        .passwords
        .reset_password(&link, password(NEW), &actor())
        .await
        .unwrap();
    assert_eq!(user, w.ada.id);
    assert!(w.sessions.authenticate(&session).await.is_err());
    assert!(w.log_in(NEW).await.is_some());
    let again = w
        .passwords
        .reset_password(&link, password(OLD), &actor())
        .await;
    assert!(matches!(again, Err(ResetError::Invalid)), "single use");
    let entry = w.users.audit().pop().unwrap();
    assert_eq!(entry.actor.user_id, Some(w.ada.id.as_uuid()));
}

#[tokio::test]
async fn a_reset_link_dies_after_an_hour_and_when_a_newer_one_is_made() {
    let w = world().await;
    let first = w.reset_link().await;
    let second = w.reset_link().await;
    assert!(matches!(
        w.passwords.check_reset_link(&first).await,
        Err(ResetError::Invalid)
    ));
    w.clock.advance(Duration::hours(1));
    let late = w
        .passwords
        .reset_password(&second, password(NEW), &actor())
        .await;
    assert!(matches!(late, Err(ResetError::Invalid)));
}

#[tokio::test]
async fn a_link_with_the_right_lookup_id_and_a_wrong_secret_is_invalid() {
    let w = world().await;
    let link = w.reset_link().await;
    let real = Credential::parse(CredentialKind::PasswordReset, &link).unwrap();
    let forged = format!(
        "{}_{}_{}",
        CredentialKind::PasswordReset.prefix(),
        real.lookup_id().as_str(),
        "A".repeat(43)
    );
    let result = w
        .passwords
        .reset_password(&forged, password(NEW), &actor())
        .await;
    assert!(matches!(result, Err(ResetError::Invalid)));
    assert!(
        w.passwords.check_reset_link(&link).await.is_ok(),
        "the real one still works"
    );
}
