//! Redeeming codes and refresh tokens: each in one transaction that locks the code or the
//! grant, so concurrent redemptions are serialized (SPEC §4 "Correctness under concurrency").
//! Each is two round trips: `BEGIN` with the locking read, then the write with `COMMIT`
//! (`pipelined.rs`).

use tessera_application::RepoError;
use tessera_application::ports::{
    CodeOutcome, Presenter, PresenterRecord, RefreshOutcome, RefreshRow, StoredSecret,
};
use tessera_domain::{CodeChallenge, LookupId, StoredCode, UserId};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

mod token_insert;

use token_insert::{Before, Usage, commit_tokens};

use super::client_lookup::client_from_row;
use super::errors::{column, corrupt, db_err};
use super::grant_repository::{
    PgGrantRepository, hash_of, refresh_row, resource_of, revoke_grant_in, scopes_of,
};
use super::pipelined::{Pipelined, Query};

/// The row a lock statement always returns (it selects from `(VALUES (1))`).
fn the_row(row: Option<Row>) -> Result<Row, RepoError> {
    row.ok_or_else(|| corrupt("lock statement", "no row"))
}

fn stored_code(row: &tokio_postgres::Row) -> Result<StoredCode, RepoError> {
    let challenge: String = column(row, "code_challenge")?;
    Ok(StoredCode {
        hash: hash_of(row, "secret_hash")?,
        client_id: column(row, "app_id")?,
        user_id: UserId::new(column(row, "user_id")?),
        redirect_uri: column(row, "redirect_uri")?,
        redirect_uri_sent: column(row, "redirect_uri_sent")?,
        challenge: CodeChallenge::parse(&challenge).map_err(|e| corrupt("oauth2_codes", e))?,
        scopes: scopes_of(row, "scopes")?,
        resource: resource_of(row)?,
        expires_at: column(row, "expires_at")?,
        redeemed_into: column(row, "grant_id")?,
    })
}

