//! Reading a client's credentials from HTTP Basic (RFC 6749 §2.3.1: id and secret each
//! form-urlencoded) or from the body (`client_secret_post`, or `none` for public clients).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tessera_application::oauth::{ClientCredentials, IntrospectorCredentials};
use tessera_domain::{
    ClientId, Credential, CredentialKind, OAuthError, OAuthFailure, SecretString, ServerSlug,
};

use super::error::ApiError;
use super::oauth_params::OAuthParams;
use super::token::form_params;

/// A request to a client-authenticated OAuth endpoint (token, revocation, introspection):
/// its form, and the client credentials it presents, read from Basic or the body.
#[derive(Debug)]
pub(crate) struct ClientRequest {
    /// The form's parameters, each known one sent at most once.
    pub(crate) params: OAuthParams,
    id: String,
    secret: Option<SecretString>,
    basic: bool,
}

impl FromRequest for ClientRequest {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move { Ok(Self::read(&req, &body.await?)?) })
    }
}

impl ClientRequest {
    /// The form, then the credentials: both in the header and the body disagreeing, or no
    /// `client_id` at all, are refused here.
    fn read(req: &HttpRequest, body: &[u8]) -> Result<Self, ApiError> {
        let params = form_params(req, body)?;
        let body_id = params.get("client_id");
        let body_secret = params.get("client_secret");
        let (id, secret, basic) = match basic(req)? {
            Some(_) if body_secret.is_some() => return Err(both_ways()),
            Some((id, _)) if body_id.is_some_and(|b| b != id) => return Err(both_ways()),
            Some((id, secret)) => (id, Some(secret), true),
            None => {
                let id = body_id.ok_or(ApiError::OAuth {
                    failure: OAuthFailure::new(OAuthError::InvalidClient, "client_id is required."),
                    basic: false,
                })?;
                (id.to_owned(), body_secret.map(str::to_owned), false)
            }
        };
        Ok(Self {
            id,
            secret: secret.map(SecretString::new),
            basic,
            params,
        })
    }

    /// The `client_id` as presented, for the audit log's actor.
    pub(crate) fn presented_id(&self) -> &str {
        &self.id
    }

    /// The client's credentials; a `client_id` that names no client cannot authenticate.
    pub(crate) fn credentials(&self) -> Result<ClientCredentials, ApiError> {
        let client_id = ClientId::parse(&self.id).map_err(|_| self.refused())?;
        Ok(ClientCredentials {
            client_id,
            secret: self.secret.clone(),
        })
    }

    /// Who calls `/oauth2/introspect`: a protected server by its slug and one of its
    /// introspection secrets, else a client by its credentials.
    pub(crate) fn introspector(&self) -> Result<IntrospectorCredentials, ApiError> {
        let server_secret = self
            .secret
            .as_ref()
            .and_then(|s| Credential::parse(CredentialKind::IntrospectionSecret, s.expose()).ok());
        match server_secret {
            Some(secret) => Ok(IntrospectorCredentials::Server {
                slug: ServerSlug::parse(&self.id).map_err(|_| self.refused())?,
                secret,
            }),
            None => self.credentials().map(IntrospectorCredentials::Client),
        }
    }

    /// `e`, with the Basic challenge when the client tried Basic (RFC 6749 §5.2).
    pub(crate) fn challenged(&self, e: impl Into<ApiError>) -> ApiError {
        match e.into() {
            ApiError::OAuth { failure, .. } => ApiError::OAuth {
                failure,
                basic: self.basic,
            },
            other => other,
        }
    }

    fn refused(&self) -> ApiError {
        self.challenged(ApiError::oauth(OAuthFailure::new(
            OAuthError::InvalidClient,
            "Client authentication failed.",
        )))
    }
}

fn both_ways() -> ApiError {
    ApiError::oauth(OAuthFailure::new(
        OAuthError::InvalidRequest,
        "Client credentials were sent both in the Authorization header and the body.",
    ))
}

/// The id and secret of an `Authorization: Basic` header, if one was sent.
fn basic(req: &HttpRequest) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = || ApiError::OAuth {
        failure: OAuthFailure::new(
            OAuthError::InvalidClient,
            "The Basic credentials are malformed.",
        ),
        basic: true,
    };
    let value = value.to_str().map_err(|_| malformed())?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(malformed());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    let unescape = |s: &str| -> String {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn form(basic: Option<(&str, &str)>) -> HttpRequest {
        let mut req = TestRequest::default()
            .insert_header(("content-type", "application/x-www-form-urlencoded"));
        if let Some((id, secret)) = basic {
            let encoded = STANDARD.encode(format!("{id}:{secret}"));
            req = req.insert_header(("authorization", format!("Basic {encoded}")));
        }
        req.to_http_request()
    }

    #[test]
    fn basic_credentials_are_form_urldecoded() {
        let read = ClientRequest::read(&form(Some(("my%20app", "s%3Acret+x"))), b"").unwrap();
        assert!(read.basic);
        assert_eq!(read.presented_id(), "my app");
        assert_eq!(read.secret.unwrap().expose(), "s:cret x");
    }

    #[test]
    fn basic_and_body_ids_that_disagree_are_invalid_request() {
        let err = ClientRequest::read(&form(Some(("a", "s"))), b"client_id=b").unwrap_err();
        assert!(
            matches!(err, ApiError::OAuth { failure, .. } if failure.error == OAuthError::InvalidRequest)
        );
    }

    #[test]
    fn a_body_without_client_id_is_invalid_client_without_a_basic_challenge() {
        let err = ClientRequest::read(&form(None), b"").unwrap_err();
        assert!(
            matches!(err, ApiError::OAuth { failure, basic: false } if failure.error == OAuthError::InvalidClient)
        );
    }

    #[test]
    fn a_client_id_that_names_no_client_fails_authentication_with_the_basic_challenge() {
        let read = ClientRequest::read(&form(Some(("not-an-id", "s"))), b"").unwrap();
        let err = read.credentials().unwrap_err();
        assert!(
            matches!(err, ApiError::OAuth { failure, basic: true } if failure.error == OAuthError::InvalidClient)
        );
    }
}
