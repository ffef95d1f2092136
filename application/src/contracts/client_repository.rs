//! [`ClientRepository`]: an admin's app as the OAuth endpoints see it.

use tessera_domain::{ClientType, CredentialKind, GrantType};

use super::World;
use super::fixtures::{app, entry, unknown_lookup};
use crate::ports::*;
use crate::{Clock, Rng};

/// An app is a client with its name, redirect URIs, type, both grants, and its block.
pub async fn an_app_is_a_client<P: Ports>(w: &World<P>) {
    let app = app(w, "Editor").await;
    let client = w.clients.find_client(app.id).await.unwrap().unwrap();
    assert_eq!((client.id, client.name.as_str()), (app.id, "Editor"));
    assert_eq!(client.redirect_uris, app.draft.redirect_uris);
    assert_eq!(client.client_type, ClientType::Confidential);
    let grants = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
    assert_eq!(
        (client.grant_types, client.scope, client.cimd_url),
        (grants, None, None)
    );
    assert!(!client.blocked);
    let audit = entry("block", "app", &app.id.to_string(), w.clock.now());
    w.apps.set_blocked(app.id, true, &audit).await.unwrap();
    assert!(
        w.clients
            .find_client(app.id)
            .await
            .unwrap()
            .unwrap()
            .blocked
    );
}

/// Unknown clients and secrets are not found.
pub async fn unknown_clients_and_secrets_are_not_found<P: Ports>(w: &World<P>) {
    assert!(w.clients.find_client(w.rng.uuid()).await.unwrap().is_none());
    let lookup = unknown_lookup(w, CredentialKind::ClientSecret);
    assert!(w.clients.find_secret(&lookup).await.unwrap().is_none());
}

/// Every test of [`ClientRepository`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! client_repository_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, client_repository:
            an_app_is_a_client,
            unknown_clients_and_secrets_are_not_found,
        );
    };
}
