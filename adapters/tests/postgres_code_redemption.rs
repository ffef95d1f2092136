//! Redeeming a code on PostgreSQL (migrations/V20): the code row is updated in place, writing
//! no index entry, and a used code whose grant is gone is still refused, with nothing to revoke.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

#[path = "support/table_stats.rs"]
mod table_stats;
#[path = "support/world.rs"]
mod world;

use table_stats::table_stats;
use tessera_adapters::postgres::Database;
use tessera_application::Clock;
use tessera_application::contracts::World;
use tessera_application::contracts::fixtures::{app, audited_by, code, entry_by, person, redeem};
use tessera_application::ports::{CodeOutcome, GrantRepository, Presenter};
use tessera_domain::{App, LookupId};

/// A fresh database on a pool of `connections`, its world, an app, and an unused code of it.
async fn unused_code(connections: usize) -> (Database, World<world::PgPorts>, App, LookupId) {
    let url = tessera_test_support::migrated_database().await;
    let db = Database::connect(&url, connections).unwrap();
    let w = world::pg_world_on(db.clone()).await;
    let (user, client) = (person(&w, "ada").await, app(&w, "Editor").await);
    let lookup = code(&w, &user, &client, "mcp").await;
    (db, w, client, lookup)
}

#[tokio::test]
async fn redeeming_a_code_updates_its_row_in_place_without_touching_an_index() {
    let (db, w, client, lookup) = unused_code(1).await;
    let before = table_stats(&db, "oauth2_codes").await;
    redeem(&w, &lookup, &client, "mcp", w.clock.now()).await;
    let after = table_stats(&db, "oauth2_codes").await;
    assert_eq!(
        after.updates - before.updates,
        1,
        "the redemption updates the code once"
    );
    assert_eq!(
        after.hot_updates - before.hot_updates,
        1,
        "as a heap-only update"
    );
}

#[tokio::test]
async fn a_used_code_whose_grant_was_swept_is_still_seen_as_used_and_revokes_nothing() {
    let (db, w, client, lookup) = unused_code(2).await;
    let issued = redeem(&w, &lookup, &client, "mcp", w.clock.now()).await;
    // As the sweep does to a grant that expired before its code (a short refresh_ttl).
    let sql = "DELETE FROM oauth2_grants WHERE id = $1";
    let conn = db.client().await.unwrap();
    assert_eq!(conn.execute(sql, &[&issued.grant_id]).await.unwrap(), 1);
    drop(conn);
    let presenter = Presenter {
        client_id: client.id,
        secret: None,
    };
    let audit = entry_by("replay", "revoke", "grant", issued.grant_id, w.clock.now());
    let replay = w.grants.redeem_code(&lookup, presenter, |_, code| {
        let into = code.and_then(|c| c.redeemed_into);
        let outcome = into.map_or(CodeOutcome::Refuse, |grant| {
            CodeOutcome::RevokeGrant(grant, audit)
        });
        (outcome, into)
    });
    assert_eq!(replay.await.unwrap(), Some(issued.grant_id), "still used");
    assert!(audited_by(&w, "replay").await.is_empty(), "nothing revoked");
}
