//! `GET` and `POST /oauth2/authorize` (SPEC §4 steps 1–4): errors before the redirect URI
//! is trusted are an HTML page; later ones go back to the client; the consent form is
//! bound to the session by its CSRF token.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use tessera_application::Ports;
use tessera_application::oauth::{
    AuthorizationRequest, AuthorizeError, CimdError, Consent, FlowError, OAuthService, Untrusted,
    UntrustedRequest,
};
use tessera_application::people::SessionService;
use tessera_domain::{Credential, OAuthError, OAuthFailure, RedirectUri, User};

mod consent_page;

use consent_page::{asked, consent_page};

use super::WebSettings;
use super::csrf::{token_for_session, tokens_match};
use super::error::ApiError;
use super::html::{error_page, see_other};
use super::oauth_params::OAuthParams;
use super::same_origin::origin_allowed;
use super::session_auth::require_user;
use crate::render::Pages;

/// The parameters the consent form carries back, in the order they are echoed.
const ECHOED: [&str; 9] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "code_challenge",
    "code_challenge_method",
    "state",
    "scope",
    "resource",
    "prompt",
];

/// Shorthand for the data both handlers take.
type Deps<P> = (
    web::Data<OAuthService<P>>,
    web::Data<SessionService<P>>,
    web::Data<Pages>,
    web::Data<WebSettings>,
);

/// A checked request and its `state`, or the response that ends it: the request is parsed
/// here (stage one) and judged against its client by the service (stage two).
async fn checked<P: Ports>(
    oauth: &OAuthService<P>,
    params: &OAuthParams,
    pages: &Pages,
    issuer: &str,
) -> Result<(AuthorizationRequest, Option<String>), HttpResponse> {
    if params.repeated(&["client_id", "redirect_uri"]).is_some() {
        let e = ApiError::BadRequest("client_id and redirect_uri may be sent only once.".into());
        return Err(error_page(pages, e));
    }
    let state = params.single("state").map(str::to_owned);
    let untrusted = UntrustedRequest::parse(|n| params.get(n), params.repeated(&ECHOED).is_some());
    match oauth.check_authorization(untrusted).await {
        Ok(request) => Ok((request, state)),
        Err(e) => Err(not_checked(e, pages, state.as_deref(), issuer)),
    }
}

/// An error page before the redirect URI is trusted, a redirect with the error after.
fn not_checked(
    e: AuthorizeError,
    pages: &Pages,
    state: Option<&str>,
    issuer: &str,
) -> HttpResponse {
    match e {
        AuthorizeError::Untrusted(Untrusted::Repo(e) | Untrusted::Document(CimdError::Repo(e))) => {
            error_page(pages, e.into())
        }
        AuthorizeError::Untrusted(other) => {
            error_page(pages, ApiError::BadRequest(other.to_string()))
        }
        AuthorizeError::Refused {
            redirect_uri,
            failure,
        } => error_redirect(&redirect_uri, failure, state, issuer),
    }
}

/// `GET /oauth2/authorize`: the login detour, the consent page, or a remembered approval.
pub(crate) async fn get_authorize<P: Ports>(
    req: HttpRequest,
    (oauth, sessions, pages, settings): Deps<P>,
) -> HttpResponse {
    let params = OAuthParams::parse(req.query_string().as_bytes());
    let (request, state) = match checked(&oauth, &params, &pages, &settings.access_url).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    let (user, credential) = match require_user(&req, &sessions).await {
        Ok(found) => found,
        Err(ApiError::Unauthenticated) => return login_detour(&req),
        Err(e) => return error_page(&pages, e),
    };
    let answer = Answer::new(&pages, &request, state.as_deref(), &settings);
    let force = forces_consent(&params);
    match oauth.begin(&user, &request, state.as_deref(), force).await {
        Ok(consent) => answer.consent(consent, &params, &user, &credential),
        Err(e) => answer.failure(e),
    }
}

/// `prompt=consent` (OpenID Connect Core §3.1.2.1): ask again even when remembered.
fn forces_consent(params: &OAuthParams) -> bool {
    params
        .get("prompt")
        .is_some_and(|p| p.split(' ').any(|v| v == "consent"))
}

