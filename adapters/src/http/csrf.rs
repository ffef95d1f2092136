//! CSRF tokens for every form. Forms of a signed-in person carry a token derived from
//! their session credential (bound to the session, not derivable from the database);
//! anonymous forms (login, setup) use a double-submit cookie.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};

/// The cookie of the anonymous forms' double-submit token.
pub const CSRF_COOKIE: &str = "tessera_csrf";

/// The token that forms of the session `session_credential` must carry.
pub fn token_for_session(session_credential: &str) -> String {
    let mut input = b"tessera-csrf-v1:".to_vec();
    input.extend_from_slice(session_credential.as_bytes());
    URL_SAFE_NO_PAD.encode(digest(&SHA256, &input))
}

/// Constant-time comparison of a presented token with the expected one.
pub fn tokens_match(expected: &str, presented: &str) -> bool {
    !expected.is_empty()
        && tessera_domain::constant_time_eq(expected.as_bytes(), presented.as_bytes())
}

/// The anonymous double-submit token of `req`, and a cookie to set when it had none.
pub fn anonymous_token(
    req: &HttpRequest,
    secure: bool,
    rng: &impl tessera_application::Rng,
) -> (String, Option<Cookie<'static>>) {
    if let Some(existing) = req.cookie(CSRF_COOKIE).filter(|c| c.value().len() == 43) {
        return (existing.value().to_owned(), None);
    }
    let mut bytes = [0u8; 32];
    rng.fill(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let cookie = Cookie::build(CSRF_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

/// Whether an anonymous form's token equals its cookie.
pub fn anonymous_token_valid(req: &HttpRequest, presented: &str) -> bool {
    req.cookie(CSRF_COOKIE)
        .is_some_and(|c| tokens_match(c.value(), presented))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_token_is_stable_and_differs_between_sessions() {
        assert_eq!(token_for_session("tss_a_b"), token_for_session("tss_a_b"));
        assert_ne!(token_for_session("tss_a_b"), token_for_session("tss_a_c"));
    }

    #[test]
    fn an_empty_or_wrong_token_never_matches() {
        let expected = token_for_session("tss_a_b");
        assert!(tokens_match(&expected, &expected));
        assert!(!tokens_match(&expected, ""));
        assert!(!tokens_match("", ""));
        assert!(!tokens_match(&expected, &token_for_session("tss_a_c")));
    }
}
