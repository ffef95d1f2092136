//! Where to send a person after signing in: only ever a path on this server (SPEC §2).

/// Longer targets are not worth the risk; they fall back to `/`.
const MAX_LEN: usize = 2048;

/// A same-origin relative path taken from `/login?redirect=`, so signing in can never
/// redirect off-site (RFC 9700 §4.11, open redirectors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalRedirect(String);

impl LocalRedirect {
    /// Keeps `s` only if it is a path on this origin: one leading `/` (not `//` or `/\`),
    /// printable ASCII only, no backslash anywhere; anything else becomes `/`.
    pub fn parse_or_root(s: &str) -> Self {
        let safe = s.len() <= MAX_LEN
            && s.starts_with('/')
            && !s.starts_with("//")
            && s.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
        match safe {
            true => Self(s.to_owned()),
            false => Self::root(),
        }
    }

    /// The home page, the fallback for every unsafe target.
    fn root() -> Self {
        Self("/".to_owned())
    }

    /// The path (and query) to put in `Location`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn target(s: &str) -> String {
        LocalRedirect::parse_or_root(s).as_str().to_owned()
    }

    #[test]
    fn a_local_path_and_query_is_kept() {
        let path = "/oauth2/authorize?client_id=abc&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb";
        assert_eq!(target(path), path);
        assert_eq!(target("/"), "/");
    }

    #[test]
    fn absolute_and_scheme_relative_urls_become_root() {
        for s in [
            "https://evil.example/",
            "//evil.example/",
            "javascript:alert(1)",
            "evil.example",
        ] {
            assert_eq!(target(s), "/", "{s}");
        }
    }

    #[test]
    fn backslash_tricks_become_root() {
        for s in [
            "/\\evil.example",
            "\\\\evil.example",
            "/a\\b",
            "\\/evil.example",
        ] {
            assert_eq!(target(s), "/", "{s}");
        }
    }

    #[test]
    fn whitespace_and_control_characters_become_root() {
        for s in [
            "/ok path",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie:x",
            " /ok",
        ] {
            assert_eq!(target(s), "/", "{s:?}");
        }
    }

    #[test]
    fn empty_and_overlong_targets_become_root() {
        assert_eq!(target(""), "/");
        assert_eq!(target(&format!("/{}", "a".repeat(2048))), "/");
    }

    #[test]
    fn non_ascii_targets_become_root_rather_than_break_the_location_header() {
        assert_eq!(target("/café"), "/");
    }

    proptest! {
        #[test]
        fn the_result_is_always_a_single_slash_path(s in "\\PC{0,30}|[/\\\\a-z:. \t]{0,12}") {
            let result = target(&s);
            prop_assert!(result.starts_with('/'));
            prop_assert!(!result.starts_with("//"));
            prop_assert!(!result.starts_with("/\\"));
            prop_assert!(!result.contains('\\'));
        }

        #[test]
        fn a_kept_target_is_exactly_the_input(s in "/[a-z0-9/?=&%.-]{0,30}") {
            let result = target(&s);
            prop_assert!(result == s || (s.starts_with("//") && result == "/"));
        }
    }
}
