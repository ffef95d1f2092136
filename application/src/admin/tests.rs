//! Minting the `Admin` capability: only an admin's session does, and only for them.

use crate::admin::{AdminAuthError, NotAdmin, Origin};
use crate::fakes::{new_user, session_service_with_user};
use crate::people::AuthenticateError;
use tessera_domain::SecretString;

#[tokio::test]
async fn a_members_live_session_is_refused_the_admin_capability() {
    let refused = crate::fakes::member_session_as_admin().await;
    assert!(matches!(refused, Err(AdminAuthError::NotAdmin(NotAdmin))));
}

#[tokio::test]
async fn an_admins_session_mints_an_admin_named_and_placed_for_the_audit_log() {
    let (sessions, _) = session_service_with_user(new_user("ada@example.com", "ada", true)).await;
    let password = SecretString::new("correct horse".into());
    let session = sessions
        .log_in("ada@example.com", &password, None)
        .await
        .unwrap();
    let origin = Origin {
        ip: Some("192.0.2.1".parse().unwrap()),
        user_agent: Some("curl".into()),
    };
    let admin = sessions
        .authenticate_admin(session.session.expose(), origin)
        .await
        .unwrap();
    assert_eq!(admin.user_id(), Some(session.user.id));
    assert_eq!(admin.actor().name, "ada");
    assert_eq!(admin.actor().user_agent.as_deref(), Some("curl"));
}

#[tokio::test]
async fn an_unknown_session_is_unauthenticated_rather_than_not_an_admin() {
    let (sessions, _) = session_service_with_user(new_user("ada@example.com", "ada", true)).await;
    let refused = sessions
        .authenticate_admin("tss_nope_nope", Origin::default())
        .await;
    assert!(matches!(
        refused,
        Err(AdminAuthError::Unauthenticated(AuthenticateError::Invalid))
    ));
}
