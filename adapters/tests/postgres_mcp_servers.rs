//! Protected MCP servers, their credentials and the signing keys against a real, fresh
//! database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use tessera_adapters::postgres::{
    Database, PgMcpServerRepository, PgSigningKeys, SigningError, migrate,
};
use tessera_adapters::signing::Sealer;
use tessera_application::RepoError;
use tessera_application::ports::{
    Actor, AssertionSigner, AuditEntry, McpServerRepository, NewServerCredential,
};
use tessera_domain::{
    AppSecretInfo, Assertion, AssertionSubject, Credential, CredentialKind, McpServer,
    McpServerDraft, McpServerInput, Scope, ScopeSet, ServerSlug, UserId,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

async fn migrated_db() -> Database {
    let db = Database::connect(&tessera_test_support::fresh_database().await, 4).unwrap();
    migrate(&db).await.unwrap();
    db
}

fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap()
}

fn server(slug: &str) -> McpServer {
    let scopes = vec!["mcp".to_owned(), "user:read".to_owned()];
    let draft = McpServerDraft::parse(McpServerInput {
        slug,
        name: "Docs MCP",
        upstream_url: "http://10.0.0.5:8080/mcp",
        scopes: Some(&scopes),
        timeout_seconds: Some(45),
    })
    .unwrap();
    McpServer {
        id: Uuid::new_v4(),
        draft,
        created_at: now(),
        updated_at: now(),
    }
}

fn audit(action: &'static str, target_type: &'static str) -> AuditEntry {
    AuditEntry {
        actor: Actor {
            user_id: None,
            name: "admin".into(),
            ip: None,
            user_agent: None,
        },
        action,
        target_type,
        target_id: "docs".into(),
        at: now(),
        details: Vec::new(),
    }
}

async fn count(db: &Database, sql: &str) -> i64 {
    let client = db.client().await.unwrap();
    client.query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn a_server_reads_back_as_written_and_its_slug_is_unique() {
    let db = migrated_db().await;
    let repo = PgMcpServerRepository::new(db.clone());
    let docs = server("docs");
    repo.insert(&docs, &audit("create", "mcp_server"))
        .await
        .unwrap();
    let slug = ServerSlug::parse("docs").unwrap();
    assert_eq!(repo.find(&slug).await.unwrap(), Some(docs.clone()));
    assert_eq!(repo.list().await.unwrap(), vec![docs]);
    let clash = repo
        .insert(&server("docs"), &audit("create", "mcp_server"))
        .await;
    assert!(matches!(clash, Err(RepoError::Conflict { field: "slug" })));
    let entries = "SELECT count(*) FROM audit_log WHERE target_type = 'mcp_server'";
    assert_eq!(count(&db, entries).await, 1);
}

#[tokio::test]
async fn deleting_a_server_revokes_the_grants_for_its_url_and_takes_its_credentials() {
    let db = migrated_db().await;
    let repo = PgMcpServerRepository::new(db.clone());
    repo.insert(&server("docs"), &audit("create", "mcp_server"))
        .await
        .unwrap();
    let slug = ServerSlug::parse("docs").unwrap();
    let credential = Credential::from_entropy(CredentialKind::IntrospectionSecret, [1; 8], [2; 32]);
    let new = NewServerCredential {
        info: AppSecretInfo {
            id: Uuid::new_v4(),
            display_suffix: credential.last_chars(6),
            created_at: now(),
            last_used_at: None,
        },
        lookup_id: credential.lookup_id().clone(),
        hash: credential.hash(),
    };
    let created = audit("create", "mcp_server_credential");
    assert!(repo.insert_credential(&slug, &new, &created).await.unwrap());
    let stored = repo
        .find_credential(credential.lookup_id())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.hash.matches(&credential.hash()));
    assert_eq!(stored.server.draft.slug, slug);

    let client = db.client().await.unwrap();
    client
        .batch_execute(
            "INSERT INTO users (id, email, email_normalized, username, password_hash, admin, created_at)
               VALUES ('00000000-0000-0000-0000-000000000001', 'a@example.com', 'a@example.com', 'a', 'x', false, now());
             INSERT INTO oauth2_apps (id, name, callback_url, redirect_uris, client_type, token_endpoint_auth_method, source, created_at, updated_at)
               VALUES ('00000000-0000-0000-0000-000000000002', 'App', 'https://a.example/cb', ARRAY['https://a.example/cb'], 'public', 'none', 'admin', now(), now());
             INSERT INTO oauth2_grants (id, app_id, user_id, scopes, resources, created_at, expires_at)
               VALUES ('00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001', ARRAY['mcp'], ARRAY['https://auth.example/mcp/docs'], now(), now() + interval '1 day'),
                      ('00000000-0000-0000-0000-000000000004', '00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001', ARRAY['mcp'], ARRAY['https://auth.example/mcp/other'], now(), now() + interval '1 day');",
        )
        .await
        .unwrap();
    drop(client);
    let deleted = repo
        .delete(
            &slug,
            "https://auth.example/mcp/docs",
            now(),
            &audit("delete", "mcp_server"),
        )
        .await
        .unwrap();
    assert!(deleted);
    assert_eq!(repo.find(&slug).await.unwrap(), None);
    assert!(
        repo.find_credential(credential.lookup_id())
            .await
            .unwrap()
            .is_none()
    );
    let revoked = "SELECT count(*) FROM oauth2_grants WHERE revoked_at IS NOT NULL";
    assert_eq!(count(&db, revoked).await, 1, "only the grant for its URL");
    let again = repo
        .delete(&slug, "x", now(), &audit("delete", "mcp_server"))
        .await;
    assert!(!again.unwrap());
}

