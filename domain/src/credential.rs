//! The credentials tessera issues, their lookup ids and their stored hashes (SPEC §7).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest;

use crate::constant_time::bytes_equal;

/// Length of the lookup id: 8 random bytes as lowercase hex.
const LOOKUP_ID_LEN: usize = 16;
/// Length of the secret: 32 random bytes as base64url without padding.
const SECRET_LEN: usize = 43;
/// Length of a SHA-256 digest.
const HASH_LEN: usize = 32;

/// The kinds of credential tessera issues, each with its own prefix so a credential of one
/// kind can never be accepted as another (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// A browser or API session (`tss`).
    Session,
    /// An OAuth access token (`tat`).
    AccessToken,
    /// An OAuth refresh token (`trt`).
    RefreshToken,
    /// An OAuth authorization code (`tac`).
    AuthorizationCode,
    /// A confidential client's secret (`tcs`).
    ClientSecret,
    /// An RFC 7592 registration access token (`trg`).
    RegistrationAccessToken,
    /// A protected MCP server's introspection secret (`tis`, SPEC §9).
    IntrospectionSecret,
    /// A one-time password reset link an admin hands to a person (`tpr`, SPEC §2).
    PasswordReset,
}

impl CredentialKind {
    /// The prefix that starts every credential of this kind.
    pub fn prefix(&self) -> &'static str {
        match self {
            Self::Session => "tss",
            Self::AccessToken => "tat",
            Self::RefreshToken => "trt",
            Self::AuthorizationCode => "tac",
            Self::ClientSecret => "tcs",
            Self::RegistrationAccessToken => "trg",
            Self::IntrospectionSecret => "tis",
            Self::PasswordReset => "tpr",
        }
    }
}

/// Why a presented credential or a stored hash was refused; never contains the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// The credential is not `<prefix>_<lookup-id>_<secret>`.
    #[error("credential is not of the form prefix_lookup_secret")]
    Malformed,
    /// The prefix is not the one of the expected kind.
    #[error("credential is not of the expected kind")]
    WrongKind,
    /// The lookup id is not 16 lowercase hex characters.
    #[error("lookup id is not 16 lowercase hexadecimal characters")]
    InvalidLookupId,
    /// The secret is not 32 bytes in unpadded base64url.
    #[error("credential secret is not 43 base64url characters")]
    InvalidSecret,
    /// A stored hash is not 32 bytes long.
    #[error("credential hash is not 32 bytes long")]
    InvalidHashLength,
}

/// The public half of a credential, stored in clear as the row's key so the hash can be
/// found without scanning and then compared in constant time (SPEC §7).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LookupId(String);

impl LookupId {
    /// Accepts exactly 16 lowercase hexadecimal characters (8 random bytes).
    pub fn parse(s: &str) -> Result<Self, CredentialError> {
        let valid = s.len() == LOOKUP_ID_LEN
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        match valid {
            true => Ok(Self(s.to_owned())),
            false => Err(CredentialError::InvalidLookupId),
        }
    }

    fn from_bytes(bytes: [u8; 8]) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut id = String::with_capacity(LOOKUP_ID_LEN);
        for b in bytes {
            id.push(char::from(HEX[usize::from(b >> 4)]));
            id.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        Self(id)
    }

    /// The id as stored and as written inside the credential.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A whole credential, `<prefix>_<lookup-id>_<secret>`, shown once and then only hashed
/// (SPEC §7). It has no `Display` and its `Debug` hides the secret.
#[derive(Clone)]
pub struct Credential {
    kind: CredentialKind,
    lookup_id: LookupId,
    full: String,
}

impl Credential {
    /// Builds a credential from random bytes supplied by the caller's CSPRNG port.
    pub fn from_entropy(kind: CredentialKind, lookup: [u8; 8], secret: [u8; 32]) -> Self {
        let lookup_id = LookupId::from_bytes(lookup);
        let prefix = kind.prefix();
        let mut full = String::with_capacity(prefix.len() + 1 + LOOKUP_ID_LEN + 1 + SECRET_LEN);
        full.push_str(prefix);
        full.push('_');
        full.push_str(lookup_id.as_str());
        full.push('_');
        URL_SAFE_NO_PAD.encode_string(secret, &mut full);
        Self {
            kind,
            lookup_id,
            full,
        }
    }

    /// Accepts a presented credential only if it is exactly of the expected kind and shape.
    pub fn parse(kind: CredentialKind, s: &str) -> Result<Self, CredentialError> {
        // The secret is base64url, which may itself contain `_`: split at most twice.
        let mut parts = s.splitn(3, '_');
        let (Some(prefix), Some(lookup), Some(secret)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(CredentialError::Malformed);
        };
        if prefix != kind.prefix() {
            return Err(CredentialError::WrongKind);
        }
        let lookup_id = LookupId::parse(lookup)?;
        let decodes_to_32_bytes = secret.len() == SECRET_LEN
            && URL_SAFE_NO_PAD
                .decode(secret)
                .is_ok_and(|bytes| bytes.len() == 32);
        if !decodes_to_32_bytes {
            return Err(CredentialError::InvalidSecret);
        }
        Ok(Self {
            kind,
            lookup_id,
            full: s.to_owned(),
        })
    }

    /// Which kind of credential this is.
    pub fn kind(&self) -> CredentialKind {
        self.kind
    }

    /// The public lookup id under which its hash is stored.
    pub fn lookup_id(&self) -> &LookupId {
        &self.lookup_id
    }

    /// SHA-256 of the whole credential string, the only form that is stored.
    pub fn hash(&self) -> CredentialHash {
        let digest = digest::digest(&digest::SHA256, self.full.as_bytes());
        let mut bytes = [0u8; HASH_LEN];
        bytes.copy_from_slice(digest.as_ref());
        CredentialHash(bytes)
    }

    /// The full credential, for the single response that hands it to its owner.
    pub fn expose(&self) -> &str {
        &self.full
    }

    /// The last `n` characters, so a client secret can be recognised later (`…abc123`).
    pub fn last_chars(&self, n: usize) -> String {
        let skip = self.full.chars().count().saturating_sub(n);
        self.full.chars().skip(skip).collect()
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("kind", &self.kind)
            .field("lookup_id", &self.lookup_id.as_str())
            .field("secret", &format_args!("[redacted]"))
            .finish()
    }
}

/// SHA-256 of a credential as stored next to its lookup id, compared only in constant
/// time (SPEC §7).
#[derive(Clone)]
pub struct CredentialHash([u8; HASH_LEN]);

impl CredentialHash {
    /// Re-reads a hash from storage; anything but 32 bytes means corrupt data.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CredentialError> {
        let bytes: [u8; HASH_LEN] = bytes
            .try_into()
            .map_err(|_| CredentialError::InvalidHashLength)?;
        Ok(Self(bytes))
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether two hashes are equal, in time independent of where they differ.
    pub fn matches(&self, other: &CredentialHash) -> bool {
        bytes_equal(&self.0, &other.0)
    }
}

impl fmt::Debug for CredentialHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialHash([redacted])")
    }
}

#[cfg(test)]
mod tests;
