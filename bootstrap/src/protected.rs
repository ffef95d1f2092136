//! Wiring of protected MCP servers (SPEC §9): the registry's service, the signing keys
//! (first key on first start, sealed under `signing.key_file`), and `tessera keys rotate`.

use anyhow::Context;
use tessera_adapters::postgres::{
    PgAppRepository, PgGrantRepository, PgMcpServerRepository, PgSigningKeys,
};
use tessera_adapters::system::{OsRng, ServerClock};
use tessera_application::Clock;
use tessera_application::mcp_servers::{McpServerPorts, McpServerService};
use tessera_application::ports::{Actor, AuditEntry};

use crate::database::Store;
use crate::settings::Settings;
use crate::startup::Production;

/// The signing keys on `store`, sealed with `signing.key_file` when it is set.
pub fn signing_keys(settings: &Settings, store: &Store) -> anyhow::Result<PgSigningKeys> {
    Ok(PgSigningKeys::new(
        store.db.clone(),
        settings.signing.sealer()?,
    ))
}

/// The protected servers' use cases, after making sure a signing key exists and opens.
pub async fn mcp_server_service(
    settings: &Settings,
    store: &Store,
    clock: &ServerClock,
) -> anyhow::Result<McpServerService<Production>> {
    let keys = signing_keys(settings, store)?;
    keys.ensure_active(clock.now())
        .await
        .context("preparing the signing key of identity assertions")?;
    let ports = McpServerPorts::<Production> {
        servers: PgMcpServerRepository::new(store.db.clone()),
        grants: PgGrantRepository::new(store.db.clone()),
        clients: PgAppRepository::new(store.db.clone()),
        signer: keys,
        clock: clock.clone(),
        rng: OsRng::default(),
    };
    Ok(McpServerService::new(ports, &settings.access_url))
}

/// `tessera keys rotate`: a new active key; the old one stays published until every
/// assertion it signed has expired. Replicas pick it up within seconds, without a restart.
pub async fn rotate_keys(settings: &Settings) -> anyhow::Result<()> {
    let store = Store::open(settings).await?;
    let result = async {
        store.migrate().await?;
        let keys = signing_keys(settings, &store)?;
        let audit = AuditEntry {
            actor: Actor {
                user_id: None,
                name: "tessera keys rotate".into(),
                ip: None,
                user_agent: None,
            },
            action: "rotate",
            target_type: "signing_key",
            target_id: String::new(),
            at: ServerClock::system().now(),
            details: Vec::new(),
        };
        let kid = keys
            .rotate(&audit)
            .await
            .context("rotating the signing key")?;
        println!("rotated the signing key; the active key is now {kid}");
        anyhow::Ok(())
    }
    .await;
    store.shutdown().await;
    result
}
