//! The one place where errors become HTTP responses (STYLE §6).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use tessera_application::RepoError;
use tessera_application::admin::AdminAuthError;
use tessera_application::oauth::{BearerError, FlowError};
use tessera_application::people::{AuthenticateError, CreateUserError, LogInError};
use tessera_domain::{OAuthError, OAuthFailure, Scope};
use time::Duration;

use super::bearer::Challenge;

/// One field that failed validation, as Coder's `codersdk.ValidationError`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    /// The request field, e.g. `email`.
    pub field: String,
    /// What is wrong with it.
    pub detail: String,
}

/// Every error the JSON API and the pages can answer with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with the fields that failed.
    #[error("{message}")]
    Validation {
        /// Summary.
        message: String,
        /// One entry per bad field.
        validations: Vec<FieldError>,
    },
    /// 400 for a malformed request.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid session or token.
    #[error("You must be signed in to do this.")]
    Unauthenticated,
    /// 401: wrong email or password.
    #[error("Incorrect email or password.")]
    InvalidCredentials,
    /// 403 with a reason.
    #[error("{0}")]
    Forbidden(&'static str),
    /// 403: a form's CSRF token is missing or is not this session's (or this browser's).
    #[error("The form expired or was not sent from this site; reload the page and try again.")]
    CsrfRejected,
    /// 404.
    #[error("Not found.")]
    NotFound,
    /// 409 with a reason.
    #[error("{0}")]
    Conflict(String),
    /// 408: the request body did not arrive in time.
    #[error("The request body did not arrive in time.")]
    RequestTimeout,
    /// 413.
    #[error("The request body is too large.")]
    PayloadTooLarge,
    /// 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 429 with `Retry-After`.
    #[error("Too many attempts; try again later.")]
    Throttled(Duration),
    /// An OAuth error (RFC 6749 §5.2): `{"error", "error_description"}`, never cached;
    /// `basic` adds the Basic challenge to `invalid_client` (RFC 6749 §5.2).
    #[error("{failure}")]
    OAuth {
        /// The code and description.
        failure: OAuthFailure,
        /// Whether the client tried HTTP Basic authentication.
        basic: bool,
    },
    /// 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750 §3.1).
    #[error("The access token is invalid, expired, revoked or not meant for this resource.")]
    InvalidToken,
    /// 403 with `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750 §3.1).
    #[error("The access token lacks the {} scope.", .0.as_str())]
    InsufficientScope(Scope),
    /// 401/403 at a resource that publishes metadata (the MCP endpoint, SPEC §6): an
    /// `{"error", "error_description"}` body and a challenge naming that metadata.
    #[error("{description}")]
    Challenged {
        /// Why the token is refused.
        challenge: Challenge,
        /// The resource's metadata URL (RFC 9728 §5.1).
        resource_metadata: String,
        /// What the body says.
        description: &'static str,
    },
    /// 403: the `Host` header names another server (DNS rebinding, SPEC §6).
    #[error("The Host header does not name this server.")]
    ForeignHost,
    /// 503: the database is unreachable.
    #[error("The service is temporarily unavailable; try again shortly.")]
    Unavailable,
    /// 503: too busy to take this now: password hashing is saturated, or a login waited too
    /// long for earlier attempts (bounded work, refused rather than queued).
    #[error("The server is busy; try again in a moment.")]
    Busy,
    /// 500; the cause is logged once and never shown.
    #[error("An internal error occurred.")]
    Unexpected(anyhow::Error),
}

#[derive(Serialize)]
struct Body<'a> {
    message: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    validations: &'a [FieldError],
}

impl ApiError {
    /// Seconds for `Retry-After`, rounded up.
    pub(crate) fn retry_after(&self) -> Option<i64> {
        match self {
            Self::Throttled(wait) => Some((wait.whole_milliseconds() as i64 + 999) / 1000),
            Self::Unavailable => Some(5),
            Self::Busy => Some(1),
            _ => None,
        }
    }

    /// The `WWW-Authenticate` challenge this error carries, if any.
    fn challenge(&self) -> Option<String> {
        match self {
            Self::OAuth {
                failure,
                basic: true,
            } if failure.error == OAuthError::InvalidClient => {
                Some("Basic realm=\"tessera\"".into())
            }
            Self::InvalidToken => Some(Challenge::InvalidToken.header_value(None)),
            Self::OAuth { failure, .. } if failure.error == OAuthError::InvalidToken => {
                Some(Challenge::InvalidToken.header_value(None))
            }
            Self::InsufficientScope(scope) => {
                Some(Challenge::InsufficientScope(*scope).header_value(None))
            }
            Self::Challenged {
                challenge,
                resource_metadata,
                ..
            } => Some(challenge.header_value(Some(resource_metadata))),
            _ => None,
        }
    }

    /// An OAuth error answered as RFC 6749 §5.2 JSON.
    pub fn oauth(failure: OAuthFailure) -> Self {
        Self::OAuth {
            failure,
            basic: false,
        }
    }

