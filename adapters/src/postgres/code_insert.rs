//! Storing authorization codes, with or after a remembered approval. Both commit without
//! waiting for the WAL flush: a code and an approval are short-lived, and losing the last ones
//! to a crash only means the person authorizes again (the durability rule in postgres.rs).

use tessera_application::RepoError;
use tessera_application::ports::{Approval, NewCode};
use tokio_postgres::types::ToSql;

use super::Database;
use super::errors::db_err;

/// The code's twelve columns, `$1`…`$12` in both statements.
const CODE_COLUMNS: &str =
    "lookup_id, secret_hash, app_id, user_id, redirect_uri, redirect_uri_sent,
     code_challenge, scopes, resources, state_hash, created_at, expires_at";

/// Stores `code` and, in the same statement, remembers `approval` (widening it; an approval
/// that already covers these scopes is left as it is).
pub(super) async fn insert_code(
    db: &Database,
    code: &NewCode,
    approval: Option<&Approval>,
) -> Result<(), RepoError> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "WITH durability AS (SELECT set_config('synchronous_commit', 'off', true)),
             code AS (INSERT INTO oauth2_codes ({CODE_COLUMNS})
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)),
             approval AS (INSERT INTO oauth2_approvals (user_id, app_id, resource, scopes, approved_at)
                          SELECT $13, $14, $15, $16, $17 WHERE $16::text[] IS NOT NULL
                          ON CONFLICT (user_id, app_id, resource) DO UPDATE
                          SET scopes = ARRAY(SELECT DISTINCT unnest(oauth2_approvals.scopes || EXCLUDED.scopes)),
                              approved_at = EXCLUDED.approved_at
                          WHERE NOT (EXCLUDED.scopes <@ oauth2_approvals.scopes))
             SELECT 1 FROM durability"
        )
    });
    let values = CodeValues::of(code);
    let approver = approval.map(|a| a.user_id.as_uuid());
    let approved_client = approval.map(|a| a.client_id);
    let approved_resource = approval.map(|a| a.resource.as_deref().unwrap_or(""));
    let approved_scopes = approval.map(|a| a.scopes.to_vec_of_str());
    let approved_at = approval.map(|a| a.at);
    let mut params = values.params(code);
    params.extend([
        &approver as &(dyn ToSql + Sync),
        &approved_client,
        &approved_resource,
        &approved_scopes,
        &approved_at,
    ]);
    let client = db.client().await?;
    let stmt = client.prepare_cached(&SQL).await.map_err(db_err)?;
    client.execute(&stmt, &params).await.map_err(db_err)?;
    Ok(())
}

/// [`insert_code_if_approved`]'s statement, built once (the pool prepares it on every
/// connection it opens at start, `warm_up.rs`).
pub(super) static IF_APPROVED_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "WITH durability AS (SELECT set_config('synchronous_commit', 'off', true))
         INSERT INTO oauth2_codes ({CODE_COLUMNS})
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM durability
         WHERE EXISTS (SELECT 1 FROM oauth2_approvals
                       WHERE user_id = $4 AND app_id = $3 AND resource = $13 AND scopes @> $8)"
    )
});

/// Stores `code` only when a remembered approval of its person, client and resource covers
/// its scopes, reading the approval in the same statement: one round trip.
pub(super) async fn insert_code_if_approved(
    db: &Database,
    code: &NewCode,
) -> Result<bool, RepoError> {
    let values = CodeValues::of(code);
    let resource = code.resource.as_deref().unwrap_or("");
    let mut params = values.params(code);
    params.push(&resource);
    let client = db.client().await?;
    let stmt = client
        .prepare_cached(&IF_APPROVED_SQL)
        .await
        .map_err(db_err)?;
    Ok(client.execute(&stmt, &params).await.map_err(db_err)? == 1)
}

/// The values of a code's columns that are not plain fields of [`NewCode`].
struct CodeValues<'a> {
    lookup_id: &'a str,
    hash: &'a [u8],
    user_id: uuid::Uuid,
    challenge: &'a str,
    scopes: Vec<&'a str>,
    resources: Vec<&'a str>,
}

impl<'a> CodeValues<'a> {
    fn of(code: &'a NewCode) -> Self {
        Self {
            lookup_id: code.lookup_id.as_str(),
            hash: code.hash.as_bytes(),
            user_id: code.user_id.as_uuid(),
            challenge: code.challenge.as_str(),
            scopes: code.scopes.to_vec_of_str(),
            resources: code.resource.as_deref().into_iter().collect(),
        }
    }

    /// `$1`…`$12`, in [`CODE_COLUMNS`]' order.
    fn params(&'a self, code: &'a NewCode) -> Vec<&'a (dyn ToSql + Sync)> {
        vec![
            &self.lookup_id,
            &self.hash,
            &code.client_id,
            &self.user_id,
            &code.redirect_uri,
            &code.redirect_uri_sent,
            &self.challenge,
            &self.scopes,
            &self.resources,
            &code.state_hash,
            &code.created_at,
            &code.expires_at,
        ]
    }
}
