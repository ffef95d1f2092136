//! Redeeming codes and refresh tokens: each in one transaction that locks the code or the
//! grant, so concurrent redemptions are serialized (SPEC §4 "Correctness under concurrency").

use deadpool_postgres::Transaction;
use tessera_application::RepoError;
use tessera_application::ports::{ClientUse, CodeOutcome, NewTokens, RefreshOutcome, RefreshRow};
use tessera_domain::{CodeChallenge, LookupId, StoredCode, UserId};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::errors::{column, corrupt, db_err};
use super::grant_repository::{
    PgGrantRepository, hash_of, refresh_row, resource_of, revoke_grant_in, scopes_of,
};

/// Minimum time between two writes of `last_used_at` / `last_token_at`, so a busy client
/// does not make every token request queue on its app's row.
const USAGE_RESOLUTION: &str = "1 minute";

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

impl PgGrantRepository {
    pub(super) async fn redeem_code_locked<F>(
        &self,
        lookup_id: &LookupId,
        usage: ClientUse,
        decide: F,
    ) -> Result<Option<CodeOutcome>, RepoError>
    where
        F: FnOnce(&StoredCode) -> CodeOutcome + Send,
    {
        const LOCK: &str =
            "SELECT secret_hash, app_id, user_id, redirect_uri, redirect_uri_sent, code_challenge,
                                   scopes, resources, expires_at, grant_id
                            FROM oauth2_codes WHERE lookup_id = $1 FOR UPDATE";
        const GRANT: &str = "WITH g AS (
                                 INSERT INTO oauth2_grants (id, app_id, user_id, scopes, resources, created_at, expires_at)
                                 VALUES ($1, $2, $3, $4, $5, $6, $7))
                             UPDATE oauth2_codes SET consumed_at = $6, grant_id = $1 WHERE lookup_id = $8";
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let stmt = tx.prepare_cached(LOCK).await.map_err(db_err)?;
        let Some(row) = tx
            .query_opt(&stmt, &[&lookup_id.as_str()])
            .await
            .map_err(db_err)?
        else {
            return Ok(None);
        };
        let code = stored_code(&row)?;
        let outcome = decide(&code);
        match &outcome {
            CodeOutcome::Issue(grant, tokens) => {
                let stmt = tx.prepare_cached(GRANT).await.map_err(db_err)?;
                let resources: Vec<&str> = grant.resource.as_deref().into_iter().collect();
                let params: [&(dyn ToSql + Sync); 8] = [
                    &grant.id,
                    &code.client_id,
                    &code.user_id.as_uuid(),
                    &grant.scopes.to_vec_of_str(),
                    &resources,
                    &usage.at,
                    &grant.expires_at,
                    &lookup_id.as_str(),
                ];
                tx.execute(&stmt, &params).await.map_err(db_err)?;
                insert_tokens(
                    &tx,
                    &grant.scopes.to_vec_of_str(),
                    grant.id,
                    0,
                    tokens,
                    usage,
                )
                .await?;
            }
            CodeOutcome::RevokeGrant(grant_id, audit) => {
                revoke_grant_in(&tx, *grant_id, audit).await?;
            }
            CodeOutcome::Refuse(_) => return Ok(Some(outcome)),
        }
        tx.commit().await.map_err(db_err)?;
        Ok(Some(outcome))
    }

    pub(super) async fn redeem_refresh_locked<F>(
        &self,
        lookup_id: &LookupId,
        usage: ClientUse,
        decide: F,
    ) -> Result<Option<RefreshOutcome>, RepoError>
    where
        F: FnOnce(&RefreshRow) -> RefreshOutcome + Send,
    {
        // The grant is locked first; the token row is read by a later statement, whose
        // fresh snapshot sees every rotation committed while this one waited.
        const LOCK: &str = "SELECT id, app_id, scopes, resources, expires_at, revoked_at FROM oauth2_grants
                            WHERE id = (SELECT grant_id FROM oauth2_refresh_tokens WHERE lookup_id = $1)
                            FOR UPDATE";
        const TOKEN: &str = "SELECT secret_hash, generation, rotated_at,
                                    (SELECT max(generation) FROM oauth2_refresh_tokens WHERE grant_id = $2)
                                        AS current_generation
                             FROM oauth2_refresh_tokens WHERE lookup_id = $1";
        const RETIRE: &str = "UPDATE oauth2_refresh_tokens SET rotated_at = $3
                              WHERE grant_id = $1 AND generation = $2 AND rotated_at IS NULL";
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let stmt = tx.prepare_cached(LOCK).await.map_err(db_err)?;
        let Some(grant) = tx
            .query_opt(&stmt, &[&lookup_id.as_str()])
            .await
            .map_err(db_err)?
        else {
            return Ok(None);
        };
        let grant_id: Uuid = column(&grant, "id")?;
        let stmt = tx.prepare_cached(TOKEN).await.map_err(db_err)?;
        let token = tx
            .query_one(&stmt, &[&lookup_id.as_str(), &grant_id])
            .await
            .map_err(db_err)?;
        let row = refresh_row(&grant, &token)?;
        let current = row.state.current_generation;
        let outcome = decide(&row);
        match &outcome {
            RefreshOutcome::Rotate(tokens) => {
                let stmt = tx.prepare_cached(RETIRE).await.map_err(db_err)?;
                tx.execute(&stmt, &[&grant_id, &current, &usage.at])
                    .await
                    .map_err(db_err)?;
                insert_tokens(
                    &tx,
                    &row.scopes.to_vec_of_str(),
                    grant_id,
                    current + 1,
                    tokens,
                    usage,
                )
                .await?;
            }
            RefreshOutcome::Reissue(tokens) => {
                insert_tokens(
                    &tx,
                    &row.scopes.to_vec_of_str(),
                    grant_id,
                    current,
                    tokens,
                    usage,
                )
                .await?;
            }
            RefreshOutcome::RevokeGrant(audit) => revoke_grant_in(&tx, grant_id, audit).await?,
            RefreshOutcome::Refuse(_) => return Ok(Some(outcome)),
        }
        tx.commit().await.map_err(db_err)?;
        Ok(Some(outcome))
    }
}

