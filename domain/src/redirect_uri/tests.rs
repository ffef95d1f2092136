use proptest::prelude::*;

use super::*;

fn uri(s: &str) -> RedirectUri {
    RedirectUri::parse(s).unwrap()
}

fn refused(s: &str) -> RedirectUriError {
    RedirectUri::parse(s).unwrap_err()
}

#[test]
fn the_original_string_is_kept_exactly() {
    for s in [
        "https://Example.COM:443/cb",
        "http://127.0.0.1:8080",
        "com.example.app:/oauth2redirect",
    ] {
        assert_eq!(uri(s).as_str(), s);
    }
}

#[test]
fn a_relative_uri_is_rejected() {
    assert_eq!(refused("/callback"), RedirectUriError::NotAbsolute);
    assert_eq!(refused("example.com/cb"), RedirectUriError::NotAbsolute);
    assert_eq!(refused(""), RedirectUriError::NotAbsolute);
}

#[test]
fn a_fragment_is_rejected_even_when_empty() {
    assert_eq!(
        refused("https://example.com/cb#x"),
        RedirectUriError::HasFragment
    );
    assert_eq!(
        refused("https://example.com/cb#"),
        RedirectUriError::HasFragment
    );
}

#[test]
fn script_and_local_schemes_are_rejected_in_any_case() {
    for s in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        "vbscript:msgbox",
        "blob:https://example.com/uuid",
        "about:blank",
    ] {
        assert_eq!(refused(s), RedirectUriError::ForbiddenScheme, "{s}");
    }
}

#[test]
fn user_information_is_rejected_even_when_empty() {
    for s in [
        "https://user@example.com/cb",
        "https://user:pw@example.com/cb",
        "https://@example.com/cb",
        "https://:@example.com/cb",
    ] {
        assert_eq!(refused(s), RedirectUriError::HasUserinfo, "{s}");
    }
}

#[test]
fn whitespace_control_characters_and_backslashes_are_rejected() {
    for s in [
        " https://example.com/cb",
        "https://example.com/c b",
        "https://example.com/cb\n",
        "https://exa\tmple.com/cb",
        "http:\\\\example.com\\cb",
    ] {
        assert_eq!(refused(s), RedirectUriError::InvalidCharacter, "{s:?}");
    }
}

#[test]
fn an_http_uri_without_double_slash_host_is_rejected() {
    // The url crate would read this as https://example.com/cb; RFC 3986 sees no host.
    assert_eq!(
        refused("https:example.com/cb"),
        RedirectUriError::MissingHost
    );
}

#[test]
fn an_overlong_uri_is_rejected() {
    let long = format!("https://example.com/{}", "a".repeat(2048));
    assert_eq!(refused(&long), RedirectUriError::TooLong);
}

#[test]
fn the_host_is_given_as_a_browser_would_see_it() {
    assert_eq!(uri("https://Example.COM/cb").host(), Some("example.com"));
    assert_eq!(uri("com.example.app:/cb").host(), None);
    assert_eq!(uri("HTTPS://example.com/").scheme(), "https");
}

#[test]
fn only_the_three_named_loopback_hosts_are_loopback() {
    for s in [
        "http://127.0.0.1/cb",
        "http://[::1]:9/cb",
        "http://localhost:1/cb",
        "http://LocalHost/cb",
    ] {
        assert!(uri(s).is_loopback(), "{s}");
    }
    for s in [
        "http://127.1/cb",
        "http://127.0.0.2/cb",
        "http://localhost.example.com/cb",
        "http://example.com/cb",
    ] {
        assert!(!uri(s).is_loopback(), "{s}");
    }
}

#[test]
fn a_loopback_http_uri_matches_on_any_port() {
    let registered = uri("http://127.0.0.1:1234/cb");
    assert!(registered.matches(&uri("http://127.0.0.1:5555/cb")));
    assert!(registered.matches(&uri("http://127.0.0.1/cb")));
    assert!(uri("http://127.0.0.1/cb").matches(&uri("http://127.0.0.1:49152/cb")));
    assert!(uri("http://[::1]/cb").matches(&uri("http://[::1]:8080/cb")));
    assert!(uri("http://localhost/cb?x=1").matches(&uri("http://localhost:3000/cb?x=1")));
}

#[test]
fn a_loopback_http_uri_still_needs_the_same_path_query_host_and_scheme() {
    let registered = uri("http://127.0.0.1:1234/cb");
    assert!(!registered.matches(&uri("http://127.0.0.1:1234/cb/x")));
    assert!(!registered.matches(&uri("http://127.0.0.1:1234/cb?x=1")));
    assert!(!registered.matches(&uri("https://127.0.0.1/cb")));
    assert!(!registered.matches(&uri("http://localhost:1234/cb")));
    assert!(!registered.matches(&uri("http://[::1]:1234/cb")));
    assert!(!uri("http://127.0.0.1:1234/cb?x=1").matches(&uri("http://127.0.0.1/cb")));
}

