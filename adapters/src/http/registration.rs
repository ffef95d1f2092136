//! `POST /oauth2/register` (RFC 7591) and `GET`/`PUT`/`DELETE /oauth2/clients/{client_id}`
//! (RFC 7592), with the registration access token as a bearer token.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::{Map, Value};
use tessera_application::Ports;
use tessera_application::ports::{Actor, RegisteredClient};
use tessera_application::registration::{Registered, RegistrationError, RegistrationService};
use tessera_domain::{ClientMetadata, ClientMetadataInput, HttpUrl, OAuthError, OAuthFailure};

use super::WebSettings;
use super::apps::anonymous_actor;
use super::bearer::bearer_token;
use super::error::ApiError;
use super::metrics::Metrics;

impl From<RegistrationError> for ApiError {
    fn from(e: RegistrationError) -> Self {
        match e {
            RegistrationError::Invalid(e) => {
                ApiError::oauth(OAuthFailure::new(e.oauth_error(), e.description()))
            }
            RegistrationError::Refused(failure) => ApiError::oauth(failure),
            RegistrationError::Throttled { retry_after } => ApiError::Throttled(retry_after),
            RegistrationError::InvalidToken => ApiError::oauth(OAuthFailure::new(
                OAuthError::InvalidToken,
                "The registration access token is missing or not valid for this client.",
            )),
            RegistrationError::Repo(e) => e.into(),
        }
    }
}

fn bad_metadata(description: &'static str) -> ApiError {
    ApiError::oauth(OAuthFailure::new(
        OAuthError::InvalidClientMetadata,
        description,
    ))
}

/// Reads RFC 7591 metadata from a JSON body; unknown members are ignored (RFC 7591 §2),
/// members of the wrong type are `invalid_client_metadata`.
fn metadata_input(req: &HttpRequest, body: &[u8]) -> Result<ClientMetadataInput, ApiError> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(bad_metadata("The body must be application/json."));
    }
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Err(bad_metadata("The body must be a JSON object."));
    };
    crate::metadata_json::metadata_from_object(&map).map_err(bad_metadata)
}

/// The metadata as stored, in RFC 7591 §2 names.
fn metadata_json(m: &ClientMetadata) -> Map<String, Value> {
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_owned(), v);
    };
    let strs = |v: Vec<&str>| Value::from(v);
    put(
        "redirect_uris",
        strs(m.redirect_uris().iter().map(|u| u.as_str()).collect()),
    );
    put(
        "token_endpoint_auth_method",
        m.token_endpoint_auth_method().as_str().into(),
    );
    put(
        "grant_types",
        strs(m.grant_types().iter().map(|g| g.as_str()).collect()),
    );
    put(
        "response_types",
        strs(m.response_types().iter().map(|r| r.as_str()).collect()),
    );
    put("application_type", m.application_type().as_str().into());
    if let Some(name) = m.client_name() {
        put("client_name", name.as_str().into());
    }
    for (key, url) in [
        ("client_uri", m.client_uri()),
        ("logo_uri", m.logo_uri()),
        ("tos_uri", m.tos_uri()),
        ("policy_uri", m.policy_uri()),
        ("jwks_uri", m.jwks_uri()),
    ] {
        if let Some(url) = url.map(HttpUrl::as_str) {
            put(key, url.into());
        }
    }
    if let Some(jwks) = m.jwks().and_then(|j| serde_json::from_str::<Value>(j).ok()) {
        put("jwks", jwks);
    }
    if let Some(scope) = m.scope() {
        put("scope", scope.to_string().into());
    }
    for (key, value) in [
        ("software_id", m.software_id()),
        ("software_version", m.software_version()),
    ] {
        if let Some(value) = value {
            put(key, value.into());
        }
    }
    if !m.contacts().is_empty() {
        put("contacts", Value::from(m.contacts().to_vec()));
    }
    out
}

