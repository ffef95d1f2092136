//! Redeeming codes and refresh tokens: each in one transaction that locks the code or the
//! grant, so concurrent redemptions are serialized (SPEC §4 "Correctness under concurrency").

use std::sync::LazyLock;

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
                let resources: Vec<&str> = grant.resource.as_deref().into_iter().collect();
                let scopes = grant.scopes.to_vec_of_str();
                let user = code.user_id.as_uuid();
                let first = Before::NewGrant {
                    user: &user,
                    resources: &resources,
                    expires_at: &grant.expires_at,
                    code: lookup_id.as_str(),
                };
                insert_tokens(&tx, first, &scopes, grant.id, 0, tokens, usage).await?;
            }
            CodeOutcome::RevokeGrant(grant_id, audit) => {
                revoke_grant_in(&tx, *grant_id, audit).await?;
            }
            CodeOutcome::Refuse(_) => return Ok(Some(outcome)),
        }
        tx.commit().await.map_err(db_err)?;
        if matches!(outcome, CodeOutcome::RevokeGrant(..)) {
            drop(client); // never hold one connection while waiting for another
            self.db.settle_revocation().await;
        }
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
                let scopes = row.scopes.to_vec_of_str();
                let retire = Before::Retire(current);
                insert_tokens(&tx, retire, &scopes, grant_id, current + 1, tokens, usage).await?;
            }
            RefreshOutcome::Reissue(tokens) => {
                let scopes = row.scopes.to_vec_of_str();
                insert_tokens(
                    &tx,
                    Before::Nothing,
                    &scopes,
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
        if matches!(outcome, RefreshOutcome::RevokeGrant(_)) {
            drop(client); // never hold one connection while waiting for another
            self.db.settle_revocation().await;
        }
        Ok(Some(outcome))
    }
}

/// What the statement that stores a token response also does.
enum Before<'a> {
    /// Creates the grant of a redeemed code and marks the code consumed into it.
    NewGrant {
        user: &'a Uuid,
        resources: &'a [&'a str],
        expires_at: &'a time::OffsetDateTime,
        code: &'a str,
    },
    /// Retires the current refresh generation (a rotation).
    Retire(i32),
    /// Nothing else (a reissue within the reuse grace).
    Nothing,
}

/// The token insert, with the usage notes: one statement whatever `extra` adds before it.
fn tokens_sql(extra: &str) -> String {
    format!(
        "WITH {extra}
         a AS (
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
    )
}

/// The token insert alone (a reissue within the grace), built once.
static TOKENS_SQL: LazyLock<String> = LazyLock::new(|| tokens_sql(""));
/// The token insert creating the grant of a redeemed code, built once.
static NEW_GRANT_SQL: LazyLock<String> = LazyLock::new(|| {
    tokens_sql(
        "g AS (INSERT INTO oauth2_grants (id, app_id, user_id, scopes, resources, created_at, expires_at)
               VALUES ($3, $13, $14, $11, $15, $6, $16)),
         c AS (UPDATE oauth2_codes SET consumed_at = $6, grant_id = $3 WHERE lookup_id = $17),",
    )
});
/// The token insert retiring the current refresh generation (a rotation), built once.
static RETIRE_SQL: LazyLock<String> = LazyLock::new(|| {
    tokens_sql(
        "t AS (UPDATE oauth2_refresh_tokens SET rotated_at = $6
               WHERE grant_id = $3 AND generation = $14 AND rotated_at IS NULL),",
    )
});

/// Stores one token response, notes that the client (and its secret) were used, and does
/// what `before` says, in one statement of the caller's transaction (one round trip).
async fn insert_tokens(
    tx: &Transaction<'_>,
    before: Before<'_>,
    refresh_scopes: &[&'static str],
    grant_id: Uuid,
    generation: i32,
    tokens: &NewTokens,
    usage: ClientUse,
) -> Result<(), RepoError> {
    let refresh_lookup = tokens.refresh.as_ref().map(|r| r.lookup_id.as_str());
    let refresh_hash = tokens.refresh.as_ref().map(|r| r.hash.as_bytes());
    let access_scopes = tokens.scopes.to_vec_of_str();
    let (access_lookup, access_hash) = (
        tokens.access.lookup_id.as_str(),
        tokens.access.hash.as_bytes(),
    );
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![
        &access_lookup,
        &access_hash,
        &grant_id,
        &tokens.audience,
        &access_scopes,
        &tokens.issued_at,
        &tokens.access_expires_at,
        &refresh_lookup,
        &refresh_hash,
        &generation,
        &refresh_scopes,
        &usage.secret_id,
        &usage.client_id,
    ];
    let retired;
    let sql = match &before {
        Before::NewGrant {
            user,
            resources,
            expires_at,
            code,
        } => {
            params.extend([
                *user as &(dyn ToSql + Sync),
                resources as &(dyn ToSql + Sync),
                *expires_at as &(dyn ToSql + Sync),
                code as &(dyn ToSql + Sync),
            ]);
            &NEW_GRANT_SQL
        }
        Before::Retire(current) => {
            retired = *current;
            params.push(&retired);
            &RETIRE_SQL
        }
        Before::Nothing => &TOKENS_SQL,
    };
    let stmt = tx.prepare_cached(sql).await.map_err(db_err)?;
    tx.execute(&stmt, &params).await.map_err(db_err).map(drop)
}
