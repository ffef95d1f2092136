//! Apps at scale (issue 18): a page of a search and bulk deletes. The statement is put
//! together from fixed fragments, one per filter in use, so that each combination gets a
//! plan of its own on the indexes of `V16__app_listing_indexes.sql` (a single statement of
//! `$n IS NULL OR …` would end up with one generic plan that uses none of them).

use tessera_application::RepoError;
use tessera_application::ports::AuditEntry;
use tessera_domain::{App, AppDeletion, AppFilter, AppOrder, AppQuery, TokenUse};
use time::OffsetDateTime;
use tokio_postgres::types::ToSql;

use super::app_repository::{COLUMNS, PgAppRepository, app_from_row};
use super::audit_repository::details_json;
use super::errors::{column, db_err};

/// Each filter's condition; `$?` stands for its one parameter. A whole IP address or client
/// id is looked up in an index; other text is looked for in client ids and IPs only when it
/// could be in one (`AppSearch::may_be_in_…`): printing them for every row is costly.
/// `lower(…) LIKE lower(…)` is ILIKE's meaning at about half its cost.
const TEXT_IS_IP: &str = "a.created_from_ip = $?";
const TEXT_IS_ID: &str = "a.id = $?";
const TEXT: &str = "lower(a.name) LIKE lower($?) OR lower(a.cimd_url) LIKE lower($?)";
const TEXT_IN_ID: &str = " OR a.id::text LIKE lower($?)";
const TEXT_IN_IP: &str = " OR host(a.created_from_ip) LIKE lower($?)";
const SOURCE: &str = "a.source = $?";
const CLIENT_TYPE: &str = "a.client_type = $?";
const BLOCKED: &str = "a.blocked = $?";
const NEVER_USED: &str = "a.last_token_at IS NULL";
const USED_SINCE: &str = "a.last_token_at >= $?";
const AUTHORIZED_BY: &str = "EXISTS (SELECT 1 FROM oauth2_grants g WHERE g.app_id = a.id \
                             AND g.user_id = $? AND g.revoked_at IS NULL)";

/// The `ORDER BY` of each order, as `AppOrder::compare` orders (NULL last tokens first).
fn order_by(order: AppOrder) -> &'static str {
    match order {
        AppOrder::Oldest => "a.created_at, a.id",
        AppOrder::Newest => "a.created_at DESC, a.id DESC",
        AppOrder::LeastRecentlyUsed => "a.last_token_at NULLS FIRST, a.created_at, a.id",
        AppOrder::MostRecentlyUsed => {
            "a.last_token_at DESC NULLS LAST, a.created_at DESC, a.id DESC"
        }
    }
}

type Param = Box<dyn ToSql + Sync + Send>;

fn param<T: ToSql + Sync + Send + 'static>(value: T) -> Option<Param> {
    let boxed: Param = Box::new(value);
    Some(boxed)
}

/// The `WHERE` clause of a filter and its parameters, `$1` onwards.
#[derive(Default)]
struct Conditions {
    clauses: Vec<String>,
    params: Vec<Param>,
}

impl Conditions {
    fn of(filter: &AppFilter, now: OffsetDateTime) -> Self {
        let mut c = Self::default();
        if let Some(ip) = filter.text.as_ref().and_then(|t| t.as_ip()) {
            c.add(TEXT_IS_IP, param(ip));
        } else if let Some(id) = filter.text.as_ref().and_then(|t| t.as_client_id()) {
            c.add(TEXT_IS_ID, param(id));
        } else if let Some(text) = &filter.text {
            let mut fragment = format!("({TEXT}");
            if text.may_be_in_client_id() {
                fragment.push_str(TEXT_IN_ID);
            }
            if text.may_be_in_ip() {
                fragment.push_str(TEXT_IN_IP);
            }
            fragment.push(')');
            c.add(&fragment, param(text.like_pattern()));
        }
        if let Some(source) = filter.source {
            c.add(SOURCE, param(source.as_str()));
        }
        if let Some(client_type) = filter.client_type {
            c.add(CLIENT_TYPE, param(client_type.as_str()));
        }
        if let Some(blocked) = filter.blocked {
            c.add(BLOCKED, param(blocked));
        }
        match filter.used.map(|u| (u, u.since(now))) {
            Some((TokenUse::Never, _)) => c.add(NEVER_USED, None),
            Some((_, Some(since))) => c.add(USED_SINCE, param(since)),
            _ => {}
        }
        if let Some(user) = filter.authorized_by {
            c.add(AUTHORIZED_BY, param(user.as_uuid()));
        }
        c
    }

