//! The one statement that stores a token response, with what it also does (create the
//! grant of a redeemed code, retire the current refresh generation) and the usage notes.

use std::sync::LazyLock;

use tessera_application::RepoError;
use tessera_application::ports::{NewTokens, Presenter, PresenterRecord};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::super::errors::db_err;
use super::super::pipelined::{Pipelined, Query};

/// Minimum time between two writes of `last_used_at` / `last_token_at`, so a busy client
/// does not make every token request queue on its app's row.
const USAGE_RESOLUTION: &str = "1 minute";

/// Which client (and secret) a token response notes as used, for `last_token_at` and
/// `last_used_at`: tokens are issued only to a presenter the decision authenticated.
#[derive(Debug, Clone, Copy)]
pub(super) struct Usage {
    client_id: Uuid,
    secret_id: Option<Uuid>,
}

impl Usage {
    pub(super) fn of(presenter: Presenter<'_>, record: &PresenterRecord) -> Self {
        Self {
            client_id: presenter.client_id,
            secret_id: record.secret.as_ref().map(|s| s.id),
        }
    }
}

/// What the statement that stores a token response also does.
pub(super) enum Before<'a> {
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
pub(super) static TOKENS_SQL: LazyLock<String> = LazyLock::new(|| tokens_sql(""));
/// The token insert creating the grant of a redeemed code, built once.
pub(super) static NEW_GRANT_SQL: LazyLock<String> = LazyLock::new(|| {
    tokens_sql(
        "g AS (INSERT INTO oauth2_grants (id, app_id, user_id, scopes, resources, created_at, expires_at)
               VALUES ($3, $13, $14, $11, $15, $6, $16)),
         c AS (UPDATE oauth2_codes SET consumed_at = $6, grant_id = $3 WHERE lookup_id = $17),",
    )
});
/// The token insert retiring the current refresh generation (a rotation), built once.
pub(super) static RETIRE_SQL: LazyLock<String> = LazyLock::new(|| {
    tokens_sql(
        "t AS (UPDATE oauth2_refresh_tokens SET rotated_at = $6
               WHERE grant_id = $3 AND generation = $14 AND rotated_at IS NULL),",
    )
});

/// Stores one token response, notes that the client (and its secret) were used, and does
/// what `before` says, in one statement sent with the `COMMIT` of the caller's transaction
/// (one round trip for both).
pub(super) async fn commit_tokens(
    tx: &Pipelined,
    before: Before<'_>,
    refresh_scopes: &[&'static str],
    grant_id: Uuid,
    generation: i32,
    tokens: &NewTokens,
    usage: Usage,
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
    let stmt = tx.client().prepare_cached(sql).await.map_err(db_err)?;
    let last = Query {
        statement: &stmt,
        params: &params,
    };
    tx.commit_with(last).await.map_err(db_err).map(drop)
}