/// Stores one token response, and notes that the client (and its secret) were used, in
/// one statement of the caller's transaction.
async fn insert_tokens(
    tx: &Transaction<'_>,
    refresh_scopes: &[&'static str],
    grant_id: Uuid,
    generation: i32,
    tokens: &NewTokens,
    usage: ClientUse,
) -> Result<(), RepoError> {
    let sql = format!(
        "WITH a AS (
             INSERT INTO oauth2_access_tokens (lookup_id, secret_hash, grant_id, audience, scopes, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)),
         r AS (
             INSERT INTO oauth2_refresh_tokens (lookup_id, secret_hash, grant_id, generation, scopes, created_at)
             SELECT $8, $9, $3, $10, $11, $6 WHERE $8::text IS NOT NULL),
         s AS (
             UPDATE oauth2_app_secrets SET last_used_at = $6
             WHERE id = $12 AND (last_used_at IS NULL OR last_used_at < $6 - interval '{USAGE_RESOLUTION}'))
         UPDATE oauth2_apps SET last_token_at = $6
         WHERE id = $13 AND (last_token_at IS NULL OR last_token_at < $6 - interval '{USAGE_RESOLUTION}')"
    );
    let refresh_lookup = tokens.refresh.as_ref().map(|r| r.lookup_id.as_str());
    let refresh_hash = tokens.refresh.as_ref().map(|r| r.hash.as_bytes());
    let stmt = tx.prepare_cached(&sql).await.map_err(db_err)?;
    let params: [&(dyn ToSql + Sync); 13] = [
        &tokens.access.lookup_id.as_str(),
        &tokens.access.hash.as_bytes(),
        &grant_id,
        &tokens.audience,
        &tokens.scopes.to_vec_of_str(),
        &tokens.issued_at,
        &tokens.access_expires_at,
        &refresh_lookup,
        &refresh_hash,
        &generation,
        &refresh_scopes,
        &usage.secret_id,
        &usage.client_id,
    ];
    tx.execute(&stmt, &params).await.map_err(db_err).map(drop)
}
