//! Reading the audit log (SPEC §3): admins, and the command line on the server, page through
//! who did what to which app, client or person, filtered by actor, action, app and time.

#[cfg(test)]
mod tests;

use tessera_domain::AuditQuery;

use crate::admin::Admin;
use crate::ports::{AuditRecord, AuditRepository, Ports, RepoError};

/// Why the audit log could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A repository failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// One page of the audit log, with the query that chose it and how many entries match.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    /// The entries on this page, newest first.
    pub entries: Vec<AuditRecord>,
    /// How many entries match the filters in all.
    pub total: i64,
    /// The filters and page asked for, to link to the pages around this one.
    pub query: AuditQuery,
}

/// The use case of the audit API and page.
#[derive(Debug)]
pub struct AuditService<P: Ports> {
    audit: P::Audit,
}

impl<P: Ports> AuditService<P> {
    /// Wires the service to its port.
    pub fn new(audit: P::Audit) -> Self {
        Self { audit }
    }

    /// The page of the audit log `query` asks for, for an admin.
    #[tracing::instrument(skip_all, fields(offset = query.offset()))]
    pub async fn list_entries(
        &self,
        _admin: &Admin,
        query: AuditQuery,
    ) -> Result<AuditPage, AuditError> {
        let (entries, total) = self.audit.list(&query).await?;
        Ok(AuditPage {
            entries,
            total,
            query,
        })
    }
}
