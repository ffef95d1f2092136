//! Finding apps among many (issue 18): search text, filters, an order and one page, each
//! valid by construction; the rules here say which apps a query selects and in which
//! order, and every repository must select and order exactly so.

use std::cmp::Ordering;

use time::{Duration, OffsetDateTime};

use crate::{App, ClientType, RegistrationSource, UserId};

mod search;
pub use search::AppSearch;

/// Why a value of a search of apps was refused; the caller knows which parameter it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AppQueryError {
    /// The search text is longer than [`AppSearch::MAX_CHARS`].
    #[error("must be at most 100 characters")]
    TextTooLong,
    /// Not `true` or `false`.
    #[error("must be true or false")]
    NotABoolean,
    /// Not `never` or a number of days like `30d`.
    #[error("must be never, or a number of days from 1 to 3650 followed by d (e.g. 30d)")]
    BadTokenUse,
    /// Not one of the four orders.
    #[error("must be created, -created, last_token or -last_token")]
    UnknownOrder,
    /// `limit` is outside 1–100.
    #[error("must be between 1 and 100")]
    BadLimit,
    /// `offset` is negative.
    #[error("must not be negative")]
    BadOffset,
}

/// Whether and when an app last obtained a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// It never obtained one.
    Never,
    /// It obtained one within this many days.
    WithinDays(u16),
}

impl TokenUse {
    const MAX_DAYS: u16 = 3650;

    /// Reads `never` or a number of days followed by `d` (`30d`), 1 to 3650 days.
    pub fn parse(s: &str) -> Result<Self, AppQueryError> {
        if s == "never" {
            return Ok(Self::Never);
        }
        let days = s.strip_suffix('d').and_then(|n| n.parse::<u16>().ok());
        match days {
            Some(days) if (1..=Self::MAX_DAYS).contains(&days) => Ok(Self::WithinDays(days)),
            _ => Err(AppQueryError::BadTokenUse),
        }
    }

    /// The value as `parse` reads it.
    pub fn to_param(&self) -> String {
        match self {
            Self::Never => "never".to_owned(),
            Self::WithinDays(days) => format!("{days}d"),
        }
    }

    /// The earliest last token that counts as recent use at `now`; `None` for `Never`.
    pub fn since(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        match self {
            Self::Never => None,
            Self::WithinDays(days) => Some(now - Duration::days(i64::from(*days))),
        }
    }

    /// Whether an app whose last token was at `last_token_at` qualifies at `now`.
    pub fn matches(&self, last_token_at: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
        match (self.since(now), last_token_at) {
            (None, last) => last.is_none(),
            (Some(since), Some(last)) => last >= since,
            (Some(_), None) => false,
        }
    }
}

/// The order of a list of apps; ties go by creation, then id, so pages never overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AppOrder {
    /// Oldest first (the order of Coder's unpaged list).
    #[default]
    Oldest,
    /// Newest first.
    Newest,
    /// Least recently used first: never used, then the oldest last token.
    LeastRecentlyUsed,
    /// Most recently used first; never used last.
    MostRecentlyUsed,
}

impl AppOrder {
    const ALL: [Self; 4] = [
        Self::Oldest,
        Self::Newest,
        Self::LeastRecentlyUsed,
        Self::MostRecentlyUsed,
    ];

    /// The order as the API and page spell it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Oldest => "created",
            Self::Newest => "-created",
            Self::LeastRecentlyUsed => "last_token",
            Self::MostRecentlyUsed => "-last_token",
        }
    }

    /// Reads `created`, `-created`, `last_token` or `-last_token`.
    pub fn parse(s: &str) -> Result<Self, AppQueryError> {
        let found = Self::ALL.into_iter().find(|o| o.as_str() == s);
        found.ok_or(AppQueryError::UnknownOrder)
    }

    /// Where `a` goes relative to `b` (a missing last token sorts before any other).
    pub fn compare(&self, a: &App, b: &App) -> Ordering {
        let created = |x: &App| (x.created_at, x.id);
        match self {
            Self::Oldest => created(a).cmp(&created(b)),
            Self::Newest => created(b).cmp(&created(a)),
            Self::LeastRecentlyUsed => {
                (a.last_token_at, created(a)).cmp(&(b.last_token_at, created(b)))
            }
            Self::MostRecentlyUsed => {
                (b.last_token_at, created(b)).cmp(&(a.last_token_at, created(a)))
            }
        }
    }
}

