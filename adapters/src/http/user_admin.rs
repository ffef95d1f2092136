//! The admin half of `/api/v2/users` (SPEC §2): list and search with paging, read, create,
//! roles, suspension and password reset links, in Coder's shapes. The use cases decide who
//! may: these handlers only say who is asking.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tessera_application::Ports;
use tessera_application::people::AccountService;
use tessera_domain::{Account, AccountChange, AccountQuery, UserId};
use time::OffsetDateTime;

use super::WebSettings;
use super::api_auth::ApiAuth;
use super::error::{ApiError, FieldError};
use super::json_body::JsonBody;
use super::users::{CreateUserRequest, UserDto};

/// A person as the admin API shows them: the user and Coder's `status`.
#[derive(Debug, Serialize)]
pub(crate) struct AccountDto {
    #[serde(flatten)]
    user: UserDto,
    status: &'static str,
}

impl From<&Account> for AccountDto {
    fn from(a: &Account) -> Self {
        Self {
            user: UserDto::from(&a.user),
            status: a.status.as_str(),
        }
    }
}

/// Coder's `GetUsersResponse`: a page of users and how many match in all.
#[derive(Debug, Serialize)]
struct AccountList {
    users: Vec<AccountDto>,
    count: i64,
}

/// `?q=&limit=&offset=`, read as text so a bad number is named like any other field.
#[derive(Debug, Deserialize)]
pub(crate) struct ListParams {
    q: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

impl ListParams {
    /// The search, or a 400 naming the field that is wrong.
    pub(crate) fn try_into_domain(&self) -> Result<AccountQuery, ApiError> {
        let number = |field: &str, value: &Option<String>| match value.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse::<i64>()
                .map(Some)
                .map_err(|_| invalid(field, "must be a whole number")),
        };
        let limit = number("limit", &self.limit)?;
        let offset = number("offset", &self.offset)?;
        AccountQuery::parse(self.q.as_deref(), limit, offset).map_err(|e| {
            let field = match e {
                tessera_domain::AccountQueryError::TextTooLong => "q",
                tessera_domain::AccountQueryError::BadLimit => "limit",
                tessera_domain::AccountQueryError::BadOffset => "offset",
            };
            invalid(field, &e.to_string())
        })
    }
}

fn invalid(field: &str, detail: &str) -> ApiError {
    ApiError::Validation {
        message: "Invalid request.".into(),
        validations: vec![FieldError {
            field: field.to_owned(),
            detail: detail.to_owned(),
        }],
    }
}

/// Coder's `UpdateRoles`: `["admin"]` or `[]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RolesRequest {
    roles: Vec<String>,
}

impl RolesRequest {
    fn try_into_domain(&self) -> Result<AccountChange, ApiError> {
        match self.roles.iter().find(|r| r.as_str() != "admin") {
            Some(other) => Err(invalid(
                "roles",
                &format!("unknown role {other:?}; the only role is \"admin\""),
            )),
            None if self.roles.is_empty() => Ok(AccountChange::RemoveAdmin),
            None => Ok(AccountChange::GrantAdmin),
        }
    }
}

#[derive(Debug, Serialize)]
struct ResetLinkDto {
    user_id: uuid::Uuid,
    reset_url: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
}

/// A `{user}` path segment: a user id; anything else is unknown.
fn user_id(path: &str) -> Result<UserId, ApiError> {
    uuid::Uuid::parse_str(path)
        .map(UserId::new)
        .map_err(|_| ApiError::NotFound)
}

type Deps<P> = (
    ApiAuth<P>,
    web::Data<AccountService<P>>,
    web::Data<WebSettings>,
);

/// `GET /api/v2/users?q=&limit=&offset=` (admin).
pub(crate) async fn get_users<P: Ports>(
    req: HttpRequest,
    (auth, accounts, settings): Deps<P>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let query = params.try_into_domain()?;
    let page = accounts
        .list_accounts(&auth.admin(&req, &settings).await?, query)
        .await?;
    Ok(HttpResponse::Ok().json(AccountList {
        users: page.accounts.iter().map(AccountDto::from).collect(),
        count: page.total,
    }))
}

/// `POST /api/v2/users` (admin) → 201 user.
pub(crate) async fn post_user<P: Ports>(
    req: HttpRequest,
    (auth, accounts, settings): Deps<P>,
    body: JsonBody<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0.try_into_domain()?;
    let user = accounts
        .create_account(&auth.admin(&req, &settings).await?, input)
        .await?;
    Ok(HttpResponse::Created().json(UserDto::from(&user)))
}

/// `GET /api/v2/users/{user}` (admin).
pub(crate) async fn get_user<P: Ports>(
    req: HttpRequest,
    (auth, accounts, settings): Deps<P>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(&path)?;
    let account = accounts
        .get_account(&auth.admin(&req, &settings).await?, id)
        .await?;
    Ok(HttpResponse::Ok().json(AccountDto::from(&account)))
}

/// `PUT /api/v2/users/{user}/roles` `{"roles": ["admin"] | []}` (admin).
pub(crate) async fn put_roles<P: Ports>(
    req: HttpRequest,
    (auth, accounts, settings): Deps<P>,
    path: web::Path<String>,
    body: JsonBody<RolesRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, change) = (user_id(&path)?, body.0.try_into_domain()?);
    let by = auth.admin(&req, &settings).await?;
    let account = accounts.change_account(&by, id, change).await?;
    Ok(HttpResponse::Ok().json(AccountDto::from(&account)))
}

/// `PUT /api/v2/users/{user}/status/{suspend|activate}` (admin).
pub(crate) async fn put_status<P: Ports>(
    req: HttpRequest,
    (auth, accounts, settings): Deps<P>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (user, status) = path.into_inner();
    let change = match status.as_str() {
        "suspend" => AccountChange::Suspend,
        "activate" => AccountChange::Unsuspend,
        _ => return Err(ApiError::NotFound),
    };
    let by = auth.admin(&req, &settings).await?;
    let account = accounts
        .change_account(&by, user_id(&user)?, change)
        .await?;
    Ok(HttpResponse::Ok().json(AccountDto::from(&account)))
}

/// `POST /api/v2/users/{user}/password-reset` (admin) → 201 with the one-time link,
/// shown this once.
pub(crate) async fn post_reset_link<P: Ports>(
    req: HttpRequest,
    (auth, accounts, settings): Deps<P>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(&path)?;
    let link = accounts
        .issue_reset_link(&auth.admin(&req, &settings).await?, id)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("cache-control", "no-store"))
        .json(ResetLinkDto {
            user_id: link.user.id.as_uuid(),
            reset_url: reset_url(&settings.access_url, link.credential.expose()),
            expires_at: link.expires_at,
        }))
}

/// The page a reset link opens.
pub(crate) fn reset_url(access_url: &str, credential: &str) -> String {
    format!("{access_url}/reset-password?token={credential}")
}
