//! Where a browser says a request came from (Fetch Metadata's `Sec-Fetch-Site`, then
//! `Origin`), and the guard that keeps other sites from riding a signed-in person's session
//! cookie into the JSON API (issue 14 #10; pages carry CSRF tokens instead).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, web};

use super::WebSettings;
use super::error::ApiError;
use super::session_auth::SESSION_COOKIE;

/// `access_url`'s origin as browsers serialize it (`https://auth.example.com`).
fn access_origin(settings: &WebSettings) -> Option<String> {
    let url = url::Url::parse(&settings.access_url).ok()?;
    Some(url.origin().ascii_serialization())
}

/// The consent form's rule (SPEC §4): an `Origin` header, when present and not `null`, is
/// `access_url`'s origin. Browsers send `null` from a `no-referrer` page, so the form's CSRF
/// token is the real check there.
pub(crate) fn origin_allowed(req: &HttpRequest, settings: &WebSettings) -> bool {
    match req.headers().get(header::ORIGIN).map(|o| o.to_str()) {
        None | Some(Ok("null")) => true,
        Some(Ok(origin)) => access_origin(settings).is_some_and(|own| own == origin),
        Some(Err(_)) => false,
    }
}

/// Whether a browser sent `req` from this site: `Sec-Fetch-Site: same-origin` when the
/// browser sends Fetch Metadata, else an `Origin` equal to `access_url`'s. A request with
/// neither header comes from no browser (curl, a script), which no other site can forge.
fn sent_from_this_site(req: &HttpRequest, settings: &WebSettings) -> bool {
    let value = |name| req.headers().get(name).map(|v| v.to_str().unwrap_or(""));
    match (value("sec-fetch-site"), value(header::ORIGIN.as_str())) {
        (Some(site), _) => site == "same-origin",
        (None, Some(origin)) => access_origin(settings).is_some_and(|own| own == origin),
        (None, None) => true,
    }
}

/// Middleware for cookie-authenticated JSON APIs: a state-changing request that relies on
/// the session cookie (no `Authorization` header) must come from this site, else 403.
pub(crate) async fn guard_cookie_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let rides_cookie =
        req.headers().get(header::AUTHORIZATION).is_none() && req.cookie(SESSION_COOKIE).is_some();
    if !safe && rides_cookie {
        let settings = req.app_data::<web::Data<WebSettings>>();
        if !settings.is_some_and(|s| sent_from_this_site(req.request(), s)) {
            return Err(ApiError::CsrfRejected.into());
        }
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn settings() -> WebSettings {
        WebSettings {
            access_url: "https://auth.example.com".into(),
            secure_cookies: true,
            trusted_proxies: Default::default(),
            registration_enabled: true,
        }
    }

    fn request(headers: &[(&str, &str)]) -> HttpRequest {
        headers
            .iter()
            .fold(TestRequest::post(), |r, h| r.insert_header(*h))
            .to_http_request()
    }

    #[test]
    fn fetch_metadata_decides_when_the_browser_sends_it() {
        let s = settings();
        assert!(sent_from_this_site(
            &request(&[("sec-fetch-site", "same-origin")]),
            &s
        ));
        for site in ["cross-site", "same-site", "none"] {
            let from = request(&[
                ("sec-fetch-site", site),
                ("origin", "https://auth.example.com"),
            ]);
            assert!(!sent_from_this_site(&from, &s), "{site}");
        }
    }

    #[test]
    fn without_fetch_metadata_the_origin_must_be_this_site() {
        let s = settings();
        assert!(sent_from_this_site(
            &request(&[("origin", "https://auth.example.com")]),
            &s
        ));
        for origin in ["https://evil.example", "null", "http://auth.example.com"] {
            assert!(
                !sent_from_this_site(&request(&[("origin", origin)]), &s),
                "{origin}"
            );
        }
        assert!(
            sent_from_this_site(&request(&[]), &s),
            "no browser sent this"
        );
    }

    #[test]
    fn the_consent_form_accepts_a_null_origin_but_not_another_site() {
        let s = settings();
        assert!(origin_allowed(&request(&[("origin", "null")]), &s));
        assert!(origin_allowed(&request(&[]), &s));
        assert!(!origin_allowed(
            &request(&[("origin", "https://evil.example")]),
            &s
        ));
    }
}
