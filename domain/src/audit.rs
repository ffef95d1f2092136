//! Reading the audit log (SPEC §3): which entries an admin asks for — by who acted, what
//! they did, which app it concerned and when — and which page of them, newest first.

mod bound;

pub use bound::AuditBound;

use uuid::Uuid;

use crate::{Email, EmailError, UserId};

/// Every action the audit log records (the schema's CHECK on `audit_log.action` lists the
/// same words; a PostgreSQL test keeps the two equal).
pub const AUDIT_ACTIONS: &[&str] = &[
    "create",
    "update",
    "delete",
    "revoke",
    "block",
    "unblock",
    "reuse_detected",
    "login",
    "rotate",
    "suspend",
    "unsuspend",
];

/// Why a filter of the audit log was refused; [`AuditQueryError::field`] names the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuditQueryError {
    /// The actor is longer than any actor can be.
    #[error("actor must be at most 2048 characters")]
    ActorTooLong,
    /// The actor has an `@` but is not an email address.
    #[error("actor must be a user's id, their email, or a name from the log: {0}")]
    ActorEmail(EmailError),
    /// The action is not one the log records.
    #[error(
        "action must be one of create, update, delete, revoke, block, unblock, reuse_detected, login, rotate, suspend, unsuspend"
    )]
    UnknownAction,
    /// The app is longer than any client id can be.
    #[error("app must be at most 2048 characters")]
    AppTooLong,
    /// `from` is not a time.
    #[error(
        "from must be a date (2026-01-31), a UTC time (2026-01-31T09:30 or 2026-01-31T09:30:15) or an RFC 3339 time (2026-01-31T09:30:15+01:00)"
    )]
    BadFrom,
    /// `to` is not a time.
    #[error(
        "to must be a date (2026-01-31), a UTC time (2026-01-31T09:30 or 2026-01-31T09:30:15) or an RFC 3339 time (2026-01-31T09:30:15+01:00)"
    )]
    BadTo,
    /// `from` is after `to`: nothing could match.
    #[error("from must not be after to")]
    EmptyRange,
}

impl AuditQueryError {
    /// The query parameter at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::ActorTooLong | Self::ActorEmail(_) => "actor",
            Self::UnknownAction => "action",
            Self::AppTooLong => "app",
            Self::BadFrom | Self::EmptyRange => "from",
            Self::BadTo => "to",
        }
    }
}

/// Who acted, as an admin names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditActor {
    /// A person by id: their entries, whatever their username was then.
    Person(UserId),
    /// A person by email (any case): the entries of the account with that email now.
    Email(Email),
    /// The name the log shows (a username, `tessera CLI`, `client <id>`, `anonymous`).
    Name(String),
}

impl AuditActor {
    /// A UUID is a person's id, text with an `@` an email, anything else a name.
    fn parse(s: &str) -> Result<Self, AuditQueryError> {
        if s.chars().count() > MAX_FILTER_CHARS {
            return Err(AuditQueryError::ActorTooLong);
        }
        if let Ok(id) = Uuid::parse_str(s) {
            return Ok(Self::Person(UserId::new(id)));
        }
        if s.contains('@') {
            return Email::parse(s)
                .map(Self::Email)
                .map_err(AuditQueryError::ActorEmail);
        }
        Ok(Self::Name(s.to_owned()))
    }

    /// The actor as it was typed, to show it again and to keep it in page links.
    pub fn text(&self) -> String {
        match self {
            Self::Person(id) => id.to_string(),
            Self::Email(email) => email.as_str().to_owned(),
            Self::Name(name) => name.clone(),
        }
    }
}

/// The filters and page as they arrive (query parameters); blank means "not given".
#[derive(Debug, Clone, Copy, Default)]
pub struct AuditQueryText<'a> {
    /// A person's id or email, or a name as the log shows it.
    pub actor: Option<&'a str>,
    /// One of [`AUDIT_ACTIONS`].
    pub action: Option<&'a str>,
    /// An app's client id.
    pub app: Option<&'a str>,
    /// The earliest time, see [`AuditBound`].
    pub from: Option<&'a str>,
    /// The latest time, see [`AuditBound`].
    pub to: Option<&'a str>,
    /// Entries per page (clamped to 1–500; 50 when absent).
    pub limit: Option<i64>,
    /// Entries skipped (negative is 0).
    pub offset: Option<i64>,
}

