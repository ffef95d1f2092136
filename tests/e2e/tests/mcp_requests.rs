//! Requests to the MCP endpoint (SPEC §6): every one answered.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tessera_e2e::mcp::{rpc_reply, spawn_mcp};

/// `tools/call whoami` with JSON-RPC id `id`.
fn whoami(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": "whoami", "arguments": {}}})
}

#[tokio::test]
async fn a_flood_of_requests_reusing_one_id_is_answered_and_a_normal_call_stays_prompt() {
    let setup = spawn_mcp().await;
    let session = setup.admin_session().await;

    let flood = (0..90).map(|_| {
        let session = session.clone();
        tokio::spawn(async move {
            let sent = tokio::time::timeout(Duration::from_secs(5), async {
                rpc_reply(session.post(&whoami(7)).await).await
            });
            sent.await.expect("answered within 5 s")
        })
    });
    let replies: Vec<Value> = futures::future::join_all(flood)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();

    for reply in &replies {
        assert_eq!(reply["id"], 7, "{reply}");
        let refused = reply["error"]["code"] == -32600;
        assert!(reply.get("result").is_some() || refused, "{reply}");
    }
    assert!(replies.iter().any(|r| r.get("result").is_some()));
    let started = Instant::now();
    let me = session.call_tool("whoami", json!({})).await;
    assert_eq!(me["structuredContent"]["username"], "admin");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}
