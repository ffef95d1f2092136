//! People: their ids, email addresses, usernames and passwords (SPEC §2).

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::{AccountStatus, SecretString};

/// Longest email address, in characters (RFC 5321 §4.5.3.1.3 path limit less brackets).
const MAX_EMAIL_CHARS: usize = 254;
/// Longest username, in characters (Coder's rule).
const MAX_USERNAME_CHARS: usize = 32;
/// Bounds on a password's length, in characters (SPEC §2; OWASP).
const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 8..=256;

/// A user's identity, stable across email and username changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(Uuid);

impl UserId {
    /// Wraps an id minted by the caller (the application) or read from storage.
    pub const fn new(id: Uuid) -> Self {
        Self(id)
    }

    /// The underlying UUID, for storage and JSON.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why an email address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing left after trimming.
    #[error("email must not be empty")]
    Empty,
    /// More than 254 characters.
    #[error("email must be at most 254 characters")]
    TooLong,
    /// Whitespace or control characters inside the address.
    #[error("email must not contain spaces or control characters")]
    InvalidCharacter,
    /// Not exactly one `@`.
    #[error("email must contain exactly one @")]
    NotOneAt,
    /// Nothing before the `@`.
    #[error("email must have a name before the @")]
    EmptyLocalPart,
    /// Nothing after the `@`.
    #[error("email must have a domain after the @")]
    EmptyDomain,
}

/// A person's email address, trimmed and kept as typed; [`Email::normalized`] is the form
/// that is unique and looked up (SPEC §2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain` with both parts non-empty and no spaces, after trimming.
    pub fn parse(s: &str) -> Result<Self, EmailError> {
        let email = s.trim();
        if email.is_empty() {
            return Err(EmailError::Empty);
        }
        if email.chars().count() > MAX_EMAIL_CHARS {
            return Err(EmailError::TooLong);
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::InvalidCharacter);
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err(EmailError::NotOneAt);
        };
        if domain.contains('@') {
            return Err(EmailError::NotOneAt);
        }
        if local.is_empty() {
            return Err(EmailError::EmptyLocalPart);
        }
        if domain.is_empty() {
            return Err(EmailError::EmptyDomain);
        }
        Ok(Self(email.to_owned()))
    }

    /// The address as the person typed it (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lowercased form used for uniqueness and lookup.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

/// Why a username was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    /// Empty.
    #[error("username must not be empty")]
    Empty,
    /// More than 32 characters.
    #[error("username must be at most 32 characters")]
    TooLong,
    /// A character other than ASCII letters, digits and hyphens.
    #[error("username may contain only ASCII letters, digits and hyphens")]
    InvalidCharacter,
    /// A hyphen at the start or end, or two in a row.
    #[error("username must not start or end with a hyphen or contain two in a row")]
    MisplacedHyphen,
}

/// A person's handle: 1–32 ASCII letters and digits, words joined by single hyphens
/// (Coder's `^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Accepts a username by Coder's rule.
    pub fn parse(s: &str) -> Result<Self, UsernameError> {
        if s.is_empty() {
            return Err(UsernameError::Empty);
        }
        if s.chars().count() > MAX_USERNAME_CHARS {
            return Err(UsernameError::TooLong);
        }
        if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(UsernameError::InvalidCharacter);
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(UsernameError::MisplacedHyphen);
        }
        Ok(Self(s.to_owned()))
    }

    /// The username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a new password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than 8 characters (SPEC §2).
    #[error("password must be at least 8 characters")]
    TooShort,
    /// More than 256 characters (bounds the hashing work).
    #[error("password must be at most 256 characters")]
    TooLong,
}

/// A new password that meets the length rules, ready to be hashed; its `Debug` is redacted.
/// Passwords presented at login stay [`SecretString`]s, so old passwords still work.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Accepts 8–256 characters, exactly as typed (no trimming).
    pub fn parse(secret: SecretString) -> Result<Self, PasswordError> {
        let chars = secret.expose().chars().count();
        if chars < *PASSWORD_CHARS.start() {
            return Err(PasswordError::TooShort);
        }
        if chars > *PASSWORD_CHARS.end() {
            return Err(PasswordError::TooLong);
        }
        Ok(Self(secret))
    }

    /// The password, for the hasher only.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// A password hash as a PHC string (`$argon2id$v=19$...`); opaque to the domain and never
/// printed (SPEC §7).
#[derive(Clone)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string produced by the hasher or read from storage.
    pub fn new(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string, for storage and verification.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

/// A person who can sign in (SPEC §2, `GET /api/v2/users/me`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Stable identity.
    pub id: UserId,
    /// Email address as typed.
    pub email: Email,
    /// Handle.
    pub username: Username,
    /// Whether the user may use the admin API and be granted the `admin` scope.
    pub admin: bool,
    /// When the user was created.
    pub created_at: OffsetDateTime,
}

/// A user together with their password hash, as stored; only login and creation need it.
#[derive(Debug, Clone)]
pub struct UserWithPassword {
    /// The user.
    pub user: User,
    /// Their password hash.
    pub password_hash: PasswordHash,
    /// Whether they may sign in.
    pub status: AccountStatus,
}

#[cfg(test)]
mod tests;
