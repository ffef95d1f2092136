//! Reading a client's credentials from HTTP Basic (RFC 6749 §2.3.1: id and secret each
//! form-urlencoded) or from the body (`client_secret_post`, or `none` for public clients).

use actix_web::HttpRequest;
use actix_web::http::header;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tessera_application::oauth::ClientCredentials;
use tessera_domain::{OAuthError, OAuthFailure, SecretString};

use super::error::ApiError;
use super::oauth_params::OAuthParams;

/// The client's credentials and whether Basic was used (for the challenge on failure).
pub(crate) fn client_credentials(
    req: &HttpRequest,
    params: &OAuthParams,
) -> Result<(ClientCredentials, bool), ApiError> {
    let body_id = params.get("client_id");
    let body_secret = params.get("client_secret");
    match basic(req)? {
        Some((id, secret)) => {
            if body_id.is_some_and(|b| b != id) || body_secret.is_some() {
                return Err(ApiError::oauth(OAuthFailure::new(
                    OAuthError::InvalidRequest,
                    "Client credentials were sent both in the Authorization header and the body.",
                )));
            }
            let credentials = ClientCredentials {
                client_id: id,
                secret: Some(SecretString::new(secret)),
            };
            Ok((credentials, true))
        }
        None => {
            let client_id = body_id.ok_or(ApiError::OAuth {
                failure: OAuthFailure::new(OAuthError::InvalidClient, "client_id is required."),
                basic: false,
            })?;
            let credentials = ClientCredentials {
                client_id: client_id.to_owned(),
                secret: body_secret.map(|s| SecretString::new(s.to_owned())),
            };
            Ok((credentials, false))
        }
    }
}

/// `e` with the Basic challenge when the client tried Basic (RFC 6749 §5.2).
pub(crate) fn with_basic(e: ApiError, basic: bool) -> ApiError {
    match e {
        ApiError::OAuth { failure, .. } => ApiError::OAuth { failure, basic },
        other => other,
    }
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

    fn with_basic(id: &str, secret: &str) -> HttpRequest {
        let encoded = STANDARD.encode(format!("{id}:{secret}"));
        TestRequest::default()
            .insert_header(("authorization", format!("Basic {encoded}")))
            .to_http_request()
    }

    #[test]
    fn basic_credentials_are_form_urldecoded() {
        let req = with_basic("my%20app", "s%3Acret+x");
        let (creds, basic) = client_credentials(&req, &OAuthParams::default()).unwrap();
        assert!(basic);
        assert_eq!(creds.client_id, "my app");
        assert_eq!(creds.secret.unwrap().expose(), "s:cret x");
    }

    #[test]
    fn basic_and_body_ids_that_disagree_are_invalid_request() {
        let req = with_basic("a", "s");
        let params = OAuthParams::parse(b"client_id=b");
        let err = client_credentials(&req, &params).unwrap_err();
        assert!(
            matches!(err, ApiError::OAuth { failure, .. } if failure.error == OAuthError::InvalidRequest)
        );
    }

    #[test]
    fn a_body_without_client_id_is_invalid_client_without_a_basic_challenge() {
        let req = TestRequest::default().to_http_request();
        let err = client_credentials(&req, &OAuthParams::default()).unwrap_err();
        assert!(
            matches!(err, ApiError::OAuth { failure, basic: false } if failure.error == OAuthError::InvalidClient)
        );
    }
}
