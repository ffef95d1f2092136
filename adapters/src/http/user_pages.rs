//! `/settings/users` (SPEC §2): the admin page of people — search and paging, create,
//! grant and remove admin, suspend and unsuspend, and one-time password reset links. Works
//! without JavaScript; every form carries the session's CSRF token; the use cases decide
//! who may, and audit every change.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde::Deserialize;
use tera::Context;
use tessera_application::Ports;
use tessera_application::admin::Admin;
use tessera_application::people::{AccountPage, AccountService, NewUserInput, ResetLink};
use tessera_domain::{Account, AccountChange, AccountQuery, UserId};

use super::WebSettings;
use super::error::ApiError;
use super::html::{render, see_other};
use super::page_error::PageError;
use super::page_extractors::{AdminPage, CsrfOnly, PageForm, TokenForm};
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

impl CreateForm {
    /// Parses every field, reporting each bad one.
    fn try_into_domain(&self) -> Result<NewUserInput, ApiError> {
        CreateUserRequest::new(&self.email, &self.username, &self.password)
            .with_admin(self.admin.is_some())
            .try_into_domain()
    }
}

impl TokenForm for CreateForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

type Deps<P> = (
    web::Data<AccountService<P>>,
    web::Data<WebSettings>,
    web::Data<Pages>,
);

/// A person's form on this page.
type PersonForm<P, T> = PageForm<AdminPage<P>, T>;

/// What the list page shows besides the list: problems with a form, or a reset link.
#[derive(Debug, Default)]
struct Notice {
    status: Option<StatusCode>,
    errors: Vec<String>,
    reset: Option<serde_json::Value>,
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

/// The list of one page of `page`, as `me` sees it, with `notice`.
fn list_context(page: &AccountPage, me: Option<UserId>, csrf: &str, notice: &Notice) -> Context {
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
    ctx
}

async fn list_page<P: Ports>(
    (accounts, _, pages): &Deps<P>,
    who: &AdminPage<P>,
    query: AccountQuery,
    notice: Notice,
) -> Result<HttpResponse, PageError> {
    let page = accounts.list_accounts(&who.admin, query).await?;
    let me = who.admin.user_id();
    let ctx = list_context(&page, me, &who.csrf, &notice);
    let status = notice.status.unwrap_or(StatusCode::OK);
    Ok(render(pages, status, "users.html", &ctx))
}

fn is_caller(caller: &Admin, account: &Account) -> bool {
    caller.user_id() == Some(account.user.id)
}

/// A refused or invalid change, shown on the list; anything else is the error page.
fn shown<T>(result: Result<T, ApiError>) -> Result<Result<T, Notice>, ApiError> {
    let e = match result {
        Ok(done) => return Ok(Ok(done)),
        Err(e) => e,
    };
    let errors = match &e {
        ApiError::Conflict(_) | ApiError::BadRequest(_) => vec![e.to_string()],
        ApiError::Validation { validations, .. } => validations
            .iter()
            .map(|v| format!("{}: {}", v.field, v.detail))
            .collect(),
        _ => return Err(e),
    };
    let status = Some(e.status_code());
    Ok(Err(Notice {
        status,
        errors,
        reset: None,
    }))
}

/// The change a `{grant-admin|remove-admin|suspend|unsuspend}` button asks for.
fn change_of(action: &str) -> Result<AccountChange, ApiError> {
    match action {
        "grant-admin" => Ok(AccountChange::GrantAdmin),
        "remove-admin" => Ok(AccountChange::RemoveAdmin),
        "suspend" => Ok(AccountChange::Suspend),
        "unsuspend" => Ok(AccountChange::Unsuspend),
        _ => Err(ApiError::NotFound),
    }
}

/// `GET /settings/users?q=&offset=`.
pub(crate) async fn get_list<P: Ports>(
    deps: Deps<P>,
    params: web::Query<ListParams>,
    who: AdminPage<P>,
) -> Result<HttpResponse, PageError> {
    let query = params.try_into_domain()?;
    let notice = Notice::default();
    list_page(&deps, &who, query, notice).await
}

/// `POST /settings/users`: creates a person and lists them.
pub(crate) async fn post_create<P: Ports>(
    deps: Deps<P>,
    PageForm { who, form }: PersonForm<P, CreateForm>,
) -> Result<HttpResponse, PageError> {
    let created = match form.try_into_domain() {
        Ok(input) => deps
            .0
            .create_account(&who.admin, input)
            .await
            .map_err(Into::into),
        Err(e) => Err(e),
    };
    match shown(created)? {
        // A username is letters, digits and hyphens: nothing to escape.
        Ok(user) => Ok(see_other(&format!("{LIST}?q={}", user.username.as_str()))),
        Err(notice) => list_page(&deps, &who, AccountQuery::all(), notice).await,
    }
}

/// `POST /settings/users/{id}/{grant-admin|remove-admin|suspend|unsuspend}`.
pub(crate) async fn post_change<P: Ports>(
    deps: Deps<P>,
    path: web::Path<(uuid::Uuid, String)>,
    PageForm { who, .. }: PersonForm<P, CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let (id, action) = path.into_inner();
    let change = change_of(&action)?;
    let changed = deps
        .0
        .change_account(&who.admin, UserId::new(id), change)
        .await;
    match shown(changed.map_err(ApiError::from))? {
        // An admin who just stepped down may no longer see this page.
        Ok(account) if !account.user.admin && is_caller(&who.admin, &account) => Ok(see_other("/")),
        Ok(_) => Ok(see_other(LIST)),
        Err(notice) => list_page(&deps, &who, AccountQuery::all(), notice).await,
    }
}

/// The list with the new link `link` shown this once.
fn reset_notice(link: ResetLink, access_url: &str) -> Notice {
    Notice {
        status: Some(StatusCode::CREATED),
        errors: Vec::new(),
        reset: Some(serde_json::json!({
            "username": link.user.username.as_str(),
            "url": reset_url(access_url, link.credential.expose()),
            "expires_at": link.expires_at.to_string(),
        })),
    }
}

/// `POST /settings/users/{id}/reset-password`: the list, with the new link shown this once.
pub(crate) async fn post_reset_link<P: Ports>(
    deps: Deps<P>,
    path: web::Path<uuid::Uuid>,
    PageForm { who, .. }: PersonForm<P, CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let link = deps
        .0
        .issue_reset_link(&who.admin, UserId::new(*path))
        .await?;
    let notice = reset_notice(link, &deps.1.access_url);
    list_page(&deps, &who, AccountQuery::all(), notice).await
}
