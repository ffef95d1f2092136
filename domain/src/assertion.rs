//! The identity assertion tessera hands a protected MCP server with every relayed request
//! (SPEC §9): who the caller is, for which server, signed by tessera, valid for a minute.

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::{ScopeSet, UserId};

/// How long an assertion is valid (SPEC §9: 60 s).
pub const ASSERTION_TTL: Duration = Duration::seconds(60);

/// How long a replica may keep signing with a key it loaded before it looks again, so a
/// rotation reaches every replica within this time without a restart.
pub const SIGNING_KEY_REFRESH: Duration = Duration::seconds(10);

/// How long a retired signing key stays published: every assertion it signed (including those
/// of replicas that had not yet seen the rotation) has expired by then, with a margin for
/// clock skew between replicas and upstreams.
pub const RETIRED_KEY_PUBLISHED: Duration = Duration::seconds(60 + 10 + 60);

/// Whether a key retired at `retired_at` (or still active: `None`) is published at `now`.
pub fn key_is_published(retired_at: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    retired_at.is_none_or(|retired| now < retired + RETIRED_KEY_PUBLISHED)
}

/// The claims of one assertion (RFC 7519).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    /// `iss`: tessera's issuer (`access_url`).
    pub issuer: String,
    /// `aud`: the protected server's resource URL.
    pub audience: String,
    /// `sub`: the user's id.
    pub subject: UserId,
    /// `client_id`: the client's public id.
    pub client_id: String,
    /// `scope`: what the token may do.
    pub scope: ScopeSet,
    /// `jti`: unique per assertion, so an upstream can refuse a replay.
    pub id: Uuid,
    /// `iat`.
    pub issued_at: OffsetDateTime,
    /// `exp`: [`ASSERTION_TTL`] after `iat`.
    pub expires_at: OffsetDateTime,
}

/// Who an assertion speaks for and to, before it is dated and numbered.
#[derive(Debug, Clone)]
pub struct AssertionSubject<'a> {
    /// `iss`.
    pub issuer: &'a str,
    /// `aud`.
    pub audience: &'a str,
    /// `sub`.
    pub subject: UserId,
    /// `client_id`.
    pub client_id: &'a str,
    /// `scope`.
    pub scope: &'a ScopeSet,
}

impl Assertion {
    /// An assertion about `who`, issued at `now` with id `id`, valid for [`ASSERTION_TTL`].
    pub fn new(who: AssertionSubject<'_>, id: Uuid, now: OffsetDateTime) -> Self {
        let issued_at = now.replace_nanosecond(0).unwrap_or(now);
        Self {
            issuer: who.issuer.to_owned(),
            audience: who.audience.to_owned(),
            subject: who.subject,
            client_id: who.client_id.to_owned(),
            scope: who.scope.clone(),
            id,
            issued_at,
            expires_at: issued_at + ASSERTION_TTL,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scope;

    #[test]
    fn an_assertion_lives_sixty_seconds_from_the_whole_second_it_was_issued() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::milliseconds(1500);
        let scope = ScopeSet::from_scopes([Scope::Mcp]);
        let who = AssertionSubject {
            issuer: "https://auth.example.com",
            audience: "https://auth.example.com/mcp/docs",
            subject: UserId::new(Uuid::nil()),
            client_id: "c",
            scope: &scope,
        };
        let a = Assertion::new(who, Uuid::nil(), now);
        assert_eq!(
            a.issued_at,
            OffsetDateTime::UNIX_EPOCH + Duration::seconds(1)
        );
        assert_eq!(a.expires_at - a.issued_at, Duration::seconds(60));
    }

    #[test]
    fn a_retired_key_stays_published_until_every_assertion_it_signed_has_expired() {
        let retired = OffsetDateTime::UNIX_EPOCH;
        assert!(key_is_published(None, retired));
        let last_signature = retired + SIGNING_KEY_REFRESH;
        let last_expiry = last_signature + ASSERTION_TTL;
        assert!(key_is_published(Some(retired), last_expiry));
        assert!(!key_is_published(
            Some(retired),
            retired + RETIRED_KEY_PUBLISHED
        ));
    }
}
