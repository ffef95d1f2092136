//! The consent page (SPEC §4 step 3): who asks, for what, and where the answer goes.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use tera::Context;
use tessera_domain::{Scope, ScopeSet, User};

use super::super::csrf::token_for_session;
use super::super::html::render;
use super::super::oauth_params::OAuthParams;
use super::{Answer, ECHOED};

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
pub(super) struct Asked<'a> {
    scopes: &'a ScopeSet,
    approved_before: bool,
}

pub(super) fn asked(scopes: &ScopeSet, approved_before: bool) -> Asked<'_> {
    Asked {
        scopes,
        approved_before,
    }
}

pub(super) fn consent_page(
    answer: &Answer<'_>,
    params: &OAuthParams,
    user: &User,
    asked: Asked<'_>,
    credential: &str,
) -> HttpResponse {
    let (pages, request) = (answer.pages, answer.request);
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
