//! The contract of `MetadataFetcher` on the HTTP fetcher, against documents a local HTTP
//! server in the test serves (the fetcher allowed to fetch from loopback, as in tests).
#![allow(clippy::unwrap_used)]

use tessera_adapters::cimd_fetcher::HttpMetadataFetcher;
use tessera_application::contracts::metadata_fetcher::{self as contract, MAX_AGE, document};
use tessera_domain::ClientIdUrl;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Serves one request: the contract's document at `/client.json`, 404 anywhere else.
async fn serve_once() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let documents = base.clone();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = vec![0u8; 4096];
        let n = stream.read(&mut request).await.unwrap();
        let request = String::from_utf8_lossy(&request[..n]).into_owned();
        let answer = match request.starts_with("GET /client.json ") {
            true => {
                let body = document(&format!("{documents}/client.json"));
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncache-control: max-age={MAX_AGE}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                )
            }
            false => {
                "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into()
            }
        };
        stream.write_all(answer.as_bytes()).await.unwrap();
    });
    base
}

#[tokio::test]
async fn a_served_document_is_fetched() {
    let base = serve_once().await;
    let url = ClientIdUrl::parse(&format!("{base}/client.json"), true).unwrap();
    let fetcher = HttpMetadataFetcher::new(true).unwrap();
    contract::a_served_document_is_fetched(&fetcher, &url).await;
}

#[tokio::test]
async fn a_missing_document_is_its_status() {
    let base = serve_once().await;
    let url = ClientIdUrl::parse(&format!("{base}/gone.json"), true).unwrap();
    let fetcher = HttpMetadataFetcher::new(true).unwrap();
    contract::a_missing_document_is_its_status(&fetcher, &url).await;
}
