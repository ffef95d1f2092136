//! Apps at scale (issue 18): one page of a search, and bulk deletes audited like single ones.

use tessera_domain::{App, AppDeletion, AppQuery};
use time::OffsetDateTime;

use super::{AppError, AppService};
use crate::admin::Admin;
use crate::ports::{AppRepository, AuditEntry, Clock, Ports};

/// One page of apps, how many match in all, and the query that found them.
#[derive(Debug, Clone, PartialEq)]
pub struct AppPage {
    /// This page, in the query's order.
    pub apps: Vec<App>,
    /// Every app the query matches, on any page.
    pub total: i64,
    /// The query, for links to the neighbouring pages.
    pub query: AppQuery,
    /// When the page was read (a bulk delete of unused clients spares younger ones).
    pub at: OffsetDateTime,
}

impl<P: Ports> AppService<P> {
    /// One page of the apps `query` selects.
    #[tracing::instrument(skip_all, fields(offset = query.offset()))]
    pub async fn search_apps(&self, _admin: &Admin, query: AppQuery) -> Result<AppPage, AppError> {
        let at = self.clock.now();
        let (apps, total) = self.apps.search(&query, at).await?;
        Ok(AppPage {
            apps,
            total,
            query,
            at,
        })
    }

    /// Deletes the apps `deletion` covers, each with everything issued to it, and audits
    /// each as a delete; returns how many went. A cutoff in the future counts as now.
    #[tracing::instrument(skip_all, fields(kind = deletion.as_str()))]
    pub async fn delete_apps(&self, admin: &Admin, deletion: AppDeletion) -> Result<u64, AppError> {
        let actor = admin.actor();
        let now = self.clock.now();
        let deletion = match deletion {
            AppDeletion::UnusedDynamic { registered_before } => AppDeletion::UnusedDynamic {
                registered_before: registered_before.min(now),
            },
            selected => selected,
        };
        let audit = AuditEntry {
            actor: actor.clone(),
            action: "delete",
            target_type: "app",
            target_id: String::new(),
            at: now,
            details: vec![("bulk", deletion.as_str().to_owned())],
        };
        Ok(self.apps.delete_many(&deletion, &audit).await?)
    }
}

#[cfg(test)]
mod tests;
