//! Apps, secrets and the audit log against a real, fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use tessera_adapters::postgres::{Database, PgAppRepository, PgAuditRepository};
use tessera_application::ports::{Actor, AppRepository, AuditEntry, AuditRepository, NewAppSecret};
use tessera_domain::{
    App, AppDraft, AppSecretInfo, AuditQuery, Credential, CredentialKind, RegistrationSource,
    UserId,
};
use time::OffsetDateTime;
use uuid::Uuid;

async fn migrated_db() -> Database {
    Database::connect(&tessera_test_support::migrated_database().await, 4).unwrap()
}

fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap()
}

fn new_app() -> App {
    let draft = AppDraft::parse("Docs", "https://docs.example/cb", None, None, None).unwrap();
    App {
        id: Uuid::new_v4(),
        draft,
        source: RegistrationSource::Admin,
        created_at: now(),
        updated_at: now(),
        origin: Default::default(),
        last_token_at: None,
        blocked: false,
    }
}

fn audit(action: &'static str, target: &App) -> AuditEntry {
    let actor = Actor {
        user_id: None,
        name: "admin".into(),
        ip: Some("192.0.2.7".parse().unwrap()),
        user_agent: None,
    };
    AuditEntry {
        actor,
        action,
        target_type: "app",
        target_id: target.id.to_string(),
        at: now(),
        details: vec![("name", "Docs".into())],
    }
}

async fn count(db: &Database, table: &str) -> i64 {
    let client = db.client().await.unwrap();
    client
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn an_app_reads_back_as_it_was_written() {
    let db = migrated_db().await;
    let repo = PgAppRepository::new(db.clone());
    let app = new_app();
    repo.insert(&app, &audit("create", &app)).await.unwrap();
    assert_eq!(repo.find(app.id).await.unwrap(), Some(app.clone()));
    assert_eq!(repo.list(None).await.unwrap(), vec![app]);
}

#[tokio::test]
async fn deleting_an_app_takes_secrets_codes_grants_and_tokens_with_it_in_one_go() {
    let db = migrated_db().await;
    let repo = PgAppRepository::new(db.clone());
    let app = new_app();
    repo.insert(&app, &audit("create", &app)).await.unwrap();
    let credential = Credential::from_entropy(CredentialKind::ClientSecret, [1; 8], [2; 32]);
    let info = AppSecretInfo {
        id: Uuid::new_v4(),
        display_suffix: credential.last_chars(6),
        created_at: now(),
        last_used_at: None,
    };
    let secret = NewAppSecret {
        info,
        lookup_id: credential.lookup_id().clone(),
        hash: credential.hash(),
    };
    assert!(
        repo.insert_secret(app.id, &secret, &audit("create", &app))
            .await
            .unwrap()
    );
    // A user's grant with a code and tokens, as the authorization flow will write them.
    let client = db.client().await.unwrap();
    client
        .batch_execute(&format!(
            "INSERT INTO users VALUES ('{u}', 'a@example.com', 'a@example.com', 'a', 'x', false, now());
             INSERT INTO oauth2_grants (id, app_id, user_id, scopes, created_at, expires_at)
               VALUES ('{g}', '{a}', '{u}', ARRAY['mcp'], now(), now() + interval '1 day');
             INSERT INTO oauth2_codes (lookup_id, secret_hash, app_id, user_id, redirect_uri, redirect_uri_sent,
               code_challenge, scopes, created_at, expires_at, consumed_at, grant_id)
               VALUES ('c1', decode(repeat('00', 32), 'hex'), '{a}', '{u}', 'https://docs.example/cb', true,
                       repeat('a', 43), ARRAY['mcp'], now(), now(), now(), '{g}');
             INSERT INTO oauth2_access_tokens VALUES ('t1', decode(repeat('00', 32), 'hex'), '{g}', 'x', ARRAY['mcp'], now(), now());
             INSERT INTO oauth2_refresh_tokens VALUES ('r1', decode(repeat('00', 32), 'hex'), '{g}', 0, ARRAY['mcp'], now(), NULL);",
            u = Uuid::new_v4(),
            g = Uuid::new_v4(),
            a = app.id,
        ))
        .await
        .unwrap();
    let user: Uuid = client
        .query_one("SELECT id FROM users", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        repo.list(Some(UserId::new(user))).await.unwrap().len(),
        1,
        "the user authorized the app"
    );

    assert!(repo.delete(app.id, &audit("delete", &app)).await.unwrap());

    for table in [
        "oauth2_apps",
        "oauth2_app_secrets",
        "oauth2_grants",
        "oauth2_codes",
        "oauth2_access_tokens",
        "oauth2_refresh_tokens",
    ] {
        assert_eq!(count(&db, table).await, 0, "{table}");
    }
    assert!(
        !repo.delete(app.id, &audit("delete", &app)).await.unwrap(),
        "a second delete finds nothing"
    );
    assert_eq!(
        count(&db, "audit_log").await,
        3,
        "the failed delete is not audited"
    );
}

#[tokio::test]
async fn the_audit_log_reads_back_newest_first_with_where_it_came_from() {
    let db = migrated_db().await;
    let repo = PgAppRepository::new(db.clone());
    let app = new_app();
    repo.insert(&app, &audit("create", &app)).await.unwrap();
    repo.update(&app, &audit("update", &app)).await.unwrap();
    let (records, total) = PgAuditRepository::new(db)
        .list(&AuditQuery::all())
        .await
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(records[0].action, "update");
    assert_eq!(records[1].actor.ip, Some("192.0.2.7".parse().unwrap()));
    assert_eq!(
        records[1].details,
        vec![("name".to_owned(), "Docs".to_owned())]
    );
}

#[tokio::test]
async fn the_grant_types_check_admits_exactly_the_grants_the_domain_supports() {
    let db = migrated_db().await;
    let client = db.client().await.unwrap();
    let row = client
        .query_one(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint
             WHERE conrelid = 'oauth2_apps'::regclass AND contype = 'c'
               AND pg_get_constraintdef(oid) LIKE '%grant_types%'",
            &[],
        )
        .await
        .unwrap();
    let check: String = row.get(0);
    let mut in_sql: Vec<&str> = check.split('\'').skip(1).step_by(2).collect();
    let mut in_enum: Vec<&str> = tessera_domain::GrantType::ALL.map(|g| g.as_str()).into();
    in_sql.sort_unstable();
    in_enum.sort_unstable();
    assert_eq!(in_sql, in_enum, "{check}");
}
