//! `/settings/audit` (SPEC §3): the admin page of the audit log — newest first, filtered by
//! actor, action, app and time, 50 entries a page with links that keep the filters. Works
//! without JavaScript; it only reads, so it has no form to protect.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use tera::Context;
use tessera_application::Ports;
use tessera_application::audit::{AuditPage, AuditService};
use tessera_application::ports::AuditRecord;
use tessera_domain::{AUDIT_ACTIONS, AuditQuery};
use time::macros::format_description;

use super::audit_api::AuditParams;
use super::error::ApiError;
use super::html::render;
use super::page_error::PageError;
use super::page_extractors::AdminPage;
use crate::render::Pages;

const PAGE: &str = "/settings/audit";

type Deps<P> = (web::Data<AuditService<P>>, web::Data<Pages>);

fn entry_view(r: &AuditRecord) -> serde_json::Value {
    let shown = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    let details: Vec<String> = r.details.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    serde_json::json!({
        "id": r.id,
        "time": r.at.to_offset(time::UtcOffset::UTC).format(shown).unwrap_or_else(|_| r.at.to_string()),
        "actor": r.actor.name,
        "actor_href": actor_href(r),
        "action": r.action,
        "target_type": r.target_type,
        "target_id": r.target_id,
        "ip": r.actor.ip.map(|ip| ip.to_string()).unwrap_or_default(),
        "details": details.join(", "),
    })
}

/// The page filtered to the entries of `r`'s actor: by id when they had an account.
fn actor_href(r: &AuditRecord) -> String {
    let actor = r
        .actor
        .user_id
        .map_or_else(|| r.actor.name.clone(), |id| id.to_string());
    let encoded: String = url::form_urlencoded::byte_serialize(actor.as_bytes()).collect();
    format!("{PAGE}?actor={encoded}")
}

/// The page's address with `query`'s filters, `offset` entries in.
fn page_href(query: &AuditQuery, offset: i64) -> String {
    let mut href = url::form_urlencoded::Serializer::new(String::new());
    let filters = [
        ("actor", query.actor().map(|a| a.text())),
        ("action", query.action().map(str::to_owned)),
        ("app", query.app().map(str::to_owned)),
        ("from", query.from().map(|b| b.text().to_owned())),
        ("to", query.to().map(|b| b.text().to_owned())),
    ];
    for (name, value) in filters.iter().filter_map(|(n, v)| Some((n, v.as_ref()?))) {
        href.append_pair(name, value);
    }
    href.append_pair("offset", &offset.to_string());
    format!("{PAGE}?{}", href.finish())
}

/// The filter form as typed (so a bad value is shown to be corrected) and the actions.
fn filters_context(ctx: &mut Context, params: &AuditParams) {
    ctx.insert("filters", &params.filters());
    ctx.insert("actions", AUDIT_ACTIONS);
}

fn list_page(pages: &Pages, params: &AuditParams, page: &AuditPage) -> HttpResponse {
    let q = &page.query;
    let mut ctx = Context::new();
    filters_context(&mut ctx, params);
    let views: Vec<_> = page.entries.iter().map(entry_view).collect();
    ctx.insert("entries", &views);
    ctx.insert("total", &page.total);
    ctx.insert("first", &(q.offset() + 1));
    ctx.insert("last", &(q.offset() + page.entries.len() as i64));
    ctx.insert("next", &q.next_offset(page.total).map(|o| page_href(q, o)));
    ctx.insert("previous", &q.previous_offset().map(|o| page_href(q, o)));
    ctx.insert("errors", &Vec::<String>::new());
    render(pages, StatusCode::OK, "audit.html", &ctx)
}

/// The form again, with what is wrong with it and no entries (400).
fn invalid_page(
    pages: &Pages,
    params: &AuditParams,
    e: ApiError,
) -> Result<HttpResponse, PageError> {
    let errors: Vec<String> = match &e {
        ApiError::Validation { validations, .. } => validations
            .iter()
            .map(|v| format!("{}: {}", v.field, v.detail))
            .collect(),
        ApiError::BadRequest(message) => vec![message.clone()],
        _ => return Err(e.into()),
    };
    let mut ctx = Context::new();
    filters_context(&mut ctx, params);
    ctx.insert("entries", &Vec::<serde_json::Value>::new());
    ctx.insert("total", &0);
    ctx.insert("next", &None::<String>);
    ctx.insert("previous", &None::<String>);
    ctx.insert("errors", &errors);
    Ok(render(pages, StatusCode::BAD_REQUEST, "audit.html", &ctx))
}

/// `GET /settings/audit?actor=&action=&app=&from=&to=&offset=` (admin).
pub(crate) async fn get_audit_page<P: Ports>(
    req: HttpRequest,
    (audit, pages): Deps<P>,
    who: AdminPage<P>,
) -> Result<HttpResponse, PageError> {
    let params = match AuditParams::from_query(req.query_string()) {
        Ok(params) => params.for_page(),
        Err(e) => return invalid_page(&pages, &AuditParams::default(), e),
    };
    let query = match params.try_into_domain() {
        Ok(query) => query,
        Err(e) => return invalid_page(&pages, &params, e),
    };
    let page = audit.list_entries(&who.admin, query).await?;
    Ok(list_page(&pages, &params, &page))
}
