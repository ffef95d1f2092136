use std::net::IpAddr;

use tessera_domain::SecretString;
use tessera_domain::{Credential, CredentialKind, Email, User};
use time::{Duration, OffsetDateTime};

use super::LoginThrottle;
use crate::issue_credential;
use crate::ports::{
    AttemptOutcome, Clock, NewSession, PasswordHasher, Ports, RepoError, SessionRepository,
    ThrottleRepository, UserRepository,
};

/// A successful login: the session credential, shown to the caller once, and who it is for.
#[derive(Debug)]
pub struct LoggedIn {
    /// The session credential (`tss_…`).
    pub session: Credential,
    /// The signed-in user.
    pub user: User,
    /// When the session stops working.
    pub expires_at: OffsetDateTime,
}

/// Why a login failed.
#[derive(Debug, thiserror::Error)]
pub enum LogInError {
    /// Unknown email or wrong password; deliberately indistinguishable.
    #[error("invalid email or password")]
    InvalidCredentials,
    /// Too many recent failures; retry after the given time.
    #[error("too many failed logins")]
    Throttled {
        /// How long until a new attempt is counted.
        retry_after: Duration,
    },
    /// A repository or hasher failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// Why a presented session was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AuthenticateError {
    /// Malformed, unknown, expired or not matching.
    #[error("the session is not valid")]
    Invalid,
    /// A repository failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// Use cases of signing in, recognising a session, and signing out.
#[derive(Debug)]
pub struct SessionService<P: Ports> {
    users: P::Users,
    sessions: P::Sessions,
    throttle_store: P::Throttle,
    hasher: P::Hasher,
    clock: P::Clock,
    rng: P::Rng,
    throttle: LoginThrottle,
    ttl: Duration,
}

impl<P: Ports> SessionService<P> {
    /// Wires the service to its ports; `ttl` is `sessions.ttl`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        users: P::Users,
        sessions: P::Sessions,
        throttle_store: P::Throttle,
        hasher: P::Hasher,
        clock: P::Clock,
        rng: P::Rng,
        throttle: LoginThrottle,
        ttl: Duration,
    ) -> Self {
        Self {
            users,
            sessions,
            throttle_store,
            hasher,
            clock,
            rng,
            throttle,
            ttl,
        }
    }

    /// Signs a person in by email and password, subject to the failed-login throttle.
    #[tracing::instrument(skip_all)]
    pub async fn log_in(
        &self,
        email: &str,
        password: &SecretString,
        ip: Option<IpAddr>,
    ) -> Result<LoggedIn, LogInError> {
        let now = self.clock.now();
        // No account has an address that is not one (too long, control characters…): such
        // input is wrong credentials, refused before it reaches the throttle's index.
        let Ok(email) = Email::parse(email) else {
            return Err(LogInError::InvalidCredentials);
        };
        let email_key = email.normalized();
        let window_start = self.throttle.window_start(now);
        let (attempt, seen) = self
            .throttle_store
            .begin_attempt(&email_key, ip, now, window_start)
            .await?;
        let finish = |outcome| {
            self.throttle_store
                .finish_attempt(attempt, &email_key, outcome)
        };
        if let Some(retry_after) = self.throttle.retry_after(&seen, now) {
            finish(AttemptOutcome::Throttled).await?;
            return Err(LogInError::Throttled { retry_after });
        }
        let found = self.users.find_by_email(&email_key).await?;
        let ok = self
            .hasher
            .verify(password, found.as_ref().map(|u| &u.password_hash))
            .await
            .map_err(RepoError::Unexpected)?;
        let Some(found) = found.filter(|_| ok) else {
            finish(AttemptOutcome::Failed).await?;
            return Err(LogInError::InvalidCredentials);
        };
        finish(AttemptOutcome::Succeeded).await?;
        let session = issue_credential(&self.rng, CredentialKind::Session);
        let expires_at = now + self.ttl;
        let record = NewSession {
            lookup_id: session.lookup_id().clone(),
            hash: session.hash(),
            user: found.user,
            created_at: now,
            expires_at,
        };
        self.sessions.insert(&record).await?;
        Ok(LoggedIn {
            session,
            user: record.user,
            expires_at,
        })
    }

    /// Returns the user of a presented session credential, if it is live and matches.
    pub async fn authenticate(&self, presented: &str) -> Result<User, AuthenticateError> {
        self.live_session(presented).await.map(|(_, user)| user)
    }

    /// Ends the session named by a presented credential; an unknown one is ignored.
    #[tracing::instrument(skip_all)]
    pub async fn log_out(&self, presented: &str) -> Result<(), RepoError> {
        match self.live_session(presented).await {
            Ok((credential, _)) => self.sessions.delete(credential.lookup_id()).await,
            Err(AuthenticateError::Invalid) => Ok(()),
            Err(AuthenticateError::Repo(e)) => Err(e),
        }
    }

    /// Parses, looks up and verifies a presented session credential, in one round trip.
    async fn live_session(&self, presented: &str) -> Result<(Credential, User), AuthenticateError> {
        let credential = Credential::parse(CredentialKind::Session, presented)
            .map_err(|_| AuthenticateError::Invalid)?;
        let (stored, user) = self
            .sessions
            .find_live(credential.lookup_id(), self.clock.now())
            .await?
            .ok_or(AuthenticateError::Invalid)?;
        match stored.matches(&credential.hash()) {
            true => Ok((credential, user)),
            false => Err(AuthenticateError::Invalid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakePorts, new_user, session_service_with_user};

    const PASSWORD: &str = "correct horse";

    fn secret(s: &str) -> SecretString {
        SecretString::new(s.to_owned())
    }

    #[tokio::test]
    async fn a_right_password_yields_a_session_that_authenticates() {
        let (service, _) =
            session_service_with_user(new_user("ada@example.com", "ada", false)).await;
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
        let (service, _) =
            session_service_with_user(new_user("ada@example.com", "ada", false)).await;
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
        let (service, _) =
            session_service_with_user(new_user("ada@example.com", "ada", false)).await;
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
        let (service, _) =
            session_service_with_user(new_user("ada@example.com", "ada", false)).await;
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
        let (service, _) =
            session_service_with_user(new_user("ada@example.com", "ada", false)).await;
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
        let (service, _) =
            session_service_with_user(new_user("ada@example.com", "ada", false)).await;
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
}
