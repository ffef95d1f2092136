//! Helpers for the audit log (SPEC §3, issue 18): its API, its page, and entries written
//! straight to the database so that a test can page through more than one page.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::TestApp;

impl TestApp {
    /// As `token`, `GET /api/v2/audit?{query}`: the status and the JSON body.
    pub async fn audit_log(&self, token: &str, query: &str) -> (StatusCode, Value) {
        let path = format!("/api/v2/audit?{query}");
        let response = self.admin_api(token, Method::GET, &path, None).await;
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// As `token`, the `(action, resource_type)` of each entry `query` selects, newest first,
    /// and how many match in all; asserts a 200.
    pub async fn audit_summary(&self, token: &str, query: &str) -> (Vec<(String, String)>, i64) {
        let (status, body) = self.audit_log(token, query).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        let entries = body["audit_logs"].as_array().unwrap();
        let summary = entries
            .iter()
            .map(|e| {
                let field = |name: &str| e[name].as_str().unwrap().to_owned();
                (field("action"), field("resource_type"))
            })
            .collect();
        (summary, body["count"].as_i64().unwrap())
    }

    /// Writes `n` entries by `actor` doing `action` to users, a second apart and an hour
    /// ago or earlier, straight to the database.
    pub async fn write_audit_entries(&self, n: i32, actor: &str, action: &str) {
        let (db, connection) = tokio_postgres::connect(&self.database_url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        db.execute(
            "INSERT INTO audit_log (occurred_at, actor, action, target_type, target_id)
             SELECT now() - interval '1 hour' - make_interval(secs => g), $1, $2, 'user', 'seeded-' || g
             FROM generate_series(1, $3) AS g",
            &[&actor, &action, &n],
        )
        .await
        .unwrap();
    }
}

/// The address of the link `rel` (`next`, `prev`) on a page, unescaped; `None` without one.
pub fn link_in(html: &str, rel: &str) -> Option<String> {
    let end = html.find(&format!("\" rel=\"{rel}\""))?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    Some(
        html[start..end]
            .replace("&#x2F;", "/")
            .replace("&amp;", "&"),
    )
}

/// The rows of the audit page's table.
pub fn rows_in(html: &str) -> usize {
    html.matches("<tr data-id=").count()
}
