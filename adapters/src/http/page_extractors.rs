//! Who asks for a page, as actix extractors: [`SignedIn`] (anyone with a session),
//! [`AdminPage`] (an admin), [`PageForm`] (a form they posted, its CSRF token checked) and
//! [`AnonymousForm`] (a form of the login, setup and reset pages, checked against its cookie).
//! Without a session a page detours through the login page and comes back: a `GET` to
//! itself, a form post (whose body is gone) to its settings section.

use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tessera_application::Ports;
use tessera_application::admin::Admin;
use tessera_application::people::SessionService;
use tessera_application::ports::Actor;
use tessera_domain::User;

use super::WebSettings;
use super::apps::actor;
use super::csrf::{anonymous_token_valid, token_for_session, tokens_match};
use super::error::ApiError;
use super::page_error::PageError;
use super::session_auth::{require_admin, require_user};

/// The signed-in person of a page request.
#[derive(Debug)]
pub(crate) struct SignedIn<P> {
    /// The person.
    pub(crate) user: User,
    /// The session credential they presented.
    pub(crate) credential: String,
    /// The token their forms carry.
    pub(crate) csrf: String,
    /// Who they are in the audit log, and where they ask from.
    pub(crate) actor: Actor,
    ports: PhantomData<fn() -> P>,
}

impl<P: Ports> SignedIn<P> {
    async fn of(req: HttpRequest) -> Result<Self, PageError> {
        let sessions = app_data::<SessionService<P>>(&req)?;
        let settings = app_data::<WebSettings>(&req)?;
        let (user, credential) = require_user(&req, &sessions)
            .await
            .map_err(|e| refusal(&req, e))?;
        Ok(Self {
            csrf: token_for_session(&credential),
            actor: actor(&req, &user, &settings),
            user,
            credential,
            ports: PhantomData,
        })
    }
}

impl<P: Ports> FromRequest for SignedIn<P> {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(Self::of(req.clone()))
    }
}

/// A signed-in admin on an admin page, with the [`Admin`] the session use case minted for
/// them; anyone else signed in gets 403.
#[derive(Debug)]
pub(crate) struct AdminPage<P> {
    /// What the admin-only use cases take.
    pub(crate) admin: Admin,
    /// The token their forms carry.
    pub(crate) csrf: String,
    ports: PhantomData<fn() -> P>,
}

impl<P: Ports> AdminPage<P> {
    async fn of(req: HttpRequest) -> Result<Self, PageError> {
        let sessions = app_data::<SessionService<P>>(&req)?;
        let settings = app_data::<WebSettings>(&req)?;
        let (admin, credential) = require_admin(&req, &sessions, &settings)
            .await
            .map_err(|e| refusal(&req, e))?;
        Ok(Self {
            admin,
            csrf: token_for_session(&credential),
            ports: PhantomData,
        })
    }
}

impl<P: Ports> FromRequest for AdminPage<P> {
    type Error = PageError;
    type Future = LocalBoxFuture<'static, Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(Self::of(req.clone()))
    }
}

/// What a page answers when its session is refused: without one, a detour through the login
/// page; anything else (403 for a person who is not an admin) is the error page.
fn refusal(req: &HttpRequest, e: ApiError) -> PageError {
    match e {
        ApiError::Unauthenticated => PageError::SignInFirst(detour(req)),
        e => e.into(),
    }
}

/// Whoever posts forms from a page: the token their forms must carry.
pub(crate) trait FormPoster {
    /// The CSRF token of their session.
    fn csrf(&self) -> &str;
}

impl<P> FormPoster for SignedIn<P> {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl<P> FormPoster for AdminPage<P> {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A form of a signed-in person's page: the CSRF token it carries.
pub(crate) trait TokenForm {
    /// The `csrf_token` field.
    fn csrf_token(&self) -> &str;
}

/// A form with nothing but its CSRF token (a button).
#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

impl TokenForm for CsrfOnly {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// The form `T` posted by `W`: read first (a bad body is answered as the JSON API
/// answers it), then who posted it, then its token, which must be their session's (403).
#[derive(Debug)]
pub(crate) struct PageForm<W, T> {
    /// Who posted it.
    pub(crate) who: W,
    /// What they posted.
    pub(crate) form: T,
}

impl<W, T> FromRequest for PageForm<W, T>
where
    W: FromRequest<Error = PageError> + FormPoster + 'static,
    T: DeserializeOwned + TokenForm + 'static,
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<T>::from_request(req, payload);
        let who = W::from_request(req, payload);
        Box::pin(async move {
            let form = form.await?.into_inner();
            let who = who.await?;
            match tokens_match(who.csrf(), form.csrf_token()) {
                true => Ok(Self { who, form }),
                false => Err(PageError::from(ApiError::CsrfRejected).into()),
            }
        })
    }
}

/// A form of a page anyone may post (login, setup, password reset): read first, then its
/// token, which must equal this browser's double-submit cookie (403).
#[derive(Debug)]
pub(crate) struct AnonymousForm<T>(pub(crate) T);

impl<T: DeserializeOwned + TokenForm + 'static> FromRequest for AnonymousForm<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<T>::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let form = form.await?.into_inner();
            match anonymous_token_valid(&req, form.csrf_token()) {
                true => Ok(Self(form)),
                false => Err(PageError::from(ApiError::CsrfRejected).into()),
            }
        })
    }
}

/// The shared state `T`, registered by the composition root.
fn app_data<T: 'static>(req: &HttpRequest) -> Result<web::Data<T>, ApiError> {
    req.app_data::<web::Data<T>>().cloned().ok_or_else(|| {
        let name = std::any::type_name::<T>();
        ApiError::Unexpected(anyhow::anyhow!("{name} is not registered"))
    })
}

/// The login page, and back: a `GET` to itself, a form post to its section.
fn detour(req: &HttpRequest) -> String {
    let back = match req.method() == Method::GET {
        true => req
            .uri()
            .path_and_query()
            .map_or(req.path(), |p| p.as_str()),
        false => section(req.path()),
    };
    let escaped: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
    format!("/login?redirect={escaped}")
}

/// The settings section of `path`, its first two segments: where a form comes back to.
fn section(path: &str) -> &str {
    let end = path
        .match_indices('/')
        .nth(2)
        .map_or(path.len(), |(i, _)| i);
    &path[..end]
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn without_a_session_a_page_detours_and_a_non_admin_gets_403() {
        let req = TestRequest::get().uri("/settings/users").to_http_request();
        let detoured = refusal(&req, ApiError::Unauthenticated);
        assert!(
            matches!(detoured, PageError::SignInFirst(ref to) if to == "/login?redirect=%2Fsettings%2Fusers")
        );
        let refused = refusal(
            &req,
            ApiError::Forbidden("You must be an admin to do this."),
        );
        assert_eq!(refused.status_code().as_u16(), 403);
        assert_eq!(refused.to_string(), "You must be an admin to do this.");
    }

    #[test]
    fn a_get_comes_back_to_itself_and_a_form_post_to_its_section() {
        let get = TestRequest::get()
            .uri("/settings/audit?action=create")
            .to_http_request();
        assert_eq!(
            detour(&get),
            "/login?redirect=%2Fsettings%2Faudit%3Faction%3Dcreate"
        );
        let post = TestRequest::post()
            .uri("/settings/users/42/suspend")
            .to_http_request();
        assert_eq!(detour(&post), "/login?redirect=%2Fsettings%2Fusers");
        let top = TestRequest::post()
            .uri("/settings/account")
            .to_http_request();
        assert_eq!(detour(&top), "/login?redirect=%2Fsettings%2Faccount");
    }
}
