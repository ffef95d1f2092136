//! AppService with in-memory fakes.

use tessera_domain::AppDraft;

use super::*;
use crate::admin::{AdminAuthError, NotAdmin};
use crate::fakes::{an_admin, app_service, member_session_as_admin};

fn actor() -> Admin {
    an_admin()
}

fn draft(name: &str, client_type: &str) -> AppDraft {
    AppDraft::parse(
        name,
        "https://app.example/cb",
        None,
        None,
        Some(client_type),
    )
    .unwrap()
}

#[tokio::test]
async fn a_created_app_is_listed_and_audited() {
    let (service, audit) = app_service();
    let app = service
        .create_app(&actor(), draft("Docs", "confidential"))
        .await
        .unwrap();
    assert_eq!(
        service.list_apps(&actor(), None).await.unwrap(),
        vec![app.clone()]
    );
    let entries = audit.entries();
    assert_eq!(
        (entries[0].action, entries[0].target_type),
        ("create", "app")
    );
    assert_eq!(entries[0].target_id, app.id.to_string());
}

#[tokio::test]
async fn an_app_cannot_switch_between_confidential_and_public() {
    let (service, _) = app_service();
    let app = service
        .create_app(&actor(), draft("Docs", "confidential"))
        .await
        .unwrap();
    let result = service
        .update_app(&actor(), app.id, draft("Docs", "public"))
        .await;
    assert!(matches!(result, Err(AppError::Invalid(p)) if p[0].field == "client_type"));
}

#[tokio::test]
async fn a_secret_is_shown_once_and_listed_by_its_last_six_characters() {
    let (service, _) = app_service();
    let app = service
        .create_app(&actor(), draft("Docs", "confidential"))
        .await
        .unwrap();
    let (info, credential) = service.create_secret(&actor(), app.id).await.unwrap();
    assert!(credential.expose().starts_with("tcs_"));
    let listed = service.list_secrets(&actor(), app.id).await.unwrap();
    assert_eq!(listed, vec![info.clone()]);
    assert!(credential.expose().ends_with(&listed[0].display_suffix));
    assert_eq!(listed[0].display_suffix.len(), 6);
}

#[tokio::test]
async fn unknown_apps_and_secrets_are_not_found() {
    let (service, _) = app_service();
    let nobody = Uuid::new_v4();
    assert!(matches!(
        service.get_app(&actor(), nobody).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        service.delete_app(&actor(), nobody).await,
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        service.create_secret(&actor(), nobody).await,
        Err(AppError::NotFound)
    ));
    let app = service
        .create_app(&actor(), draft("Docs", "confidential"))
        .await
        .unwrap();
    assert!(matches!(
        service.delete_secret(&actor(), app.id, nobody).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn deleting_an_app_takes_its_secrets() {
    let (service, _) = app_service();
    let app = service
        .create_app(&actor(), draft("Docs", "confidential"))
        .await
        .unwrap();
    service.create_secret(&actor(), app.id).await.unwrap();
    service.delete_app(&actor(), app.id).await.unwrap();
    assert!(matches!(
        service.list_secrets(&actor(), app.id).await,
        Err(AppError::NotFound)
    ));
}

#[tokio::test]
async fn a_member_cannot_reach_the_app_use_cases_for_want_of_the_admin_capability() {
    let refused = member_session_as_admin().await;
    assert!(matches!(refused, Err(AdminAuthError::NotAdmin(NotAdmin))));
}
