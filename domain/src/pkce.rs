//! Proof Key for Code Exchange, S256 only (RFC 7636, OAuth 2.1 §4.1.1).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest;

use crate::constant_time::bytes_equal;

/// Length of BASE64URL-NOPAD(SHA-256(..)).
const CHALLENGE_LEN: usize = 43;
/// Bounds on the verifier length (RFC 7636 §4.1).
const VERIFIER_LEN: std::ops::RangeInclusive<usize> = 43..=128;

/// Why a PKCE parameter was refused; each description is fixed and safe to send as
/// `error_description` with `invalid_request` (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkceError {
    /// A method other than `S256`, including `plain`.
    UnsupportedMethod,
    /// A challenge that is not 43 base64url characters.
    MalformedChallenge,
    /// A verifier outside 43–128 unreserved characters (RFC 7636 §4.1).
    MalformedVerifier,
}

impl PkceError {
    /// The fixed human description, sent as `error_description`.
    pub fn description(&self) -> &'static str {
        match self {
            Self::UnsupportedMethod => "code_challenge_method must be S256",
            Self::MalformedChallenge => "code_challenge must be 43 base64url characters",
            Self::MalformedVerifier => {
                "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~"
            }
        }
    }
}

impl fmt::Display for PkceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl std::error::Error for PkceError {}

/// The transformation a client used to derive its challenge; only `S256` is accepted
/// (RFC 7636 §4.2, OAuth 2.1 §4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeChallengeMethod {
    /// `BASE64URL-NOPAD(SHA256(ASCII(code_verifier)))`.
    S256,
}

impl CodeChallengeMethod {
    /// Accepts `S256` exactly; `plain` and everything else are refused.
    pub fn parse(s: &str) -> Result<Self, PkceError> {
        match s {
            "S256" => Ok(Self::S256),
            _ => Err(PkceError::UnsupportedMethod),
        }
    }

    /// The method as spelled on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::S256 => "S256",
        }
    }
}

/// The `code_challenge` sent to `/oauth2/authorize` and stored with the code (RFC 7636 §4.3).
#[derive(Debug, Clone)]
pub struct CodeChallenge(String);

impl CodeChallenge {
    /// Accepts exactly 43 base64url characters, the length of an S256 challenge.
    pub fn parse(s: &str) -> Result<Self, PkceError> {
        let valid = s.len() == CHALLENGE_LEN
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        match valid {
            true => Ok(Self(s.to_owned())),
            false => Err(PkceError::MalformedChallenge),
        }
    }

    /// Derives the S256 challenge of a verifier (RFC 7636 §4.2).
    pub fn from_verifier(verifier: &CodeVerifier) -> Self {
        let digest = digest::digest(&digest::SHA256, verifier.0.as_bytes());
        Self(URL_SAFE_NO_PAD.encode(digest.as_ref()))
    }

    /// Whether `verifier` is the one this challenge was made from, in constant time
    /// (RFC 7636 §4.6).
    pub fn verify(&self, verifier: &CodeVerifier) -> bool {
        let derived = Self::from_verifier(verifier);
        bytes_equal(self.0.as_bytes(), derived.0.as_bytes())
    }

    /// The challenge as sent, for storage.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The `code_verifier` sent to the token endpoint; a secret, so its `Debug` is redacted
/// (RFC 7636 §4.1).
#[derive(Clone)]
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// Accepts 43–128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
    pub fn parse(s: &str) -> Result<Self, PkceError> {
        let valid = VERIFIER_LEN.contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
        match valid {
            true => Ok(Self(s.to_owned())),
            false => Err(PkceError::MalformedVerifier),
        }
    }
}

