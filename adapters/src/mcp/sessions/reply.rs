//! One request of a session, served on its own: a fresh server instance handles it with the
//! session's `initialize` parameters, and its messages go out until the answer. Every
//! request ends with an answer: the handler's, or a JSON-RPC error when it takes longer
//! than [`REQUEST_TIMEOUT`], when the session ends meanwhile, or when its id is already in
//! flight on the session.

use std::time::Duration;

use rmcp::model::{
    ClientJsonRpcMessage, ClientRequest, ErrorData, JsonRpcRequest, RequestId, ServerJsonRpcMessage,
};
use rmcp::service::serve_directly_with_ct;
use rmcp::transport::OneshotTransport;
use rmcp::transport::streamable_http_server::session::ServerSseMessage;
use rmcp::{RoleServer, Service};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::registry::Admitted;

/// How long a request may take before it is answered with an error and abandoned.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The messages of one request's answer, as rmcp streams them to the client.
pub(crate) type ReplyStream = ReceiverStream<ServerSseMessage>;

/// A stream of the single error `error` answering request `id`.
pub(crate) fn refusal(id: RequestId, error: ErrorData) -> ReplyStream {
    let (sender, receiver) = mpsc::channel(1);
    let _ = sender.try_send(ServerSseMessage::from_message(ServerJsonRpcMessage::error(
        error,
        Some(id),
    )));
    ReceiverStream::new(receiver)
}

/// The error for a request whose id is in flight on the session already.
pub(crate) fn duplicate_id(id: &RequestId) -> ErrorData {
    ErrorData::invalid_request(
        format!("request id {id} is already in use by a request in progress on this session"),
        None,
    )
}

fn is_answer(message: &ServerJsonRpcMessage) -> bool {
    matches!(
        message,
        ServerJsonRpcMessage::Response(_) | ServerJsonRpcMessage::Error(_)
    )
}

/// Serves `request` with `service`; `finished` runs once the request is answered or
/// abandoned (the session forgets its id then).
pub(crate) fn serve<S>(
    service: S,
    request: JsonRpcRequest<ClientRequest>,
    admitted: Admitted,
    finished: impl FnOnce() + Send + 'static,
) -> ReplyStream
where
    S: Service<RoleServer>,
{
    serve_within(service, request, admitted, finished, REQUEST_TIMEOUT)
}

