//! Creating OAuth clients through the management API and signing in like a browser.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{MEMBER_PASSWORD, OAuthApp};
use crate::{TestApp, csrf_token_in, new_client};

impl TestApp {
    /// As the admin, creates an app from `body` and returns it.
    pub async fn create_app(&self, admin_token: &str, body: &Value) -> Value {
        let response = new_client()
            .post(self.url("/api/v2/oauth2-provider/apps"))
            .bearer_auth(admin_token)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "create app {body}");
        response.json().await.unwrap()
    }

    /// A confidential client at `redirect_uri`, with a new secret.
    pub async fn create_confidential_app(&self, admin_token: &str, redirect_uri: &str) -> OAuthApp {
        let created = self
            .create_app(
                admin_token,
                &json!({"name": "Docs", "callback_url": redirect_uri}),
            )
            .await;
        let client_id = created["id"].as_str().unwrap().to_owned();
        let response = new_client()
            .post(self.url(&format!("/api/v2/oauth2-provider/apps/{client_id}/secrets")))
            .bearer_auth(admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let secret: Value = response.json().await.unwrap();
        OAuthApp {
            client_id,
            secret: Some(secret["client_secret_full"].as_str().unwrap().to_owned()),
            redirect_uri: redirect_uri.to_owned(),
        }
    }

    /// A public client (`client_type: "public"`) at `redirect_uri`.
    pub async fn create_public_app(&self, admin_token: &str, redirect_uri: &str) -> OAuthApp {
        let body = json!({"name": "CLI", "callback_url": redirect_uri, "client_type": "public"});
        let created = self.create_app(admin_token, &body).await;
        OAuthApp {
            client_id: created["id"].as_str().unwrap().to_owned(),
            secret: None,
            redirect_uri: redirect_uri.to_owned(),
        }
    }

    /// Signs in through `GET`/`POST /login` like a browser; returns that browser.
    pub async fn browser_login(&self, email: &str, password: &str) -> TestApp {
        let browser = self.with_new_client();
        let page = browser.get("/login?redirect=/").await.text().await.unwrap();
        let form = [
            ("email", email),
            ("password", password),
            ("redirect", "/"),
            ("csrf_token", &csrf_token_in(&page)),
        ];
        let response = browser.post_form("/login", &form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "browser login");
        browser
    }

    /// Creates a non-admin `username` and returns a browser signed in as them.
    pub async fn browser_login_as_new_member(&self, admin_token: &str, username: &str) -> TestApp {
        self.login_as_new_member(admin_token, username).await;
        let email = format!("{username}@example.com");
        self.browser_login(&email, MEMBER_PASSWORD).await
    }

    /// As a browser signed in as an admin, presses Block or Unblock (`action`) on the page
    /// of app `id`.
    pub async fn press_block(&self, id: &str, action: &str) {
        let page = self.get(&format!("/settings/oauth2-apps/{id}")).await;
        assert_eq!(page.status(), StatusCode::OK, "the app's page");
        let csrf = csrf_token_in(&page.text().await.unwrap());
        let path = format!("/settings/oauth2-apps/{id}/{action}");
        let pressed = self
            .post_form(&path, &[("csrf_token", csrf.as_str())])
            .await;
        assert_eq!(pressed.status(), StatusCode::SEE_OTHER, "{action}");
    }
}