#[test]
fn a_non_loopback_uri_matches_only_the_identical_string() {
    let registered = uri("https://example.com/cb");
    assert!(registered.matches(&uri("https://example.com/cb")));
    assert!(!registered.matches(&uri("https://example.com:443/cb")));
    assert!(!registered.matches(&uri("https://EXAMPLE.com/cb")));
    assert!(!registered.matches(&uri("https://example.com/cb/")));
    assert!(!uri("http://example.com:1/cb").matches(&uri("http://example.com:2/cb")));
}

#[test]
fn an_https_loopback_uri_does_not_ignore_the_port() {
    assert!(!uri("https://127.0.0.1:1/cb").matches(&uri("https://127.0.0.1:2/cb")));
}

#[test]
fn https_may_be_registered_by_web_and_native_clients() {
    let https = uri("https://example.com/cb");
    assert_eq!(
        https.validate_for_registration(ApplicationType::Web),
        Ok(())
    );
    assert_eq!(
        https.validate_for_registration(ApplicationType::Native),
        Ok(())
    );
}

#[test]
fn http_may_be_registered_only_on_loopback_by_native_clients() {
    let loopback = uri("http://127.0.0.1/cb");
    assert_eq!(
        loopback.validate_for_registration(ApplicationType::Native),
        Ok(())
    );
    assert_eq!(
        loopback.validate_for_registration(ApplicationType::Web),
        Err(RedirectUriError::HttpRequiresNative)
    );
    assert_eq!(
        uri("http://example.com/cb").validate_for_registration(ApplicationType::Native),
        Err(RedirectUriError::HttpRequiresLoopback)
    );
}

#[test]
fn a_reverse_dns_private_use_scheme_may_be_registered_only_by_native_clients() {
    let private = uri("com.example.app:/cb");
    assert_eq!(
        private.validate_for_registration(ApplicationType::Native),
        Ok(())
    );
    assert_eq!(
        private.validate_for_registration(ApplicationType::Web),
        Err(RedirectUriError::PrivateUseSchemeRequiresNative)
    );
}

#[test]
fn single_word_private_use_schemes_of_popular_clients_may_be_registered_by_native_clients() {
    for s in [
        "cursor://anysphere.cursor-mcp/oauth/callback",
        "vscode://vscode.github-authentication/did-authenticate",
        "myapp:/cb",
        "app+x.y-z://cb",
    ] {
        let private = uri(s);
        assert!(private.is_private_use() && private.is_native_only(), "{s}");
        assert_eq!(
            private.validate_for_registration(ApplicationType::Native),
            Ok(()),
            "{s}"
        );
        assert_eq!(
            private.validate_for_registration(ApplicationType::Web),
            Err(RedirectUriError::PrivateUseSchemeRequiresNative),
            "{s}"
        );
    }
}

#[test]
fn a_private_use_uri_with_nothing_after_the_scheme_is_refused() {
    for s in ["myapp:", "myapp:/", "myapp://", "com.example.app:"] {
        assert_eq!(
            uri(s).validate_for_registration(ApplicationType::Native),
            Err(RedirectUriError::EmptyPrivateUseUri),
            "{s}"
        );
    }
}

#[test]
fn browser_handled_and_program_starting_schemes_never_parse() {
    for s in [
        "ftp://example.com/cb",
        "wss://example.com/cb",
        "ws://127.0.0.1/cb",
        "mailto:a@example.com",
        "tel:+1555",
        "sms:+1555",
        "intent://x#Intent;end",
        "chrome://settings",
        "chrome-extension://abc/cb",
        "moz-extension://abc/cb",
        "view-source:https://example.com",
        "filesystem:https://example.com/temporary/x",
        "ms-msdt:/id",
        "MS-Settings:privacy",
        "search-ms:query=x",
        "urn:ietf:wg:oauth:2.0:oob",
    ] {
        assert_eq!(refused(s), RedirectUriError::ForbiddenScheme, "{s}");
    }
}

#[test]
fn https_and_http_loopback_uris_say_which_clients_may_register_them() {
    assert!(!uri("https://vscode.dev/redirect").is_native_only());
    assert!(!uri("https://127.0.0.1/cb").is_native_only());
    assert!(uri("http://127.0.0.1:33418").is_native_only());
    assert!(uri("http://localhost:8787/callback").is_native_only());
    assert!(!uri("http://example.com/cb").is_native_only());
}

