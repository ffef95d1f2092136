//! `TestApp`: the whole tessera server on a random port with a fresh database, and the
//! helpers that keep each end-to-end test short.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

pub mod app_listing;
pub mod audit;
mod browser;
pub mod cimd;
pub mod database;
pub mod floods;
pub mod mcp;
pub mod oauth;
pub mod people;
pub mod protected;
pub mod real_clients;
pub mod registration;
pub mod sdk_clients;
pub mod upstream;
pub use browser::Browser;

use std::net::TcpListener;
use std::sync::Arc;

use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use tessera_adapters::system::{Argon2PasswordHasher, ServerClock, TestClock};
use tessera_bootstrap::settings::ConfigDuration;
use tessera_bootstrap::{Application, Settings, ShutdownHandle};
use tessera_domain::SecretString;

/// The admin every test can create with [`TestApp::create_admin`].
pub const ADMIN_EMAIL: &str = "admin@example.com";
/// Their password.
pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// A running server and a client for it.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:<port>`, also the server's `access_url`.
    pub address: String,
    /// A client that keeps cookies and never follows redirects.
    pub client: Client,
    /// The database URL, for tests that look inside.
    pub database_url: String,
    /// `http://127.0.0.1:<port>` of the metrics listener.
    pub metrics_address: String,
    /// The server's clock: tests move it instead of sleeping (shared by [`TestApp::replica`]).
    pub clock: TestClock,
    shutdown: ShutdownHandle,
    task: Arc<Mutex<Option<JoinHandle<anyhow::Result<()>>>>>,
}

/// Starts tessera on a random port against a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with settings adjusted by `adjust` first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let database_url = tessera_test_support::migrated_database().await;
    spawn_on_database(database_url, adjust).await
}

/// Starts tessera against an existing database (two replicas share one this way), with a
/// clock of its own.
pub async fn spawn_on_database(
    database_url: String,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    spawn_with_clock(database_url, TestClock::default(), adjust).await
}

/// Starts tessera against an existing database, reading the time from `clock`.
pub async fn spawn_with_clock(
    database_url: String,
    clock: TestClock,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let mut settings = Settings {
        access_url: address.clone(),
        ..Settings::default()
    };
    settings.database.url = Some(SecretString::new(database_url.clone()));
    settings.database.pool_size = 4;
    settings.http.metrics_address = Some(([127, 0, 0, 1], 0).into());
    settings.http.shutdown_delay = ConfigDuration::seconds(0);
    adjust(&mut settings);
    let app = Application::build_with_clock(
        settings,
        listener,
        Argon2PasswordHasher::for_tests().unwrap(),
        ServerClock::test(&clock),
    )
    .await
    .expect("tessera starts");
    let metrics_address = format!("http://127.0.0.1:{}", app.metrics_port());
    let shutdown = app.shutdown_handle();
    let task = Arc::new(Mutex::new(Some(tokio::spawn(app.run()))));
    TestApp {
        address,
        client: new_client(),
        database_url,
        metrics_address,
        clock,
        shutdown,
        task,
    }
}

/// A client with its own cookie jar that does not follow redirects.
pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POSTs JSON with this app's client.
    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// The Prometheus text of the metrics listener (asserting a 200 in the text format).
    pub async fn metrics(&self) -> String {
        let response = new_client()
            .get(format!("{}/metrics", self.metrics_address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        response.text().await.unwrap()
    }

    /// GETs `path` with this app's client (and its cookies).
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// POSTs a form to `path` with this app's client (and its cookies).
    pub async fn post_form<T: serde::Serialize + ?Sized>(&self, path: &str, form: &T) -> Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// GETs `path` with a bearer token and no cookies.
    pub async fn get_with_bearer(&self, path: &str, token: &str) -> Response {
        new_client()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Creates the first user, an admin.
    pub async fn create_admin(&self) -> Value {
        let body = json!({"email": ADMIN_EMAIL, "username": "admin", "password": ADMIN_PASSWORD});
        let response = self.post_json("/api/v2/users/first", &body).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Logs in over the API and returns the session token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let response = self
            .post_json(
                "/api/v2/users/login",
                &json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "login as {email}");
        let body: Value = response.json().await.unwrap();
        body["session_token"].as_str().unwrap().to_owned()
    }

    /// Creates the admin and returns their session token.
    pub async fn login_as_admin(&self) -> String {
        self.create_admin().await;
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// As the admin `admin_token`, creates a non-admin user and returns their session token.
    pub async fn login_as_new_member(&self, admin_token: &str, username: &str) -> String {
        let email = format!("{username}@example.com");
        let body = json!({"email": email, "username": username, "password": "member password"});
        let response = new_client()
            .post(self.url("/api/v2/users"))
            .bearer_auth(admin_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        self.login(&email, "member password").await
    }

    /// Another replica on the same database, reading the same clock.
    pub async fn replica(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        spawn_with_clock(self.database_url.clone(), self.clock.clone(), adjust).await
    }

    /// Freezes the clock of this server (and its replicas) at the start of the next minute,
    /// so that requests of a test all count in one rate-limit window, however slowly they run.
    pub fn freeze_at_a_minute_start(&self) {
        self.clock.freeze_at(next_minute(self.clock.now()));
    }

    /// The same server seen by a new client with an empty cookie jar.
    pub fn with_new_client(&self) -> TestApp {
        TestApp {
            address: self.address.clone(),
            client: new_client(),
            database_url: self.database_url.clone(),
            metrics_address: self.metrics_address.clone(),
            clock: self.clock.clone(),
            shutdown: self.shutdown.clone(),
            task: self.task.clone(),
        }
    }

    /// Begins the shutdown, as SIGTERM does (`/readyz` 503 at once, the drain after
    /// `http.shutdown_delay`, which is 0 unless a test sets it).
    pub fn begin_shutdown(&self) {
        self.shutdown.begin();
    }

    /// Shuts the server down and waits until it (and its embedded database) is down.
    pub async fn stop_and_wait(&self) {
        self.begin_shutdown();
        self.wait_until_stopped().await;
    }

    /// Waits until a shutdown begun earlier has ended.
    pub async fn wait_until_stopped(&self) {
        if let Some(task) = self.task.lock().await.take() {
            task.await.unwrap().unwrap();
        }
    }
}

/// The start of the minute after the one `now` is in (rate-limit windows start on minutes).
pub fn next_minute(now: time::OffsetDateTime) -> time::OffsetDateTime {
    let minute = time::Time::from_hms(now.hour(), now.minute(), 0).unwrap();
    now.replace_time(minute) + time::Duration::minutes(1)
}

/// The value of the hidden `csrf_token` field of an HTML form.
pub fn csrf_token_in(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("the page has a CSRF field") + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}
