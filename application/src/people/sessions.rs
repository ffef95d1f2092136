use std::net::IpAddr;

use tessera_domain::{AccountStatus, Credential, CredentialKind, Email, User, UserWithPassword};
use tessera_domain::{Password, SecretString};
use time::{Duration, OffsetDateTime};

use super::{LoginThrottle, Verdict};
use crate::admin::{Admin, AdminAuthError, Origin};
use crate::issue_credential;
use crate::ports::{
    AttemptId, AttemptOutcome, Clock, FailureWindow, HashError, NewSession, PasswordHasher, Ports,
    RepoError, SessionRepository, ThrottleRepository, UserRepository,
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
    /// The password is right but the account is suspended (told only to whoever knows the
    /// password, as Coder does).
    #[error("the account is suspended")]
    Suspended,
    /// Too many recent failures; retry after the given time.
    #[error("too many failed logins")]
    Throttled {
        /// How long until a new attempt is counted.
        retry_after: Duration,
    },
    /// The password could not be checked now (hashing is saturated, or earlier attempts
    /// for the email are still being checked); retry shortly.
    #[error("too busy to check the password now")]
    Busy,
    /// A repository or hasher failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<HashError> for LogInError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy,
            HashError::Unexpected(e) => Self::Repo(RepoError::Unexpected(e)),
        }
    }
}

/// The first wait for pending attempts to settle; doubled each time up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::milliseconds(20);
/// The longest wait between two looks at pending attempts.
const MAX_PAUSE: Duration = Duration::milliseconds(250);
/// A bound on looks, should the clock not move.
const MAX_POLLS: u32 = 100;

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
        // No account has an address that is not one (too long, control characters…): such
        // input is wrong credentials, refused before it reaches the throttle's index.
        let Ok(email) = Email::parse(email) else {
            return Err(LogInError::InvalidCredentials);
        };
        let email_key = email.normalized();
        // Per-IP counts treat an IPv6 /64 as one client.
        let network = ip.map(tessera_domain::rate_limit_network);
        let attempt = self.begin_attempt(&email_key, network).await?;
        let checked = self.check_password(&email_key, password).await;
        let outcome = match &checked {
            Ok(Some(found)) if found.status == AccountStatus::Active => AttemptOutcome::Succeeded,
            Ok(_) => AttemptOutcome::Failed,
            Err(_) => AttemptOutcome::Abandoned,
        };
        let settled = self
            .throttle_store
            .finish_attempt(attempt, &email_key, outcome)
            .await;
        let found = checked?.ok_or(LogInError::InvalidCredentials)?;
        settled?;
        if found.status == AccountStatus::Suspended {
            return Err(LogInError::Suspended);
        }
        self.store_anew_if_dated(&found, password).await;
        let now = self.clock.now();
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

    /// Records a pending attempt once the throttle admits it: refused after five actual
    /// failures, and while earlier attempts still pending could bring it over the limit,
    /// it waits for them to settle (at most `pending_timeout`, then `Busy`).
    async fn begin_attempt(
        &self,
        email_key: &str,
        ip: Option<IpAddr>,
    ) -> Result<AttemptId, LogInError> {
        let started = self.clock.now();
        let mut pause = FIRST_PAUSE;
        for _ in 0..MAX_POLLS {
            let now = self.clock.now();
            let throttle = self.throttle;
            let admit = move |seen: &FailureWindow| throttle.decide(seen, now) == Verdict::Admit;
            let (attempt, seen) = self
                .throttle_store
                .begin_attempt(email_key, ip, now, throttle.window_at(now), admit)
                .await?;
            if let Some(attempt) = attempt {
                return Ok(attempt);
            }
            if let Verdict::Refuse(retry_after) = throttle.decide(&seen, now) {
                return Err(LogInError::Throttled { retry_after });
            }
            if now - started >= throttle.pending_timeout {
                break;
            }
            self.clock.sleep(pause).await;
            pause = Duration::min(pause * 2, MAX_PAUSE);
        }
        Err(LogInError::Busy)
    }

    /// The user whose password `password` is, or `None`; as slow for an unknown email.
    async fn check_password(
        &self,
        email_key: &str,
        password: &SecretString,
    ) -> Result<Option<UserWithPassword>, LogInError> {
        let found = self.users.find_by_email(email_key).await?;
        let ok = self
            .hasher
            .verify(password, found.as_ref().map(|u| &u.password_hash))
            .await?;
        Ok(found.filter(|_| ok))
    }

    /// After a login proved `password`, stores it anew when its hash was made with other
    /// parameters than today's. Best effort: a busy hasher or a failed write leaves the old
    /// hash, which still verifies, for the next login.
    async fn store_anew_if_dated(&self, found: &UserWithPassword, password: &SecretString) {
        if !self.hasher.needs_rehash(&found.password_hash) {
            return;
        }
        let Ok(password) = Password::parse(password.clone()) else {
            return;
        };
        let stored = match self.hasher.hash(&password).await {
            Ok(new) => {
                let (id, old) = (found.user.id, &found.password_hash);
                self.users
                    .rehash_password(id, old, &new)
                    .await
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        if let Err(error) = stored {
            tracing::warn!(%error, "a password hash with older parameters was not stored anew");
        }
    }

    /// Returns the user of a presented session credential, if it is live and matches.
    pub async fn authenticate(&self, presented: &str) -> Result<User, AuthenticateError> {
        self.live_session(presented).await.map(|(_, user)| user)
    }

    /// The admin behind a presented session credential: the one way a session mints the
    /// [`Admin`] capability; a live session of anyone else is refused with `NotAdmin`.
    pub async fn authenticate_admin(
        &self,
        presented: &str,
        origin: Origin,
    ) -> Result<Admin, AdminAuthError<AuthenticateError>> {
        let user = self
            .authenticate(presented)
            .await
            .map_err(AdminAuthError::Unauthenticated)?;
        Ok(Admin::of(&user, origin)?)
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
mod tests;