fn assertion() -> Assertion {
    let scope = ScopeSet::from_scopes([Scope::Mcp]);
    let who = AssertionSubject {
        issuer: "https://auth.example",
        audience: "https://auth.example/mcp/docs",
        subject: UserId::new(Uuid::nil()),
        client_id: "c",
        scope: &scope,
    };
    Assertion::new(who, Uuid::new_v4(), now())
}

fn kid_of(jwt: &str) -> String {
    use base64::Engine;
    let header = jwt.split('.').next().unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

const KEY_FILE: &[u8] = b"0123456789abcdef0123456789abcdef-test";

#[tokio::test]
async fn replicas_starting_at_once_agree_on_one_sealed_key_and_sign_with_it() {
    let db = migrated_db().await;
    let first = PgSigningKeys::new(db.clone(), Some(Sealer::from_key_file(KEY_FILE).unwrap()));
    let second = PgSigningKeys::new(db.clone(), Some(Sealer::from_key_file(KEY_FILE).unwrap()));
    let (a, b) = tokio::join!(first.ensure_active(now()), second.ensure_active(now()));
    a.unwrap();
    b.unwrap();
    assert_eq!(count(&db, "SELECT count(*) FROM signing_keys").await, 1);
    let client = db.client().await.unwrap();
    let row = client
        .query_one("SELECT sealing, private_key FROM signing_keys", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "aes-256-gcm");
    assert_ne!(row.get::<_, Vec<u8>>(1).len(), 32, "not the bare seed");
    let (x, y) = (
        first.sign(&assertion()).await.unwrap(),
        second.sign(&assertion()).await.unwrap(),
    );
    assert_eq!(kid_of(&x), kid_of(&y));
    let keys = first.public_keys().await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].kid, kid_of(&x));
}

#[tokio::test]
async fn a_sealed_key_refuses_to_start_without_its_key_file() {
    let db = migrated_db().await;
    let sealed = PgSigningKeys::new(db.clone(), Some(Sealer::from_key_file(KEY_FILE).unwrap()));
    sealed.ensure_active(now()).await.unwrap();
    let bare = PgSigningKeys::new(db.clone(), None);
    assert!(matches!(
        bare.ensure_active(now()).await,
        Err(SigningError::KeyFileMissing)
    ));
    let other = Sealer::from_key_file(b"another key file, also at least 32 bytes").unwrap();
    let wrong = PgSigningKeys::new(db, Some(other));
    assert!(matches!(
        wrong.ensure_active(now()).await,
        Err(SigningError::OtherKeyFile(_))
    ));
}

#[tokio::test]
async fn a_rotation_keeps_the_old_key_published_and_unsealed_keys_work_without_a_key_file() {
    let db = migrated_db().await;
    let keys = PgSigningKeys::new(db.clone(), None);
    keys.ensure_active(now()).await.unwrap();
    let before = kid_of(&keys.sign(&assertion()).await.unwrap());
    let rotated = keys.rotate(&audit("rotate", "signing_key")).await.unwrap();
    assert_ne!(rotated, before);
    let published: Vec<String> = keys
        .public_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(published, [rotated.clone(), before.clone()]);
    // A replica that never loaded the old key signs with the new one at once.
    let fresh = PgSigningKeys::new(db.clone(), None);
    assert_eq!(kid_of(&fresh.sign(&assertion()).await.unwrap()), rotated);
    // Once its assertions have expired, the old key is no longer published.
    let client = db.client().await.unwrap();
    let long_ago = now() - Duration::minutes(10);
    client
        .execute(
            "UPDATE signing_keys SET retired_at = $1 WHERE kid = $2",
            &[&long_ago, &before],
        )
        .await
        .unwrap();
    let published: Vec<String> = keys
        .public_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(published, [rotated]);
    let audited =
        "SELECT count(*) FROM audit_log WHERE action = 'rotate' AND target_type = 'signing_key'";
    assert_eq!(count(&db, audited).await, 1);
}