#[test]
fn an_empty_http_path_and_a_slash_are_the_same_uri() {
    // VS Code registers the first and comes back with the second.
    assert!(uri("http://127.0.0.1:33418").matches(&uri("http://127.0.0.1:33418/")));
    assert!(uri("http://127.0.0.1:33418/").matches(&uri("http://127.0.0.1:40000")));
    assert!(uri("https://app.example").matches(&uri("https://app.example/")));
    assert!(uri("https://app.example/").matches(&uri("https://app.example")));
    assert!(uri("https://app.example?x=1").matches(&uri("https://app.example/?x=1")));
    assert!(!uri("https://app.example").matches(&uri("https://app.example/cb")));
    assert!(!uri("https://app.example").matches(&uri("https://app.example//")));
    assert!(!uri("https://app.example?x=1").matches(&uri("https://app.example/?x=2")));
    assert!(!uri("https://app.example").matches(&uri("https://app.example:443/")));
}

#[test]
fn a_private_use_uri_gets_no_path_normalisation() {
    assert!(!uri("myapp:").matches(&uri("myapp:/")));
    assert!(!uri("cursor://anysphere.cursor-mcp").matches(&uri("cursor://anysphere.cursor-mcp/")));
    assert!(uri("com.example.app:/cb").matches(&uri("com.example.app:/cb")));
}

#[test]
fn descriptions_are_safe_to_send_as_error_description() {
    // RFC 6749 §5.2: %x20-21 / %x23-5B / %x5D-7E.
    let all = [
        RedirectUriError::TooLong,
        RedirectUriError::InvalidCharacter,
        RedirectUriError::NotAbsolute,
        RedirectUriError::HasFragment,
        RedirectUriError::ForbiddenScheme,
        RedirectUriError::HasUserinfo,
        RedirectUriError::MissingHost,
        RedirectUriError::HttpRequiresLoopback,
        RedirectUriError::HttpRequiresNative,
        RedirectUriError::PrivateUseSchemeRequiresNative,
        RedirectUriError::EmptyPrivateUseUri,
    ];
    for error in all {
        let text = error.to_string();
        assert!(!text.is_empty());
        assert!(
            text.bytes()
                .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\'),
            "{text}"
        );
    }
}

fn path() -> impl Strategy<Value = String> {
    "(/[a-z0-9]{0,6}){0,3}(\\?[a-z]=[0-9])?"
}

/// An http(s) path and query with the empty path written as `/` (RFC 3986 §6.2.3).
fn with_root(path: &str) -> String {
    match path.is_empty() || path.starts_with('?') {
        true => format!("/{path}"),
        false => path.to_owned(),
    }
}

fn loopback_host() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["127.0.0.1", "[::1]", "localhost"])
}

proptest! {
    #[test]
    fn arbitrary_input_never_panics_and_parsed_uris_keep_their_text(s in "\\PC{0,60}") {
        if let Ok(parsed) = RedirectUri::parse(&s) {
            prop_assert_eq!(parsed.as_str(), s.as_str());
            prop_assert!(!s.contains('#'));
            prop_assert!(!is_forbidden_scheme(parsed.scheme()));
        }
    }

    #[test]
    fn uri_like_input_never_panics(s in "[a-zA-Z.+]{1,8}:(//)?[a-z0-9@:\\[\\]./?#=%]{0,30}") {
        if let Ok(parsed) = RedirectUri::parse(&s) {
            prop_assert_eq!(parsed.as_str(), s.as_str());
            prop_assert!(parsed.matches(&parsed));
        }
    }

    #[test]
    fn loopback_http_uris_match_whatever_their_ports(
        host in loopback_host(),
        path in path(),
        a in proptest::option::of(1u16..),
        b in proptest::option::of(1u16..),
    ) {
        let with = |port: Option<u16>| match port {
            Some(p) => format!("http://{host}:{p}{path}"),
            None => format!("http://{host}{path}"),
        };
        prop_assert!(uri(&with(a)).matches(&uri(&with(b))));
    }

    #[test]
    fn loopback_http_uris_with_different_paths_never_match(
        host in loopback_host(),
        a in path(),
        b in path(),
        port in 1u16..,
    ) {
        prop_assume!(with_root(&a) != with_root(&b));
        let registered = uri(&format!("http://{host}{a}"));
        let requested = uri(&format!("http://{host}:{port}{b}"));
        prop_assert!(!registered.matches(&requested));
    }

    #[test]
    fn other_uris_match_exactly_when_their_strings_are_equal(
        host in "[a-z]{1,8}\\.(com|org)",
        a in path(),
        b in path(),
        scheme in prop::sample::select(vec!["http", "https"]),
    ) {
        let registered = uri(&format!("{scheme}://{host}{a}"));
        let requested = uri(&format!("{scheme}://{host}{b}"));
        prop_assert_eq!(registered.matches(&requested), with_root(&a) == with_root(&b));
    }
}