/// `POST /oauth2/authorize`: Allow or Deny, from this session's consent page only.
pub(crate) async fn post_authorize<P: Ports>(
    req: HttpRequest,
    body: web::Bytes,
    (oauth, sessions, pages, settings): Deps<P>,
) -> HttpResponse {
    let (user, params) = match consent_form(&req, &body, &sessions, &settings).await {
        Ok(found) => found,
        Err(e) => return error_page(&pages, e),
    };
    let (request, state) = match checked(&oauth, &params, &pages, &settings.access_url).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    let answer = Answer::new(&pages, &request, state.as_deref(), &settings);
    match params.single("decision") {
        Some("allow") => answer.approved(oauth.approve(&user, &request, state.as_deref()).await),
        Some("deny") => answer.error(OAuthFailure::new(OAuthError::AccessDenied, DENIED)),
        _ => error_page(&pages, ApiError::BadRequest(NO_DECISION.into())),
    }
}

/// Why a request the person denied failed (RFC 6749 §4.1.2.1 `access_denied`).
const DENIED: &str = "The person denied the request.";
/// A consent form without a decision.
const NO_DECISION: &str = "decision must be allow or deny.";

/// The signed-in person and the consent form they sent, from their own consent page: the
/// form's CSRF token is their session's, and the request comes from this origin.
async fn consent_form<P: Ports>(
    req: &HttpRequest,
    body: &[u8],
    sessions: &SessionService<P>,
    settings: &WebSettings,
) -> Result<(User, OAuthParams), ApiError> {
    let (user, credential) = require_user(req, sessions).await?;
    let params = OAuthParams::parse(body);
    let csrf_ok = params
        .single("csrf_token")
        .is_some_and(|t| tokens_match(&token_for_session(&credential), t));
    match csrf_ok && origin_allowed(req, settings) {
        true => Ok((user, params)),
        false => Err(ApiError::CsrfRejected),
    }
}

/// To the login page, coming back to this authorization request.
fn login_detour(req: &HttpRequest) -> HttpResponse {
    let back = req
        .uri()
        .path_and_query()
        .map_or("/oauth2/authorize", |p| p.as_str());
    let escaped: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
    see_other(&format!("/login?redirect={escaped}"))
}

/// Where the answers to one checked request go: its redirect URI, with its `state` and this
/// server's `iss`; a repository failure is an error page.
pub(super) struct Answer<'a> {
    pages: &'a Pages,
    request: &'a AuthorizationRequest,
    state: Option<&'a str>,
    issuer: &'a str,
}

impl<'a> Answer<'a> {
    fn new(
        pages: &'a Pages,
        request: &'a AuthorizationRequest,
        state: Option<&'a str>,
        settings: &'a WebSettings,
    ) -> Self {
        Self {
            pages,
            request,
            state,
            issuer: &settings.access_url,
        }
    }

    /// The consent page, or the code of a remembered approval.
    fn consent(
        &self,
        consent: Consent,
        params: &OAuthParams,
        user: &User,
        credential: &str,
    ) -> HttpResponse {
        match consent {
            Consent::Ask {
                scopes,
                approved_before,
            } => consent_page(
                self,
                params,
                user,
                asked(&scopes, approved_before),
                credential,
            ),
            Consent::Remembered(code) => self.code(&code),
        }
    }

    /// The code of an approval, or why there is none.
    fn approved(&self, code: Result<Credential, FlowError>) -> HttpResponse {
        match code {
            Ok(code) => self.code(&code),
            Err(e) => self.failure(e),
        }
    }

    fn code(&self, code: &Credential) -> HttpResponse {
        let pairs = [("code", code.expose())];
        redirect_with(&self.request.redirect_uri, &pairs, self.state, self.issuer)
    }

    fn error(&self, failure: OAuthFailure) -> HttpResponse {
        error_redirect(&self.request.redirect_uri, failure, self.state, self.issuer)
    }

    fn failure(&self, e: FlowError) -> HttpResponse {
        match e {
            FlowError::Refused(failure) => self.error(failure),
            FlowError::Repo(e) => error_page(self.pages, e.into()),
        }
    }
}

/// A 302 to the redirect URI with `pairs`, `state` and `iss` added (RFC 9207).
fn redirect_with(
    uri: &RedirectUri,
    pairs: &[(&str, &str)],
    state: Option<&str>,
    issuer: &str,
) -> HttpResponse {
    let Ok(mut url) = url::Url::parse(uri.as_str()) else {
        return HttpResponse::BadRequest().finish();
    };
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", issuer);
    }
    HttpResponse::Found()
        .insert_header((header::LOCATION, url.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .finish()
}

fn error_redirect(
    uri: &RedirectUri,
    failure: OAuthFailure,
    state: Option<&str>,
    issuer: &str,
) -> HttpResponse {
    let pairs = [
        ("error", failure.error.code()),
        ("error_description", failure.description),
    ];
    redirect_with(uri, &pairs, state, issuer)
}
