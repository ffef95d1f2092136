//! HTML responses: security headers, rendering, redirects and error pages, shared by the pages.

use actix_web::cookie::Cookie;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use tera::Context;

use super::error::ApiError;
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

/// The HTML form of an [`ApiError`]: same status and headers as the JSON form.
pub(crate) fn error_page(pages: &Pages, e: ApiError) -> HttpResponse {
    let json = e.error_response();
    let mut ctx = Context::new();
    ctx.insert("status", &json.status().as_u16());
    ctx.insert("message", &e.to_string());
    let html = pages
        .render("error.html", &ctx)
        .unwrap_or_else(|_| e.to_string());
    let mut response = page(json.status(), html);
    if let Some(retry) = json.headers().get(header::RETRY_AFTER) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, retry.clone());
    }
    response
}

pub(crate) fn with_cookie(
    mut response: HttpResponse,
    cookie: Option<Cookie<'static>>,
) -> HttpResponse {
    if let Some(cookie) = cookie {
        let _ = response.add_cookie(&cookie);
    }
    response
}
