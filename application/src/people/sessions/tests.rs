//! Signing in, sessions and the login throttle, with fakes.

use super::*;
use crate::fakes::{
    FakePorts, new_user, session_service_with_user, session_service_with_user_and_hasher,
};

const PASSWORD: &str = "correct horse";

fn secret(s: &str) -> SecretString {
    SecretString::new(s.to_owned())
}

#[tokio::test]
async fn a_right_password_yields_a_session_that_authenticates() {
    let (service, _) = session_service_with_user(new_user("ada@example.com", "ada", false)).await;
    let logged_in = service
        .log_in("ADA@example.com", &secret(PASSWORD), None)
        .await
        .unwrap();
    let user = service
        .authenticate(logged_in.session.expose())
        .await
        .unwrap();
    assert_eq!(user.username.as_str(), "ada");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_fail_the_same_way() {
    let (service, _) = session_service_with_user(new_user("ada@example.com", "ada", false)).await;
    let unknown = service
        .log_in("who@example.com", &secret(PASSWORD), None)
        .await;
    let wrong = service
        .log_in("ada@example.com", &secret("wrong password"), None)
        .await;
    assert!(matches!(unknown, Err(LogInError::InvalidCredentials)));
    assert!(matches!(wrong, Err(LogInError::InvalidCredentials)));
}

#[tokio::test]
async fn an_address_that_cannot_be_one_is_wrong_credentials_and_never_throttled() {
    let (service, _) = session_service_with_user(new_user("ada@example.com", "ada", false)).await;
    let overlong = format!("{}@example.com", "a".repeat(300));
    for _ in 0..10 {
        for email in ["ada\u{0}@example.com", overlong.as_str(), "no at sign"] {
            let result = service.log_in(email, &secret(PASSWORD), None).await;
            assert!(
                matches!(result, Err(LogInError::InvalidCredentials)),
                "{email:?}"
            );
        }
    }
    let right = service
        .log_in("ada@example.com", &secret(PASSWORD), None)
        .await;
    assert!(
        right.is_ok(),
        "nothing was counted against the real address"
    );
}

#[tokio::test]
async fn the_sixth_attempt_after_five_failures_is_throttled_even_with_the_right_password() {
    let (service, _) = session_service_with_user(new_user("ada@example.com", "ada", false)).await;
    for _ in 0..5 {
        let _ = service
            .log_in("ada@example.com", &secret("wrong password"), None)
            .await;
    }
    let sixth = service
        .log_in("ada@example.com", &secret(PASSWORD), None)
        .await;
    assert!(matches!(sixth, Err(LogInError::Throttled { .. })));
}

#[tokio::test]
async fn a_success_clears_the_failures_of_that_email() {
    let (service, _) = session_service_with_user(new_user("ada@example.com", "ada", false)).await;
    for _ in 0..4 {
        let _ = service
            .log_in("ada@example.com", &secret("wrong password"), None)
            .await;
    }
    service
        .log_in("ada@example.com", &secret(PASSWORD), None)
        .await
        .unwrap();
    for _ in 0..4 {
        let _ = service
            .log_in("ada@example.com", &secret("wrong password"), None)
            .await;
    }
    assert!(
        service
            .log_in("ada@example.com", &secret(PASSWORD), None)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_session_stops_working_after_its_ttl() {
    let (service, clock) =
        session_service_with_user(new_user("ada@example.com", "ada", false)).await;
    let logged_in = service
        .log_in("ada@example.com", &secret(PASSWORD), None)
        .await
        .unwrap();
    clock.advance(Duration::hours(24) + Duration::seconds(1));
    let result = service.authenticate(logged_in.session.expose()).await;
    assert!(matches!(result, Err(AuthenticateError::Invalid)));
}

#[tokio::test]
async fn a_tampered_session_secret_is_rejected() {
    let (service, _) = session_service_with_user(new_user("ada@example.com", "ada", false)).await;
    let logged_in = service
        .log_in("ada@example.com", &secret(PASSWORD), None)
        .await
        .unwrap();
    let mut forged = logged_in.session.expose().to_owned();
    let last = if forged.ends_with('A') { 'B' } else { 'A' };
    forged.pop();
    forged.push(last);
    assert!(matches!(
        service.authenticate(&forged).await,
        Err(AuthenticateError::Invalid)
    ));
}

#[tokio::test]
async fn a_logged_out_session_no_longer_authenticates() {
    let (service, _): (SessionService<FakePorts>, _) =
        session_service_with_user(new_user("ada@example.com", "ada", false)).await;
    let logged_in = service
        .log_in("ada@example.com", &secret(PASSWORD), None)
        .await
        .unwrap();
    service.log_out(logged_in.session.expose()).await.unwrap();
    let result = service.authenticate(logged_in.session.expose()).await;
    assert!(matches!(result, Err(AuthenticateError::Invalid)));
}

/// Runs `n` logins of ada at once (the fake hasher yields, so they interleave).
async fn concurrent_logins(
    service: &SessionService<FakePorts>,
    n: usize,
    password: &str,
) -> Vec<Result<LoggedIn, LogInError>> {
    let ip = "198.51.100.9".parse().ok();
    let password = secret(password);
    let logins = (0..n).map(|_| service.log_in("ada@example.com", &password, ip));
    futures::future::join_all(logins).await
}

#[tokio::test]
async fn twenty_concurrent_correct_logins_all_succeed() {
    let (service, _) = session_service_with_user(new_user("ada@example.com", "ada", false)).await;
    let results = concurrent_logins(&service, 20, PASSWORD).await;
    let refused: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(refused.is_empty(), "{refused:?}");
}

#[tokio::test]
async fn twenty_concurrent_wrong_logins_get_five_guesses_and_fifteen_refusals() {
    let (service, _) = session_service_with_user(new_user("ada@example.com", "ada", false)).await;
    let results = concurrent_logins(&service, 20, "wrong password").await;
    let guesses = results
        .iter()
        .filter(|r| matches!(r, Err(LogInError::InvalidCredentials)))
        .count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(LogInError::Throttled { .. })))
        .count();
    assert_eq!((guesses, refused), (5, 15));
}

#[tokio::test]
async fn a_login_while_the_hasher_is_busy_is_busy_and_does_not_count_as_a_failure() {
    let (service, _, hasher) =
        session_service_with_user_and_hasher(new_user("ada@example.com", "ada", false)).await;
    hasher.set_busy(true);
    for _ in 0..6 {
        let busy = service
            .log_in("ada@example.com", &secret("wrong password"), None)
            .await;
        assert!(matches!(busy, Err(LogInError::Busy)), "{busy:?}");
    }
    hasher.set_busy(false);
    assert!(
        service
            .log_in("ada@example.com", &secret(PASSWORD), None)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_login_stores_a_hash_of_older_parameters_anew_once() {
    let ada = new_user("ada@example.com", "ada", false);
    let (service, _, hasher) = session_service_with_user_and_hasher(ada).await;
    hasher.change_parameters();
    let before = hasher.hashes();
    for _ in 0..2 {
        let logged_in = service
            .log_in("ada@example.com", &secret(PASSWORD), None)
            .await;
        assert!(logged_in.is_ok());
    }
    assert_eq!(
        hasher.hashes(),
        before + 1,
        "stored anew at the first login only"
    );
}

#[tokio::test]
async fn a_wrong_password_never_rehashes() {
    let ada = new_user("ada@example.com", "ada", false);
    let (service, _, hasher) = session_service_with_user_and_hasher(ada).await;
    hasher.change_parameters();
    let before = hasher.hashes();
    let refused = service
        .log_in("ada@example.com", &secret("wrong horse"), None)
        .await;
    assert!(matches!(refused, Err(LogInError::InvalidCredentials)));
    assert_eq!(hasher.hashes(), before);
}
