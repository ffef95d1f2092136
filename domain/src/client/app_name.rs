//! The display name of an app, shown on the consent page.

/// Longest name, in characters.
const MAX_CHARS: usize = 64;

/// Why an app name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AppNameError {
    /// Nothing left after trimming.
    #[error("name must not be empty")]
    Empty,
    /// More than 64 characters after trimming.
    #[error("name must be at most 64 characters")]
    TooLong,
    /// Contains a control character (line breaks, escapes, bidi controls are not names).
    #[error("name must not contain control characters")]
    ControlCharacter,
}

/// An app's name (`name` in the admin API, `client_name` in RFC 7591 §2), trimmed,
/// 1–64 characters, without control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AppName(String);

impl AppName {
    /// Trims the name and checks its length and characters.
    pub fn parse(s: &str) -> Result<Self, AppNameError> {
        let name = s.trim();
        if name.is_empty() {
            return Err(AppNameError::Empty);
        }
        if name.chars().count() > MAX_CHARS {
            return Err(AppNameError::TooLong);
        }
        if name.chars().any(is_control_or_format) {
            return Err(AppNameError::ControlCharacter);
        }
        Ok(Self(name.to_owned()))
    }

    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Control characters, and the bidirectional overrides that can disguise a name.
fn is_control_or_format(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed() {
        assert_eq!(
            AppName::parse("  Claude Code \n").unwrap().as_str(),
            "Claude Code"
        );
    }

    #[test]
    fn an_empty_or_blank_name_is_rejected() {
        assert_eq!(AppName::parse(""), Err(AppNameError::Empty));
        assert_eq!(AppName::parse(" \t "), Err(AppNameError::Empty));
    }

    #[test]
    fn a_name_of_64_characters_is_accepted_and_65_rejected() {
        assert!(AppName::parse(&"é".repeat(64)).is_ok());
        assert_eq!(AppName::parse(&"é".repeat(65)), Err(AppNameError::TooLong));
    }

    #[test]
    fn a_name_with_control_or_bidi_override_characters_is_rejected() {
        for s in ["line\nbreak", "esc\u{1b}[31m", "evil\u{202e}gnp.exe"] {
            assert_eq!(
                AppName::parse(s),
                Err(AppNameError::ControlCharacter),
                "{s:?}"
            );
        }
    }
}
