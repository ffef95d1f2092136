//! `/api/v2/users/*` (SPEC §2).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tessera_application::Ports;
use tessera_application::people::{NewUserInput, SessionService, UserService};
use tessera_domain::{Email, Password, SecretString, User, Username};
use time::OffsetDateTime;

use super::WebSettings;
use super::api_auth::ApiAuth;
use super::error::{ApiError, FieldError};
use super::json_body::JsonBody;
use super::metrics::Metrics;
use super::session_auth::{cleared_session_cookie, presented_credential, session_cookie};
use tessera_domain::Scope;

/// A user as the API shows it.
#[derive(Debug, Serialize)]
pub(crate) struct UserDto {
    id: uuid::Uuid,
    email: String,
    username: String,
    admin: bool,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.as_uuid(),
            email: u.email.as_str().to_owned(),
            username: u.username.as_str().to_owned(),
            admin: u.admin,
            created_at: u.created_at,
        }
    }
}

/// The body of `POST /api/v2/users` and `/api/v2/users/first`.
/// No `Debug`: it carries a password.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateUserRequest {
    email: String,
    username: String,
    password: String,
    #[serde(default)]
    admin: bool,
}

impl CreateUserRequest {
    /// The same request from the setup page's form fields.
    pub(crate) fn new(email: &str, username: &str, password: &str) -> Self {
        Self {
            email: email.to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
            admin: true,
        }
    }

    /// The same request, for an admin or not (the admin page's checkbox).
    pub(crate) fn with_admin(self, admin: bool) -> Self {
        Self { admin, ..self }
    }

    /// Parses every field, reporting each bad one.
    pub(crate) fn try_into_domain(self) -> Result<NewUserInput, ApiError> {
        let mut validations = Vec::new();
        let email = Email::parse(&self.email).map_err(|e| {
            validations.push(FieldError {
                field: "email".into(),
                detail: e.to_string(),
            })
        });
        let username = Username::parse(&self.username).map_err(|e| {
            validations.push(FieldError {
                field: "username".into(),
                detail: e.to_string(),
            })
        });
        let password = Password::parse(SecretString::new(self.password)).map_err(|e| {
            validations.push(FieldError {
                field: "password".into(),
                detail: e.to_string(),
            })
        });
        match (email, username, password) {
            (Ok(email), Ok(username), Ok(password)) => Ok(NewUserInput {
                email,
                username,
                password,
                admin: self.admin,
            }),
            _ => Err(ApiError::Validation {
                message: "Invalid user.".into(),
                validations,
            }),
        }
    }
}

/// No `Debug`: it carries a password.
#[derive(Deserialize)]
pub(crate) struct LoginRequest {
    email: String,
    password: String,
}

#[derive(Debug, Serialize)]
struct LoginResponse<'a> {
    session_token: &'a str,
}

/// `POST /api/v2/users/first`: the first user, an admin, only while none exists.
pub(crate) async fn post_first_user<P: Ports>(
    req: HttpRequest,
    users: web::Data<UserService<P>>,
    settings: web::Data<WebSettings>,
    body: JsonBody<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let ip = settings.trusted_proxies.client_ip(&req);
    let user = users
        .create_first_user(body.0.try_into_domain()?, ip)
        .await?;
    Ok(HttpResponse::Created().json(UserDto::from(&user)))
}

/// `POST /api/v2/users/login`: a session token and cookie.
pub(crate) async fn post_login<P: Ports>(
    req: HttpRequest,
    sessions: web::Data<SessionService<P>>,
    settings: web::Data<WebSettings>,
    metrics: web::Data<Metrics>,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let ip = settings.trusted_proxies.client_ip(&req);
    let logged_in = sessions
        .log_in(&body.email, &SecretString::new(body.password), ip)
        .await
        .inspect_err(|_| metrics.login_failure())?;
    let token = logged_in.session.expose();
    Ok(HttpResponse::Created()
        .insert_header(("cache-control", "no-store"))
        .cookie(session_cookie(
            token,
            logged_in.expires_at,
            settings.secure_cookies,
        ))
        .json(LoginResponse {
            session_token: token,
        }))
}

/// `POST /api/v2/users/logout`: ends the presented session and clears the cookie.
pub(crate) async fn post_logout<P: Ports>(
    req: HttpRequest,
    sessions: web::Data<SessionService<P>>,
    settings: web::Data<WebSettings>,
) -> Result<HttpResponse, ApiError> {
    if let Some(credential) = presented_credential(&req)? {
        sessions.log_out(&credential).await?;
    }
    Ok(HttpResponse::Ok()
        .cookie(cleared_session_cookie(settings.secure_cookies))
        .json(serde_json::json!({ "message": "Logged out." })))
}

/// `GET /api/v2/users/me`: a session, or an access token with `user:read`.
pub(crate) async fn get_me<P: Ports>(
    req: HttpRequest,
    auth: ApiAuth<P>,
) -> Result<HttpResponse, ApiError> {
    let user = auth.user(&req, Scope::UserRead).await?;
    Ok(HttpResponse::Ok().json(UserDto::from(&user)))
}
