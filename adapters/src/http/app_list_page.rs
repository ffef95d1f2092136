//! `/settings/oauth2-apps` as a table (issue 18): search, filters, order and pages of 50,
//! read on the server, and one CSRF-protected form for bulk deletes. Works without
//! JavaScript; the use cases audit every app deleted.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tera::Context;
use tessera_application::Ports;
use tessera_application::apps::AppPage;
use tessera_domain::{App, AppDeletion, AppQuery, RegistrationSource};
use time::OffsetDateTime;
use uuid::Uuid;

use super::app_listing::{AppListParams, query_string};
use super::app_pages::{Deps, LIST};
use super::html::{render, see_other};
use super::page_error::PageError;
use super::page_extractors::{AdminPage, PageForm, TokenForm};

/// What the list shows besides the apps: problems with a form, or how many apps went.
#[derive(Debug)]
pub(super) struct Notice {
    status: StatusCode,
    errors: Vec<String>,
    deleted: Option<u64>,
}

impl Notice {
    /// Nothing to report.
    pub(super) fn none() -> Self {
        Self::errors(StatusCode::OK, Vec::new())
    }

    /// A form's problems, answered with `status`.
    pub(super) fn errors(status: StatusCode, errors: Vec<String>) -> Self {
        Self {
            status,
            errors,
            deleted: None,
        }
    }
}

