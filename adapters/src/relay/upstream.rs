//! One relayed exchange: the upstream request (the client's headers, minus its credentials
//! and hop-by-hop headers, plus the caller's identity), and the upstream answer streamed
//! back as it arrives, pulled only as fast as the client reads it.

use actix_web::http::{StatusCode, header};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::stream;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tessera_application::mcp_servers::Admission;

use super::request::json_rpc_id;

/// Headers never relayed in either direction: hop-by-hop ones (RFC 9110 §7.6.1), and those
/// the relay sets itself.
const HOP_BY_HOP: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

/// The prefix of the identity headers; the client's own are removed.
const IDENTITY_PREFIX: &str = "x-tessera-";

/// Whether a client header goes upstream: never its credentials (no token passthrough),
/// its `Host`, a hop-by-hop header, or anything named like the identity headers.
fn relayed_upstream(name: &str) -> bool {
    !(HOP_BY_HOP.contains(&name)
        || matches!(name, "host" | "authorization" | "cookie")
        || name.starts_with(IDENTITY_PREFIX))
}

/// Whether an upstream header goes back to the client: never a cookie for tessera's origin.
fn relayed_downstream(name: &str) -> bool {
    !(HOP_BY_HOP.contains(&name) || name == "set-cookie")
}

/// The identity headers of SPEC §9.
pub(super) fn identity_headers(admission: &Admission) -> Vec<(&'static str, String)> {
    vec![
        ("x-tessera-user-id", admission.user.id.as_uuid().to_string()),
        (
            "x-tessera-username",
            admission.user.username.as_str().to_owned(),
        ),
        ("x-tessera-email", admission.user.email.as_str().to_owned()),
        ("x-tessera-client-id", admission.client_id.clone()),
        ("x-tessera-scopes", admission.scopes.to_string()),
        ("x-tessera-assertion", admission.assertion.clone()),
    ]
}