/// [`serve`], abandoning the request after `timeout`.
fn serve_within<S>(
    service: S,
    request: JsonRpcRequest<ClientRequest>,
    admitted: Admitted,
    finished: impl FnOnce() + Send + 'static,
    timeout: Duration,
) -> ReplyStream
where
    S: Service<RoleServer>,
{
    let id = request.id.clone();
    let (transport, mut messages) =
        OneshotTransport::<RoleServer>::new(ClientJsonRpcMessage::Request(request));
    let Admitted {
        peer,
        cancel,
        ended,
        ..
    } = admitted;
    let running = serve_directly_with_ct(service, transport, Some((*peer).clone()), cancel.clone());
    tokio::spawn(async move {
        let _ = running.waiting().await;
    });
    let (out, stream) = mpsc::channel(4);
    tokio::spawn(async move {
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let abandon = |message: String| {
            Some(ServerJsonRpcMessage::error(
                ErrorData::internal_error(message, None),
                Some(id.clone()),
            ))
        };
        let answer = loop {
            tokio::select! {
                message = messages.recv() => match message {
                    Some(message) if is_answer(&message) => break Some(message),
                    Some(message) => {
                        if out.send(ServerSseMessage::from_message(message)).await.is_err() {
                            break None;
                        }
                    }
                    None => break abandon("the request ended without an answer".into()),
                },
                () = &mut deadline => {
                    let secs = timeout.as_secs_f32();
                    break abandon(format!("the request took longer than {secs} s and was abandoned"));
                }
                () = ended.cancelled() => {
                    break abandon("the session ended before the request was answered".into());
                }
                () = out.closed() => break None,
            }
        };
        cancel.cancel();
        // The id is free again before the client can see the answer and reuse it.
        finished();
        if let Some(answer) = answer {
            let _ = out.send(ServerSseMessage::from_message(answer)).await;
        }
    });
    ReceiverStream::new(stream)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use futures::StreamExt;
    use rmcp::ServerHandler;
    use rmcp::model::{
        InitializeRequestParams, ListToolsResult, PaginatedRequestParams, ServerCapabilities,
        ServerConfig,
    };
    use rmcp::service::RequestContext;
    use tokio_util::sync::CancellationToken;

    use super::*;

    /// A server whose `tools/list` answers at once, or never.
    #[derive(Clone)]
    struct Server {
        answers: bool,
    }

    impl ServerHandler for Server {
        fn get_info(&self) -> ServerConfig {
            ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
        }

        async fn list_tools(
            &self,
            _request: Option<PaginatedRequestParams>,
            _context: RequestContext<RoleServer>,
        ) -> Result<ListToolsResult, ErrorData> {
            if !self.answers {
                std::future::pending::<()>().await;
            }
            Ok(ListToolsResult::with_all_items(Vec::new()))
        }
    }

    fn list_tools(id: i64) -> JsonRpcRequest<ClientRequest> {
        let message: ClientJsonRpcMessage = serde_json::from_value(serde_json::json!(
            {"jsonrpc": "2.0", "id": id, "method": "tools/list", "params": {}}
        ))
        .unwrap();
        match message {
            ClientJsonRpcMessage::Request(request) => request,
            _ => unreachable!("a request"),
        }
    }

    fn admitted(ended: &CancellationToken) -> Admitted {
        Admitted {
            peer: Arc::new(InitializeRequestParams::default()),
            cancel: ended.child_token(),
            ended: ended.clone(),
            refresh_row: false,
        }
    }

    /// Every message of `stream`, as JSON, and whether `finished` ran.
    async fn messages(stream: ReplyStream) -> Vec<serde_json::Value> {
        stream
            .map(|m| serde_json::to_value(m.message.unwrap().as_ref()).unwrap())
            .collect()
            .await
    }

    #[tokio::test]
    async fn an_answer_ends_the_stream_and_frees_the_id() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        let ended = CancellationToken::new();

        let stream = serve(
            Server { answers: true },
            list_tools(1),
            admitted(&ended),
            move || flag.store(true, Ordering::SeqCst),
        );

        let messages = messages(stream).await;
        assert_eq!(messages.len(), 1);
        assert!(messages[0]["result"]["tools"].is_array(), "{messages:?}");
        assert!(finished.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_request_never_answered_gets_an_error_once_the_timeout_passes() {
        let ended = CancellationToken::new();
        let timeout = Duration::from_millis(100);

        let stream = serve_within(
            Server { answers: false },
            list_tools(2),
            admitted(&ended),
            || {},
            timeout,
        );

        let messages = tokio::time::timeout(Duration::from_secs(5), messages(stream))
            .await
            .expect("answered");
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0]["id"], 2);
        assert_eq!(messages[0]["error"]["code"], -32603, "{messages:?}");
    }

    #[tokio::test]
    async fn a_request_of_a_session_that_ends_gets_an_error() {
        let ended = CancellationToken::new();
        let stream = serve(
            Server { answers: false },
            list_tools(3),
            admitted(&ended),
            || {},
        );

        ended.cancel();

        let messages = tokio::time::timeout(Duration::from_secs(5), messages(stream))
            .await
            .expect("answered");
        assert_eq!(messages[0]["id"], 3);
        assert!(messages[0]["error"].is_object(), "{messages:?}");
    }

    #[tokio::test]
    async fn a_duplicate_id_is_refused_with_an_invalid_request_error() {
        let stream = refusal(RequestId::Number(4), duplicate_id(&RequestId::Number(4)));

        let messages = messages(stream).await;
        assert_eq!(messages[0]["id"], 4);
        assert_eq!(messages[0]["error"]["code"], -32600);
    }
}
