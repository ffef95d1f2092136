//! `/settings/users` (SPEC §2): the admin page of people — search and paging, create,
//! grant and remove admin, suspend and unsuspend, and one-time password reset links. Works
//! without JavaScript; every form carries the session's CSRF token; the use cases decide
//! who may, and audit every change.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::Deserialize;
use tera::Context;
use tessera_application::Ports;
use tessera_application::admin::Admin;
use tessera_application::people::{AccountError, AccountService, ResetLink, SessionService};
use tessera_domain::{Account, AccountChange, AccountQuery, UserId};

use super::WebSettings;
use super::error::ApiError;
use super::html::{error_page, render, see_other};
use super::page_session::admin_page_session;
use super::user_admin::{ListParams, reset_url};
use super::users::CreateUserRequest;
use crate::render::Pages;

const LIST: &str = "/settings/users";

/// The create form. No `Debug`: it carries a password.
#[derive(Deserialize)]
pub(crate) struct CreateForm {
    email: String,
    username: String,
    password: String,
    #[serde(default)]
    admin: Option<String>,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

type Deps<P> = (
    web::Data<AccountService<P>>,
    web::Data<SessionService<P>>,
    web::Data<WebSettings>,
    web::Data<Pages>,
);

/// What the list page shows besides the list: problems with a form, or a reset link.
#[derive(Debug, Default)]
struct Notice {
    status: Option<StatusCode>,
    errors: Vec<String>,
    reset: Option<serde_json::Value>,
}

/// The signed-in admin, and their CSRF token.
async fn caller<P: Ports>(
    req: &HttpRequest,
    (_, sessions, settings, pages): &Deps<P>,
    form_token: Option<&str>,
) -> Result<(Admin, String), HttpResponse> {
    admin_page_session(req, (sessions, settings, pages), LIST, form_token).await
}

fn account_view(a: &Account, me: Option<UserId>) -> serde_json::Value {
    serde_json::json!({
        "id": a.user.id.as_uuid(),
        "username": a.user.username.as_str(),
        "email": a.user.email.as_str(),
        "admin": a.user.admin,
        "status": a.status.as_str(),
        "suspended": a.status == tessera_domain::AccountStatus::Suspended,
        "created_at": a.user.created_at.date().to_string(),
        "is_me": Some(a.user.id) == me,
    })
}

fn page_href(query: &AccountQuery, offset: i64) -> String {
    let mut href = url::form_urlencoded::Serializer::new(String::new());
    if let Some(text) = query.text() {
        href.append_pair("q", text);
    }
    href.append_pair("offset", &offset.to_string());
    format!("{LIST}?{}", href.finish())
}

async fn list_page<P: Ports>(
    (accounts, _, _, pages): &Deps<P>,
    caller: &Admin,
    csrf: &str,
    query: AccountQuery,
    notice: Notice,
) -> HttpResponse {
    let page = match accounts.list_accounts(caller, query).await {
        Ok(page) => page,
        Err(e) => return error_page(pages, e.into()),
    };
    let me = caller.user_id();
    let q = &page.query;
    let mut ctx = Context::new();
    ctx.insert("csrf_token", csrf);
    let views: Vec<_> = page.accounts.iter().map(|a| account_view(a, me)).collect();
    ctx.insert("users", &views);
    ctx.insert("q", q.text().unwrap_or_default());
    ctx.insert("total", &page.total);
    ctx.insert("first", &(q.offset() + 1));
    ctx.insert("last", &(q.offset() + page.accounts.len() as i64));
    ctx.insert("next", &q.next_offset(page.total).map(|o| page_href(q, o)));
    ctx.insert("previous", &q.previous_offset().map(|o| page_href(q, o)));
    ctx.insert("errors", &notice.errors);
    ctx.insert("reset", &notice.reset);
    render(
        pages,
        notice.status.unwrap_or(StatusCode::OK),
        "users.html",
        &ctx,
    )
}

fn is_caller(caller: &Admin, account: &Account) -> bool {
    caller.user_id() == Some(account.user.id)
}

/// A refused or invalid change shown on the list; anything else is the error page.
fn notice_of(e: AccountError) -> Result<Notice, ApiError> {
    let e = ApiError::from(e);
    match &e {
        ApiError::Conflict(_) | ApiError::BadRequest(_) => Ok(Notice {
            status: Some(e.status_code()),
            errors: vec![e.to_string()],
            reset: None,
        }),
        ApiError::Validation { validations, .. } => Ok(Notice {
            status: Some(e.status_code()),
            errors: validations
                .iter()
                .map(|v| format!("{}: {}", v.field, v.detail))
                .collect(),
            reset: None,
        }),
        _ => Err(e),
    }
}

/// `GET /settings/users?q=&offset=`.
pub(crate) async fn get_list<P: Ports>(
    req: HttpRequest,
    deps: Deps<P>,
    params: web::Query<ListParams>,
) -> HttpResponse {
    let (who, csrf) = match caller(&req, &deps, None).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    match params.try_into_domain() {
        Ok(query) => list_page(&deps, &who, &csrf, query, Notice::default()).await,
        Err(e) => error_page(&deps.3, e),
    }
}

/// `POST /settings/users`: creates a person and lists them.
pub(crate) async fn post_create<P: Ports>(
    req: HttpRequest,
    deps: Deps<P>,
    form: web::Form<CreateForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let (who, csrf) = match caller(&req, &deps, Some(&form.csrf_token)).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let request = CreateUserRequest::new(&form.email, &form.username, &form.password)
        .with_admin(form.admin.is_some());
    let created = match request.try_into_domain() {
        Ok(input) => deps.0.create_account(&who, input).await.map_err(notice_of),
        Err(ApiError::Validation { validations, .. }) => Err(Ok(Notice {
            status: Some(StatusCode::BAD_REQUEST),
            errors: validations
                .iter()
                .map(|v| format!("{}: {}", v.field, v.detail))
                .collect(),
            reset: None,
        })),
        Err(e) => Err(Err(e)),
    };
    match created {
        // A username is letters, digits and hyphens: nothing to escape.
        Ok(user) => see_other(&format!("{LIST}?q={}", user.username.as_str())),
        Err(Ok(notice)) => list_page(&deps, &who, &csrf, AccountQuery::all(), notice).await,
        Err(Err(e)) => error_page(&deps.3, e),
    }
}

/// `POST /settings/users/{id}/{grant-admin|remove-admin|suspend|unsuspend}`.
pub(crate) async fn post_change<P: Ports>(
    req: HttpRequest,
    deps: Deps<P>,
    path: web::Path<(uuid::Uuid, String)>,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let (who, csrf) = match caller(&req, &deps, Some(&form.csrf_token)).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let (id, action) = path.into_inner();
    let change = match action.as_str() {
        "grant-admin" => AccountChange::GrantAdmin,
        "remove-admin" => AccountChange::RemoveAdmin,
        "suspend" => AccountChange::Suspend,
        "unsuspend" => AccountChange::Unsuspend,
        _ => return error_page(&deps.3, ApiError::NotFound),
    };
    match deps
        .0
        .change_account(&who, UserId::new(id), change)
        .await
        .map_err(notice_of)
    {
        // An admin who just stepped down may no longer see this page.
        Ok(account) if !account.user.admin && is_caller(&who, &account) => see_other("/"),
        Ok(_) => see_other(LIST),
        Err(Ok(notice)) => list_page(&deps, &who, &csrf, AccountQuery::all(), notice).await,
        Err(Err(e)) => error_page(&deps.3, e),
    }
}

/// `POST /settings/users/{id}/reset-password`: the list, with the new link shown this once.
pub(crate) async fn post_reset_link<P: Ports>(
    req: HttpRequest,
    deps: Deps<P>,
    path: web::Path<uuid::Uuid>,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let (who, csrf) = match caller(&req, &deps, Some(&form.csrf_token)).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    match deps.0.issue_reset_link(&who, UserId::new(*path)).await {
        Ok(ResetLink {
            credential,
            user,
            expires_at,
        }) => {
            let notice = Notice {
                status: Some(StatusCode::CREATED),
                errors: Vec::new(),
                reset: Some(serde_json::json!({
                    "username": user.username.as_str(),
                    "url": reset_url(&deps.2.access_url, credential.expose()),
                    "expires_at": expires_at.to_string(),
                })),
            };
            list_page(&deps, &who, &csrf, AccountQuery::all(), notice).await
        }
        Err(e) => error_page(&deps.3, e.into()),
    }
}
