//! A string that must never be printed.

use std::fmt;

/// A password or other secret whose `Debug` prints `[redacted]` and which has no `Display`
/// (SPEC §7: no secret appears in a log line or `Debug` output).
#[derive(Clone)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret as soon as it is read, so it cannot be logged by accident.
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// Gives the secret to the one place that needs it (a hasher, a comparison).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_the_secret() {
        let secret = SecretString::new("hunter2-correct-horse".to_owned());
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{secret:#?}"), "[redacted]");
    }

    #[test]
    fn the_secret_is_given_back_unchanged() {
        let secret = SecretString::new(" with spaces ".to_owned());
        assert_eq!(secret.expose(), " with spaces ");
    }
}
