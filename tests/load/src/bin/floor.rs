//! `floor`: the HTTP floor of the machine — a bare actix-web server answering
//! `GET /json` with a small JSON body, with actix-web's default worker count (tessera's
//! too), driven by `tessera-load --scenario floor` for comparison with tessera's endpoints.
//! Its `POST /mcp` is the cheapest MCP upstream (a stateless JSON-RPC answer to any
//! request), behind tessera's relay in the `relay` scenarios.

use std::net::SocketAddr;

use actix_web::{App, HttpResponse, HttpServer, web};
use clap::Parser;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(name = "floor", about = "A bare actix-web JSON endpoint")]
struct Cli {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:3099")]
    address: SocketAddr,
    /// Worker threads (default: actix-web's, one per physical core, as tessera).
    #[arg(long)]
    workers: Option<usize>,
}

/// The answer, about the size of `/api/v2/users/me`'s.
async fn json() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "id": "0b7c6f5e-7d1a-4c5e-9a4f-2f1e3d4c5b6a",
        "email": "load@tessera.test",
        "username": "load",
        "admin": true,
        "created_at": "2025-01-01T00:00:00Z",
    }))
}

/// A JSON-RPC result echoing the request's id, as a stateless MCP server answers `tools/call`.
async fn mcp(body: web::Json<serde_json::Value>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "jsonrpc": "2.0",
        "id": body.get("id").cloned().unwrap_or(serde_json::Value::Null),
        "result": {"content": [{"type": "text", "text": "{\"username\":\"load\"}"}],
                   "structuredContent": {"username": "load"}},
    }))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let cli = Cli::parse();
    let mut server = HttpServer::new(|| {
        App::new()
            .route("/json", web::get().to(json))
            .route("/mcp", web::post().to(mcp))
    })
    .bind(cli.address)?;
    if let Some(workers) = cli.workers {
        server = server.workers(workers);
    }
    server.run().await
}
