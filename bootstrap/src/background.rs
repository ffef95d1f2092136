//! Work no request waits for: the periodic sweep of expired rows.

use actix_web::web;
use tessera_adapters::postgres::Database;
use tessera_adapters::system::ServerClock;
use tessera_application::Clock;
use tessera_application::registration::RegistrationService;

use crate::startup::Production;

/// Every 10 minutes (and once at start-up): expired rows and unused registered clients go.
/// Plain `DELETE`s, so every replica runs it.
pub(crate) async fn sweep_periodically(
    db: Database,
    registrations: web::Data<RegistrationService<Production>>,
    clock: ServerClock,
) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        match registrations.expire_unused().await {
            Ok(0) => {}
            Ok(removed) => {
                tracing::info!(removed, "deleted registered clients that were never used")
            }
            Err(e) => tracing::warn!(error = %e, "expiring unused registered clients"),
        }
        match tessera_adapters::postgres::sweep_expired(&db, clock.now()).await {
            Ok(removed) => tracing::debug!(removed, "swept expired rows"),
            Err(e) => tracing::warn!(error = %e, "sweeping expired rows"),
        }
    }
}
