//! A local server publishing Client ID Metadata Documents, good and bad, for the CIMD tests
//! (tessera admits `http` documents on loopback only with its test-only setting).

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use futures::StreamExt;
use serde_json::{Value, json};

use crate::oauth::OAuthApp;

/// The redirect URI every published document registers.
pub const DOCUMENT_REDIRECT: &str = "http://127.0.0.1:47999/callback";

/// The running document server.
#[derive(Debug, Clone)]
pub struct DocumentServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    hits: Arc<AtomicUsize>,
    hits_by_name: Arc<Mutex<HashMap<String, usize>>>,
    failing_with: Arc<AtomicU16>,
}

impl DocumentServer {
    /// The URL of the document named `name` (see [`serve_documents`] for the names).
    pub fn url(&self, name: &str) -> String {
        format!("{}/{name}", self.base)
    }

    /// The public client whose `client_id` is the document `name`.
    pub fn client(&self, name: &str) -> OAuthApp {
        OAuthApp {
            client_id: self.url(name),
            secret: None,
            redirect_uri: DOCUMENT_REDIRECT.to_owned(),
        }
    }

    /// How many requests the server has answered.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// How many requests for the document `name` the server has answered.
    pub fn hits_of(&self, name: &str) -> usize {
        let hits = self.hits_by_name.lock().unwrap();
        hits.get(name).copied().unwrap_or(0)
    }

    /// From now on every document answers `status` (e.g. 503: the host is down; 404: the
    /// document was removed); `None` serves them again.
    pub fn fail_with(&self, status: Option<u16>) {
        self.failing_with
            .store(status.unwrap_or(0), Ordering::SeqCst);
    }
}

/// Makes every cached document of the server behind `database_url` expired (as if its
/// max-age had passed), so the next use fetches it again.
pub async fn expire_cached_documents(database_url: &str) {
    let (db, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    db.execute(
        "UPDATE cimd_documents SET fetched_at = now() - interval '2 hours', expires_at = now() - interval '1 second'",
        &[],
    )
    .await
    .unwrap();
}

/// The internal id tessera keeps for the document client `url` (never its `client_id`).
pub async fn internal_id(database_url: &str, url: &str) -> String {
    let (db, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let row = db
        .query_one("SELECT id FROM oauth2_apps WHERE cimd_url = $1", &[&url])
        .await
        .unwrap();
    row.get::<_, uuid::Uuid>(0).to_string()
}

fn document(client_id: &str, redirect: &str) -> Value {
    json!({
        "client_id": client_id,
        "client_name": "Document Client",
        "redirect_uris": [redirect],
        "application_type": "native",
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    })
}

async fn answer(
    req: HttpRequest,
    base: web::Data<String>,
    hits: web::Data<AtomicUsize>,
    hits_by_name: web::Data<Mutex<HashMap<String, usize>>>,
    failing_with: web::Data<AtomicU16>,
) -> HttpResponse {
    hits.fetch_add(1, Ordering::SeqCst);
    let name = req.match_info().query("name").to_owned();
    *hits_by_name
        .lock()
        .unwrap()
        .entry(name.clone())
        .or_default() += 1;
    if let Ok(status) = actix_web::http::StatusCode::from_u16(failing_with.load(Ordering::SeqCst)) {
        return HttpResponse::build(status).finish();
    }
    let own = format!("{}/{name}", base.get_ref());
    let json = |body: Value| {
        HttpResponse::Ok()
            .content_type("application/json")
            .insert_header(("Cache-Control", "public, max-age=3600"))
            .body(body.to_string())
    };
    match name.as_str() {
        "client.json" => json(document(&own, DOCUMENT_REDIRECT)),
        "mismatch.json" => json(document(
            &format!("{}/other.json", base.get_ref()),
            DOCUMENT_REDIRECT,
        )),
        "bad-redirect.json" => json(document(&own, "http://evil.example/callback")),
        "jwt.json" => {
            let mut doc = document(&own, DOCUMENT_REDIRECT);
            doc["token_endpoint_auth_method"] = json!("private_key_jwt");
            doc["jwks_uri"] = json!("https://client.example/jwks.json");
            json(doc)
        }
        "logo.json" => {
            let mut doc = document(&own, DOCUMENT_REDIRECT);
            doc["logo_uri"] = json!("https://tracker.example/logo.png");
            json(doc)
        }
        "secret.json" => {
            let mut doc = document(&own, DOCUMENT_REDIRECT);
            doc["token_endpoint_auth_method"] = json!("client_secret_basic");
            json(doc)
        }
        "big.json" => {
            let mut doc = document(&own, DOCUMENT_REDIRECT);
            doc["client_uri"] = json!(format!("https://client.example/{}", "x".repeat(6 * 1024)));
            json(doc)
        }
        "stream.json" => {
            // No Content-Length and no end: only a reader that stops at the limit returns.
            let chunk = web::Bytes::from(format!(
                "{{\"client_id\": \"{own}\", \"pad\": \"{}",
                "x".repeat(1024)
            ));
            let rest = futures::stream::repeat_with(|| {
                Ok::<_, actix_web::Error>(web::Bytes::from("x".repeat(1024)))
            });
            let stream = futures::stream::iter(std::iter::once(Ok(chunk))).chain(rest);
            HttpResponse::Ok()
                .content_type("application/json")
                .streaming(stream)
        }
        // Never answers: how long tessera waits is tessera's to decide.
        "slow.json" => std::future::pending().await,
        "redirect.json" => HttpResponse::Found()
            .insert_header((
                "Location",
                format!("{}/redirect-target.json", base.get_ref()),
            ))
            .finish(),
        // What `redirect.json` points to: a valid document naming `redirect.json` as its
        // `client_id`, so only a fetcher that follows no redirect refuses the client.
        "redirect-target.json" => json(document(
            &format!("{}/redirect.json", base.get_ref()),
            DOCUMENT_REDIRECT,
        )),
        "text.json" => HttpResponse::Ok()
            .content_type("text/plain")
            .body(document(&own, DOCUMENT_REDIRECT).to_string()),
        _ => HttpResponse::NotFound().finish(),
    }
}

/// Serves `client.json` (a good public client, `max-age=3600`), `mismatch.json` (names
/// another `client_id`), `bad-redirect.json` (an `http` redirect off loopback),
/// `secret.json` (asks for a client secret), `jwt.json` (`private_key_jwt`), `logo.json`
/// (a remote `logo_uri`), `big.json` (over 5 KiB), `stream.json` (chunks without a length
/// and without an end), `slow.json` (never answers), `redirect.json` (a 302 to
/// `redirect-target.json`, a valid document for `redirect.json`'s client) and `text.json`
/// (`text/plain`), on a random loopback port.
pub fn serve_documents() -> DocumentServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let hits = web::Data::new(AtomicUsize::new(0));
    let hits_by_name = web::Data::new(Mutex::new(HashMap::new()));
    let shared = web::Data::new(base.clone());
    let counter = hits.clone();
    let counter_by_name = hits_by_name.clone();
    let failing_with = web::Data::new(AtomicU16::new(0));
    let failing = failing_with.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .app_data(counter.clone())
            .app_data(counter_by_name.clone())
            .app_data(failing.clone())
            .route("/{name}", web::get().to(answer))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    DocumentServer {
        base,
        hits: hits.into_inner(),
        hits_by_name: hits_by_name.into_inner(),
        failing_with: failing_with.into_inner(),
    }
}
