//! `/healthz` and `/readyz` (SPEC §8).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::{HttpResponse, web};

use crate::postgres::{Database, schema_is_current};
use crate::system::HashingHealth;

/// How long a password hash may wait or run before the hashing pool counts as stuck: a
/// hash takes well under a second and the queue is a few seconds long at most.
const HASHING_STALL: Duration = Duration::from_secs(30);

/// What `/readyz` looks at: the database, the schema, password hashing, and whether
/// shutdown has begun.
#[derive(Debug, Clone)]
pub struct Readiness {
    db: Database,
    hashing: HashingHealth,
    hashing_stall: Duration,
    shutting_down: Arc<AtomicBool>,
}

impl Readiness {
    /// `shutting_down` is set by the signal handler when SIGTERM arrives.
    pub fn new(db: Database, hashing: HashingHealth, shutting_down: Arc<AtomicBool>) -> Self {
        Self {
            db,
            hashing,
            hashing_stall: HASHING_STALL,
            shutting_down,
        }
    }
}

/// The process is up.
pub(crate) async fn get_healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Ready for traffic: no shutdown under way, password hashing moves (else every login
/// would hang), the database answers and the schema is current.
pub(crate) async fn get_readyz(readiness: web::Data<Readiness>) -> HttpResponse {
    let reason = if readiness.shutting_down.load(Ordering::SeqCst) {
        "shutting down"
    } else if readiness
        .hashing
        .stalled_longer_than(readiness.hashing_stall)
    {
        "password hashing is stuck"
    } else {
        match schema_is_current(&readiness.db).await {
            Ok(true) => return HttpResponse::Ok().content_type("text/plain").body("ready"),
            Ok(false) => "migrations pending",
            Err(_) => "database unreachable",
        }
    };
    HttpResponse::ServiceUnavailable()
        .content_type("text/plain")
        .body(reason)
}

#[cfg(test)]
mod tests {
    use actix_web::body::to_bytes;
    use actix_web::http::StatusCode;

    use super::*;
    use crate::system::HashingPool;

    #[actix_web::test]
    async fn readyz_is_503_naming_hashing_when_the_hashing_pool_is_stuck() {
        let stuck = HashingPool::start(0, 8, 4).unwrap();
        let mut waiting = Box::pin(stuck.run(|_| ()));
        let queued = tokio::time::timeout(Duration::from_millis(10), &mut waiting).await;
        assert!(queued.is_err(), "no worker takes the job");
        let db = Database::connect("postgres://nobody@127.0.0.1:1/none", 1).unwrap();
        let mut readiness = Readiness::new(db, stuck.health(), Arc::default());
        readiness.hashing_stall = Duration::from_millis(20);
        tokio::time::sleep(Duration::from_millis(40)).await;

        let response = get_readyz(web::Data::new(readiness)).await;

        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = to_bytes(response.into_body()).await.unwrap();
        assert_eq!(body, "password hashing is stuck");
    }
}
