//! People as admins manage them (SPEC §2): whether an account is active or suspended, who
//! is an admin, and the rules of changing either — tessera always keeps one active admin.

use time::Duration;

use crate::{User, UserId};

/// How long a password reset link works: long enough to hand it over, short enough that a
/// link found later in a chat log is dead.
pub const PASSWORD_RESET_TTL: Duration = Duration::hours(1);

/// Whether a person may sign in (Coder's `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountStatus {
    /// They may sign in, and their sessions and tokens work.
    Active,
    /// They may not sign in; their sessions and tokens ended when they were suspended.
    Suspended,
}

impl AccountStatus {
    /// The status as the API shows it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
        }
    }
}

/// A person with their status, as the admin pages, the API and the CLI list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Who.
    pub user: User,
    /// Whether they may sign in.
    pub status: AccountStatus,
}

impl Account {
    /// Whether this account counts towards the admins tessera must keep.
    pub fn is_active_admin(&self) -> bool {
        self.user.admin && self.status == AccountStatus::Active
    }
}

/// A change of an account's role or status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountChange {
    /// Make them an admin.
    GrantAdmin,
    /// Make them an ordinary person.
    RemoveAdmin,
    /// Stop their sessions and tokens, and refuse their logins.
    Suspend,
    /// Let them sign in again (nothing that ended comes back).
    Unsuspend,
}

/// Why a change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccountRefusal {
    /// It would leave no active admin.
    #[error("tessera must keep at least one active admin")]
    LastAdmin,
    /// An admin may not suspend themselves.
    #[error("you cannot suspend your own account")]
    OwnAccount,
}

impl AccountChange {
    /// Whether `caller` (`None`: the command line on the server) may apply this change to
    /// `target` while `active_admins` active admins exist: `Ok(true)` when it changes
    /// something, `Ok(false)` when the account is already so. The count MUST be read under
    /// the same lock as the change is written, so that concurrent changes cannot both pass.
    pub fn decide(
        self,
        caller: Option<UserId>,
        target: &Account,
        active_admins: u64,
    ) -> Result<bool, AccountRefusal> {
        let last_admin = target.is_active_admin() && active_admins <= 1;
        match self {
            Self::GrantAdmin => Ok(!target.user.admin),
            Self::RemoveAdmin if !target.user.admin => Ok(false),
            Self::RemoveAdmin if last_admin => Err(AccountRefusal::LastAdmin),
            Self::RemoveAdmin => Ok(true),
            Self::Suspend if target.status == AccountStatus::Suspended => Ok(false),
            Self::Suspend if caller == Some(target.user.id) => Err(AccountRefusal::OwnAccount),
            Self::Suspend if last_admin => Err(AccountRefusal::LastAdmin),
            Self::Suspend => Ok(true),
            Self::Unsuspend => Ok(target.status == AccountStatus::Suspended),
        }
    }

    /// The account as it is after the change.
    pub fn applied_to(self, mut account: Account) -> Account {
        match self {
            Self::GrantAdmin => account.user.admin = true,
            Self::RemoveAdmin => account.user.admin = false,
            Self::Suspend => account.status = AccountStatus::Suspended,
            Self::Unsuspend => account.status = AccountStatus::Active,
        }
        account
    }
}

/// Why a search of accounts was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccountQueryError {
    /// The search text is longer than 100 characters.
    #[error("q must be at most 100 characters")]
    TextTooLong,
    /// `limit` is outside 1–100.
    #[error("limit must be between 1 and 100")]
    BadLimit,
    /// `offset` is negative.
    #[error("offset must not be negative")]
    BadOffset,
}

/// One page of a search of accounts: a case-insensitive piece of an email or username,
/// oldest account first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountQuery {
    text: Option<String>,
    limit: i64,
    offset: i64,
}

impl AccountQuery {
    /// Rows per page unless the caller asks otherwise.
    pub const DEFAULT_LIMIT: i64 = 50;
    /// The most rows one page may hold.
    pub const MAX_LIMIT: i64 = 100;
    const MAX_TEXT_CHARS: usize = 100;

    /// Accepts search text (blank is none), a limit of 1–100 (default 50) and an offset ≥ 0.
    pub fn parse(
        text: Option<&str>,
        limit: Option<i64>,
        offset: Option<i64>,
    ) -> Result<Self, AccountQueryError> {
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        if text.is_some_and(|t| t.chars().count() > Self::MAX_TEXT_CHARS) {
            return Err(AccountQueryError::TextTooLong);
        }
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            return Err(AccountQueryError::BadLimit);
        }
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            return Err(AccountQueryError::BadOffset);
        }
        Ok(Self {
            text: text.map(str::to_owned),
            limit,
            offset,
        })
    }

    /// Every account, first page.
    pub fn all() -> Self {
        Self {
            text: None,
            limit: Self::DEFAULT_LIMIT,
            offset: 0,
        }
    }

    /// The text to look for in emails and usernames, if any.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// The text as a SQL `LIKE` pattern matching it anywhere, its wildcards escaped.
    pub fn like_pattern(&self) -> Option<String> {
        self.text.as_ref().map(|t| {
            let escaped = t
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        })
    }

    /// Rows on this page at most.
    pub fn limit(&self) -> i64 {
        self.limit
    }

    /// Rows skipped before this page.
    pub fn offset(&self) -> i64 {
        self.offset
    }

    /// The offset of the next page, when `total` rows match and there are more.
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
