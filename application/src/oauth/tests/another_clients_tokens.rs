//! A client may revoke and introspect only the tokens issued to itself (RFC 7009 §2.1,
//! RFC 7662 §4, SPEC §4): another client's token stays valid and looks inactive.

use super::*;

#[tokio::test]
async fn a_client_introspects_its_own_access_and_refresh_tokens() {
    let h = harness();
    let tokens = h.tokens(&h.confidential, None).await;
    let creds = IntrospectorCredentials::Client(h.credentials(&h.confidential));
    let access = h
        .service
        .introspect(&creds, &PresentedToken::parse(tokens.access_token.expose()))
        .await;
    assert_eq!(
        access.unwrap().unwrap().client_id,
        h.confidential.id.to_string()
    );
    let refresh = tokens.refresh_token.unwrap();
    let info = h
        .service
        .introspect(&creds, &PresentedToken::parse(refresh.expose()))
        .await;
    assert_eq!(info.unwrap().unwrap().token_type, "refresh_token");
}

#[tokio::test]
async fn introspecting_another_clients_tokens_answers_inactive() {
    let h = harness();
    let tokens = h.tokens(&h.confidential, None).await;
    let other = IntrospectorCredentials::Client(h.credentials(&h.other));
    let access = h
        .service
        .introspect(&other, &PresentedToken::parse(tokens.access_token.expose()))
        .await;
    assert!(access.unwrap().is_none(), "another client's access token");
    let refresh = tokens.refresh_token.unwrap();
    let info = h
        .service
        .introspect(&other, &PresentedToken::parse(refresh.expose()))
        .await;
    assert!(info.unwrap().is_none(), "another client's refresh token");
}

#[tokio::test]
async fn revoking_another_clients_tokens_changes_nothing() {
    let h = harness();
    let tokens = h.tokens(&h.confidential, None).await;
    let other = h.credentials(&h.other);
    let refresh = tokens.refresh_token.clone().unwrap();
    for token in [tokens.access_token.expose(), refresh.expose()] {
        h.service
            .revoke_token(&other, &PresentedToken::parse(token), &actor())
            .await
            .unwrap();
    }
    assert!(h.bearer_ok(&tokens).await, "the access token still works");
    let refreshed = h.refresh(&h.confidential, &refresh, None).await;
    assert!(refreshed.is_ok(), "the refresh token still works");
}

#[tokio::test]
async fn a_client_revoking_its_own_refresh_token_ends_the_grant() {
    let h = harness();
    let tokens = h.tokens(&h.confidential, None).await;
    let own = h.credentials(&h.confidential);
    let refresh = tokens.refresh_token.clone().unwrap();
    h.service
        .revoke_token(&own, &PresentedToken::parse(refresh.expose()), &actor())
        .await
        .unwrap();
    assert!(!h.bearer_ok(&tokens).await);
}
