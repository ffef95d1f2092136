//! The client authenticates first (RFC 6749 §3.2.1), inside the redemption: a wrong client
//! is `invalid_client` whatever the grant, and leaves the code as it was.

use super::*;

fn exchange_of(code: &Credential) -> CodeExchange {
    CodeExchange {
        code: code.clone(),
        verifier: CodeVerifier::parse(VERIFIER).unwrap(),
        redirect_uri: None,
        scope: None,
        resource: None,
    }
}

#[tokio::test]
async fn a_wrong_secret_is_invalid_client_and_leaves_the_code_redeemable() {
    let h = harness();
    let request = h.request(&h.confidential, None, None).await;
    let code = h.code(&h.member, &request).await;
    let mut wrong = h.credentials(&h.confidential);
    wrong.secret = Some(tessera_domain::SecretString::new(
        h.other_secret.expose().to_owned(),
    ));
    let grant = Ok(TokenGrant::Code(exchange_of(&code)));
    let err = h.service.token(&wrong, grant, &actor()).await.unwrap_err();
    assert_eq!(refused(err), OAuthError::InvalidClient);
    assert!(h.exchange(&h.confidential, &code).await.is_ok());
}

#[tokio::test]
async fn an_unknown_client_with_an_unknown_code_is_invalid_client() {
    let h = harness();
    let stranger = ClientCredentials {
        client_id: ClientId::Registered(Uuid::new_v4()),
        secret: None,
    };
    let unknown = credential(CredentialKind::AuthorizationCode, 77);
    let grant = Ok(TokenGrant::Code(exchange_of(&unknown)));
    let err = h.service.token(&stranger, grant, &actor()).await;
    assert_eq!(refused(err.unwrap_err()), OAuthError::InvalidClient);
}

#[tokio::test]
async fn a_malformed_grant_answers_invalid_client_first_then_its_own_error() {
    let h = harness();
    let malformed = || {
        Err(tessera_domain::OAuthFailure::new(
            OAuthError::InvalidRequest,
            "grant_type is required.",
        ))
    };
    let mut wrong = h.credentials(&h.confidential);
    wrong.secret = None;
    let err = h.service.token(&wrong, malformed(), &actor()).await;
    assert_eq!(refused(err.unwrap_err()), OAuthError::InvalidClient);
    let right = h.credentials(&h.confidential);
    let err = h.service.token(&right, malformed(), &actor()).await;
    assert_eq!(refused(err.unwrap_err()), OAuthError::InvalidRequest);
}
