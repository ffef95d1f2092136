use std::future::Future;
use std::net::IpAddr;

#[cfg(doc)]
use tessera_domain::AuditActor;
use tessera_domain::AuditQuery;
use time::OffsetDateTime;
use uuid::Uuid;

use super::RepoError;

/// Who made a change and from where, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The signed-in user, if any (dynamic registration has none).
    pub user_id: Option<Uuid>,
    /// Their username or a description (`anonymous`).
    pub name: String,
    /// The client IP.
    pub ip: Option<IpAddr>,
    /// The client's user agent.
    pub user_agent: Option<String>,
}

/// What changed, as (field, new value) pairs; never a secret or a hash.
pub type Details = Vec<(&'static str, String)>;

/// One audit entry about to be written, in the same transaction as the change it records.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Who.
    pub actor: Actor,
    /// `create`, `update`, `delete`, … (the schema's CHECK lists them).
    pub action: &'static str,
    /// `app`, `app_secret`, `client`, …
    pub target_type: &'static str,
    /// The target's id.
    pub target_id: String,
    /// When.
    pub at: OffsetDateTime,
    /// What changed.
    pub details: Details,
}

/// An audit entry as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// Its position in the log.
    pub id: i64,
    /// Who (the name as recorded; the user may since be gone).
    pub actor: Actor,
    /// What was done.
    pub action: String,
    /// To what kind of thing.
    pub target_type: String,
    /// To which one.
    pub target_id: String,
    /// When.
    pub at: OffsetDateTime,
    /// The changed fields, as stored.
    pub details: Vec<(String, String)>,
}

/// Reading the audit log (SPEC §3); entries are written by the repositories that change state.
pub trait AuditRepository: Send + Sync + 'static {
    /// The page `query` asks for of the entries that match all of its filters, newest first
    /// (by `at`, then by `id`, both descending), and how many entries match in all. Every
    /// implementation MUST match:
    ///
    /// - an actor [`AuditActor::Person`] to the entries whose `actor.user_id` is that id;
    ///   [`AuditActor::Email`] to those of the account with that email (compared by its
    ///   normalized form) — none when no account has it; [`AuditActor::Name`] to those
    ///   whose `actor.name` is exactly that;
    /// - an app to the entries whose target is an `app` or `client` with that id, whose
    ///   details name it as `app_id`, or whose actor is the client itself (`client <id>`);
    /// - `from` to entries at or after its start, `to` to entries before its end.
    fn list(
        &self,
        query: &AuditQuery,
    ) -> impl Future<Output = Result<(Vec<AuditRecord>, i64), RepoError>> + Send;
}