    fn validations(&self) -> &[FieldError] {
        match self {
            Self::Validation { validations, .. } => validations,
            _ => &[],
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation { .. } | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::CsrfRejected => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable | Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::OAuth { failure, .. } => oauth_status(failure.error),
            Self::InvalidToken => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope(_) | Self::ForeignHost => StatusCode::FORBIDDEN,
            Self::Challenged { challenge, .. } => match challenge {
                Challenge::InsufficientScope(_) => StatusCode::FORBIDDEN,
                Challenge::NoToken | Challenge::InvalidToken => StatusCode::UNAUTHORIZED,
            },
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Unexpected(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "unexpected error");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        if let Some(challenge) = self.challenge() {
            response.insert_header((header::WWW_AUTHENTICATE, challenge));
        }
        if let Self::OAuth { failure, .. } = self {
            response.insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")));
            return response.json(OAuthBody {
                error: failure.error.code(),
                error_description: failure.description,
            });
        }
        if let Some((error, description)) = self.resource_body() {
            return response.json(ResourceBody {
                error,
                error_description: description,
            });
        }
        if let Some(seconds) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(Body {
            message: self.to_string(),
            validations: self.validations(),
        })
    }
}

/// The body of a refusal at a protected resource (SPEC §6).
#[derive(Serialize)]
struct ResourceBody {
    error: &'static str,
    error_description: &'static str,
}

impl ApiError {
    /// The `error` and description of a refusal at a protected resource, if this is one.
    fn resource_body(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Challenged {
                challenge,
                description,
                ..
            } => Some((challenge.code(), description)),
            Self::ForeignHost => Some(("forbidden", "The Host header does not name this server.")),
            _ => None,
        }
    }
}

#[derive(Serialize)]
struct OAuthBody {
    error: &'static str,
    error_description: &'static str,
}

/// The status of each OAuth error code (RFC 6749 §5.2, RFC 6750 §3.1).
fn oauth_status(error: OAuthError) -> StatusCode {
    match error {
        OAuthError::InvalidClient | OAuthError::InvalidToken => StatusCode::UNAUTHORIZED,
        OAuthError::InsufficientScope | OAuthError::AccessDenied => StatusCode::FORBIDDEN,
        OAuthError::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
        OAuthError::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl From<FlowError> for ApiError {
    fn from(e: FlowError) -> Self {
        match e {
            FlowError::Refused(failure) => Self::oauth(failure),
            FlowError::Repo(e) => e.into(),
        }
    }
}

impl From<BearerError> for ApiError {
    fn from(e: BearerError) -> Self {
        match e {
            BearerError::InvalidToken => Self::InvalidToken,
            BearerError::InsufficientScope(scope) => Self::InsufficientScope(scope),
            BearerError::Repo(e) => e.into(),
        }
    }
}

impl<E: Into<ApiError>> From<AdminAuthError<E>> for ApiError {
    fn from(e: AdminAuthError<E>) -> Self {
        match e {
            AdminAuthError::Unauthenticated(e) => e.into(),
            AdminAuthError::NotAdmin(_) => Self::Forbidden("You must be an admin to do this."),
        }
    }
}

impl From<RepoError> for ApiError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::Conflict { field } => Self::Conflict(format!("{field} is already taken")),
            RepoError::Unavailable(cause) => {
                tracing::warn!(error = format!("{cause:#}"), "database unavailable");
                Self::Unavailable
            }
            RepoError::Unexpected(cause) => Self::Unexpected(cause),
        }
    }
}

impl From<CreateUserError> for ApiError {
    fn from(e: CreateUserError) -> Self {
        match e {
            CreateUserError::AlreadySetUp => {
                Self::Conflict("The first user has already been created.".into())
            }
            CreateUserError::Throttled { retry_after } => Self::Throttled(retry_after),
            CreateUserError::Busy => Self::Busy,
            CreateUserError::Repo(e) => e.into(),
        }
    }
}

impl From<LogInError> for ApiError {
    fn from(e: LogInError) -> Self {
        match e {
            LogInError::InvalidCredentials => Self::InvalidCredentials,
            LogInError::Suspended => {
                Self::Forbidden("This account is suspended; ask an admin to reactivate it.")
            }
            LogInError::Throttled { retry_after } => Self::Throttled(retry_after),
            LogInError::Busy => Self::Busy,
            LogInError::Repo(e) => e.into(),
        }
    }
}

impl From<AuthenticateError> for ApiError {
    fn from(e: AuthenticateError) -> Self {
        match e {
            AuthenticateError::Invalid => Self::Unauthenticated,
            AuthenticateError::Repo(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn body_of(e: ApiError) -> (StatusCode, serde_json::Value, Option<String>) {
        let response = e.error_response();
        let retry = response
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned());
        let status = response.status();
        let bytes = to_bytes(response.into_body()).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap(), retry)
    }

    #[actix_web::test]
    async fn a_validation_error_is_400_and_names_each_field() {
        let e = ApiError::Validation {
            message: "bad".into(),
            validations: vec![FieldError {
                field: "email".into(),
                detail: "not an email".into(),
            }],
        };
        let (status, body, _) = body_of(e).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["validations"][0]["field"], "email");
    }