/// A moment as the table shows it, to the minute (UTC).
fn short(t: OffsetDateTime) -> String {
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

fn row_view(app: &App) -> serde_json::Value {
    let source = match app.source {
        RegistrationSource::Cimd => "metadata document",
        other => other.as_str(),
    };
    serde_json::json!({
        "id": app.id,
        "name": app.draft.name.as_str(),
        "client_id": app.origin.document_url.clone().unwrap_or_else(|| app.id.to_string()),
        "client_type": app.draft.client_type.as_str(),
        "source": source,
        "origin_ip": app.origin.ip.map(|ip| ip.to_string()),
        "origin_user_agent": app.origin.user_agent,
        "software_id": app.origin.software_id,
        "created_at": short(app.created_at),
        "last_token_at": app.last_token_at.map(short),
        "document_fetched_at": app.origin.document_fetched_at.map(short),
        "blocked": app.blocked,
    })
}

/// The choices of the "last token" filter: presets, and the one asked for if it is not one.
fn used_options(current: &str) -> Vec<(String, String)> {
    let mut options: Vec<(String, String)> = [
        ("", "any time or never"),
        ("never", "never"),
        ("1d", "in the last day"),
        ("7d", "in the last 7 days"),
        ("30d", "in the last 30 days"),
        ("90d", "in the last 90 days"),
    ]
    .iter()
    .map(|(v, l)| (v.to_string(), l.to_string()))
    .collect();
    if !options.iter().any(|(v, _)| v == current) {
        let days = current.trim_end_matches('d');
        options.push((current.to_owned(), format!("in the last {days} days")));
    }
    options
}

fn page_href(page: &AppPage, offset: i64) -> String {
    format!("{LIST}?{}", query_string(&page.query.at_offset(offset)))
}

fn page_context(page: &AppPage, csrf: &str) -> Context {
    let (q, f) = (&page.query, page.query.filter());
    let used = f.used.map(|u| u.to_param()).unwrap_or_default();
    let mut ctx = Context::new();
    ctx.insert("csrf_token", csrf);
    ctx.insert("apps", &page.apps.iter().map(row_view).collect::<Vec<_>>());
    ctx.insert("q", f.text.as_ref().map_or("", |t| t.as_str()));
    ctx.insert("source", f.source.map_or("", |s| s.as_str()));
    ctx.insert("client_type", f.client_type.map_or("", |t| t.as_str()));
    ctx.insert(
        "blocked",
        &f.blocked.map(|b| b.to_string()).unwrap_or_default(),
    );
    ctx.insert("used_options", &used_options(&used));
    ctx.insert("used", &used);
    ctx.insert("sort", q.order().as_str());
    ctx.insert("total", &page.total);
    ctx.insert("first", &(q.offset() + 1));
    ctx.insert("last", &(q.offset() + page.apps.len() as i64));
    ctx.insert(
        "next",
        &q.next_offset(page.total).map(|o| page_href(page, o)),
    );
    ctx.insert("previous", &q.previous_offset().map(|o| page_href(page, o)));
    ctx.insert("back", &query_string(&q.at_offset(0)));
    // Microseconds, PostgreSQL's resolution: a client registered before the page was read
    // is older than this, one registered after it is not.
    ctx.insert(
        "before",
        &(page.at.unix_timestamp_nanos() / 1000).to_string(),
    );
    ctx
}

/// Renders one page of the list with `notice`.
pub(super) async fn list_page<P: Ports>(
    (apps, pages): &Deps<P>,
    who: &AdminPage<P>,
    query: AppQuery,
    notice: Notice,
) -> Result<HttpResponse, PageError> {
    let page = apps.search_apps(&who.admin, query).await?;
    let mut ctx = page_context(&page, &who.csrf);
    ctx.insert("errors", &notice.errors);
    ctx.insert("deleted", &notice.deleted);
    Ok(render(pages, notice.status, "oauth2_apps.html", &ctx))
}

/// `?deleted=N`, left by a bulk delete for the page it redirects to.
#[derive(Debug, Deserialize)]
struct Deleted {
    deleted: Option<u64>,
}

/// `GET /settings/oauth2-apps?q=&source=&client_type=&blocked=&used=&sort=&offset=`.
pub(crate) async fn get_list<P: Ports>(
    req: HttpRequest,
    deps: Deps<P>,
    admin: AdminPage<P>,
) -> Result<HttpResponse, PageError> {
    let query = AppListParams::from_query(req.query_string())?.try_into_domain()?;
    let deleted = web::Query::<Deleted>::from_query(req.query_string()).ok();
    let notice = Notice {
        deleted: deleted.and_then(|d| d.deleted),
        ..Notice::none()
    };
    list_page(&deps, &admin, query, notice).await
}

/// The bulk form: its token, the button pressed, the ticked apps, when the page was read,
/// the list it was on, and the confirmation that deleting every unused client is meant.
#[derive(Debug, Default, Deserialize)]
#[serde(from = "Vec<(String, String)>")]
pub(crate) struct BulkForm {
    csrf_token: String,
    action: String,
    apps: Vec<String>,
    before: String,
    back: String,
    confirmed: bool,
}

impl TokenForm for BulkForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl From<Vec<(String, String)>> for BulkForm {
    /// Reads the pairs in order: every ticked `app` counts, unknown fields do not.
    fn from(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (key, value) in pairs {
            match key.as_str() {
                "csrf_token" => form.csrf_token = value,
                "action" => form.action = value,
                "app" => form.apps.push(value),
                "before" => form.before = value,
                "back" => form.back = value,
                "confirm" => form.confirmed = value == "yes",
                _ => {}
            }
        }
        form
    }
}

impl BulkForm {
    /// The deletion asked for, or what is wrong with the form, in words.
    fn deletion(&self) -> Result<AppDeletion, String> {
        match self.action.as_str() {
            "delete-selected" => {
                let ids: Result<Vec<Uuid>, _> = self.apps.iter().map(|a| a.parse()).collect();
                let ids = ids.map_err(|_| "a selected app is not an app id".to_owned())?;
                AppDeletion::selected(ids).map_err(|e| format!("Delete selected: {e}."))
            }
            "delete-unused-dynamic" if !self.confirmed => Err(
                "Tick the box to confirm deleting every dynamic client that never got a token."
                    .to_owned(),
            ),
            "delete-unused-dynamic" => self
                .before
                .parse::<i64>()
                .ok()
                .and_then(|us| {
                    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).ok()
                })
                .map(|registered_before| AppDeletion::UnusedDynamic { registered_before })
                .ok_or_else(|| "the form lacks the time the page was read".to_owned()),
            _ => Err("unknown bulk action".to_owned()),
        }
    }

    /// The list the form was on (re-read, so only a valid list is linked to).
    fn back(&self) -> AppQuery {
        AppListParams::from_query(&self.back)
            .and_then(|p| p.try_into_domain())
            .unwrap_or_else(|_| AppQuery::all())
    }
}

/// `POST /settings/oauth2-apps/bulk-delete`: deletes the ticked apps, or every dynamic
/// client never used, and goes back to the list saying how many went.
pub(crate) async fn post_bulk_delete<P: Ports>(
    deps: Deps<P>,
    PageForm { who, form }: PageForm<AdminPage<P>, BulkForm>,
) -> Result<HttpResponse, PageError> {
    let deletion = match form.deletion() {
        Ok(deletion) => deletion,
        Err(problem) => {
            let notice = Notice::errors(StatusCode::BAD_REQUEST, vec![problem]);
            return list_page(&deps, &who, form.back(), notice).await;
        }
    };
    let n = deps.0.delete_apps(&who.admin, deletion).await?;
    let back = query_string(&form.back());
    Ok(see_other(&format!("{LIST}?{back}&deleted={n}")))
}
