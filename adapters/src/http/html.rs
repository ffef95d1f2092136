//! HTML responses: security headers, rendering and redirects, shared by the pages (the
//! error page is `page_error`'s).

use actix_web::HttpResponse;
use actix_web::cookie::Cookie;
use actix_web::http::{StatusCode, header};
use tera::Context;

use super::error::ApiError;
pub(crate) use super::page_error::error_page;
use crate::render::Pages;

/// An HTML response with the page security headers.
pub(crate) fn page(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'; base-uri 'none'",
        ))
        .body(body)
}

/// A `303 See Other` to `location`: where a form post or a detour goes next.
pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// Renders `name`, or the error page when rendering itself fails.
pub(crate) fn render(pages: &Pages, status: StatusCode, name: &str, ctx: &Context) -> HttpResponse {
    match pages.render(name, ctx) {
        Ok(html) => page(status, html),
        Err(e) => error_page(pages, ApiError::Unexpected(e)),
    }
}

/// `response`, setting `cookie` when there is one.
pub(crate) fn with_cookie(
    mut response: HttpResponse,
    cookie: Option<Cookie<'static>>,
) -> HttpResponse {
    if let Some(cookie) = cookie {
        let _ = response.add_cookie(&cookie);
    }
    response
}

/// `response` with the `Retry-After` of `e`, if it has one: a form shown again after a 429.
pub(crate) fn with_retry_after(mut response: HttpResponse, e: &ApiError) -> HttpResponse {
    if let Some(seconds) = e.retry_after() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    }
    response
}
