//! The scopes tessera grants and sets of them (RFC 6749 §3.3, SPEC §4 Scopes).

use std::collections::BTreeSet;
use std::fmt;

/// Longest unknown scope token echoed back in an error.
const MAX_ECHOED_TOKEN: usize = 64;

/// Why a scope or scope string was refused (RFC 6749 §3.3, `invalid_scope`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    /// No scope at all: an empty or all-space string.
    #[error("scope must name at least one scope")]
    Empty,
    /// A token with characters outside RFC 6749 §3.3's `NQCHAR`.
    #[error(
        "scope must be space-separated tokens of printable ASCII without quotes or backslashes"
    )]
    Malformed,
    /// A well-formed token that is not one of tessera's scopes; holds the token (printable
    /// ASCII, at most 64 characters) so the message can name it.
    #[error("unknown scope {0}")]
    Unknown(String),
}

impl ScopeError {
    /// A fixed description for `error_description`, where echoing input is not wanted.
    pub fn description(&self) -> &'static str {
        match self {
            Self::Empty => "scope must name at least one scope",
            Self::Malformed => "scope must be space-separated scope tokens",
            Self::Unknown(_) => "scope contains an unknown scope",
        }
    }
}

/// One permission tessera can grant; the order of the variants is the canonical order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// `user:read` — read the signed-in user's profile (`/api/v2/users/me`).
    UserRead,
    /// `mcp` — call the MCP endpoint.
    Mcp,
    /// `admin` — the admin API; covers the other two, and is granted only to admins.
    Admin,
}

impl Scope {
    /// Every scope, in canonical order (for `scopes_supported`).
    pub const ALL: [Scope; 3] = [Scope::UserRead, Scope::Mcp, Scope::Admin];

    /// The scope as spelled on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::UserRead => "user:read",
            Self::Mcp => "mcp",
            Self::Admin => "admin",
        }
    }

    /// Reads one scope token.
    pub fn parse(s: &str) -> Result<Self, ScopeError> {
        if s.is_empty() {
            return Err(ScopeError::Empty);
        }
        if !s.bytes().all(is_nqchar) {
            return Err(ScopeError::Malformed);
        }
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| ScopeError::Unknown(s.chars().take(MAX_ECHOED_TOKEN).collect()))
    }

    /// Whether holding `self` grants `other` (`admin` covers everything, SPEC §4).
    fn covers(self, other: Scope) -> bool {
        self == other || self == Scope::Admin
    }
}

/// RFC 6749 §3.3 `NQCHAR = %x21 / %x23-5B / %x5D-7E`.
fn is_nqchar(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E)
}

/// A set of scopes in canonical order, as requested, registered or granted (RFC 6749 §3.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Reads a space-separated `scope` parameter; runs of spaces are tolerated, an empty
    /// string or an unknown scope is not.
    pub fn parse(s: &str) -> Result<Self, ScopeError> {
        let scopes = s
            .split(' ')
            .filter(|token| !token.is_empty())
            .map(Scope::parse)
            .collect::<Result<BTreeSet<_>, _>>()?;
        match scopes.is_empty() {
            true => Err(ScopeError::Empty),
            false => Ok(Self(scopes)),
        }
    }

    /// Builds a set from scopes already known to be valid.
    pub fn from_scopes(scopes: impl IntoIterator<Item = Scope>) -> Self {
        Self(scopes.into_iter().collect())
    }

    /// What a request gets when neither it nor its client names a scope: `user:read mcp`
    /// (SPEC §4).
    pub fn default_for_clients() -> Self {
        Self::from_scopes([Scope::UserRead, Scope::Mcp])
    }

    /// Whether this set grants `scope`, directly or through `admin`.
    pub fn covers(&self, scope: Scope) -> bool {
        self.0.iter().any(|held| held.covers(scope))
    }

    /// Whether every scope in this set is covered by `allowed` (a request within what a
    /// client registered, a refresh narrowing its grant).
    pub fn is_within(&self, allowed: &ScopeSet) -> bool {
        self.0.iter().all(|scope| allowed.covers(*scope))
    }

    /// This set with `scope` removed (e.g. `admin` for a user who is not an admin).
    pub fn without(&self, scope: Scope) -> ScopeSet {
        Self(self.0.iter().copied().filter(|s| *s != scope).collect())
    }

    /// Whether `scope` itself is in the set (not merely covered).
    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    /// Whether the set has no scope.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// The scopes as strings in canonical order (for JSON arrays).
    pub fn to_vec_of_str(&self) -> Vec<&'static str> {
        self.0.iter().map(Scope::as_str).collect()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vec_of_str().join(" "))
    }
}

#[cfg(test)]
mod tests;
