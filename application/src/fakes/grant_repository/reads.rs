//! Reading tokens and authorized apps, joined to their people and clients as PostgreSQL
//! joins them.

use std::collections::BTreeMap;

use tessera_domain::{AccessTokenRecord, LookupId, ScopeSet, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::FakeGrants;
use crate::ports::{AuthorizedApp, RefreshTokenRecord};

impl FakeGrants {
    pub(super) fn access_token(&self, lookup_id: &LookupId) -> Option<AccessTokenRecord> {
        let (a, g) = {
            let state = self.lock();
            let a = state.access.get(lookup_id.as_str())?.clone();
            (a.clone(), state.grants.get(&a.grant_id)?.clone())
        };
        let (user, suspended) = self.person(g.user_id)?;
        let (public_client_id, _, blocked) = self.client(g.client_id);
        Some(AccessTokenRecord {
            hash: a.hash,
            grant_id: a.grant_id,
            client_id: g.client_id,
            public_client_id,
            user,
            audience: a.audience,
            scopes: a.scopes,
            issued_at: a.issued_at,
            expires_at: a.expires_at,
            revoked: g.revoked || blocked || suspended,
        })
    }

    pub(super) fn refresh_token(&self, lookup_id: &LookupId) -> Option<RefreshTokenRecord> {
        let (r, g) = {
            let state = self.lock();
            let r = state.refresh.get(lookup_id.as_str())?.clone();
            (r.clone(), state.grants.get(&r.grant_id)?.clone())
        };
        let (user, suspended) = self.person(g.user_id)?;
        let (public_client_id, _, blocked) = self.client(g.client_id);
        Some(RefreshTokenRecord {
            hash: r.hash,
            grant_id: r.grant_id,
            client_id: g.client_id,
            public_client_id,
            user,
            scopes: g.scopes,
            issued_at: r.issued_at,
            expires_at: g.expires_at,
            inactive: r.rotated_at.is_some() || g.revoked || blocked || suspended,
        })
    }

    /// One entry per client with live grants of `user_id`: every scope of those grants, the
    /// first and last time one was made; the most recent first.
    pub(super) fn authorized(&self, user_id: UserId, now: OffsetDateTime) -> Vec<AuthorizedApp> {
        let mut by_client: BTreeMap<Uuid, (ScopeSet, OffsetDateTime, OffsetDateTime)> =
            BTreeMap::new();
        for g in self.lock().grants.values() {
            if g.user_id != user_id || g.revoked || g.expires_at <= now {
                continue;
            }
            let entry = by_client.entry(g.client_id).or_insert((
                ScopeSet::default(),
                g.created_at,
                g.created_at,
            ));
            entry.0 = ScopeSet::from_scopes(entry.0.iter().chain(g.scopes.iter()));
            entry.1 = entry.1.min(g.created_at);
            entry.2 = entry.2.max(g.created_at);
        }
        let mut apps: Vec<(Uuid, AuthorizedApp)> = by_client
            .into_iter()
            .map(|(id, (scopes, first, last))| {
                let (client_id, name, _) = self.client(id);
                let app = AuthorizedApp {
                    client_id,
                    name,
                    scopes,
                    first_authorized_at: first,
                    last_authorized_at: last,
                };
                (id, app)
            })
            .collect();
        apps.sort_by(|(a, x), (b, y)| (y.last_authorized_at, a).cmp(&(x.last_authorized_at, b)));
        apps.into_iter().map(|(_, app)| app).collect()
    }
}