    fn add(&mut self, fragment: &str, param: Option<Param>) {
        if let Some(param) = param {
            self.params.push(param);
        }
        let number = format!("${}", self.params.len());
        self.clauses.push(fragment.replace("$?", &number));
    }

    fn where_sql(&self) -> String {
        match self.clauses.is_empty() {
            true => String::new(),
            false => format!("WHERE {}", self.clauses.join(" AND ")),
        }
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

impl PgAppRepository {
    /// `AppRepository::search`: the page's ids first (an index scan that skips `offset`
    /// rows without reading them), then their rows; the count only when it is not plain.
    pub(super) async fn search_page(
        &self,
        query: &AppQuery,
        now: OffsetDateTime,
    ) -> Result<(Vec<App>, i64), RepoError> {
        let c = Conditions::of(query.filter(), now);
        let (where_sql, order) = (c.where_sql(), order_by(query.order()));
        let n = c.params.len();
        let page_sql = format!(
            "SELECT {COLUMNS} FROM (SELECT a.id FROM oauth2_apps a {where_sql}
                                    ORDER BY {order} LIMIT ${} OFFSET ${}) page
             JOIN oauth2_apps a ON a.id = page.id ORDER BY {order}",
            n + 1,
            n + 2
        );
        let mut params = c.refs();
        let (limit, offset) = (query.limit(), query.offset());
        params.extend([&limit as &(dyn ToSql + Sync), &offset]);
        let client = self.db().client().await?;
        let stmt = client.prepare_cached(&page_sql).await.map_err(db_err)?;
        let rows = client.query(&stmt, &params).await.map_err(db_err)?;
        let apps = rows
            .iter()
            .map(app_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let short_first_page = offset == 0 && (apps.len() as i64) < limit;
        let total = match short_first_page {
            true => apps.len() as i64,
            false => {
                let count_sql = format!("SELECT count(*) AS total FROM oauth2_apps a {where_sql}");
                let stmt = client.prepare_cached(&count_sql).await.map_err(db_err)?;
                let row = client.query_one(&stmt, &c.refs()).await.map_err(db_err)?;
                column(&row, "total")?
            }
        };
        Ok((apps, total))
    }

    /// `AppRepository::delete_many`: one statement deletes and audits every app it takes,
    /// re-checking at that moment what `AppDeletion::covers` says.
    pub(super) async fn delete_apps(
        &self,
        deletion: &AppDeletion,
        audit: &AuditEntry,
    ) -> Result<u64, RepoError> {
        const SELECTED: &str = "a.id = ANY($1)";
        const UNUSED_DYNAMIC: &str =
            "a.source = 'dynamic' AND a.last_token_at IS NULL AND a.created_at < $1";
        let (condition, first): (&str, &(dyn ToSql + Sync)) = match deletion {
            AppDeletion::Selected(ids) => (SELECTED, ids),
            AppDeletion::UnusedDynamic { registered_before } => (UNUSED_DYNAMIC, registered_before),
        };
        let sql = format!(
            "WITH gone AS (DELETE FROM oauth2_apps a WHERE {condition} RETURNING a.id)
             INSERT INTO audit_log (occurred_at, actor_user_id, actor, action, target_type,
                                    target_id, client_ip, user_agent, details)
             SELECT $2, $3, $4, $5, $6, gone.id::text, $7, $8, $9 FROM gone"
        );
        let (a, details) = (&audit.actor, details_json(audit));
        let params: [&(dyn ToSql + Sync); 9] = [
            first,
            &audit.at,
            &a.user_id,
            &a.name,
            &audit.action,
            &audit.target_type,
            &a.ip,
            &a.user_agent,
            &details,
        ];
        let client = self.db().client().await?;
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let deleted = client.execute(&stmt, &params).await.map_err(db_err)?;
        drop(client); // never hold one connection while waiting for another
        if deleted > 0 {
            self.db().settle_revocation().await;
        }
        Ok(deleted)
    }
}
