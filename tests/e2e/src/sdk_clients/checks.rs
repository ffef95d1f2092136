//! What every SDK journey must show, step by step, each failure naming the step and printing
//! the journey's whole output.

use reqwest::StatusCode;
use serde_json::Value;

use super::Journey;
use crate::{ADMIN_EMAIL, TestApp, new_client};

impl Journey {
    /// The whole journey of SPEC §4–§6 as the SDK lived it, in order; see each step.
    pub async fn assert_complete(&self, app: &TestApp) {
        self.assert_discovered_from_the_challenge(app);
        self.assert_registered();
        self.assert_registered_as_native(app).await;
        self.assert_signed_in_and_allowed(app);
        self.assert_called_whoami();
        self.assert_refreshed();
        assert!(
            self.succeeded && !self.all("done").is_empty(),
            "the journey ended early\n{self}"
        );
    }

    /// Knowing only the MCP URL, the SDK was refused (401) and found its way from the
    /// challenge to the resource's metadata, the authorization server's metadata and the
    /// registration endpoint.
    pub fn assert_discovered_from_the_challenge(&self, app: &TestApp) {
        let steps: Vec<(String, String, u64)> = self
            .all("http")
            .iter()
            .take(4)
            .map(|e| {
                let method = e["method"].as_str().unwrap_or_default().to_owned();
                let url = e["url"].as_str().unwrap_or_default().to_owned();
                (method, url, e["status"].as_u64().unwrap_or_default())
            })
            .collect();
        assert!(steps.len() >= 4, "at least four requests\n{self}");
        let get = |url: String| ("GET".to_owned(), url, 200);
        let expected = [
            ("POST".to_owned(), self.mcp_url.clone(), 401),
            get(self.resource_metadata_url.clone()),
            get(app.url("/.well-known/oauth-authorization-server")),
        ];
        assert_eq!(steps[..3], expected[..], "discovery\n{self}");
        assert_eq!(
            (steps[3].0.as_str(), steps[3].1.as_str()),
            ("POST", app.url("/oauth2/register").as_str()),
            "then registration\n{self}"
        );
    }

    /// The registration the SDK sent (RFC 7591) was accepted; returns the body as sent.
    pub fn assert_registered(&self) -> &Value {
        let registration = self.event("registration");
        assert_eq!(
            registration["status"], 201,
            "the {:?} SDK's registration was refused: {} {}\nit sent: {}\n{self}",
            self.sdk, registration["status"], registration["response"], registration["request"]
        );
        &registration["request"]
    }

    /// tessera stored the registered client as `native` (its redirect URI is http loopback),
    /// as RFC 7592's read of it shows.
    pub async fn assert_registered_as_native(&self, app: &TestApp) {
        let registered = &self.event("registration")["response"];
        assert_eq!(registered["application_type"], "native", "{self}");
        let uri = registered["registration_client_uri"].as_str().unwrap();
        assert!(uri.starts_with(&app.url("/oauth2/clients/")), "{uri}");
        let token = registered["registration_access_token"].as_str().unwrap();
        let response = new_client()
            .get(uri)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "RFC 7592 read");
        let stored: Value = response.json().await.unwrap();
        assert_eq!(stored["application_type"], "native");
        assert_eq!(stored["client_id"], self.event("tokens")["client_id"]);
    }

    /// The authorization URL went to the SDK's redirect hook; the person signed in, allowed,
    /// and came back to the registered redirect URI with a code and tessera's `iss`.
    pub fn assert_signed_in_and_allowed(&self, app: &TestApp) {
        let url = self.event("authorization_url")["url"].as_str().unwrap();
        assert!(url.starts_with(&app.url("/oauth2/authorize?")), "{url}");
        let callback = self.event("callback");
        let registered = &self.event("registration")["response"]["redirect_uris"][0];
        assert_eq!(&callback["redirect_uri"], registered, "{self}");
        assert_eq!(callback["error"], Value::Null, "{self}");
        assert_eq!(callback["iss"], app.address, "RFC 9207 `iss`\n{self}");
        let params = callback["params"].as_array().unwrap();
        assert!(params.contains(&Value::from("code")), "{self}");
        let exchanges = self.token_requests("authorization_code");
        assert_eq!(exchanges.len(), 1, "one code exchange\n{self}");
        assert_eq!(exchanges[0]["status"], 200, "the code exchange\n{self}");
    }

    /// The SDK listed the tools (`whoami` among them) and `whoami` named the admin.
    pub fn assert_called_whoami(&self) {
        let names = self.event("tools")["names"].as_array().unwrap();
        assert!(names.contains(&Value::from("whoami")), "{names:?}");
        let me = self.whoami("first");
        assert_eq!(me["username"], "admin", "{self}");
        assert_eq!(me["email"], ADMIN_EMAIL, "{self}");
    }

    /// The SDK refreshed through its own path: one `refresh_token` grant, a new refresh token
    /// (rotation) and access token, and `whoami` still answered for the same person.
    pub fn assert_refreshed(&self) {
        let refreshes = self.token_requests("refresh_token");
        assert_eq!(refreshes.len(), 1, "one refresh\n{self}");
        assert_eq!(refreshes[0]["status"], 200, "the refresh\n{self}");
        let refreshed = self.event("refreshed");
        assert_ne!(refreshed["old_refresh_token"], Value::Null, "{self}");
        assert_ne!(
            refreshed["new_refresh_token"], refreshed["old_refresh_token"],
            "a rotated refresh token\n{self}"
        );
        assert_eq!(refreshed["access_token_changed"], true, "{self}");
        assert_eq!(self.whoami("after_refresh"), self.whoami("first"), "{self}");
    }
}
