//! A raw JSON-RPC client of the MCP endpoint over streamable HTTP: POST answered as JSON
//! or SSE, `Mcp-Session-Id`, `MCP-Protocol-Version`, `Host`, so tests see every status.

use reqwest::{Client, RequestBuilder, Response, StatusCode, header};
use serde_json::{Value, json};

use super::{ACCEPT_BOTH, PROTOCOL_VERSION};
use crate::{TestApp, new_client};

/// A JSON-RPC client of the MCP endpoint speaking raw streamable HTTP.
#[derive(Debug, Clone)]
pub struct RawMcp {
    url: String,
    host: Option<String>,
    token: Option<String>,
    /// The `Mcp-Session-Id` the server gave at `initialize`.
    pub session_id: Option<String>,
    protocol_version: String,
    accept: String,
    headers: Vec<(String, String)>,
    client: Client,
}

impl RawMcp {
    /// A client of `app`'s endpoint sending `token` as a bearer token.
    pub fn new(app: &TestApp, token: &str) -> Self {
        Self {
            token: Some(token.to_owned()),
            ..Self::anonymous(app)
        }
    }

    /// A client of `app`'s endpoint with no token.
    pub fn anonymous(app: &TestApp) -> Self {
        Self::at(&app.mcp_url(), None)
    }

    /// A client of the MCP endpoint at `url` (a protected server's, SPEC §9) sending `token`.
    pub fn at(url: &str, token: Option<&str>) -> Self {
        Self {
            url: url.to_owned(),
            host: None,
            token: token.map(str::to_owned),
            session_id: None,
            protocol_version: PROTOCOL_VERSION.to_owned(),
            accept: ACCEPT_BOTH.to_owned(),
            headers: Vec::new(),
            client: new_client(),
        }
    }

    /// This client sending `Host: host`.
    pub fn with_host(self, host: &str) -> Self {
        Self {
            host: Some(host.to_owned()),
            ..self
        }
    }

    /// This client sending `MCP-Protocol-Version: version` once it has a session.
    pub fn with_protocol_version(self, version: &str) -> Self {
        Self {
            protocol_version: version.to_owned(),
            ..self
        }
    }

    /// This client sending `Accept: accept` instead of both media types.
    pub fn with_accept(self, accept: &str) -> Self {
        Self {
            accept: accept.to_owned(),
            ..self
        }
    }

    /// This client sending the header `name: value` with every request.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// This client with the session `session_id` (someone else's, say).
    pub fn with_session(self, session_id: &str) -> Self {
        Self {
            session_id: Some(session_id.to_owned()),
            ..self
        }
    }

    /// The same session sent to `replica` with the `Host` of this client's `access_url`, as a
    /// load balancer in front of several replicas delivers it.
    pub fn via(&self, replica: &TestApp) -> Self {
        let origin = url::Url::parse(&self.url).unwrap();
        let host = format!("{}:{}", origin.host_str().unwrap(), origin.port().unwrap());
        Self {
            url: replica.mcp_url(),
            ..self.clone()
        }
        .with_host(&host)
    }

    /// A request to the endpoint with the token, the session and the protocol version (once a
    /// session exists).
    pub fn request(&self, method: reqwest::Method) -> RequestBuilder {
        let mut request = self
            .client
            .request(method, &self.url)
            .header(header::ACCEPT, &self.accept);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(host) = &self.host {
            request = request.header(header::HOST, host);
        }
        if let Some(session_id) = &self.session_id {
            request = request
                .header("Mcp-Session-Id", session_id)
                .header("MCP-Protocol-Version", &self.protocol_version);
        }
        request
    }

    /// POSTs one JSON-RPC message.
    pub async fn post(&self, message: &Value) -> Response {
        let request = self.request(reqwest::Method::POST).json(message);
        request.send().await.unwrap()
    }

    /// `initialize` then `notifications/initialized`; keeps the session id and returns the
    /// `initialize` result.
    pub async fn initialize(&mut self) -> Value {
        let result = self.open().await;
        self.notify_initialized().await;
        result
    }

    /// `initialize` alone; keeps the session id and returns the result.
    pub async fn open(&mut self) -> Value {
        let response = self.post(&initialize_message()).await;
        assert_eq!(response.status(), StatusCode::OK, "initialize");
        let session_id = response.headers().get("mcp-session-id").cloned();
        let session_id = session_id.expect("initialize answers with an Mcp-Session-Id");
        let reply = rpc_reply(response).await;
        self.session_id = Some(session_id.to_str().unwrap().to_owned());
        reply["result"].clone()
    }

    /// `notifications/initialized`, which the server accepts with 202.
    pub async fn notify_initialized(&self) {
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let response = self.post(&note).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "initialized");
    }

    /// Sends the request `method` with `params` and returns the whole JSON-RPC reply.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        let response = self.post(&request_message(method, params)).await;
        assert_eq!(response.status(), StatusCode::OK, "{method}");
        rpc_reply(response).await
    }

    /// The tools of `tools/list`.
    pub async fn tools(&self) -> Vec<Value> {
        let reply = self.call("tools/list", json!({})).await;
        reply["result"]["tools"].as_array().expect("tools").clone()
    }

    /// The names of the listed tools, sorted.
    pub async fn tool_names(&self) -> Vec<String> {
        let tools = self.tools().await;
        let mut names: Vec<String> = tools
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    }

    /// `tools/call` of `name` with `arguments`; returns the `CallToolResult`.
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Value {
        let params = json!({"name": name, "arguments": arguments});
        let reply = self.call("tools/call", params).await;
        assert!(reply.get("error").is_none(), "{name}: {reply}");
        reply["result"].clone()
    }

    /// `DELETE` of the session.
    pub async fn delete(&self) -> Response {
        self.request(reqwest::Method::DELETE).send().await.unwrap()
    }
}

/// An `initialize` request for [`PROTOCOL_VERSION`].
pub fn initialize_message() -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "tessera-e2e", "version": "0"},
        },
    })
}

/// A JSON-RPC request `method` with `params`.
pub fn request_message(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 2, "method": method, "params": params})
}

/// The JSON-RPC reply (a message with an `id`) in a JSON body or an SSE stream's `data:`.
pub async fn rpc_reply(mut response: Response) -> Value {
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
    if content_type.starts_with("application/json") {
        return response.json().await.unwrap();
    }
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let mut buffer = String::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(reply) = sse_events(&buffer).find(|m| m.get("id").is_some()) {
            return reply;
        }
    }
    panic!("the SSE stream ended without a reply: {buffer}")
}

/// The JSON messages of the complete events in `stream` (events end with a blank line).
fn sse_events(stream: &str) -> impl Iterator<Item = Value> + '_ {
    let stream = stream.replace("\r\n", "\n");
    let complete = stream
        .rfind("\n\n")
        .map_or("", |end| &stream[..end])
        .to_owned();
    let events: Vec<Value> = complete
        .split("\n\n")
        .filter_map(|event| {
            let data: Vec<&str> = event
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            serde_json::from_str(&data.join("\n")).ok()
        })
        .collect();
    events.into_iter()
}
