//! Refresh-token rotation with a reuse grace and reuse detection (RFC 9700 §4.14.2,
//! SPEC §4 `refresh_token`).

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::{CredentialHash, OAuthError, OAuthFailure};

/// A presented refresh token's row and the state of its grant, read under the grant's lock.
#[derive(Debug, Clone)]
pub struct RefreshState {
    /// SHA-256 of the stored token.
    pub hash: CredentialHash,
    /// Its generation: 0 for the token issued with the code, +1 per rotation.
    pub generation: i32,
    /// When it was rotated (a newer generation was issued), if it was.
    pub rotated_at: Option<OffsetDateTime>,
    /// The newest generation of the grant.
    pub current_generation: i32,
    /// The client the grant belongs to.
    pub client_id: Uuid,
    /// When the whole grant ends (`tokens.refresh_ttl` from the authorization).
    pub grant_expires_at: OffsetDateTime,
    /// Whether the grant was revoked.
    pub grant_revoked: bool,
}

/// What a refresh request does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshDecision {
    /// The current token: retire its generation and issue the next.
    Rotate,
    /// The token rotated most recently, again, within the grace: issue another token of the
    /// current generation (clients with several sessions on one credential store).
    ReissueWithinGrace,
    /// Any other reuse of a rotated token: revoke the whole grant (SPEC §4).
    RevokeGrant,
    /// Refused without side effects.
    Refused(OAuthFailure),
}

impl RefreshState {
    /// Decides what presenting a token with `hash` by `client_id` at `now` does.
    pub fn decide(
        &self,
        hash: &CredentialHash,
        client_id: Uuid,
        now: OffsetDateTime,
        grace: Duration,
    ) -> RefreshDecision {
        let refuse = |d| RefreshDecision::Refused(OAuthFailure::new(OAuthError::InvalidGrant, d));
        if !self.hash.matches(hash) {
            return refuse("The refresh token is not valid.");
        }
        if self.client_id != client_id {
            return refuse("The refresh token was issued to another client.");
        }
        if self.grant_revoked {
            return refuse("The refresh token has been revoked.");
        }
        if now >= self.grant_expires_at {
            return refuse("The refresh token has expired.");
        }
        match self.rotated_at {
            None if self.generation == self.current_generation => RefreshDecision::Rotate,
            // A clock that stepped back gives a negative age: count it as zero, so a grace
            // of zero never admits a second use.
            Some(rotated_at)
                if self.generation == self.current_generation - 1
                    && (now - rotated_at).max(Duration::ZERO) < grace =>
            {
                RefreshDecision::ReissueWithinGrace
            }
            _ => RefreshDecision::RevokeGrant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Credential, CredentialKind};

    fn token() -> Credential {
        Credential::from_entropy(CredentialKind::RefreshToken, [1; 8], [2; 32])
    }

    fn state(generation: i32, current: i32, rotated_at: Option<OffsetDateTime>) -> RefreshState {
        RefreshState {
            hash: token().hash(),
            generation,
            rotated_at,
            current_generation: current,
            client_id: Uuid::from_u128(1),
            grant_expires_at: OffsetDateTime::UNIX_EPOCH + Duration::days(30),
            grant_revoked: false,
        }
    }

    fn decide(s: &RefreshState, now: OffsetDateTime, grace: Duration) -> RefreshDecision {
        s.decide(&token().hash(), Uuid::from_u128(1), now, grace)
    }

    const T0: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

    #[test]
    fn the_current_token_rotates() {
        assert_eq!(
            decide(&state(2, 2, None), T0, Duration::ZERO),
            RefreshDecision::Rotate
        );
    }

    #[test]
    fn the_previous_generation_is_reissued_within_the_grace_only() {
        let s = state(1, 2, Some(T0));
        let grace = Duration::seconds(10);
        assert_eq!(
            decide(&s, T0 + Duration::seconds(9), grace),
            RefreshDecision::ReissueWithinGrace
        );
        assert_eq!(
            decide(&s, T0 + Duration::seconds(10), grace),
            RefreshDecision::RevokeGrant
        );
    }

    #[test]
    fn with_no_grace_every_reuse_revokes_the_grant_even_at_the_same_instant() {
        assert_eq!(
            decide(&state(1, 2, Some(T0)), T0, Duration::ZERO),
            RefreshDecision::RevokeGrant
        );
    }

    #[test]
    fn a_rotation_that_looks_later_than_now_counts_as_now() {
        let earlier = T0 - Duration::milliseconds(3);
        assert_eq!(
            decide(&state(1, 2, Some(T0)), earlier, Duration::ZERO),
            RefreshDecision::RevokeGrant,
            "with no grace a negative age never admits a second use"
        );
        assert_eq!(
            decide(&state(1, 2, Some(T0)), earlier, Duration::seconds(10)),
            RefreshDecision::ReissueWithinGrace
        );
    }

    #[test]
    fn an_older_generation_revokes_the_grant_even_within_the_grace() {
        let s = state(0, 2, Some(T0));
        assert_eq!(
            decide(&s, T0 + Duration::seconds(1), Duration::seconds(10)),
            RefreshDecision::RevokeGrant
        );
    }

    #[test]
    fn a_revoked_expired_or_foreign_grant_is_refused_without_revoking() {
        let mut revoked = state(0, 0, None);
        revoked.grant_revoked = true;
        assert!(matches!(
            decide(&revoked, T0, Duration::ZERO),
            RefreshDecision::Refused(_)
        ));
        let expired = state(0, 0, None);
        let later = expired.grant_expires_at;
        assert!(matches!(
            decide(&expired, later, Duration::ZERO),
            RefreshDecision::Refused(_)
        ));
        let foreign =
            state(0, 0, None).decide(&token().hash(), Uuid::from_u128(2), T0, Duration::ZERO);
        assert!(matches!(foreign, RefreshDecision::Refused(_)));
    }

    #[test]
    fn a_token_whose_secret_differs_is_refused_without_revoking() {
        let other = Credential::from_entropy(CredentialKind::RefreshToken, [1; 8], [3; 32]);
        let s = state(0, 2, Some(T0));
        let got = s.decide(&other.hash(), Uuid::from_u128(1), T0, Duration::ZERO);
        assert!(matches!(got, RefreshDecision::Refused(_)));
    }
}
