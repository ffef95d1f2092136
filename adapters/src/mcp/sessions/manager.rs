//! rmcp's session manager interface over the registry: the handshake on its own transport,
//! every later request served on its own, notifications read for cancellations.

use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use rmcp::model::{
    ClientJsonRpcMessage, ClientNotification, ClientRequest, GetExtensions, ServerJsonRpcMessage,
    ServerResult,
};
use rmcp::transport::streamable_http_server::session::{
    RestoreOutcome, ServerSseMessage, SessionId, SessionManager,
};
use rmcp::{RoleServer, Service};
use tessera_application::Rng;
use tokio_stream::wrappers::ReceiverStream;

use super::registry::Admission;
use super::{Handshake, McpSessions, SessionError, lock, reply};
use crate::mcp::Caller;
use crate::postgres::McpSessionOwner;
use crate::system::OsRng;

/// How long a session's `initialize` may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The person and client the guard authenticated for the HTTP request that carried
/// `message`.
fn owner_of(message: &ClientJsonRpcMessage) -> Option<McpSessionOwner> {
    let ClientJsonRpcMessage::Request(request) = message else {
        return None;
    };
    let caller = request
        .request
        .extensions()
        .get::<http::request::Parts>()?
        .extensions
        .get::<rmcp::model::Extensions>()?
        .get::<Caller>()?;
    Some(caller.owner())
}

impl<S: Service<RoleServer>> SessionManager for McpSessions<S> {
    type Error = SessionError;
    type Transport = Handshake;

    async fn create_session(&self) -> Result<(SessionId, Handshake), SessionError> {
        let id = SessionId::from(OsRng::default().uuid().to_string());
        Ok((id.clone(), self.open(id).await))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, SessionError> {
        let owner = owner_of(&message);
        let params = match &message {
            ClientJsonRpcMessage::Request(request) => match &request.request {
                ClientRequest::InitializeRequest(initialize) => Some(initialize.params.clone()),
                _ => None,
            },
            _ => None,
        };
        let ends = lock(&self.registry).take_handshake(id);
        let Some(ends) = ends else {
            return Err(SessionError::NotFound);
        };
        let answer = match ends.request.send(message) {
            Ok(()) => tokio::time::timeout(HANDSHAKE_TIMEOUT, ends.reply)
                .await
                .ok()
                .and_then(Result::ok),
            Err(_) => None,
        };
        let Some(answer) = answer else {
            self.end(id);
            return Err(SessionError::Handshake);
        };
        let negotiated = match &answer {
            ServerJsonRpcMessage::Response(response) => match &response.result {
                ServerResult::InitializeResult(result) => Some(result.protocol_version.clone()),
                _ => None,
            },
            _ => None,
        };
        match (owner, params, negotiated) {
            (Some(owner), Some(mut params), Some(version)) => {
                params.protocol_version = version;
                let ended = lock(&self.registry).bind(id, owner, params);
                self.forget(ended).await;
                Ok(answer)
            }
            (None, ..) => {
                self.end(id);
                Err(SessionError::Unauthenticated)
            }
            // A refused `initialize` opens nothing.
            _ => {
                self.end(id);
                Ok(answer)
            }
        }
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, SessionError> {
        Ok(lock(&self.registry).contains(id, self.clock.instant()))
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), SessionError> {
        lock(&self.registry).close(id);
        Ok(())
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, SessionError> {
        let ClientJsonRpcMessage::Request(request) = message else {
            return Err(SessionError::NotFound);
        };
        let admission = lock(&self.registry).admit(id, &request.id, self.clock.instant());
        match admission {
            Admission::Unknown => Err(SessionError::NotFound),
            Admission::DuplicateId => Ok(reply::refusal(
                request.id.clone(),
                reply::duplicate_id(&request.id),
            )),
            Admission::Admitted(admitted) => {
                if admitted.refresh_row {
                    self.refresh(id);
                }
                let registry = Arc::downgrade(&self.registry);
                let (session, request_id) = (id.clone(), request.id.clone());
                let finished = move || {
                    if let Some(registry) = registry.upgrade() {
                        lock(&registry).finish(&session, &request_id);
                    }
                };
                Ok(reply::serve((self.service)(), request, admitted, finished))
            }
        }
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), SessionError> {
        let mut registry = lock(&self.registry);
        let refresh = registry
            .touch(id, self.clock.instant())
            .ok_or(SessionError::NotFound)?;
        if let ClientJsonRpcMessage::Notification(notification) = &message
            && let ClientNotification::CancelledNotification(cancelled) = &notification.notification
            && let Some(request) = &cancelled.params.request_id
        {
            registry.cancel(id, request);
        }
        drop(registry);
        if refresh {
            self.refresh(id);
        }
        Ok(())
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, SessionError> {
        let opened = lock(&self.registry).stream(id, self.clock.instant());
        let (stream, refresh) = opened.ok_or(SessionError::NotFound)?;
        if refresh {
            self.refresh(id);
        }
        Ok(ReceiverStream::new(stream))
    }

    /// Nothing is ever sent on a session's streams but keep-alives, so there is nothing to
    /// replay: a resumed stream is a new GET stream.
    async fn resume(
        &self,
        id: &SessionId,
        _last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, SessionError> {
        self.create_standalone_stream(id).await
    }

    async fn restore_session(
        &self,
        id: SessionId,
    ) -> Result<RestoreOutcome<Handshake>, SessionError> {
        if lock(&self.registry).contains(&id, self.clock.instant()) {
            return Ok(RestoreOutcome::AlreadyPresent);
        }
        Ok(RestoreOutcome::Restored(self.open(id).await))
    }
}
