//! An access token as stored, and when it is still good (RFC 6750, RFC 7662, SPEC §4).

use time::OffsetDateTime;
use uuid::Uuid;

use crate::{CredentialHash, ScopeSet, User};

/// An access token's row with its grant and user, read in one lookup on every bearer call.
#[derive(Debug, Clone)]
pub struct AccessTokenRecord {
    /// SHA-256 of the token.
    pub hash: CredentialHash,
    /// The grant it descends from.
    pub grant_id: Uuid,
    /// The client it was issued to.
    pub client_id: Uuid,
    /// That client's `client_id` as clients and resource servers know it: its metadata
    /// document URL for a CIMD client, never an internal id (SPEC §4 introspection).
    pub public_client_id: String,
    /// The person it acts for.
    pub user: User,
    /// The resource it may be used at (RFC 8707).
    pub audience: String,
    /// What it may do.
    pub scopes: ScopeSet,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
    /// Whether its grant was revoked or its client blocked.
    pub revoked: bool,
}

impl AccessTokenRecord {
    /// Whether a token hashing to `presented` is this one and still good at `now`.
    pub fn is_active(&self, presented: &CredentialHash, now: OffsetDateTime) -> bool {
        self.hash.matches(presented) && !self.revoked && now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Credential, CredentialKind, Email, UserId, Username};
    use time::Duration;

    fn token(secret: u8) -> Credential {
        Credential::from_entropy(CredentialKind::AccessToken, [1; 8], [secret; 32])
    }

    fn record() -> AccessTokenRecord {
        AccessTokenRecord {
            hash: token(2).hash(),
            grant_id: Uuid::nil(),
            client_id: Uuid::nil(),
            public_client_id: Uuid::nil().to_string(),
            user: User {
                id: UserId::new(Uuid::nil()),
                email: Email::parse("a@example.com").unwrap(),
                username: Username::parse("a").unwrap(),
                admin: false,
                created_at: OffsetDateTime::UNIX_EPOCH,
            },
            audience: "https://auth.example".into(),
            scopes: ScopeSet::default_for_clients(),
            issued_at: OffsetDateTime::UNIX_EPOCH,
            expires_at: OffsetDateTime::UNIX_EPOCH + Duration::hours(1),
            revoked: false,
        }
    }

    #[test]
    fn a_token_is_active_until_it_expires_or_is_revoked() {
        let r = record();
        let before = OffsetDateTime::UNIX_EPOCH + Duration::minutes(59);
        assert!(r.is_active(&token(2).hash(), before));
        assert!(!r.is_active(&token(2).hash(), r.expires_at));
        assert!(!r.is_active(&token(3).hash(), before));
        let revoked = AccessTokenRecord {
            revoked: true,
            ..record()
        };
        assert!(!revoked.is_active(&token(2).hash(), before));
    }
}