impl fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeVerifier([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn verifier(s: &str) -> CodeVerifier {
        CodeVerifier::parse(s).unwrap()
    }

    #[test]
    fn the_rfc_7636_appendix_b_verifier_yields_its_challenge() {
        let derived = CodeChallenge::from_verifier(&verifier(RFC_VERIFIER));
        assert_eq!(derived.as_str(), RFC_CHALLENGE);
    }

    #[test]
    fn the_rfc_7636_appendix_b_challenge_verifies_its_verifier() {
        let challenge = CodeChallenge::parse(RFC_CHALLENGE).unwrap();
        assert!(challenge.verify(&verifier(RFC_VERIFIER)));
    }

    #[test]
    fn a_different_verifier_does_not_verify() {
        let challenge = CodeChallenge::parse(RFC_CHALLENGE).unwrap();
        let other = format!("{}A", &RFC_VERIFIER[..42]);
        assert!(!challenge.verify(&verifier(&other)));
    }

    #[test]
    fn only_s256_is_a_supported_method() {
        assert_eq!(
            CodeChallengeMethod::parse("S256"),
            Ok(CodeChallengeMethod::S256)
        );
        assert_eq!(CodeChallengeMethod::S256.as_str(), "S256");
        for other in ["plain", "s256", "S512", ""] {
            assert_eq!(
                CodeChallengeMethod::parse(other),
                Err(PkceError::UnsupportedMethod)
            );
        }
    }

    #[test]
    fn a_challenge_that_is_not_43_base64url_characters_is_rejected() {
        for s in [
            &RFC_CHALLENGE[..42],
            &format!("{RFC_CHALLENGE}A"),
            &format!("{}+", &RFC_CHALLENGE[..42]),
            "",
        ] {
            assert_eq!(
                CodeChallenge::parse(s).unwrap_err(),
                PkceError::MalformedChallenge,
                "{s}"
            );
        }
    }

    #[test]
    fn a_verifier_shorter_than_43_characters_is_rejected() {
        assert_eq!(
            CodeVerifier::parse(&"a".repeat(42)).unwrap_err(),
            PkceError::MalformedVerifier
        );
    }

    #[test]
    fn a_verifier_longer_than_128_characters_is_rejected() {
        assert!(CodeVerifier::parse(&"a".repeat(128)).is_ok());
        assert_eq!(
            CodeVerifier::parse(&"a".repeat(129)).unwrap_err(),
            PkceError::MalformedVerifier
        );
    }

    #[test]
    fn a_verifier_with_characters_outside_the_unreserved_set_is_rejected() {
        for bad in ['+', '/', '=', ' ', 'é'] {
            let s = format!("{}{bad}", "a".repeat(43));
            assert_eq!(
                CodeVerifier::parse(&s).unwrap_err(),
                PkceError::MalformedVerifier,
                "{bad}"
            );
        }
        assert!(CodeVerifier::parse(&format!("{}-._~", "a".repeat(43))).is_ok());
    }

    #[test]
    fn debug_output_of_a_verifier_is_redacted() {
        let debug = format!("{:?}", verifier(RFC_VERIFIER));
        assert_eq!(debug, "CodeVerifier([redacted])");
    }

    proptest! {
        #[test]
        fn every_valid_verifier_verifies_against_its_own_challenge(
            s in "[A-Za-z0-9._~-]{43,128}"
        ) {
            let verifier = CodeVerifier::parse(&s).unwrap();
            let challenge = CodeChallenge::from_verifier(&verifier);
            prop_assert!(CodeChallenge::parse(challenge.as_str()).is_ok());
            prop_assert!(challenge.verify(&verifier));
        }

        #[test]
        fn distinct_verifiers_do_not_verify_each_others_challenges(
            a in "[A-Za-z0-9._~-]{43,64}",
            b in "[A-Za-z0-9._~-]{43,64}",
        ) {
            prop_assume!(a != b);
            let challenge = CodeChallenge::from_verifier(&CodeVerifier::parse(&a).unwrap());
            prop_assert!(!challenge.verify(&CodeVerifier::parse(&b).unwrap()));
        }

        #[test]
        fn verifier_parsing_accepts_exactly_the_rfc_grammar(s in "\\PC{0,140}") {
            let in_grammar = (43..=128).contains(&s.len())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c));
            prop_assert_eq!(CodeVerifier::parse(&s).is_ok(), in_grammar);
        }

        #[test]
        fn challenge_parsing_accepts_exactly_43_base64url_characters(s in "[A-Za-z0-9_+/=-]{40,46}") {
            let in_grammar = s.len() == 43
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            prop_assert_eq!(CodeChallenge::parse(&s).is_ok(), in_grammar);
        }
    }
}
