//! [`McpServerRepository`]: protected servers and their introspection credentials.

use tessera_domain::{
    AppSecretInfo, CredentialKind, McpServer, McpServerDraft, McpServerInput, ServerSlug,
};

use super::World;
use super::fixtures::{
    app, audited_by, entry_by, grant_for_resource, person, remembered, unknown_lookup,
};
use crate::ports::*;
use crate::{Clock, Rng, issue_credential};

fn server<P: Ports>(w: &World<P>, slug: &str, name: &str) -> McpServer {
    let scopes = vec!["mcp".to_owned()];
    let draft = McpServerDraft::parse(McpServerInput {
        slug,
        name,
        upstream_url: "http://10.0.0.5:8080/mcp",
        scopes: Some(&scopes),
        timeout_seconds: Some(45),
    })
    .unwrap();
    McpServer {
        id: w.rng.uuid(),
        draft,
        created_at: w.clock.now(),
        updated_at: w.clock.now(),
    }
}

/// A server reads back by slug and in the list; a taken slug is a conflict; updating and
/// deleting an unknown server are `false` and audit nothing.
pub async fn servers_read_back_and_slugs_are_unique<P: Ports>(w: &World<P>) {
    let docs = server(w, "docs", "Docs");
    let audit = entry_by("operator", "create", "mcp_server", "docs", w.clock.now());
    w.mcp_servers.insert(&docs, &audit).await.unwrap();
    let clash = w
        .mcp_servers
        .insert(&server(w, "docs", "Other"), &audit)
        .await;
    assert!(matches!(clash, Err(RepoError::Conflict { field: "slug" })));
    let slug = ServerSlug::parse("docs").unwrap();
    assert_eq!(w.mcp_servers.find(&slug).await.unwrap(), Some(docs.clone()));
    assert_eq!(w.mcp_servers.list().await.unwrap(), vec![docs]);
    let ghost = server(w, "ghost", "Ghost");
    assert!(!w.mcp_servers.update(&ghost, &audit).await.unwrap());
    let (resource, at) = ("https://auth.example/mcp/ghost", w.clock.now());
    let gone = w
        .mcp_servers
        .delete(&ghost.draft.slug, resource, at, &audit)
        .await
        .unwrap();
    assert!(!gone);
    assert_eq!(audited_by(w, "operator").await.len(), 1);
    let resource = "https://auth.example/mcp/docs";
    assert!(
        w.mcp_servers
            .delete(&slug, resource, at, &audit)
            .await
            .unwrap()
    );
    assert!(w.mcp_servers.find(&slug).await.unwrap().is_none());
}

/// A credential is stored, listed, found with its server, and deleted once; an unknown
/// server has none.
pub async fn credentials_are_stored_found_and_deleted<P: Ports>(w: &World<P>) {
    let docs = server(w, "docs", "Docs");
    let audit = entry_by(
        "operator",
        "create",
        "mcp_server_credential",
        "c",
        w.clock.now(),
    );
    w.mcp_servers.insert(&docs, &audit).await.unwrap();
    let slug = docs.draft.slug.clone();
    let ghost = ServerSlug::parse("ghost").unwrap();
    assert_eq!(
        w.mcp_servers.list_credentials(&slug).await.unwrap(),
        Some(Vec::new())
    );
    assert_eq!(w.mcp_servers.list_credentials(&ghost).await.unwrap(), None);
    let secret = issue_credential(&w.rng, CredentialKind::IntrospectionSecret);
    let new = NewServerCredential {
        info: AppSecretInfo {
            id: w.rng.uuid(),
            display_suffix: secret.last_chars(6),
            created_at: w.clock.now(),
            last_used_at: None,
        },
        lookup_id: secret.lookup_id().clone(),
        hash: secret.hash(),
    };
    assert!(
        !w.mcp_servers
            .insert_credential(&ghost, &new, &audit)
            .await
            .unwrap()
    );
    assert!(
        w.mcp_servers
            .insert_credential(&slug, &new, &audit)
            .await
            .unwrap()
    );
    let listed = w.mcp_servers.list_credentials(&slug).await.unwrap();
    assert_eq!(listed, Some(vec![new.info.clone()]));
    let found = w
        .mcp_servers
        .find_credential(secret.lookup_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.server, found.hash.as_bytes()),
        (docs, secret.hash().as_bytes())
    );
    let unknown = unknown_lookup(w, CredentialKind::IntrospectionSecret);
    assert!(
        w.mcp_servers
            .find_credential(&unknown)
            .await
            .unwrap()
            .is_none()
    );
    let other = w.rng.uuid();
    assert!(
        !w.mcp_servers
            .delete_credential(&slug, other, &audit)
            .await
            .unwrap()
    );
    assert!(
        w.mcp_servers
            .delete_credential(&slug, new.info.id, &audit)
            .await
            .unwrap()
    );
    assert!(
        w.mcp_servers
            .find_credential(secret.lookup_id())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(audited_by(w, "operator").await.len(), 3);
}

/// Deleting a server revokes the grants, deletes the pending codes and forgets the
/// approvals for its resource, and no other.
pub async fn deleting_a_server_revokes_access_to_it<P: Ports>(w: &World<P>) {
    let (docs, wiki) = (server(w, "docs", "Docs"), server(w, "wiki", "Wiki"));
    let audit = entry_by("operator", "create", "mcp_server", "s", w.clock.now());
    w.mcp_servers.insert(&docs, &audit).await.unwrap();
    w.mcp_servers.insert(&wiki, &audit).await.unwrap();
    let (user, app) = (person(w, "ada").await, app(w, "Editor").await);
    let (docs_url, wiki_url) = (
        "https://auth.example/mcp/docs",
        "https://auth.example/mcp/wiki",
    );
    let to_docs = grant_for_resource(w, &user, &app, docs_url, w.clock.now()).await;
    let to_wiki = grant_for_resource(w, &user, &app, wiki_url, w.clock.now()).await;
    let (slug, at) = (docs.draft.slug.clone(), w.clock.now());
    assert!(
        w.mcp_servers
            .delete(&slug, docs_url, at, &audit)
            .await
            .unwrap()
    );
    let access = w.grants.find_access_token(&to_docs.access).await.unwrap();
    assert!(access.unwrap().revoked);
    assert!(!remembered(w, user.id, app.id, Some(docs_url)).await);
    let access = w.grants.find_access_token(&to_wiki.access).await.unwrap();
    assert!(!access.unwrap().revoked);
    assert!(remembered(w, user.id, app.id, Some(wiki_url)).await);
}

/// Every test of [`McpServerRepository`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! mcp_server_repository_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, mcp_server_repository:
            servers_read_back_and_slugs_are_unique,
            credentials_are_stored_found_and_deleted,
            deleting_a_server_revokes_access_to_it,
        );
    };
}
