//! `/healthz` and `/readyz` (SPEC §8).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::{HttpResponse, web};

use crate::postgres::{Database, schema_is_current};

/// What `/readyz` looks at: the database, the schema, and whether shutdown has begun.
#[derive(Debug, Clone)]
pub struct Readiness {
    db: Database,
    shutting_down: Arc<AtomicBool>,
}

impl Readiness {
    /// `shutting_down` is set by the signal handler when SIGTERM arrives.
    pub fn new(db: Database, shutting_down: Arc<AtomicBool>) -> Self {
        Self { db, shutting_down }
    }
}

/// The process is up.
pub(crate) async fn get_healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// Ready for traffic: the database answers, the schema is current, no shutdown under way.
pub(crate) async fn get_readyz(readiness: web::Data<Readiness>) -> HttpResponse {
    let reason = if readiness.shutting_down.load(Ordering::SeqCst) {
        "shutting down"
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
