//! `GET` and `POST /oauth2/authorize` (SPEC §4 steps 1–4): errors before the redirect URI
//! is trusted are an HTML page; later ones go back to the client; the consent form is
//! bound to the session by its CSRF token.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use tera::Context;
use tessera_application::Ports;
use tessera_application::oauth::{
    AuthorizationRequest, AuthorizeParams, CimdError, Consent, FlowError, OAuthService, Untrusted,
};
use tessera_application::people::SessionService;
use tessera_domain::{OAuthError, OAuthFailure, RedirectUri, Scope, ScopeSet, User};

use super::WebSettings;
use super::csrf::{token_for_session, tokens_match};
use super::error::ApiError;
use super::html::{error_page, render, see_other};
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

/// A checked request and its `state`, or the response that ends it.
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
    let sent = params.get("redirect_uri");
    let (client, redirect_uri) = oauth
        .trusted_client(params.get("client_id"), sent)
        .await
        .map_err(|e| error_page(pages, untrusted(e)))?;
    let state = params.single("state").map(str::to_owned);
    if params.repeated(&ECHOED).is_some() {
        let failure = OAuthFailure::new(
            OAuthError::InvalidRequest,
            "A parameter was sent more than once.",
        );
        return Err(error_redirect(
            &redirect_uri,
            failure,
            state.as_deref(),
            issuer,
        ));
    }
    let request = oauth
        .check_request(
            client,
            redirect_uri.clone(),
            sent.is_some(),
            AuthorizeParams {
                response_type: params.get("response_type"),
                code_challenge: params.get("code_challenge"),
                code_challenge_method: params.get("code_challenge_method"),
                scope: params.get("scope"),
                resource: params.get("resource"),
            },
        )
        .await
        .map_err(|e| match e {
            FlowError::Refused(failure) => {
                error_redirect(&redirect_uri, failure, state.as_deref(), issuer)
            }
            FlowError::Repo(e) => error_page(pages, e.into()),
        })?;
    Ok((request, state))
}

fn untrusted(e: Untrusted) -> ApiError {
    match e {
        Untrusted::Repo(e) | Untrusted::Document(CimdError::Repo(e)) => e.into(),
        other => ApiError::BadRequest(other.to_string()),
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
    let force = params
        .get("prompt")
        .is_some_and(|p| p.split(' ').any(|v| v == "consent"));
    match oauth.begin(&user, &request, state.as_deref(), force).await {
        Ok(Consent::Ask {
            scopes,
            approved_before,
        }) => {
            let asked = Asked {
                scopes: &scopes,
                approved_before,
            };
            consent_page(&pages, &params, &request, &user, asked, &credential)
        }
        Ok(Consent::Remembered(code)) => {
            code_redirect(&request, &code, state.as_deref(), &settings)
        }
        Err(e) => flow_failure(&pages, &request, e, state.as_deref(), &settings),
    }
}

/// `POST /oauth2/authorize`: Allow or Deny, from this session's consent page only.
pub(crate) async fn post_authorize<P: Ports>(
    req: HttpRequest,
    body: web::Bytes,
    (oauth, sessions, pages, settings): Deps<P>,
) -> HttpResponse {
    let (user, credential) = match require_user(&req, &sessions).await {
        Ok(found) => found,
        Err(e) => return error_page(&pages, e),
    };
    let params = OAuthParams::parse(&body);
    let csrf_ok = params
        .single("csrf_token")
        .is_some_and(|t| tokens_match(&token_for_session(&credential), t));
    if !csrf_ok || !origin_allowed(&req, &settings) {
        return error_page(&pages, ApiError::CsrfRejected);
    }
    let (request, state) = match checked(&oauth, &params, &pages, &settings.access_url).await {
        Ok(checked) => checked,
        Err(response) => return response,
    };
    match params.single("decision") {
        Some("allow") => match oauth.approve(&user, &request, state.as_deref()).await {
            Ok(code) => code_redirect(&request, &code, state.as_deref(), &settings),
            Err(e) => flow_failure(&pages, &request, e, state.as_deref(), &settings),
        },
        Some("deny") => error_redirect(
            &request.redirect_uri,
            OAuthFailure::new(OAuthError::AccessDenied, "The person denied the request."),
            state.as_deref(),
            &settings.access_url,
        ),
        _ => error_page(
            &pages,
            ApiError::BadRequest("decision must be allow or deny.".into()),
        ),
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

fn flow_failure(
    pages: &Pages,
    request: &AuthorizationRequest,
    e: FlowError,
    state: Option<&str>,
    settings: &WebSettings,
) -> HttpResponse {
    match e {
        FlowError::Refused(failure) => {
            error_redirect(&request.redirect_uri, failure, state, &settings.access_url)
        }
        FlowError::Repo(e) => error_page(pages, e.into()),
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

fn code_redirect(
    request: &AuthorizationRequest,
    code: &tessera_domain::Credential,
    state: Option<&str>,
    settings: &WebSettings,
) -> HttpResponse {
    let pairs = [("code", code.expose())];
    redirect_with(&request.redirect_uri, &pairs, state, &settings.access_url)
}

/// What each scope lets the app do, in words for the consent page; `server` names the
/// protected MCP server the request is for, if any (SPEC §9).
fn describe(scope: Scope, server: Option<&str>) -> String {
    match (scope, server) {
        (Scope::UserRead, _) => "See your profile: username and email address".into(),
        (Scope::Mcp, None) => "Use tessera's MCP tools on your behalf".into(),
        (Scope::Mcp, Some(server)) => format!("Use {server} on your behalf"),
        (Scope::Admin, _) => "Administer tessera: apps, users and the audit log".into(),
    }
}

/// What the consent page asks about.
struct Asked<'a> {
    scopes: &'a ScopeSet,
    approved_before: bool,
}

fn consent_page(
    pages: &Pages,
    params: &OAuthParams,
    request: &AuthorizationRequest,
    user: &User,
    asked: Asked<'_>,
    credential: &str,
) -> HttpResponse {
    let echoed: Vec<(&str, &str)> = ECHOED
        .iter()
        .filter_map(|name| params.get(name).map(|v| (*name, v)))
        .collect();
    let client = &request.client;
    let mut ctx = Context::new();
    ctx.insert("app_name", client.name.as_str());
    let document_host = client
        .cimd_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_owned));
    ctx.insert("document_host", &document_host);
    ctx.insert(
        "loopback_only",
        &(document_host.is_some() && client.redirects_only_to_loopback()),
    );
    ctx.insert("icon", &client.trusted_icon().map(|i| i.as_str()));
    ctx.insert(
        "redirect_host",
        request
            .redirect_uri
            .host()
            .unwrap_or(request.redirect_uri.scheme()),
    );
    ctx.insert("redirect_uri", request.redirect_uri.as_str());
    let server = request.resource_name.as_deref();
    let scopes: Vec<_> = asked.scopes.iter().map(|s| describe(s, server)).collect();
    ctx.insert("resource_name", &server);
    ctx.insert("scopes", &scopes);
    ctx.insert("approved_before", &asked.approved_before);
    ctx.insert("username", user.username.as_str());
    ctx.insert("email", user.email.as_str());
    ctx.insert("fields", &echoed);
    ctx.insert("csrf_token", &token_for_session(credential));
    render(pages, StatusCode::OK, "consent.html", &ctx)
}
