//! Recognising the caller: a session sent as `Authorization: Bearer` or the
//! `tessera_session` cookie (SPEC §2). Query-string tokens are never looked at.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use tessera_application::Ports;
use tessera_application::people::SessionService;
use tessera_domain::User;
use time::OffsetDateTime;

use super::error::ApiError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tessera_session";

/// The credential a request presents, if any: the bearer header wins over the cookie.
/// A malformed `Authorization` header is an error, not an anonymous request.
pub fn presented_credential(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| ApiError::Unauthenticated)?;
        let (scheme, token) = value.split_once(' ').ok_or(ApiError::Unauthenticated)?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(ApiError::Unauthenticated);
        }
        return Ok(Some(token.trim().to_owned()));
    }
    Ok(req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()))
}

/// The signed-in user of `req`, with the credential they presented; 401 otherwise.
pub async fn require_user<P: Ports>(
    req: &HttpRequest,
    sessions: &SessionService<P>,
) -> Result<(User, String), ApiError> {
    let credential = presented_credential(req)?.ok_or(ApiError::Unauthenticated)?;
    let user = sessions.authenticate(&credential).await?;
    Ok((user, credential))
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure when `access_url` is https.
pub fn session_cookie(
    credential: &str,
    expires_at: OffsetDateTime,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, credential.to_owned())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .expires(expires_at)
        .finish()
}

/// A cookie that removes the session cookie.
pub fn cleared_session_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = session_cookie("", OffsetDateTime::UNIX_EPOCH, secure);
    cookie.make_removal();
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_session_cookie_is_http_only_lax_and_secure_behind_https() {
        let cookie = session_cookie("tss_x_y", OffsetDateTime::UNIX_EPOCH, true);
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
        assert_eq!(cookie.secure(), Some(true));
        assert_eq!(
            session_cookie("tss_x_y", OffsetDateTime::UNIX_EPOCH, false).secure(),
            Some(false)
        );
    }

    #[test]
    fn a_bearer_header_wins_over_the_cookie_and_other_schemes_are_refused() {
        let both = TestRequest::default()
            .insert_header(("authorization", "Bearer tss_from_header"))
            .cookie(Cookie::new(SESSION_COOKIE, "tss_from_cookie"))
            .to_http_request();
        assert_eq!(
            presented_credential(&both).unwrap().as_deref(),
            Some("tss_from_header")
        );
        let basic = TestRequest::default()
            .insert_header(("authorization", "Basic abc"))
            .to_http_request();
        assert!(presented_credential(&basic).is_err());
        let query = TestRequest::with_uri("/api/v2/users/me?access_token=tss_x").to_http_request();
        assert_eq!(presented_credential(&query).unwrap(), None);
    }
}
