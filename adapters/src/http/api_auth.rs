//! Who calls the JSON API: a session, or an OAuth access token whose audience is the API
//! and whose scope covers the call (SPEC §2 and §3, RFC 6750 §2.1 header only).

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use tessera_application::Ports;
use tessera_application::oauth::OAuthService;
use tessera_application::people::SessionService;
use tessera_domain::{CredentialKind, Scope, User};

use super::error::ApiError;
use super::session_auth::presented_credential;

/// Authenticates API callers by session or access token; extracted from the app data.
#[derive(Debug)]
pub(crate) struct ApiAuth<P: Ports> {
    sessions: web::Data<SessionService<P>>,
    oauth: web::Data<OAuthService<P>>,
}

impl<P: Ports> ApiAuth<P> {
    /// The caller, who needs `scope` when they present an access token.
    pub(crate) async fn user(&self, req: &HttpRequest, scope: Scope) -> Result<User, ApiError> {
        let credential = presented_credential(req)?.ok_or(ApiError::Unauthenticated)?;
        let access_prefix = format!("{}_", CredentialKind::AccessToken.prefix());
        if !credential.starts_with(&access_prefix) {
            return Ok(self.sessions.authenticate(&credential).await?);
        }
        let server = self.oauth.resources().server().to_owned();
        let record = self
            .oauth
            .authenticate_bearer(&credential, &server, scope)
            .await?;
        Ok(record.user)
    }

    /// The caller, who must be an admin (and hold `admin` when using an access token).
    pub(crate) async fn admin(&self, req: &HttpRequest) -> Result<User, ApiError> {
        let user = self.user(req, Scope::Admin).await?;
        match user.admin {
            true => Ok(user),
            false => Err(ApiError::Forbidden("You must be an admin to do this.")),
        }
    }
}

impl<P: Ports> FromRequest for ApiAuth<P> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let sessions = req.app_data::<web::Data<SessionService<P>>>().cloned();
        let oauth = req.app_data::<web::Data<OAuthService<P>>>().cloned();
        ready(match (sessions, oauth) {
            (Some(sessions), Some(oauth)) => Ok(Self { sessions, oauth }),
            _ => Err(ApiError::Unexpected(anyhow::anyhow!(
                "the session and OAuth services are not registered"
            ))),
        })
    }
}