    #[actix_web::test]
    async fn a_throttled_request_is_429_with_retry_after_rounded_up() {
        let (status, _, retry) = body_of(ApiError::Throttled(Duration::milliseconds(1500))).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(retry.as_deref(), Some("2"));
    }

    #[actix_web::test]
    async fn an_unexpected_error_hides_its_cause() {
        let (status, body, _) =
            body_of(ApiError::Unexpected(anyhow::anyhow!("password=hunter2"))).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("hunter2"));
    }

    fn challenged(challenge: Challenge) -> ApiError {
        ApiError::Challenged {
            challenge,
            resource_metadata: "https://a.example/m".into(),
            description: "no",
        }
    }

    #[actix_web::test]
    async fn a_refusal_at_a_protected_resource_names_its_metadata_and_code() {
        let e = challenged(Challenge::InvalidToken);
        let response = e.error_response();
        assert_eq!(
            response.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer resource_metadata=\"https://a.example/m\", error=\"invalid_token\""
        );
        let (_, body, _) = body_of(e).await;
        assert_eq!(
            body,
            serde_json::json!({"error": "invalid_token", "error_description": "no"})
        );
    }

    #[test]
    fn refusals_at_a_protected_resource_have_their_statuses() {
        let cases = [
            (ApiError::ForeignHost, 403),
            (challenged(Challenge::NoToken), 401),
            (challenged(Challenge::InvalidToken), 401),
            (challenged(Challenge::InsufficientScope(Scope::Mcp)), 403),
        ];
        for (e, status) in cases {
            assert_eq!(e.status_code().as_u16(), status, "{e:?}");
        }
    }

    #[actix_web::test]
    async fn each_variant_has_its_status() {
        let cases = [
            (ApiError::BadRequest("x".into()), 400),
            (ApiError::Unauthenticated, 401),
            (ApiError::InvalidCredentials, 401),
            (ApiError::Forbidden("no"), 403),
            (ApiError::CsrfRejected, 403),
            (ApiError::NotFound, 404),
            (ApiError::Conflict("x".into()), 409),
            (ApiError::RequestTimeout, 408),
            (ApiError::PayloadTooLarge, 413),
            (ApiError::UnsupportedMediaType("x".into()), 415),
            (ApiError::Unavailable, 503),
            (ApiError::Busy, 503),
            (ApiError::InvalidToken, 401),
            (ApiError::InsufficientScope(Scope::Admin), 403),
            (
                ApiError::oauth(OAuthFailure::new(OAuthError::InvalidGrant, "x")),
                400,
            ),
            (
                ApiError::oauth(OAuthFailure::new(OAuthError::InvalidClient, "x")),
                401,
            ),
        ];
        for (e, status) in cases {
            assert_eq!(e.status_code().as_u16(), status, "{e:?}");
        }
    }

    #[actix_web::test]
    async fn an_oauth_error_has_the_rfc_6749_body_and_is_never_cached() {
        let e = ApiError::oauth(OAuthFailure::new(OAuthError::InvalidGrant, "used"));
        let response = e.error_response();
        assert_eq!(
            response.headers().get(header::CACHE_CONTROL).unwrap(),
            "no-store"
        );
        assert!(response.headers().get(header::WWW_AUTHENTICATE).is_none());
        let (status, body, _) = body_of(e).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            serde_json::json!({"error": "invalid_grant", "error_description": "used"})
        );
    }

    #[test]
    fn invalid_client_after_basic_carries_the_basic_challenge() {
        let failure = OAuthFailure::new(OAuthError::InvalidClient, "no");
        let basic = ApiError::OAuth {
            failure,
            basic: true,
        }
        .error_response();
        assert_eq!(
            basic.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Basic realm=\"tessera\""
        );
        let post = ApiError::oauth(failure).error_response();
        assert!(post.headers().get(header::WWW_AUTHENTICATE).is_none());
    }

    #[test]
    fn bearer_errors_carry_their_rfc_6750_challenges() {
        let invalid = ApiError::InvalidToken.error_response();
        assert_eq!(
            invalid.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer error=\"invalid_token\""
        );
        let scope = ApiError::InsufficientScope(Scope::UserRead).error_response();
        assert_eq!(
            scope.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer error=\"insufficient_scope\", scope=\"user:read\""
        );
    }

    #[actix_web::test]
    async fn busy_password_hashing_is_503_with_a_short_retry_after() {
        let (status, body, retry) = body_of(ApiError::from(LogInError::Busy)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry.as_deref(), Some("1"));
        assert_eq!(
            body["message"],
            "The server is busy; try again in a moment."
        );
        let e = ApiError::from(CreateUserError::Busy);
        assert_eq!(e.status_code(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn a_database_outage_becomes_503() {
        let e: ApiError = RepoError::Unavailable(anyhow::anyhow!("down")).into();
        assert_eq!(e.status_code(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