/// The presenter's client and secret, read in the statement that locks the code or grant:
/// `$2` is the client's id, `$3` the presented secret's lookup id. `one` makes the row exist
/// whether or not the code (or token) does, so the client is judged first either way.
macro_rules! with_presenter {
    ($locked:literal) => {
        concat!(
            "SELECT locked.*, a.id, a.name, a.icon, a.redirect_uris, a.client_type, a.grant_types,
                    a.scope, a.source, a.blocked, a.cimd_url,
                    s.id AS secret_id, s.secret_hash AS presented_secret_hash
             FROM (VALUES (1)) AS one (x)
             LEFT JOIN (",
            $locked,
            ") AS locked ON true
             LEFT JOIN oauth2_apps a ON a.id = $2
             LEFT JOIN oauth2_app_secrets s ON s.lookup_id = $3 AND s.app_id = $2"
        )
    };
}

/// Locks a code (`$1`) and reads its presenter.
const CODE_LOCK: &str = with_presenter!(
    "SELECT secret_hash, app_id, user_id, redirect_uri, redirect_uri_sent, code_challenge,
            scopes, resources, expires_at, grant_id
     FROM oauth2_codes WHERE lookup_id = $1 FOR UPDATE"
);

/// Locks the grant of a refresh token (`$1`) and reads its presenter. The grant is locked
/// first; the token row is read by the next statement ([`REFRESH_TOKEN`]), sent with it, whose
/// fresh snapshot sees every rotation committed while the lock was awaited.
const REFRESH_LOCK: &str = with_presenter!(
    "SELECT id AS grant_id, app_id, scopes, resources, expires_at, revoked_at
     FROM oauth2_grants
     WHERE id = (SELECT grant_id FROM oauth2_refresh_tokens WHERE lookup_id = $1)
     FOR UPDATE"
);

/// Reads a refresh token (`$1`) and its grant's current generation.
const REFRESH_TOKEN: &str = "SELECT secret_hash, generation, rotated_at,
                                    (SELECT max(generation) FROM oauth2_refresh_tokens
                                     WHERE grant_id = t.grant_id) AS current_generation
                             FROM oauth2_refresh_tokens t WHERE lookup_id = $1";

/// The statements every code exchange and refresh runs, for the pool to prepare on each
/// connection it opens at start (`warm_up.rs`).
pub(super) fn token_statements() -> [&'static str; 6] {
    [
        CODE_LOCK,
        REFRESH_LOCK,
        REFRESH_TOKEN,
        &token_insert::NEW_GRANT_SQL,
        &token_insert::RETIRE_SQL,
        &token_insert::TOKENS_SQL,
    ]
}

/// The presenter as read by [`with_presenter`].
fn presenter_of(row: &tokio_postgres::Row, client_id: Uuid) -> Result<PresenterRecord, RepoError> {
    let found: Option<Uuid> = column(row, "id")?;
    let secret_id: Option<Uuid> = column(row, "secret_id")?;
    Ok(PresenterRecord {
        client: found.map(|_| client_from_row(row)).transpose()?,
        secret: match secret_id {
            Some(id) => Some(StoredSecret {
                id,
                client_id,
                hash: hash_of(row, "presented_secret_hash")?,
            }),
            None => None,
        },
    })
}

impl PgGrantRepository {
    pub(super) async fn redeem_code_locked<F, T>(
        &self,
        lookup_id: &LookupId,
        presenter: Presenter<'_>,
        decide: F,
    ) -> Result<T, RepoError>
    where
        F: FnOnce(&PresenterRecord, Option<&StoredCode>) -> (CodeOutcome, T) + Send,
        T: Send,
    {
        let (lookup, secret) = (lookup_id.as_str(), presenter.secret.map(LookupId::as_str));
        let tx = Pipelined::new(self.db.client().await?);
        let stmt = tx
            .client()
            .prepare_cached(CODE_LOCK)
            .await
            .map_err(db_err)?;
        let params: [&(dyn ToSql + Sync); 3] = [&lookup, &presenter.client_id, &secret];
        let lock = Query {
            statement: &stmt,
            params: &params,
        };
        let row = the_row(tx.begin_with(lock).await.map_err(db_err)?)?;
        let record = presenter_of(&row, presenter.client_id)?;
        let found: Option<String> = column(&row, "code_challenge")?;
        let code = found.map(|_| stored_code(&row)).transpose()?;
        let (outcome, reply) = decide(&record, code.as_ref());
        let usage = Usage::of(presenter, &record);
        match (&outcome, code) {
            (CodeOutcome::Issue(grant, tokens), Some(code)) => {
                let resources: Vec<&str> = grant.resource.as_deref().into_iter().collect();
                let scopes = grant.scopes.to_vec_of_str();
                let user = code.user_id.as_uuid();
                let first = Before::NewGrant {
                    user: &user,
                    resources: &resources,
                    expires_at: &grant.expires_at,
                    code: lookup,
                };
                commit_tokens(&tx, first, &scopes, grant.id, 0, tokens, usage).await?;
            }
            (CodeOutcome::RevokeGrant(grant_id, audit), Some(_)) => {
                revoke_grant_in(tx.client(), *grant_id, audit).await?;
                tx.commit().await.map_err(db_err)?;
            }
            _ => return Ok(reply), // nothing written: rolled back as `tx` drops
        }
        if matches!(outcome, CodeOutcome::RevokeGrant(..)) {
            drop(tx); // never hold one connection while waiting for another
            self.db.settle_revocation().await;
        }
        Ok(reply)
    }

    pub(super) async fn redeem_refresh_locked<F, T>(
        &self,
        lookup_id: &LookupId,
        presenter: Presenter<'_>,
        decide: F,
    ) -> Result<T, RepoError>
    where
        F: FnOnce(&PresenterRecord, Option<&RefreshRow>) -> (RefreshOutcome, T) + Send,
        T: Send,
    {
        let (token, secret) = (lookup_id.as_str(), presenter.secret.map(LookupId::as_str));
        let tx = Pipelined::new(self.db.client().await?);
        let (lock, read) = (
            tx.client()
                .prepare_cached(REFRESH_LOCK)
                .await
                .map_err(db_err)?,
            tx.client()
                .prepare_cached(REFRESH_TOKEN)
                .await
                .map_err(db_err)?,
        );
        let params: [&(dyn ToSql + Sync); 3] = [&token, &presenter.client_id, &secret];
        let (grant, token) = tx
            .begin_with_two(
                Query {
                    statement: &lock,
                    params: &params,
                },
                Query {
                    statement: &read,
                    params: &params[..1],
                },
            )
            .await
            .map_err(db_err)?;
        let grant = the_row(grant)?;
        let record = presenter_of(&grant, presenter.client_id)?;
        let (Some(grant_id), Some(token)) = (column::<Option<Uuid>>(&grant, "grant_id")?, token)
        else {
            return Ok(decide(&record, None).1);
        };
        let row = refresh_row(&grant, &token)?;
        let current = row.state.current_generation;
        let (outcome, reply) = decide(&record, Some(&row));
        let usage = Usage::of(presenter, &record);
        let scopes = row.scopes.to_vec_of_str();
        match &outcome {
            RefreshOutcome::Rotate(tokens) => {
                let retire = Before::Retire(current);
                commit_tokens(&tx, retire, &scopes, grant_id, current + 1, tokens, usage).await?;
            }
            RefreshOutcome::Reissue(tokens) => {
                let same = Before::Nothing;
                commit_tokens(&tx, same, &scopes, grant_id, current, tokens, usage).await?;
            }
            RefreshOutcome::RevokeGrant(audit) => {
                revoke_grant_in(tx.client(), grant_id, audit).await?;
                tx.commit().await.map_err(db_err)?;
            }
            RefreshOutcome::Refuse => return Ok(reply), // rolled back as `tx` drops
        }
        if matches!(outcome, RefreshOutcome::RevokeGrant(_)) {
            drop(tx); // never hold one connection while waiting for another
            self.db.settle_revocation().await;
        }
        Ok(reply)
    }
}
