//! An MCP server of someone else's, for tessera to protect (SPEC §9): rmcp's streamable HTTP
//! server on a random port, with no OAuth of its own. It records the headers of every request
//! it receives, and its tools answer from the identity headers tessera adds:
//! `whoami` (who the relay says is calling) and `slow_count` (a progress notification, then
//! nothing until the test calls [`Upstream::finish_slow_count`], then two more and the
//! result: SSE events must reach the client while the tool has not finished).

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpServer};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, JsonObject,
    ListToolsResult, PaginatedRequestParams, ProgressNotificationParam, ServerCapabilities,
    ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use rmcp_actix_web::transport::StreamableHttpService;
use serde_json::{Value, json};

/// The headers of one request the upstream received, names lowercase.
pub type SeenHeaders = Vec<(String, String)>;

/// A running upstream MCP server.
#[derive(Debug)]
pub struct Upstream {
    /// Its MCP URL, `http://127.0.0.1:<port>/mcp`.
    pub url: String,
    seen: Arc<Mutex<Vec<SeenHeaders>>>,
    handle: actix_web::dev::ServerHandle,
    finish: Arc<tokio::sync::Notify>,
}

impl Upstream {
    /// The headers of every request received so far, in order.
    pub fn seen(&self) -> Vec<SeenHeaders> {
        self.seen.lock().unwrap().clone()
    }

    /// The identity assertion of the last request received.
    pub fn last_assertion(&self) -> String {
        let seen = self.seen();
        let last = seen.last().expect("the upstream received a request");
        header(last, "x-tessera-assertion")
            .expect("an X-Tessera-Assertion header")
            .to_owned()
    }

    /// Lets a `slow_count` in progress (or the next one) finish.
    pub fn finish_slow_count(&self) {
        self.finish.notify_one();
    }

    /// Stops it (the relay then gets connection refused).
    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

/// The value of header `name` in `headers`.
pub fn header<'a>(headers: &'a SeenHeaders, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[derive(Clone)]
struct UpstreamMcp {
    finish: Arc<tokio::sync::Notify>,
}

fn headers_of(context: &RequestContext<RoleServer>) -> SeenHeaders {
    let parts = context.extensions.get::<http::request::Parts>();
    parts
        .map(|p| {
            p.headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn tool(name: &'static str, description: &'static str) -> Tool {
    let schema: JsonObject =
        serde_json::from_value(json!({"type": "object", "properties": {}})).unwrap();
    Tool::new(name, description, Arc::new(schema))
}

impl ServerHandler for UpstreamMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("upstream", "1.0.0"))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(vec![
            tool("whoami", "Who tessera says is calling."),
            tool(
                "slow_count",
                "A progress notification, then more and done once the test says so.",
            ),
        ]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let headers = headers_of(&context);
        let value = match request.name.as_ref() {
            "whoami" => json!({
                "user_id": header(&headers, "x-tessera-user-id"),
                "username": header(&headers, "x-tessera-username"),
                "email": header(&headers, "x-tessera-email"),
                "client_id": header(&headers, "x-tessera-client-id"),
                "scopes": header(&headers, "x-tessera-scopes"),
            }),
            "slow_count" => {
                let token = context.meta.get_progress_token();
                for n in 1..=3 {
                    if let Some(token) = token.clone() {
                        let note = ProgressNotificationParam::new(token, f64::from(n));
                        let _ = context.peer.notify_progress(note).await;
                    }
                    if n == 1 {
                        self.finish.notified().await;
                    }
                }
                json!({"counted": 3})
            }
            other => {
                return Err(ErrorData::invalid_params(
                    format!("unknown tool {other}"),
                    None,
                ));
            }
        };
        Ok(CallToolResult::structured(value).into())
    }
}

/// Starts an upstream MCP server on a random loopback port.
pub async fn spawn_upstream() -> Upstream {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Arc<Mutex<Vec<SeenHeaders>>> = Arc::default();
    let finish = Arc::new(tokio::sync::Notify::new());
    let tools = UpstreamMcp {
        finish: finish.clone(),
    };
    let service = StreamableHttpService::builder()
        .service_factory(Arc::new(move || Ok(tools.clone())))
        .session_manager(Arc::new(LocalSessionManager::default()))
        .allowed_hosts(vec![format!("127.0.0.1:{port}"), "127.0.0.1".to_owned()])
        .build();
    let recorded = seen.clone();
    let server = HttpServer::new(move || {
        let recorded = recorded.clone();
        App::new()
            .wrap_fn(move |req, srv| {
                let headers = req
                    .headers()
                    .iter()
                    .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                    .collect();
                recorded.lock().unwrap().push(headers);
                actix_web::dev::Service::call(srv, req)
            })
            .service(service.clone().scope_with_path("/mcp"))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .disable_signals()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Upstream {
        url: format!("http://127.0.0.1:{port}/mcp"),
        seen,
        handle,
        finish,
    }
}

/// The `structuredContent` of a tool result as the upstream built it.
pub fn tool_value(result: &Value) -> &Value {
    &result["structuredContent"]
}
