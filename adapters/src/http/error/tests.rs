//! Each error's status, body and headers.

use super::*;
use actix_web::body::to_bytes;
use tessera_application::RepoError;
use tessera_application::people::{CreateUserError, LogInError};

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