/// The RFC 7592 view of a client: metadata, id, and where to manage it.
fn client_json(client: &RegisteredClient, settings: &WebSettings) -> Map<String, Value> {
    let mut out = metadata_json(&client.metadata);
    out.insert("client_id".into(), client.id.to_string().into());
    out.insert(
        "client_id_issued_at".into(),
        client.issued_at.unix_timestamp().into(),
    );
    out.insert(
        "registration_client_uri".into(),
        format!("{}/oauth2/clients/{}", settings.access_url, client.id).into(),
    );
    out
}

fn no_store(mut response: actix_web::HttpResponseBuilder, body: &impl Serialize) -> HttpResponse {
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body)
}

fn anonymous(req: &HttpRequest, settings: &WebSettings) -> Actor {
    anonymous_actor(req, settings, "anonymous (dynamic registration)".into())
}

/// The registration access token of an `Authorization: Bearer` header, if any (a header
/// that is not a bearer token presents none).
fn registration_token(req: &HttpRequest) -> Option<&str> {
    bearer_token(req.headers()).ok().flatten()
}

/// `POST /oauth2/register`.
pub(crate) async fn post_register<P: Ports>(
    req: HttpRequest,
    body: web::Bytes,
    registrations: web::Data<RegistrationService<P>>,
    settings: web::Data<WebSettings>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    if !settings.registration_enabled {
        return Err(ApiError::NotFound);
    }
    let input = metadata_input(&req, &body)?;
    let registered = registrations
        .register(input, &anonymous(&req, &settings))
        .await?;
    metrics.registration();
    let out = registered_json(registered, &settings);
    Ok(no_store(HttpResponse::Created(), &out))
}

/// RFC 7591 §3.2.1: the registration, with the secret and the registration access token,
/// shown this once.
fn registered_json(registered: Registered, settings: &WebSettings) -> Map<String, Value> {
    let Registered {
        client,
        client_secret,
        registration_token,
    } = registered;
    let mut out = client_json(&client, settings);
    if let Some(secret) = client_secret {
        out.insert("client_secret".into(), secret.expose().into());
        out.insert("client_secret_expires_at".into(), 0.into());
    }
    out.insert(
        "registration_access_token".into(),
        registration_token.expose().into(),
    );
    out
}

/// `GET /oauth2/clients/{client_id}`: the registration, without any secret.
pub(crate) async fn get_client<P: Ports>(
    req: HttpRequest,
    client_id: web::Path<String>,
    registrations: web::Data<RegistrationService<P>>,
    settings: web::Data<WebSettings>,
) -> Result<HttpResponse, ApiError> {
    let client = registrations
        .read(&client_id, registration_token(&req))
        .await?;
    Ok(no_store(
        HttpResponse::Ok(),
        &client_json(&client, &settings),
    ))
}

/// `PUT /oauth2/clients/{client_id}`: replaces the metadata.
pub(crate) async fn put_client<P: Ports>(
    req: HttpRequest,
    client_id: web::Path<String>,
    body: web::Bytes,
    registrations: web::Data<RegistrationService<P>>,
    settings: web::Data<WebSettings>,
) -> Result<HttpResponse, ApiError> {
    let token = registration_token(&req);
    registrations.read(&client_id, token).await?;
    if names_another_client(&body, &client_id) {
        return Err(bad_metadata("client_id in the body must be this client's."));
    }
    let input = metadata_input(&req, &body)?;
    let client = registrations
        .replace(&client_id, token, input, &anonymous(&req, &settings))
        .await?;
    Ok(no_store(
        HttpResponse::Ok(),
        &client_json(&client, &settings),
    ))
}

/// Whether an RFC 7592 update's body names a `client_id` other than the one updated.
fn names_another_client(body: &[u8], client_id: &str) -> bool {
    let named = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
        v.get("client_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    named.is_some_and(|id| id != client_id)
}

/// `DELETE /oauth2/clients/{client_id}`: deletes the client and all it was issued.
pub(crate) async fn delete_client<P: Ports>(
    req: HttpRequest,
    client_id: web::Path<String>,
    registrations: web::Data<RegistrationService<P>>,
    settings: web::Data<WebSettings>,
) -> Result<HttpResponse, ApiError> {
    registrations
        .delete(
            &client_id,
            registration_token(&req),
            &anonymous(&req, &settings),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