/// The headers sent upstream for the client request `req`.
pub(super) fn upstream_headers(req: &HttpRequest, admission: &Admission) -> HeaderMap {
    let mut headers = HeaderMap::new();
    // actix speaks `http` 0.2 and reqwest `http` 1: headers cross by their bytes.
    for (name, value) in req.headers() {
        let converted = (
            HeaderName::from_bytes(name.as_str().as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        );
        if let (true, Ok(name), Ok(value)) =
            (relayed_upstream(name.as_str()), converted.0, converted.1)
        {
            headers.append(name, value);
        }
    }
    for (name, value) in identity_headers(admission) {
        if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    headers
}

/// Relays one request to `admission`'s server and streams its answer back; connection
/// failures are 502 and a timeout 504, with a JSON-RPC error when the request was JSON-RPC.
pub(super) async fn forward(
    client: &reqwest::Client,
    req: &HttpRequest,
    body: Bytes,
    admission: &Admission,
) -> HttpResponse {
    let draft = &admission.server.draft;
    let rpc_id = json_rpc_id(&body);
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes())
        .unwrap_or(reqwest::Method::POST);
    let request = client
        .request(method, draft.upstream.as_str())
        .headers(upstream_headers(req, admission))
        .body(body);
    let timeout =
        std::time::Duration::from_secs(draft.effective_timeout().whole_seconds().unsigned_abs());
    let response = match tokio::time::timeout(timeout, request.send()).await {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => {
            tracing::warn!(slug = draft.slug.as_str(), error = %e, "the upstream MCP server cannot be reached");
            return failure(
                StatusCode::BAD_GATEWAY,
                rpc_id,
                "The upstream MCP server cannot be reached.",
            );
        }
        Err(_) => {
            tracing::warn!(
                slug = draft.slug.as_str(),
                "the upstream MCP server did not answer in time"
            );
            return failure(
                StatusCode::GATEWAY_TIMEOUT,
                rpc_id,
                "The upstream MCP server did not answer in time.",
            );
        }
    };
    stream_back(response)
}

/// The upstream answer, status and headers as sent, the body streamed chunk by chunk.
fn stream_back(response: reqwest::Response) -> HttpResponse {
    let status =
        StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut answer = HttpResponse::build(status);
    for (name, value) in response.headers() {
        if relayed_downstream(name.as_str()) {
            answer.append_header((name.as_str(), value.as_bytes()));
        }
    }
    // Each chunk is read from the upstream only when actix asks for the next one, that
    // is when the client has taken the previous: back-pressure end to end.
    let chunks = stream::unfold(response, |mut response| async move {
        match response.chunk().await {
            Ok(Some(chunk)) => Some((Ok::<Bytes, reqwest::Error>(chunk), response)),
            Ok(None) => None,
            Err(e) => {
                tracing::debug!(error = %e, "the upstream stream ended with an error");
                None
            }
        }
    });
    answer.streaming(chunks)
}

/// A 502 or 504: a JSON-RPC error echoing the request's id when it was JSON-RPC.
fn failure(status: StatusCode, rpc_id: Option<serde_json::Value>, message: &str) -> HttpResponse {
    let body = match rpc_id {
        Some(id) => serde_json::json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": { "code": -32603, "message": message },
        }),
        None => serde_json::json!({
            "error": if status == StatusCode::GATEWAY_TIMEOUT { "gateway_timeout" } else { "bad_gateway" },
            "error_description": message,
        }),
    };
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use tessera_domain::{
        Email, McpServer, McpServerDraft, McpServerInput, Scope, ScopeSet, User, UserId, Username,
    };
    use uuid::Uuid;

    fn admission() -> Admission {
        let draft = McpServerDraft::parse(McpServerInput {
            slug: "docs",
            name: "Docs",
            upstream_url: "http://127.0.0.1:9/mcp",
            ..Default::default()
        })
        .unwrap();
        Admission {
            server: McpServer {
                id: Uuid::nil(),
                draft,
                created_at: time::OffsetDateTime::UNIX_EPOCH,
                updated_at: time::OffsetDateTime::UNIX_EPOCH,
            },
            user: User {
                id: UserId::new(Uuid::from_u128(5)),
                email: Email::parse("ada@example.com").unwrap(),
                username: Username::parse("ada").unwrap(),
                admin: false,
                created_at: time::OffsetDateTime::UNIX_EPOCH,
            },
            client_id: "client-1".into(),
            scopes: ScopeSet::from_scopes([Scope::Mcp]),
            assertion: "a.b.c".into(),
        }
    }

    #[test]
    fn credentials_and_forged_identity_headers_never_go_upstream() {
        let req = TestRequest::post()
            .insert_header(("authorization", "Bearer tat_secret"))
            .insert_header(("cookie", "tessera_session=tss_secret"))
            .insert_header(("x-tessera-user-id", "forged"))
            .insert_header(("X-Tessera-Anything", "forged"))
            .insert_header(("connection", "keep-alive"))
            .insert_header(("mcp-session-id", "s-1"))
            .insert_header(("mcp-protocol-version", "2025-06-18"))
            .insert_header(("accept", "application/json, text/event-stream"))
            .to_http_request();
        let headers = upstream_headers(&req, &admission());
        for gone in [
            "authorization",
            "cookie",
            "connection",
            "x-tessera-anything",
        ] {
            assert!(headers.get(gone).is_none(), "{gone}");
        }
        assert_eq!(
            headers["x-tessera-user-id"],
            "00000000-0000-0000-0000-000000000005"
        );
        assert_eq!(headers["x-tessera-username"], "ada");
        assert_eq!(headers["x-tessera-email"], "ada@example.com");
        assert_eq!(headers["x-tessera-client-id"], "client-1");
        assert_eq!(headers["x-tessera-scopes"], "mcp");
        assert_eq!(headers["x-tessera-assertion"], "a.b.c");
        assert_eq!(headers["mcp-session-id"], "s-1");
        assert_eq!(headers["mcp-protocol-version"], "2025-06-18");
        assert_eq!(headers["accept"], "application/json, text/event-stream");
    }

    #[test]
    fn an_upstream_cookie_never_reaches_the_client() {
        assert!(!relayed_downstream("set-cookie"));
        assert!(!relayed_downstream("transfer-encoding"));
        assert!(relayed_downstream("mcp-session-id"));
        assert!(relayed_downstream("content-type"));
    }

    #[actix_web::test]
    async fn an_upstream_failure_is_a_json_rpc_error_with_the_requests_id() {
        use actix_web::body::MessageBody;
        let response = failure(StatusCode::BAD_GATEWAY, Some(serde_json::json!(3)), "down");
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
        let body = response.into_body().try_into_bytes().unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["jsonrpc"], "2.0");
        assert_eq!(body["id"], 3);
        assert_eq!(body["error"]["code"], -32603);
    }
}
