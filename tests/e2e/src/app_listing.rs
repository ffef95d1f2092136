//! Helpers for the apps at scale (issue 18): many apps at once, and the list API's answer.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::{TestApp, new_client};

/// What `GET /api/v2/oauth2-provider/apps` answered.
#[derive(Debug)]
pub struct AppList {
    /// Its status.
    pub status: StatusCode,
    /// Its headers (`X-Total-Count`, `Link`).
    pub headers: HeaderMap,
    /// Its body.
    pub body: Value,
}

impl AppList {
    /// The names of the apps listed, in order.
    pub fn names(&self) -> Vec<String> {
        let apps = self.body.as_array().expect("a list of apps");
        apps.iter()
            .map(|a| a["name"].as_str().unwrap().to_owned())
            .collect()
    }

    /// A header as text, if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

impl TestApp {
    /// As the admin, creates apps named `{prefix} 1` … `{prefix} {n}`, oldest first;
    /// returns their ids.
    pub async fn create_apps_named(
        &self,
        admin_token: &str,
        prefix: &str,
        n: usize,
    ) -> Vec<String> {
        let mut ids = Vec::new();
        for i in 1..=n {
            let body =
                json!({"name": format!("{prefix} {i}"), "callback_url": "https://docs.example/cb"});
            let created = self.create_app(admin_token, &body).await;
            ids.push(created["id"].as_str().unwrap().to_owned());
        }
        ids
    }

    /// `GET /api/v2/oauth2-provider/apps{query}` as the admin.
    pub async fn list_apps(&self, admin_token: &str, query: &str) -> AppList {
        let response = new_client()
            .get(self.url(&format!("/api/v2/oauth2-provider/apps{query}")))
            .bearer_auth(admin_token)
            .send()
            .await
            .unwrap();
        AppList {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.json().await.unwrap_or(Value::Null),
        }
    }
}
