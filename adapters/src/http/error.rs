//! The one place where errors become HTTP responses (STYLE §6).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use tessera_domain::{OAuthError, OAuthFailure, Scope};
use time::Duration;

use super::bearer::Challenge;

mod from_use_cases;

use from_use_cases::oauth_status;
#[cfg(test)]
mod tests;

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
