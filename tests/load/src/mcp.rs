//! The MCP endpoint over streamable HTTP (SPEC §6): `initialize` opens a session (the
//! `Mcp-Session-Id` header), `notifications/initialized` completes it, then `tools/call`.
//! Replies come as SSE (`data: {...}` lines) or as plain JSON; both are accepted.

use anyhow::{Context, Result, bail};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};
use url::Url;

/// The endpoint's path under `access_url`.
pub const MCP_PATH: &str = "/api/experimental/mcp/http";
/// The protocol version the session negotiates and every later request names.
const PROTOCOL: &str = "2025-06-18";

/// One MCP session: its URL, access token and `Mcp-Session-Id`.
#[derive(Debug, Clone)]
pub struct Session {
    url: Url,
    access_token: String,
    id: String,
    next_id: u64,
}

impl Session {
    /// `initialize` then `notifications/initialized`.
    pub async fn open(client: &Client, base: &Url, access_token: &str) -> Result<Self> {
        let url = base.join(MCP_PATH)?;
        let body = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": PROTOCOL,
            "capabilities": {},
            "clientInfo": {"name": "tessera-load", "version": env!("CARGO_PKG_VERSION")},
        }});
        let response = post(client, &url, access_token, None)
            .json(&body)
            .send()
            .await
            .context("MCP initialize")?;
        let id = response
            .headers()
            .get("mcp-session-id")
            .context("MCP initialize answered without Mcp-Session-Id")?
            .to_str()
            .context("an Mcp-Session-Id that is not text")?
            .to_owned();
        let text = crate::oauth::checked(response, "MCP initialize")
            .await?
            .text()
            .await?;
        reply(&text, 0)?;
        let session = Self {
            url,
            access_token: access_token.to_owned(),
            id,
            next_id: 1,
        };
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let response = session.request(client).json(&note).send().await?;
        crate::oauth::checked(response, "MCP notifications/initialized").await?;
        Ok(session)
    }

    /// `tools/call` of `name` without arguments; an error result is an error.
    pub async fn call_tool(&mut self, client: &Client, name: &str) -> Result<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                          "params": {"name": name, "arguments": {}}});
        let response = self.request(client).json(&body).send().await?;
        let text = crate::oauth::checked(response, "MCP tools/call")
            .await?
            .text()
            .await?;
        let result = reply(&text, id)?;
        if result.get("isError") == Some(&Value::Bool(true)) {
            bail!("tools/call {name} failed: {result}");
        }
        Ok(result)
    }

    /// A POST in this session.
    fn request(&self, client: &Client) -> RequestBuilder {
        post(client, &self.url, &self.access_token, Some(&self.id))
    }
}

/// A POST with the headers every MCP request carries.
fn post(client: &Client, url: &Url, token: &str, session: Option<&str>) -> RequestBuilder {
    let request = client
        .post(url.clone())
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(ACCEPT, "application/json, text/event-stream")
        .header(CONTENT_TYPE, "application/json");
    match session {
        Some(id) => request
            .header("mcp-session-id", id)
            .header("mcp-protocol-version", PROTOCOL),
        None => request,
    }
}

/// The `result` of the JSON-RPC response with `id`, from SSE `data:` lines or plain JSON.
fn reply(text: &str, id: u64) -> Result<Value> {
    let mut messages: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(str::trim)
        .filter(|data| !data.is_empty())
        .collect();
    if messages.is_empty() {
        messages.push(text.trim());
    }
    for message in messages {
        let Ok(value) = serde_json::from_str::<Value>(message) else {
            continue;
        };
        if value.get("id").and_then(Value::as_u64) != Some(id) {
            continue;
        }
        if let Some(error) = value.get("error") {
            bail!("JSON-RPC error: {error}");
        }
        return value
            .get("result")
            .cloned()
            .context("a reply without result");
    }
    bail!(
        "no JSON-RPC reply with id {id} in: {}",
        text.chars().take(300).collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_from_sse_or_json() {
        let sse = "data: \n\nid: 0\ndata: {\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"ok\":1}}\n\n";
        assert_eq!(reply(sse, 3).ok(), Some(json!({"ok": 1})));
        let plain = r#"{"jsonrpc":"2.0","id":4,"result":{}}"#;
        assert_eq!(reply(plain, 4).ok(), Some(json!({})));
        let error = r#"{"jsonrpc":"2.0","id":5,"error":{"code":-1}}"#;
        assert!(reply(error, 5).is_err());
        assert!(reply(plain, 9).is_err());
    }
}
