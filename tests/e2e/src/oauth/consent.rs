//! The authorization endpoint as a browser sees it: the consent page and its form.

use std::collections::HashMap;

use reqwest::{Response, StatusCode};

use super::{AuthorizeRequest, consent_form, has_decision_button, redirect_params};
use crate::TestApp;

impl TestApp {
    /// `GET /oauth2/authorize` with this client's cookies.
    pub async fn authorize(&self, request: &AuthorizeRequest) -> Response {
        self.get(&request.path()).await
    }

    /// The consent page of `request` (asserts 200).
    pub async fn consent_page(&self, request: &AuthorizeRequest) -> String {
        self.consent_page_at(&self.url(&request.path())).await
    }

    /// The consent page at an absolute authorize URL (asserts 200).
    pub async fn consent_page_at(&self, authorize_url: &str) -> String {
        let response = self.client.get(authorize_url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "the consent page");
        response.text().await.unwrap()
    }

    /// Submits the consent form of `page` with `decision` (`allow` or `deny`).
    pub async fn consent(&self, page: &str, decision: &str) -> Response {
        assert!(
            has_decision_button(page, decision),
            "the page has a `{decision}` button"
        );
        let mut form = consent_form(page);
        form.push(("decision".to_owned(), decision.to_owned()));
        self.post_consent(&form).await
    }

    /// `POST /oauth2/authorize` with exactly `form`.
    pub async fn post_consent(&self, form: &[(String, String)]) -> Response {
        self.post_form("/oauth2/authorize", form).await
    }

    /// Approves the request at `authorize_url` on its consent page, or takes the code at once
    /// when the approval is remembered; returns the redirect's query parameters.
    pub async fn approve(&self, authorize_url: &str) -> HashMap<String, String> {
        let response = self.client.get(authorize_url).send().await.unwrap();
        if response.status() == StatusCode::FOUND {
            return redirect_params(&response);
        }
        assert_eq!(response.status(), StatusCode::OK, "the consent page");
        let page = response.text().await.unwrap();
        redirect_params(&self.consent(&page, "allow").await)
    }

    /// Approves `request` (see [`TestApp::approve`]) and returns the code.
    pub async fn authorization_code(&self, request: &AuthorizeRequest) -> String {
        let params = self.approve(&self.url(&request.path())).await;
        params.get("code").expect("a code").clone()
    }
}
