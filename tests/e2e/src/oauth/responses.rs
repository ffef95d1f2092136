//! Reading what the server answered: redirects, error pages and OAuth error bodies.

use std::collections::HashMap;

use reqwest::{Response, StatusCode, header};
use serde_json::Value;
use url::Url;

/// Asserts a 400 HTML error page that sends the browser nowhere.
pub async fn assert_error_page(response: Response) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get(header::LOCATION).is_none());
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
}

/// The `Location` header of a redirect.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(header::LOCATION)
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

/// The query parameters of a 302's `Location`.
pub fn redirect_params(response: &Response) -> HashMap<String, String> {
    assert_eq!(response.status(), StatusCode::FOUND, "a 302 to the client");
    let url = Url::parse(&location(response)).unwrap();
    url.query_pairs().into_owned().collect()
}

/// The `code` of a 302 to the client.
pub fn code_from_location(response: &Response) -> String {
    redirect_params(response)
        .remove("code")
        .expect("a code in the redirect")
}

/// A token endpoint error: its status and the `error` code.
pub async fn oauth_error(response: Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}
