//! What people do to their own sign-in (SPEC §2): change their password (the old one
//! required; their other sessions end), sign out everywhere, and choose a new password
//! with a one-time reset link an admin gave them.

use tessera_domain::{
    Credential, CredentialKind, LookupId, Password, RateLimit, SecretString, User, UserId,
};
use time::Duration;

use crate::ports::{
    Actor, AuditEntry, Clock, HashError, PasswordHasher, PasswordResetRepository, Ports,
    RateLimitRepository, RepoError, SessionRepository, UserRepository,
};

/// Password changes one person may attempt per window: each costs a hash, and a stolen
/// session must not become a way to guess the password.
const CHANGE_ATTEMPTS: u32 = 5;
/// The window of [`CHANGE_ATTEMPTS`].
const CHANGE_WINDOW: Duration = Duration::minutes(15);

/// Why a password could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    /// The old password is not the person's password.
    #[error("the old password is wrong")]
    WrongPassword,
    /// Too many attempts lately; retry after the given time.
    #[error("too many password changes")]
    Throttled {
        /// Until the window ends.
        retry_after: Duration,
    },
    /// Password hashing is saturated; retry shortly.
    #[error("too busy to hash the password now")]
    Busy,
    /// A repository failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// Why a reset link did not work.
#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// Malformed, unknown, expired or already used (deliberately not told apart).
    #[error("the reset link is invalid, expired or already used")]
    Invalid,
    /// Password hashing is saturated; retry shortly.
    #[error("too busy to hash the password now")]
    Busy,
    /// A repository failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<HashError> for PasswordChangeError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy,
            HashError::Unexpected(e) => Self::Repo(RepoError::Unexpected(e)),
        }
    }
}

impl From<HashError> for ResetError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy,
            HashError::Unexpected(e) => Self::Repo(RepoError::Unexpected(e)),
        }
    }
}

/// The use cases of one's own password and sessions.
#[derive(Debug)]
pub struct PasswordService<P: Ports> {
    users: P::Users,
    sessions: P::Sessions,
    resets: P::Resets,
    rate_limits: P::RateLimits,
    hasher: P::Hasher,
    clock: P::Clock,
}

/// The ports of [`PasswordService`], named so that `new` stays readable.
#[derive(Debug)]
pub struct PasswordPorts<P: Ports> {
    /// Users and their password hashes.
    pub users: P::Users,
    /// Sessions, to sign out everywhere.
    pub sessions: P::Sessions,
    /// Reset links.
    pub resets: P::Resets,
    /// Counters of password change attempts.
    pub rate_limits: P::RateLimits,
    /// Hashing.
    pub hasher: P::Hasher,
    /// The time.
    pub clock: P::Clock,
}

impl<P: Ports> PasswordService<P> {
    /// Wires the service to its ports.
    pub fn new(ports: PasswordPorts<P>) -> Self {
        Self {
            users: ports.users,
            sessions: ports.sessions,
            resets: ports.resets,
            rate_limits: ports.rate_limits,
            hasher: ports.hasher,
            clock: ports.clock,
        }
    }

    fn entry(
        &self,
        actor: &Actor,
        action: &'static str,
        target: &'static str,
        id: UserId,
        details: Vec<(&'static str, String)>,
    ) -> AuditEntry {
        AuditEntry {
            actor: actor.clone(),
            action,
            target_type: target,
            target_id: id.to_string(),
            at: self.clock.now(),
            details,
        }
    }

    /// Changes `user`'s password when `old` is their password; every session of theirs
    /// but `session` (the one asking, when it is a session credential) ends. Returns how
    /// many ended.
    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    pub async fn change_password(
        &self,
        user: &User,
        actor: &Actor,
        session: &str,
        old: &SecretString,
        new: Password,
    ) -> Result<u64, PasswordChangeError> {
        let now = self.clock.now();
        let rate = RateLimit::new(CHANGE_ATTEMPTS, CHANGE_WINDOW);
        let bucket = format!("password-change:{}", user.id);
        let hits = self
            .rate_limits
            .hit(&bucket, rate.window_start(now))
            .await?;
        if let Some(retry_after) = rate.retry_after(hits, now) {
            return Err(PasswordChangeError::Throttled { retry_after });
        }
        let stored = self.users.find_by_email(&user.email.normalized()).await?;
        let stored = stored.filter(|s| s.user.id == user.id);
        let hash = stored.as_ref().map(|s| &s.password_hash);
        if !self.hasher.verify(old, hash).await? || stored.is_none() {
            return Err(PasswordChangeError::WrongPassword);
        }
        let new_hash = self.hasher.hash(&new).await?;
        let keep = Credential::parse(CredentialKind::Session, session).ok();
        let keep: Option<&LookupId> = keep.as_ref().map(Credential::lookup_id);
        let details = vec![("password", "changed".to_owned())];
        let audit = self.entry(actor, "update", "user", user.id, details);
        let ended = self
            .users
            .set_password(user.id, &new_hash, keep, &audit)
            .await?;
        Ok(ended.unwrap_or(0))
    }

    /// Ends every session of `user`, this one included; returns how many ended.
    #[tracing::instrument(skip_all, fields(user_id = %user.id))]
    pub async fn sign_out_everywhere(&self, user: &User, actor: &Actor) -> Result<u64, RepoError> {
        let audit = self.entry(actor, "revoke", "session", user.id, Vec::new());
        self.sessions.end_all(user.id, &audit).await
    }

    /// Whether a presented reset link would work now (the page asks before showing its form).
    pub async fn check_reset_link(&self, presented: &str) -> Result<UserId, ResetError> {
        self.live_reset(presented).await.map(|(_, user)| user)
    }

    /// Sets the password of the person a reset link is for and uses the link up; every
    /// session of theirs ends. The audit log names the person as the actor.
    #[tracing::instrument(skip_all)]
    pub async fn reset_password(
        &self,
        presented: &str,
        new: Password,
        actor: &Actor,
    ) -> Result<UserId, ResetError> {
        let (credential, user) = self.live_reset(presented).await?;
        let hash = self.hasher.hash(&new).await?;
        let actor = Actor {
            user_id: Some(user.as_uuid()),
            ..actor.clone()
        };
        let details = vec![("password", "reset".to_owned())];
        let audit = self.entry(&actor, "update", "user", user, details);
        let now = self.clock.now();
        let redeemed = self
            .resets
            .redeem(credential.lookup_id(), now, &hash, &audit)
            .await?;
        redeemed.ok_or(ResetError::Invalid)
    }

    async fn live_reset(&self, presented: &str) -> Result<(Credential, UserId), ResetError> {
        let credential = Credential::parse(CredentialKind::PasswordReset, presented)
            .map_err(|_| ResetError::Invalid)?;
        let (stored, user) = self
            .resets
            .find_live(credential.lookup_id(), self.clock.now())
            .await?
            .ok_or(ResetError::Invalid)?;
        match stored.matches(&credential.hash()) {
            true => Ok((credential, user)),
            false => Err(ResetError::Invalid),
        }
    }
}

#[cfg(test)]
mod tests;
