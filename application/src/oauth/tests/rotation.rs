//! Refresh tokens: rotation, the reuse grace, reuse detection and scope narrowing.

use super::*;

#[tokio::test]
async fn a_refresh_rotates_and_the_previous_token_is_reissued_only_within_the_grace() {
    let h = harness();
    let first = h.tokens(&h.public, None).await;
    let old = first.refresh_token.unwrap();
    let second = h.refresh(&h.public, &old, None).await.unwrap();
    h.clock.advance(Duration::seconds(5));
    let sibling = h.refresh(&h.public, &old, None).await.unwrap();
    assert!(h.bearer_ok(&sibling).await);
    h.clock.advance(Duration::seconds(5));
    let late = h.refresh(&h.public, &old, None).await.unwrap_err();
    assert_eq!(refused(late), OAuthError::InvalidGrant);
    assert!(!h.bearer_ok(&second).await, "the whole grant is revoked");
    let newest = second.refresh_token.unwrap();
    assert_eq!(
        refused(h.refresh(&h.public, &newest, None).await.unwrap_err()),
        OAuthError::InvalidGrant
    );
}

#[tokio::test]
async fn with_no_grace_a_second_use_revokes_the_grant() {
    let h = harness_with_grace(Duration::ZERO);
    let old = h.tokens(&h.public, None).await.refresh_token.unwrap();
    let fresh = h.refresh(&h.public, &old, None).await.unwrap();
    assert_eq!(
        refused(h.refresh(&h.public, &old, None).await.unwrap_err()),
        OAuthError::InvalidGrant
    );
    assert!(!h.bearer_ok(&fresh).await);
}

#[tokio::test]
async fn an_older_generation_revokes_the_grant_even_within_the_grace() {
    let h = harness();
    let gen0 = h.tokens(&h.public, None).await.refresh_token.unwrap();
    let gen1 = h
        .refresh(&h.public, &gen0, None)
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    let gen2 = h.refresh(&h.public, &gen1, None).await.unwrap();
    assert_eq!(
        refused(h.refresh(&h.public, &gen0, None).await.unwrap_err()),
        OAuthError::InvalidGrant
    );
    assert!(!h.bearer_ok(&gen2).await);
}

#[tokio::test]
async fn a_refresh_may_narrow_the_scope_but_never_widen_it() {
    let h = harness();
    let tokens = h.tokens(&h.public, Some("user:read")).await;
    let token = tokens.refresh_token.unwrap();
    let wider = h
        .refresh(&h.public, &token, Some("user:read mcp"))
        .await
        .unwrap_err();
    assert_eq!(refused(wider), OAuthError::InvalidScope);
    let narrowed = h
        .refresh(&h.public, &token, Some("user:read"))
        .await
        .unwrap();
    assert_eq!(narrowed.scopes.to_string(), "user:read");
}
