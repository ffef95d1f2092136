//! Login attempt counters in memory.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;

use super::lock;

use crate::ports::{
    AttemptId, AttemptOutcome, AttemptWindow, FailureWindow, RepoError, ThrottleRepository,
};

/// One recorded login attempt.
#[derive(Debug, Clone)]
struct AttemptRow {
    id: i64,
    email: String,
    ip: Option<IpAddr>,
    at: OffsetDateTime,
    counts_for_email: bool,
    pending: bool,
}

/// Login attempts, counted as `ThrottleRepository` says; clones share them.
#[derive(Debug, Clone, Default)]
pub struct FakeThrottle(Arc<Mutex<Vec<AttemptRow>>>);

impl ThrottleRepository for FakeThrottle {
    async fn begin_attempt(
        &self,
        email: &str,
        ip: Option<IpAddr>,
        at: OffsetDateTime,
        window: AttemptWindow,
        admit: impl Fn(&FailureWindow) -> bool + Send + Sync,
    ) -> Result<(Option<AttemptId>, FailureWindow), RepoError> {
        let mut rows = lock(&self.0);
        let recent = || rows.iter().filter(|r| r.at >= window.since);
        let failed = |r: &AttemptRow| !r.pending || r.at < window.pending_expired_before;
        let by_email: Vec<_> = recent()
            .filter(|r| r.email == email && r.counts_for_email)
            .collect();
        let by_ip: Vec<_> = recent().filter(|r| ip.is_some() && r.ip == ip).collect();
        let seen = FailureWindow {
            for_email: by_email.iter().filter(|r| failed(r)).count() as u32,
            oldest_for_email: by_email.iter().filter(|r| failed(r)).map(|r| r.at).min(),
            for_ip: by_ip.iter().filter(|r| failed(r)).count() as u32,
            oldest_for_ip: by_ip.iter().filter(|r| failed(r)).map(|r| r.at).min(),
            pending_for_email: by_email.iter().filter(|r| !failed(r)).count() as u32,
            pending_for_ip: by_ip.iter().filter(|r| !failed(r)).count() as u32,
        };
        if !admit(&seen) {
            return Ok((None, seen));
        }
        let id = rows.iter().map(|r| r.id).max().unwrap_or(0) + 1;
        rows.push(AttemptRow {
            id,
            email: email.to_owned(),
            ip,
            at,
            counts_for_email: true,
            pending: true,
        });
        Ok((Some(AttemptId(id)), seen))
    }
    async fn finish_attempt(
        &self,
        attempt: AttemptId,
        email: &str,
        outcome: AttemptOutcome,
    ) -> Result<(), RepoError> {
        let mut rows = lock(&self.0);
        match outcome {
            AttemptOutcome::Failed => rows
                .iter_mut()
                .filter(|r| r.id == attempt.0)
                .for_each(|r| r.pending = false),
            AttemptOutcome::Abandoned => rows.retain(|r| r.id != attempt.0),
            AttemptOutcome::Succeeded => {
                rows.retain(|r| r.id != attempt.0);
                rows.iter_mut()
                    .filter(|r| r.email == email && !r.pending)
                    .for_each(|r| r.counts_for_email = false);
            }
        }
        Ok(())
    }
}
