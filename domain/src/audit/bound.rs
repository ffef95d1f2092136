//! A time an admin types to bound the audit log: it names a span — a day, a minute, a
//! second or an instant — so that "to 2026-01-31" includes the whole of that day.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime};

/// A typed time and the span it names: `from` keeps entries at or after its start, `to`
/// those before its end. Times without an offset are UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditBound {
    text: String,
    start: OffsetDateTime,
    end: OffsetDateTime,
}

impl AuditBound {
    /// Accepts `2026-01-31` (that day), `2026-01-31T09:30` (that minute),
    /// `2026-01-31T09:30:15` (that second), all UTC, or an RFC 3339 time with its offset
    /// (that instant, to the microsecond the database keeps). `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let (start, length) = Self::span(s)?;
        Some(Self {
            text: s.to_owned(),
            start,
            end: start.checked_add(length)?,
        })
    }

    fn span(s: &str) -> Option<(OffsetDateTime, Duration)> {
        let day = format_description!("[year]-[month]-[day]");
        let minute = format_description!("[year]-[month]-[day]T[hour]:[minute]");
        let second = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        if let Ok(date) = Date::parse(s, day) {
            return Some((date.midnight().assume_utc(), Duration::DAY));
        }
        if let Ok(t) = PrimitiveDateTime::parse(s, minute) {
            return Some((t.assume_utc(), Duration::MINUTE));
        }
        if let Ok(t) = PrimitiveDateTime::parse(s, second) {
            return Some((t.assume_utc(), Duration::SECOND));
        }
        let instant = OffsetDateTime::parse(s, &Rfc3339).ok()?;
        let micros = instant
            .replace_nanosecond(instant.nanosecond() / 1000 * 1000)
            .ok()?;
        Some((micros, Duration::MICROSECOND))
    }

    /// The time as it was typed, to show it again and to keep it in page links.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The first instant of the span.
    pub fn start(&self) -> OffsetDateTime {
        self.start
    }

    /// The first instant after the span.
    pub fn end(&self) -> OffsetDateTime {
        self.end
    }
}
