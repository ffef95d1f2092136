//! The one error of the HTML pages: a detour through the login page, or the error page.
//! Page handlers return `Result<HttpResponse, PageError>` and use `?` on any error that
//! has an [`ApiError`] form; [`error_pages`], wrapped around every page route, swaps the
//! JSON answer actix builds from it for the rendered error page.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use tera::Context;

use super::error::ApiError;
use super::html::{page, see_other};
use crate::render::Pages;

/// Why a page answers with something other than itself.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PageError {
    /// Nobody is signed in: to the login page (this location), and back afterwards.
    #[error("You must be signed in to do this.")]
    SignInFirst(String),
    /// Anything else, shown on the error page with the status of its JSON form.
    #[error(transparent)]
    Failed(ApiError),
}

impl<E: Into<ApiError>> From<E> for PageError {
    fn from(e: E) -> Self {
        Self::Failed(e.into())
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignInFirst(_) => StatusCode::SEE_OTHER,
            Self::Failed(e) => e.status_code(),
        }
    }

    /// The detour, or the JSON form of the error (logged there, once), whose body
    /// [`error_pages`] replaces with the page.
    fn error_response(&self) -> HttpResponse {
        match self {
            Self::SignInFirst(location) => see_other(location),
            Self::Failed(e) => e.error_response(),
        }
    }
}

/// Middleware of the page routes: a [`PageError::Failed`] answer becomes the error page,
/// with the status and `Retry-After` of its JSON form.
pub(crate) async fn error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let res = next.call(req).await?;
    let failed = res
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>());
    let Some(PageError::Failed(e)) = failed else {
        return Ok(res.map_into_left_body());
    };
    let message = e.to_string();
    let pages = res.request().app_data::<web::Data<Pages>>().cloned();
    let (req, json) = res.into_parts();
    let html = into_page(pages.as_ref().map(|p| p.get_ref()), &message, &json);
    Ok(ServiceResponse::new(req, html).map_into_right_body())
}

/// The HTML form of an [`ApiError`], for the handlers that build their answer by hand.
pub(crate) fn error_page(pages: &Pages, e: ApiError) -> HttpResponse {
    into_page(Some(pages), &e.to_string(), &e.error_response())
}

/// The error page saying `message`, with the status and `Retry-After` of `json`.
fn into_page<B>(pages: Option<&Pages>, message: &str, json: &HttpResponse<B>) -> HttpResponse {
    let mut ctx = Context::new();
    ctx.insert("status", &json.status().as_u16());
    ctx.insert("message", message);
    let html = pages
        .and_then(|p| p.render("error.html", &ctx).ok())
        .unwrap_or_else(|| message.to_owned());
    let mut response = page(json.status(), html);
    if let Some(retry) = json.headers().get(header::RETRY_AFTER) {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, retry.clone());
    }
    response
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::{App, test};
    use time::Duration;

    use super::*;

    async fn answer(e: fn() -> PageError) -> (StatusCode, Option<String>, String) {
        let pages = web::Data::new(Pages::new().unwrap());
        let app = test::init_service(App::new().app_data(pages).wrap(from_fn(error_pages)).route(
            "/",
            web::get().to(move || async move { Err::<HttpResponse, _>(e()) }),
        ))
        .await;
        let res = test::call_service(&app, test::TestRequest::get().to_request()).await;
        let (status, headers) = (res.status(), res.headers().clone());
        let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        let location = headers
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        let retry = headers
            .get("retry-after")
            .map(|r| r.to_str().unwrap().to_owned());
        (status, location.or(retry), body)
    }

    #[actix_web::test]
    async fn a_failure_is_the_error_page_with_its_status_and_retry_after() {
        let (status, retry, body) =
            answer(|| ApiError::Throttled(Duration::milliseconds(1500)).into()).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(retry.as_deref(), Some("2"));
        assert!(body.contains("Error 429"), "{body}");
        assert!(body.contains("Too many attempts"), "{body}");
    }

    #[actix_web::test]
    async fn a_detour_is_a_see_other_to_the_login_page() {
        let (status, location, body) =
            answer(|| PageError::SignInFirst("/login?redirect=%2F".into())).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location.as_deref(), Some("/login?redirect=%2F"));
        assert!(body.is_empty());
    }
}
