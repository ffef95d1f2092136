//! The transport rmcp runs a new (or restored) session's `initialize` on: it hands the
//! serve loop the one `initialize` request, passes its answer back, and then closes, so no
//! task and no channel outlives the handshake. Later requests are served one by one (see
//! `reply`), which is what keeps an idle session down to its registry entry.

use std::convert::Infallible;

use rmcp::RoleServer;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::sync::oneshot;

/// The session side of a handshake: where the `initialize` goes in and its answer comes out.
#[derive(Debug)]
pub(crate) struct HandshakeEnds {
    /// Takes the client's `initialize` request to the serve loop.
    pub request: oneshot::Sender<ClientJsonRpcMessage>,
    /// Brings back the serve loop's answer.
    pub reply: oneshot::Receiver<ServerJsonRpcMessage>,
}

/// The serve loop's side of a handshake.
pub struct Handshake {
    request: Option<oneshot::Receiver<ClientJsonRpcMessage>>,
    reply: Option<oneshot::Sender<ServerJsonRpcMessage>>,
    over: Option<Box<dyn FnOnce() + Send>>,
}

impl std::fmt::Debug for Handshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handshake").finish_non_exhaustive()
    }
}

impl Handshake {
    /// A handshake whose transport calls `over` when it closes after answering.
    pub(crate) fn new(over: impl FnOnce() + Send + 'static) -> (Self, HandshakeEnds) {
        let (request_in, request_out) = oneshot::channel();
        let (reply_in, reply_out) = oneshot::channel();
        let transport = Self {
            request: Some(request_out),
            reply: Some(reply_in),
            over: Some(Box::new(over)),
        };
        let ends = HandshakeEnds {
            request: request_in,
            reply: reply_out,
        };
        (transport, ends)
    }
}

impl Transport<RoleServer> for Handshake {
    type Error = Infallible;

    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Infallible>> + Send + 'static {
        // The first message is the answer to `initialize`; nothing else is expected.
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(item);
        }
        std::future::ready(Ok(()))
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        if let Some(request) = self.request.take() {
            return request.await.ok();
        }
        // Asked for a second message: the handshake is answered, the serve loop may end.
        if self.reply.is_none()
            && let Some(over) = self.over.take()
        {
            over();
        }
        None
    }

    async fn close(&mut self) -> Result<(), Infallible> {
        self.request = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::{ErrorData, RequestId};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn it_hands_over_one_request_passes_back_one_answer_and_then_closes() {
        let closed = Arc::new(AtomicBool::new(false));
        let flag = closed.clone();
        let (mut transport, ends) = Handshake::new(move || flag.store(true, Ordering::SeqCst));
        let request = ClientJsonRpcMessage::notification(
            rmcp::model::ClientNotification::InitializedNotification(Default::default()),
        );
        ends.request.send(request).unwrap();

        assert!(transport.receive().await.is_some());
        let answer = ServerJsonRpcMessage::error(
            ErrorData::internal_error("x", None),
            Some(RequestId::Number(1)),
        );
        transport.send(answer).await.unwrap();
        assert!(ends.reply.await.is_ok());
        assert!(!closed.load(Ordering::SeqCst));
        assert!(transport.receive().await.is_none());
        assert!(
            closed.load(Ordering::SeqCst),
            "the session learns it closed"
        );
    }
}
