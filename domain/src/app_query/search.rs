//! The search text of a list of apps: what it matches, and what it cannot match.

use std::net::IpAddr;

use uuid::Uuid;

use super::AppQueryError;
use crate::App;

/// A piece of text to find, in any case, in an app's name, its client id, its metadata
/// document URL or the IP address it registered from. A whole IP address finds the apps
/// registered from it, and a whole client id (a UUID) that app, and nothing else: the exact
/// question an admin pasting one asks, and answered from an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSearch(String);

impl AppSearch {
    /// The longest text one may search for.
    pub const MAX_CHARS: usize = 100;

    /// Trims the text; blank text is no search at all.
    pub fn parse(text: &str) -> Result<Option<Self>, AppQueryError> {
        let text = text.trim();
        match text.chars().count() {
            0 => Ok(None),
            n if n > Self::MAX_CHARS => Err(AppQueryError::TextTooLong),
            _ => Ok(Some(Self(text.to_owned()))),
        }
    }

    /// The text as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text as a SQL `ILIKE` pattern matching it anywhere, its wildcards escaped.
    pub fn like_pattern(&self) -> String {
        let escaped = self
            .0
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    }

    /// The text as a whole IP address, if it is one.
    pub fn as_ip(&self) -> Option<IpAddr> {
        self.0.parse().ok()
    }

    /// The text as a whole client id, if it is one.
    pub fn as_client_id(&self) -> Option<Uuid> {
        Uuid::try_parse(&self.0).ok()
    }

    /// Whether the text can be part of a client id at all (a UUID: hex digits, hyphens);
    /// when not, looking in client ids is wasted work.
    pub fn may_be_in_client_id(&self) -> bool {
        self.0.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
    }

    /// Whether the text can be part of a printed IP address at all (hex digits, `.`, `:`).
    pub fn may_be_in_ip(&self) -> bool {
        self.0
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '.' || c == ':')
    }

    /// Whether `app` holds the text in its name, client id, document URL or registering IP.
    pub fn matches(&self, app: &App) -> bool {
        if let Some(ip) = self.as_ip() {
            return app.origin.ip == Some(ip);
        }
        if let Some(id) = self.as_client_id() {
            return app.id == id;
        }
        let needle = self.0.to_lowercase();
        let holds = |hay: &str| hay.to_lowercase().contains(&needle);
        holds(app.draft.name.as_str())
            || holds(&app.id.to_string())
            || app.origin.document_url.as_deref().is_some_and(holds)
            || app.origin.ip.is_some_and(|ip| holds(&ip.to_string()))
    }
}
