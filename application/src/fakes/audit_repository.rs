//! The audit log in memory, filtered as `AuditRepository` says. An email matches the
//! entries of the person who has it in the people store recording here
//! ([`super::FakeUsers::recording_to`]); with none, it matches nothing.

use std::sync::{Arc, Mutex};

use tessera_domain::{AuditActor, AuditQuery};
use uuid::Uuid;

use super::lock;
use super::people::People;

use crate::ports::{AuditEntry, AuditRecord, AuditRepository, RepoError};

/// The audit log the other fakes write to; clones share it.
#[derive(Debug, Clone, Default)]
pub struct FakeAudit(Arc<Mutex<Vec<AuditEntry>>>, PeopleLink);

/// The people whose emails the actor filter looks up, once linked.
type PeopleLink = Arc<Mutex<Option<Arc<Mutex<People>>>>>;

impl FakeAudit {
    /// Every entry written so far, oldest first.
    pub fn entries(&self) -> Vec<AuditEntry> {
        lock(&self.0).clone()
    }
    pub(crate) fn record(&self, entry: &AuditEntry) {
        lock(&self.0).push(entry.clone());
    }
    /// Looks emails up among `people`.
    pub(super) fn knowing(&self, people: &Arc<Mutex<People>>) {
        *lock(&self.1) = Some(people.clone());
    }
    /// The id of the person whose normalized email is `email`, if any.
    fn owner_of(&self, email: &str) -> Option<Uuid> {
        let people = lock(&self.1).clone()?;
        let people = lock(&people);
        let owner = people
            .users
            .iter()
            .find(|u| u.user.email.normalized() == email);
        owner.map(|u| u.user.id.as_uuid())
    }
}

fn matches(query: &AuditQuery, e: &AuditEntry, email_owner: Option<Uuid>) -> bool {
    let actor = match query.actor() {
        None => true,
        Some(AuditActor::Person(id)) => e.actor.user_id == Some(id.as_uuid()),
        Some(AuditActor::Email(_)) => email_owner.is_some() && e.actor.user_id == email_owner,
        Some(AuditActor::Name(name)) => e.actor.name == *name,
    };
    let app = query.app().is_none_or(|app| {
        (["app", "client"].contains(&e.target_type) && e.target_id == app)
            || e.details.iter().any(|(k, v)| *k == "app_id" && v == app)
            || e.actor.name == format!("client {app}")
    });
    actor
        && app
        && query.action().is_none_or(|a| a == e.action)
        && query.from().is_none_or(|from| e.at >= from.start())
        && query.to().is_none_or(|to| e.at < to.end())
}

impl AuditRepository for FakeAudit {
    async fn list(&self, query: &AuditQuery) -> Result<(Vec<AuditRecord>, i64), RepoError> {
        let email_owner = match query.actor() {
            Some(AuditActor::Email(email)) => self.owner_of(&email.normalized()),
            _ => None,
        };
        let entries = lock(&self.0);
        let mut found: Vec<(usize, &AuditEntry)> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| matches(query, e, email_owner))
            .collect();
        found.sort_by(|(i, a), (j, b)| (b.at, j).cmp(&(a.at, i)));
        let total = found.len() as i64;
        let records = found
            .into_iter()
            .skip(query.offset() as usize)
            .take(query.limit() as usize)
            .map(|(i, e)| AuditRecord {
                id: i as i64 + 1,
                actor: e.actor.clone(),
                action: e.action.to_owned(),
                target_type: e.target_type.to_owned(),
                target_id: e.target_id.clone(),
                at: e.at,
                details: e
                    .details
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            })
            .collect();
        Ok((records, total))
    }
}
