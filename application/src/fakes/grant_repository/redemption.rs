//! Storing codes and redeeming codes and refresh tokens, each under the one lock.

use tessera_domain::{LookupId, RefreshState, ScopeSet, StoredCode};
use uuid::Uuid;

use super::{AccessRow, FakeGrants, GrantRow, RefreshRowData, State};
use crate::ports::*;

impl FakeGrants {
    pub(super) fn store_code(&self, code: &NewCode, approval: Option<&Approval>) {
        let mut state = self.lock();
        state.codes.insert(
            code.lookup_id.as_str().to_owned(),
            StoredCode {
                hash: code.hash.clone(),
                client_id: code.client_id,
                user_id: code.user_id,
                redirect_uri: code.redirect_uri.clone(),
                redirect_uri_sent: code.redirect_uri_sent,
                challenge: code.challenge.clone(),
                scopes: code.scopes.clone(),
                resource: code.resource.clone(),
                expires_at: code.expires_at,
                redeemed_into: None,
            },
        );
        if let Some(a) = approval {
            let key = (
                a.user_id,
                a.client_id,
                a.resource.clone().unwrap_or_default(),
            );
            let merged = match state.approvals.get(&key) {
                Some(old) => ScopeSet::from_scopes(old.iter().chain(a.scopes.iter())),
                None => a.scopes.clone(),
            };
            state.approvals.insert(key, merged);
        }
    }

    pub(super) fn redeem_code_now<F, T>(
        &self,
        lookup_id: &LookupId,
        presenter: &PresenterRecord,
        decide: F,
    ) -> T
    where
        F: FnOnce(&PresenterRecord, Option<&StoredCode>) -> (CodeOutcome, T),
    {
        let mut state = self.lock();
        let found = state.codes.get(lookup_id.as_str()).cloned();
        let (outcome, reply) = decide(presenter, found.as_ref());
        let Some(code) = found else {
            return reply;
        };
        match &outcome {
            CodeOutcome::Issue(grant, tokens) => {
                state.grants.insert(
                    grant.id,
                    GrantRow {
                        client_id: code.client_id,
                        user_id: code.user_id,
                        scopes: grant.scopes.clone(),
                        resource: grant.resource.clone(),
                        created_at: tokens.issued_at,
                        expires_at: grant.expires_at,
                        revoked: false,
                    },
                );
                if let Some(c) = state.codes.get_mut(lookup_id.as_str()) {
                    c.redeemed_into = Some(grant.id);
                }
                store_tokens(&mut state, grant.id, 0, tokens);
            }
            CodeOutcome::RevokeGrant(id, audit) => {
                if let Some(g) = state.grants.get_mut(id).filter(|g| !g.revoked) {
                    g.revoked = true;
                    self.audit.record(audit);
                }
            }
            CodeOutcome::Refuse => {}
        }
        reply
    }

    pub(super) fn redeem_refresh_now<F, T>(
        &self,
        lookup_id: &LookupId,
        presenter: &PresenterRecord,
        decide: F,
    ) -> T
    where
        F: FnOnce(&PresenterRecord, Option<&RefreshRow>) -> (RefreshOutcome, T),
    {
        let mut state = self.lock();
        let found = state.refresh.get(lookup_id.as_str()).cloned();
        let found = found.and_then(|t| Some((state.grants.get(&t.grant_id).cloned()?, t)));
        let Some((grant, token)) = found else {
            return decide(presenter, None).1;
        };
        let current = state
            .refresh
            .values()
            .filter(|r| r.grant_id == token.grant_id)
            .map(|r| r.generation)
            .max()
            .unwrap_or(0);
        let row = RefreshRow {
            state: RefreshState {
                hash: token.hash.clone(),
                generation: token.generation,
                rotated_at: token.rotated_at,
                current_generation: current,
                client_id: grant.client_id,
                grant_expires_at: grant.expires_at,
                grant_revoked: grant.revoked,
            },
            grant_id: token.grant_id,
            scopes: grant.scopes.clone(),
            resource: grant.resource.clone(),
        };
        let (outcome, reply) = decide(presenter, Some(&row));
        match &outcome {
            RefreshOutcome::Rotate(tokens) => {
                for r in state.refresh.values_mut() {
                    if r.grant_id == token.grant_id
                        && r.generation == current
                        && r.rotated_at.is_none()
                    {
                        r.rotated_at = Some(tokens.issued_at);
                    }
                }
                store_tokens(&mut state, token.grant_id, current + 1, tokens);
            }
            RefreshOutcome::Reissue(tokens) => {
                store_tokens(&mut state, token.grant_id, current, tokens)
            }
            RefreshOutcome::RevokeGrant(audit) => {
                if let Some(g) = state.grants.get_mut(&token.grant_id).filter(|g| !g.revoked) {
                    g.revoked = true;
                    self.audit.record(audit);
                }
            }
            RefreshOutcome::Refuse => {}
        }
        reply
    }
}

/// Stores the tokens of one token response under `grant_id`.
fn store_tokens(state: &mut State, grant_id: Uuid, generation: i32, tokens: &NewTokens) {
    state.access.insert(
        tokens.access.lookup_id.as_str().to_owned(),
        AccessRow {
            hash: tokens.access.hash.clone(),
            grant_id,
            audience: tokens.audience.clone(),
            scopes: tokens.scopes.clone(),
            issued_at: tokens.issued_at,
            expires_at: tokens.access_expires_at,
        },
    );
    if let Some(refresh) = &tokens.refresh {
        state.refresh.insert(
            refresh.lookup_id.as_str().to_owned(),
            RefreshRowData {
                hash: refresh.hash.clone(),
                grant_id,
                generation,
                issued_at: tokens.issued_at,
                rotated_at: None,
            },
        );
    }
}
