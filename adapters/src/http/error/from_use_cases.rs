//! The use cases' errors as [`ApiError`]s: the one table from an application error to what
//! the client is told.

use actix_web::http::StatusCode;
use tessera_application::RepoError;
use tessera_application::admin::AdminAuthError;
use tessera_application::oauth::{BearerError, FlowError};
use tessera_application::people::{AuthenticateError, CreateUserError, LogInError};
use tessera_domain::OAuthError;

use super::ApiError;

/// The status of each OAuth error code (RFC 6749 §5.2, RFC 6750 §3.1).
pub(super) fn oauth_status(error: OAuthError) -> StatusCode {
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
