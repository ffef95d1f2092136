//! MCP sessions (SPEC §6): bound to the person and client that opened them, ended when idle,
//! capped per person and per replica (the least recently used ends first).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use tessera_bootstrap::settings::ConfigDuration;
use tessera_e2e::mcp::{RawMcp, request_message, spawn_mcp, spawn_mcp_with};
use tessera_e2e::registration::native_public_metadata;
use tessera_e2e::spawn_on_database;

/// The status of `tools/list` on `session`.
async fn tools_list_status(session: &RawMcp) -> StatusCode {
    session
        .post(&request_message("tools/list", json!({})))
        .await
        .status()
}

#[tokio::test]
async fn another_persons_token_on_a_session_is_answered_as_if_the_session_did_not_exist() {
    let setup = spawn_mcp().await;
    let admin = setup.admin_session().await;
    let session_id = admin.session_id.clone().unwrap();
    let member_token = setup.member_access_token("mallory").await;
    let intruder = RawMcp::new(&setup.app, &member_token).with_session(&session_id);

    assert_eq!(tools_list_status(&intruder).await, StatusCode::NOT_FOUND);
    let get = intruder
        .request(reqwest::Method::GET)
        .header("Accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), StatusCode::NOT_FOUND);
    assert_eq!(intruder.delete().await.status(), StatusCode::NOT_FOUND);

    assert_eq!(tools_list_status(&admin).await, StatusCode::OK, "untouched");
}

#[tokio::test]
async fn the_same_person_through_another_client_cannot_continue_the_session() {
    let setup = spawn_mcp().await;
    let admin = setup.admin_session().await;
    let other_client = setup
        .app
        .register_client(&native_public_metadata())
        .await
        .client;
    let token = setup.browser.access_token(&other_client, "mcp", None).await;

    let other = RawMcp::new(&setup.app, &token).with_session(admin.session_id.as_ref().unwrap());

    assert_eq!(tools_list_status(&other).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn on_another_replica_a_session_continues_for_its_owner_only() {
    let setup = spawn_mcp().await;
    let first = &setup.app;
    let second = spawn_on_database(first.database_url.clone(), |settings| {
        settings.access_url = first.address.clone();
    })
    .await;
    let admin = setup.admin_session().await;
    let member_token = setup.member_access_token("mallory").await;
    let intruder = RawMcp::new(first, &member_token)
        .with_session(admin.session_id.as_ref().unwrap())
        .via(&second);

    assert_eq!(tools_list_status(&intruder).await, StatusCode::NOT_FOUND);
    assert_eq!(tools_list_status(&admin.via(&second)).await, StatusCode::OK);
}

#[tokio::test]
async fn beyond_the_cap_per_person_their_least_recently_used_session_ends() {
    let setup = spawn_mcp_with(|s| s.mcp.max_sessions_per_user = 2).await;
    let oldest = setup.admin_session().await;
    let used = setup.admin_session().await;
    let member = {
        let mut member = RawMcp::new(&setup.app, &setup.member_access_token("bob").await);
        member.initialize().await;
        member
    };
    assert_eq!(tools_list_status(&oldest).await, StatusCode::OK);
    assert_eq!(tools_list_status(&used).await, StatusCode::OK);

    let newest = setup.admin_session().await;

    assert_eq!(tools_list_status(&oldest).await, StatusCode::NOT_FOUND);
    for session in [&used, &newest, &member] {
        assert_eq!(tools_list_status(session).await, StatusCode::OK);
    }
}

#[tokio::test]
async fn opening_many_sessions_keeps_only_the_most_recently_used_within_the_cap() {
    const CAP: usize = 25;
    let setup = spawn_mcp_with(|s| s.mcp.max_sessions = CAP as u32).await;
    let token = setup.admin_access_token("mcp").await;
    let kept = setup.admin_session().await;
    let mut sessions = Vec::new();
    for i in 0..300 {
        let mut session = RawMcp::new(&setup.app, &token);
        session.initialize().await;
        sessions.push(session);
        if i % 10 == 0 {
            assert_eq!(
                tools_list_status(&kept).await,
                StatusCode::OK,
                "kept in use"
            );
        }
    }

    let (evicted, recent) = sessions.split_at(sessions.len() - (CAP - 1));
    for session in recent {
        assert_eq!(tools_list_status(session).await, StatusCode::OK);
    }
    for session in &evicted[..50] {
        assert_eq!(tools_list_status(session).await, StatusCode::NOT_FOUND);
    }
    assert_eq!(tools_list_status(&kept).await, StatusCode::OK);
    let stored = stored_sessions(&setup.app.database_url).await;
    assert!(stored <= CAP as i64, "{stored} rows stored");
}

/// The rows of `mcp_sessions`, once the background deletions of evicted ones are done.
async fn stored_sessions(database_url: &str) -> i64 {
    let (client, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut count = i64::MAX;
    for _ in 0..50 {
        let row = client
            .query_one("SELECT count(*) FROM mcp_sessions", &[])
            .await
            .unwrap();
        count = row.get(0);
        if count <= 25 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    count
}

#[tokio::test]
async fn a_session_unused_for_the_idle_timeout_is_gone() {
    let setup = spawn_mcp_with(|s| s.mcp.session_idle_timeout = ConfigDuration::minutes(1)).await;
    let idle = setup.admin_session().await;
    let busy = setup.admin_session().await;

    for _ in 0..2 {
        setup.app.clock.advance(time::Duration::seconds(45));
        assert_eq!(tools_list_status(&busy).await, StatusCode::OK);
    }

    assert_eq!(
        tools_list_status(&idle).await,
        StatusCode::NOT_FOUND,
        "idle 90 s"
    );
    assert_eq!(tools_list_status(&busy).await, StatusCode::OK);
}
