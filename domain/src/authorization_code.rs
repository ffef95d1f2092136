//! The rules of redeeming an authorization code at the token endpoint (RFC 6749 §4.1.3,
//! RFC 7636 §4.6, SPEC §4).

use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    CodeChallenge, CodeVerifier, CredentialHash, OAuthError, OAuthFailure, ScopeSet, UserId,
};

/// An authorization code as stored: hashed, with everything it was issued for.
#[derive(Debug, Clone)]
pub struct StoredCode {
    /// SHA-256 of the whole code.
    pub hash: CredentialHash,
    /// The client it was issued to.
    pub client_id: Uuid,
    /// The person who approved it.
    pub user_id: UserId,
    /// The redirect URI the code was sent to.
    pub redirect_uri: String,
    /// Whether the authorization request named `redirect_uri` (then the token request must
    /// repeat it, RFC 6749 §4.1.3).
    pub redirect_uri_sent: bool,
    /// The PKCE challenge.
    pub challenge: CodeChallenge,
    /// The scopes approved.
    pub scopes: ScopeSet,
    /// The resource named at authorize, if any (RFC 8707).
    pub resource: Option<String>,
    /// When it stops being redeemable.
    pub expires_at: OffsetDateTime,
    /// The grant it produced, once redeemed: a second use revokes that grant.
    pub redeemed_into: Option<Uuid>,
}

/// What a token request presents with a code.
#[derive(Debug)]
pub struct CodePresentation<'a> {
    /// SHA-256 of the presented code.
    pub hash: &'a CredentialHash,
    /// The authenticated (or named, for public clients) client.
    pub client_id: Uuid,
    /// The `redirect_uri` parameter, if sent.
    pub redirect_uri: Option<&'a str>,
    /// The PKCE verifier.
    pub verifier: &'a CodeVerifier,
    /// The time of the request.
    pub now: OffsetDateTime,
}

/// What to do with a presented code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRedemption {
    /// Valid: issue tokens and mark the code used.
    Redeem,
    /// Already used: refuse, and revoke the grant it produced (RFC 6749 §4.1.2).
    Reused {
        /// The grant to revoke.
        grant_id: Uuid,
    },
    /// Refused without side effects.
    Refused(OAuthFailure),
}

fn invalid_grant(description: &'static str) -> CodeRedemption {
    CodeRedemption::Refused(OAuthFailure::new(OAuthError::InvalidGrant, description))
}

impl StoredCode {
    /// Decides whether `presented` redeems this code. Only someone holding the whole code
    /// (the hash matches) can trigger reuse revocation.
    pub fn redeem(&self, presented: &CodePresentation<'_>) -> CodeRedemption {
        if !self.hash.matches(presented.hash) {
            return invalid_grant("The authorization code is not valid.");
        }
        if let Some(grant_id) = self.redeemed_into {
            return CodeRedemption::Reused { grant_id };
        }
        if self.client_id != presented.client_id {
            return invalid_grant("The authorization code was issued to another client.");
        }
        if presented.now >= self.expires_at {
            return invalid_grant("The authorization code has expired.");
        }
        let redirect_ok = match (self.redirect_uri_sent, presented.redirect_uri) {
            (true, None) => false,
            (_, Some(sent)) => sent == self.redirect_uri,
            (false, None) => true,
        };
        if !redirect_ok {
            return invalid_grant("redirect_uri does not match the authorization request.");
        }
        if !self.challenge.verify(presented.verifier) {
            return invalid_grant("The code_verifier does not match the code_challenge.");
        }
        CodeRedemption::Redeem
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Credential, CredentialKind};
    use time::Duration;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    fn code() -> Credential {
        Credential::from_entropy(CredentialKind::AuthorizationCode, [1; 8], [2; 32])
    }

    fn stored(now: OffsetDateTime) -> StoredCode {
        let verifier = CodeVerifier::parse(VERIFIER).unwrap();
        StoredCode {
            hash: code().hash(),
            client_id: Uuid::from_u128(7),
            user_id: UserId::new(Uuid::from_u128(9)),
            redirect_uri: "https://a.example/cb".into(),
            redirect_uri_sent: true,
            challenge: CodeChallenge::from_verifier(&verifier),
            scopes: ScopeSet::default_for_clients(),
            resource: None,
            expires_at: now + Duration::minutes(10),
            redeemed_into: None,
        }
    }

    struct Ask {
        hash: CredentialHash,
        client_id: Uuid,
        redirect_uri: Option<&'static str>,
        verifier: CodeVerifier,
        now: Option<OffsetDateTime>,
    }

    fn ask() -> Ask {
        Ask {
            hash: self::code().hash(),
            client_id: Uuid::from_u128(7),
            redirect_uri: Some("https://a.example/cb"),
            verifier: CodeVerifier::parse(VERIFIER).unwrap(),
            now: None,
        }
    }

    fn redeem(code: &StoredCode, edit: impl FnOnce(&mut Ask)) -> CodeRedemption {
        let mut a = ask();
        edit(&mut a);
        code.redeem(&CodePresentation {
            hash: &a.hash,
            client_id: a.client_id,
            redirect_uri: a.redirect_uri,
            verifier: &a.verifier,
            now: a.now.unwrap_or(code.expires_at - Duration::minutes(1)),
        })
    }

    fn refused(r: CodeRedemption) -> bool {
        matches!(r, CodeRedemption::Refused(f) if f.error == OAuthError::InvalidGrant)
    }

    #[test]
    fn a_fresh_code_with_the_right_verifier_is_redeemed() {
        let c = stored(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(redeem(&c, |_| {}), CodeRedemption::Redeem);
    }

    #[test]
    fn a_used_code_asks_for_its_grant_to_be_revoked() {
        let mut c = stored(OffsetDateTime::UNIX_EPOCH);
        c.redeemed_into = Some(Uuid::from_u128(3));
        let grant_id = Uuid::from_u128(3);
        assert_eq!(redeem(&c, |_| {}), CodeRedemption::Reused { grant_id });
    }

    #[test]
    fn a_code_whose_secret_differs_never_triggers_reuse_revocation() {
        let mut c = stored(OffsetDateTime::UNIX_EPOCH);
        c.redeemed_into = Some(Uuid::from_u128(3));
        let other = Credential::from_entropy(CredentialKind::AuthorizationCode, [1; 8], [9; 32]);
        assert!(refused(redeem(&c, |p| p.hash = other.hash())));
    }

    #[test]
    fn another_client_an_expired_code_and_a_wrong_verifier_are_invalid_grant() {
        let c = stored(OffsetDateTime::UNIX_EPOCH);
        assert!(refused(redeem(&c, |p| p.client_id = Uuid::from_u128(8))));
        assert!(refused(redeem(&c, |p| p.now = Some(c.expires_at))));
        let wrong = CodeVerifier::parse(&"a".repeat(43)).unwrap();
        assert!(refused(redeem(&c, |p| p.verifier = wrong)));
    }

    #[test]
    fn the_redirect_uri_must_be_repeated_exactly_when_it_was_sent() {
        let c = stored(OffsetDateTime::UNIX_EPOCH);
        assert!(refused(redeem(&c, |p| p.redirect_uri = None)));
        assert!(refused(
            redeem(&c, |p| p.redirect_uri = Some("https://a.example/cb/"))
        ));
        let mut unsent = stored(OffsetDateTime::UNIX_EPOCH);
        unsent.redirect_uri_sent = false;
        assert_eq!(
            redeem(&unsent, |p| p.redirect_uri = None),
            CodeRedemption::Redeem
        );
    }
}
