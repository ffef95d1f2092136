use tessera_application::RepoError;
use tessera_application::ports::{Actor, AuditEntry, AuditRecord, AuditRepository};
use tessera_domain::AuditQuery;
use tokio_postgres::{IsolationLevel, Row};

use super::Database;
use super::audit_filter::AuditFilter;
use super::errors::{column, corrupt, db_err};

/// The audit log in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgAuditRepository {
    db: Database,
}

impl PgAuditRepository {
    /// Wraps the pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// The changed fields of an entry as a JSON object of strings.
pub(crate) fn details_json(entry: &AuditEntry) -> serde_json::Value {
    let details: serde_json::Map<String, serde_json::Value> = entry
        .details
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::Value::Object(details)
}

/// Runs one statement and, when it touched a row, its audit entry, in one transaction;
/// `false` when it touched nothing (no such row). Deletes cascade by foreign key.
pub(crate) async fn write_audited(
    db: &Database,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    audit: &AuditEntry,
) -> Result<bool, RepoError> {
    let mut client = db.client().await?;
    let tx = client.transaction().await.map_err(db_err)?;
    let stmt = tx.prepare_cached(sql).await.map_err(db_err)?;
    if tx.execute(&stmt, params).await.map_err(db_err)? == 0 {
        return Ok(false);
    }
    record(&tx, audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(true)
}

/// Writes `entry` inside the caller's transaction, so the change and its record commit together.
pub(crate) async fn record(
    tx: &impl deadpool_postgres::GenericClient,
    entry: &AuditEntry,
) -> Result<(), RepoError> {
    const SQL: &str = "INSERT INTO audit_log
        (occurred_at, actor_user_id, actor, action, target_type, target_id, client_ip, user_agent, details)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    let details = details_json(entry);
    let stmt = tx.prepare_cached(SQL).await.map_err(db_err)?;
    let a = &entry.actor;
    tx.execute(
        &stmt,
        &[
            &entry.at,
            &a.user_id,
            &a.name,
            &entry.action,
            &entry.target_type,
            &entry.target_id,
            &a.ip,
            &a.user_agent,
            &details,
        ],
    )
    .await
    .map_err(db_err)?;
    Ok(())
}

fn from_row(row: &Row) -> Result<AuditRecord, RepoError> {
    let details: serde_json::Value = column(row, "details")?;
    let details = match details {
        serde_json::Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| {
                (
                    k,
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
            .collect(),
        other => {
            return Err(corrupt(
                "audit_log",
                format!("details is not an object: {other}"),
            ));
        }
    };
    Ok(AuditRecord {
        id: column(row, "id")?,
        actor: Actor {
            user_id: column(row, "actor_user_id")?,
            name: column(row, "actor")?,
            ip: column(row, "client_ip")?,
            user_agent: column(row, "user_agent")?,
        },
        action: column(row, "action")?,
        target_type: column(row, "target_type")?,
        target_id: column(row, "target_id")?,
        at: column(row, "occurred_at")?,
        details,
    })
}

impl AuditRepository for PgAuditRepository {
    async fn list(&self, query: &AuditQuery) -> Result<(Vec<AuditRecord>, i64), RepoError> {
        // The page and the count are two statements: a window count (`count(*) OVER ()`)
        // would read every matching row in full before returning the first. One snapshot
        // keeps them in agreement.
        let filter = AuditFilter::of(query);
        let (clause, n) = (filter.clause(), filter.next_param());
        let page = format!(
            "SELECT id, occurred_at, actor_user_id, actor, action, target_type, target_id,
                    client_ip, user_agent, details
             FROM audit_log {clause}
             ORDER BY occurred_at DESC, id DESC LIMIT ${n} OFFSET ${}",
            n + 1
        );
        let mut client = self.db.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(db_err)?;
        let stmt = tx.prepare_cached(&page).await.map_err(db_err)?;
        let (limit, offset) = (query.limit(), query.offset());
        let rows = tx
            .query(&stmt, &filter.params(&[&limit, &offset]))
            .await
            .map_err(db_err)?;
        let shown = rows.len() as i64;
        // A first page that is not full holds every match.
        let total = match offset == 0 && shown < limit {
            true => shown,
            false => {
                let count = format!("SELECT count(*) AS total FROM audit_log {clause}");
                let stmt = tx.prepare_cached(&count).await.map_err(db_err)?;
                let row = tx
                    .query_one(&stmt, &filter.params(&[]))
                    .await
                    .map_err(db_err)?;
                column(&row, "total")?
            }
        };
        tx.commit().await.map_err(db_err)?;
        Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, total))
    }
}