/// A parameter with something in it, trimmed; blank is "not given".
fn given(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Longest actor or app text accepted (a client id can be a URL).
const MAX_FILTER_CHARS: usize = 2048;

/// One page of the audit log, newest first (by time, then by position in the log), of the
/// entries that match every filter given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    actor: Option<AuditActor>,
    action: Option<&'static str>,
    app: Option<String>,
    from: Option<AuditBound>,
    to: Option<AuditBound>,
    limit: i64,
    offset: i64,
}

impl AuditQuery {
    /// Entries per page unless the caller asks otherwise (and always on the page).
    pub const DEFAULT_LIMIT: i64 = 50;
    /// The most entries one page may hold.
    pub const MAX_LIMIT: i64 = 500;

    /// Accepts the filters, each naming its field when refused. A limit outside 1–500 and
    /// a negative offset are brought into range, as the API always did.
    pub fn parse(text: AuditQueryText<'_>) -> Result<Self, AuditQueryError> {
        let actor = given(text.actor).map(AuditActor::parse).transpose()?;
        let action = match given(text.action) {
            None => None,
            Some(a) => Some(
                AUDIT_ACTIONS
                    .iter()
                    .copied()
                    .find(|known| *known == a)
                    .ok_or(AuditQueryError::UnknownAction)?,
            ),
        };
        let app = given(text.app).map(str::to_owned);
        if app
            .as_ref()
            .is_some_and(|a| a.chars().count() > MAX_FILTER_CHARS)
        {
            return Err(AuditQueryError::AppTooLong);
        }
        let from = given(text.from)
            .map(|s| AuditBound::parse(s).ok_or(AuditQueryError::BadFrom))
            .transpose()?;
        let to = given(text.to)
            .map(|s| AuditBound::parse(s).ok_or(AuditQueryError::BadTo))
            .transpose()?;
        if let (Some(from), Some(to)) = (&from, &to)
            && from.start() >= to.end()
        {
            return Err(AuditQueryError::EmptyRange);
        }
        Ok(Self {
            actor,
            action,
            app,
            from,
            to,
            limit: text
                .limit
                .unwrap_or(Self::DEFAULT_LIMIT)
                .clamp(1, Self::MAX_LIMIT),
            offset: text.offset.unwrap_or(0).max(0),
        })
    }

    /// The newest page of everything.
    pub fn all() -> Self {
        Self {
            actor: None,
            action: None,
            app: None,
            from: None,
            to: None,
            limit: Self::DEFAULT_LIMIT,
            offset: 0,
        }
    }

    /// The same filters, `offset` entries in.
    pub fn at_offset(mut self, offset: i64) -> Self {
        self.offset = offset.max(0);
        self
    }

    /// Who acted, if asked.
    pub fn actor(&self) -> Option<&AuditActor> {
        self.actor.as_ref()
    }

    /// What they did, if asked.
    pub fn action(&self) -> Option<&'static str> {
        self.action
    }

    /// The app's client id, if asked: entries about the app or client itself, about its
    /// secrets (`details.app_id`), and those the client made itself (actor `client <id>`).
    pub fn app(&self) -> Option<&str> {
        self.app.as_deref()
    }

    /// The earliest time asked for: entries at or after its start.
    pub fn from(&self) -> Option<&AuditBound> {
        self.from.as_ref()
    }

    /// The latest time asked for: entries before its end (so a day includes all of it).
    pub fn to(&self) -> Option<&AuditBound> {
        self.to.as_ref()
    }

    /// Entries on this page at most.
    pub fn limit(&self) -> i64 {
        self.limit
    }

    /// Entries skipped before this page.
    pub fn offset(&self) -> i64 {
        self.offset
    }

    /// The offset of the next page, when `total` entries match and there are more.
    pub fn next_offset(&self, total: i64) -> Option<i64> {
        crate::paging::next_offset(self.offset, self.limit, total)
    }

    /// The offset of the previous page, unless this is the first.
    pub fn previous_offset(&self) -> Option<i64> {
        crate::paging::previous_offset(self.offset, self.limit)
    }
}

#[cfg(test)]
mod tests;