/// Which apps a list holds; every field left `None` selects all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppFilter {
    /// Text in the name, client id, document URL or registering IP.
    pub text: Option<AppSearch>,
    /// Created by an admin, registered dynamically, or named by a metadata document.
    pub source: Option<RegistrationSource>,
    /// Public or confidential.
    pub client_type: Option<ClientType>,
    /// Blocked or not.
    pub blocked: Option<bool>,
    /// Never used, or used within some days.
    pub used: Option<TokenUse>,
    /// Only the apps this person holds a live grant for (it depends on grants, so
    /// [`AppFilter::matches`] cannot tell; repositories check it).
    pub authorized_by: Option<UserId>,
}

impl AppFilter {
    /// Whether `app` passes every filter but `authorized_by`, at `now`.
    pub fn matches(&self, app: &App, now: OffsetDateTime) -> bool {
        self.text.as_ref().is_none_or(|t| t.matches(app))
            && self.source.is_none_or(|s| s == app.source)
            && self.client_type.is_none_or(|t| t == app.draft.client_type)
            && self.blocked.is_none_or(|b| b == app.blocked)
            && self.used.is_none_or(|u| u.matches(app.last_token_at, now))
    }
}

/// Reads `true` or `false`, as a filter's yes or no.
pub fn parse_flag(s: &str) -> Result<bool, AppQueryError> {
    match s {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(AppQueryError::NotABoolean),
    }
}

/// One page of a filtered, ordered list of apps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppQuery {
    filter: AppFilter,
    order: AppOrder,
    limit: i64,
    offset: i64,
}

impl AppQuery {
    /// Rows per page unless the caller asks otherwise.
    pub const DEFAULT_LIMIT: i64 = 50;
    /// The most rows one page may hold.
    pub const MAX_LIMIT: i64 = 100;

    /// A page of `limit` rows (1–100, default 50) after `offset` rows (≥ 0, default 0).
    pub fn new(
        filter: AppFilter,
        order: AppOrder,
        limit: Option<i64>,
        offset: Option<i64>,
    ) -> Result<Self, AppQueryError> {
        Ok(Self {
            filter,
            order,
            limit: Self::parse_limit(limit)?,
            offset: Self::parse_offset(offset)?,
        })
    }

    /// A page size of 1–100 rows; none asked for is 50.
    pub fn parse_limit(limit: Option<i64>) -> Result<i64, AppQueryError> {
        let limit = limit.unwrap_or(Self::DEFAULT_LIMIT);
        match (1..=Self::MAX_LIMIT).contains(&limit) {
            true => Ok(limit),
            false => Err(AppQueryError::BadLimit),
        }
    }

    /// A number of rows to skip, at least 0; none asked for is 0.
    pub fn parse_offset(offset: Option<i64>) -> Result<i64, AppQueryError> {
        match offset.unwrap_or(0) {
            o if o < 0 => Err(AppQueryError::BadOffset),
            o => Ok(o),
        }
    }

    /// The first page of every app, oldest first.
    pub fn all() -> Self {
        Self {
            filter: AppFilter::default(),
            order: AppOrder::default(),
            limit: Self::DEFAULT_LIMIT,
            offset: 0,
        }
    }

    /// Which apps.
    pub fn filter(&self) -> &AppFilter {
        &self.filter
    }

    /// In which order.
    pub fn order(&self) -> AppOrder {
        self.order
    }

    /// Rows on this page at most.
    pub fn limit(&self) -> i64 {
        self.limit
    }

    /// Rows skipped before this page.
    pub fn offset(&self) -> i64 {
        self.offset
    }

    /// The same query at another offset (clamped at 0).
    pub fn at_offset(&self, offset: i64) -> Self {
        Self {
            offset: offset.max(0),
            ..self.clone()
        }
    }

    /// The offset of the next page, when `total` apps match and there are more.
    pub fn next_offset(&self, total: i64) -> Option<i64> {
        crate::paging::next_offset(self.offset, self.limit, total)
    }

    /// The offset of the previous page, unless this is the first.
    pub fn previous_offset(&self) -> Option<i64> {
        crate::paging::previous_offset(self.offset, self.limit)
    }

    /// This page of `apps` (all of them, in any order) at `now`, and how many match in
    /// all: the selection every repository must make (fakes use it as it is).
    pub fn select(&self, apps: &[App], now: OffsetDateTime) -> (Vec<App>, i64) {
        let mut matching: Vec<&App> = apps
            .iter()
            .filter(|a| self.filter.matches(a, now))
            .collect();
        matching.sort_by(|a, b| self.order.compare(a, b));
        let total = i64::try_from(matching.len()).unwrap_or(i64::MAX);
        let skip = usize::try_from(self.offset).unwrap_or(usize::MAX);
        let take = usize::try_from(self.limit).unwrap_or(0);
        let page = matching.into_iter().skip(skip).take(take).cloned();
        (page.collect(), total)
    }
}

#[cfg(test)]
mod tests;
