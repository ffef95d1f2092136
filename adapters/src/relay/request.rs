//! The client's request as relayed: its body, read up to the limit, and the JSON-RPC id an
//! error answer must echo.

use actix_web::web::{self, Bytes, BytesMut};
use futures_util::StreamExt;

use super::refusal::Refusal;

/// The whole body, or [`Refusal::TooLarge`] as soon as it passes `limit` bytes. Bodies are
/// JSON-RPC messages: reading them whole (bounded) lets an upstream failure be answered
/// with the request's own id.
pub(super) async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Bytes, Refusal> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Refusal::TooLarge)?;
        if body.len() + chunk.len() > limit {
            return Err(Refusal::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// When `body` is a JSON-RPC request (or notification), its `id` (`null` for a
/// notification or a batch); `None` when it is not JSON-RPC at all.
pub(super) fn json_rpc_id(body: &[u8]) -> Option<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    match &value {
        serde_json::Value::Object(message) if message.get("jsonrpc")? == "2.0" => Some(
            message
                .get("id")
                .cloned()
                .unwrap_or(serde_json::Value::Null),
        ),
        serde_json::Value::Array(batch) if !batch.is_empty() => Some(serde_json::Value::Null),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_json_rpc_request_yields_its_id_and_anything_else_none() {
        let request = br#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#;
        assert_eq!(json_rpc_id(request), Some(json!(7)));
        let named = br#"{"jsonrpc":"2.0","id":"a","method":"x"}"#;
        assert_eq!(json_rpc_id(named), Some(json!("a")));
        let notification = br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
        assert_eq!(json_rpc_id(notification), Some(serde_json::Value::Null));
        assert_eq!(json_rpc_id(b""), None);
        assert_eq!(json_rpc_id(br#"{"hello":"world"}"#), None);
    }
}
