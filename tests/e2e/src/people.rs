//! Helpers for managing people (SPEC §2, issue 18): the admin API of `/api/v2/users`, the
//! self-service calls, and the forms of `/settings/users` and `/settings/account`.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::{TestApp, csrf_token_in};

impl TestApp {
    /// As `token`, the people matching `q` (`/api/v2/users?q=`), as `{users, count}`.
    pub async fn search_users(&self, token: &str, q: &str) -> Value {
        let path = format!("/api/v2/users?q={q}");
        let response = self.admin_api(token, Method::GET, &path, None).await;
        assert_eq!(response.status(), StatusCode::OK, "searching for {q}");
        response.json().await.unwrap()
    }

    /// As the admin `token`, the id of `username`.
    pub async fn user_id(&self, token: &str, username: &str) -> String {
        let found = self.search_users(token, username).await;
        let users = found["users"].as_array().unwrap();
        let user = users.iter().find(|u| u["username"] == username).unwrap();
        user["id"].as_str().unwrap().to_owned()
    }

    /// As `token`, `PUT /api/v2/users/{id}/status/{status}` (`suspend` or `activate`).
    pub async fn set_user_status(&self, token: &str, id: &str, status: &str) -> Response {
        let path = format!("/api/v2/users/{id}/status/{status}");
        self.admin_api(token, Method::PUT, &path, None).await
    }

    /// As `token`, `PUT /api/v2/users/{id}/roles` with `roles`.
    pub async fn set_user_roles(&self, token: &str, id: &str, roles: &[&str]) -> Response {
        let path = format!("/api/v2/users/{id}/roles");
        let body = json!({ "roles": roles });
        self.admin_api(token, Method::PUT, &path, Some(&body)).await
    }

    /// As the admin `token`, a one-time reset link for `id`: its token (`tpr_…`).
    pub async fn reset_link_token(&self, token: &str, id: &str) -> String {
        let path = format!("/api/v2/users/{id}/password-reset");
        let response = self.admin_api(token, Method::POST, &path, None).await;
        assert_eq!(response.status(), StatusCode::CREATED, "a reset link");
        let body: Value = response.json().await.unwrap();
        let url = body["reset_url"].as_str().unwrap();
        url.split_once("token=").unwrap().1.to_owned()
    }

    /// With the session `token`, `PUT /api/v2/users/me/password`.
    pub async fn change_password(&self, token: &str, old: &str, new: &str) -> Response {
        let body = json!({ "old_password": old, "password": new });
        let path = "/api/v2/users/me/password";
        self.admin_api(token, Method::PUT, path, Some(&body)).await
    }

    /// The status of `GET /api/v2/users/me` with the session `token`.
    pub async fn session_status(&self, token: &str) -> StatusCode {
        self.get_with_bearer("/api/v2/users/me", token)
            .await
            .status()
    }

    /// The status of an API login.
    pub async fn login_status(&self, email: &str, password: &str) -> StatusCode {
        let body = json!({ "email": email, "password": password });
        self.post_json("/api/v2/users/login", &body).await.status()
    }

    /// As this signed-in browser, posts a form of the page at `page` to `action` with its
    /// CSRF token and `fields`.
    pub async fn submit_form(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let html = self.get(page).await.text().await.unwrap();
        let csrf = csrf_token_in(&html);
        let mut form = vec![("csrf_token", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post_form(action, &form).await
    }
}
