//! Who calls the JSON API: a session, or an OAuth access token whose audience is the API
//! and whose scope covers the call (SPEC §2 and §3, RFC 6750 §2.1 header only).

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use tessera_application::Ports;
use tessera_application::admin::Admin;
use tessera_application::oauth::OAuthService;
use tessera_application::people::SessionService;
use tessera_domain::{CredentialKind, Scope, User};

use super::WebSettings;
use super::apps::origin;
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
        if !is_access_token(&credential) {
            return Ok(self.sessions.authenticate(&credential).await?);
        }
        let server = self.oauth.resources().server().to_owned();
        let record = self
            .oauth
            .authenticate_bearer(&credential, &server, scope)
            .await?;
        Ok(record.user)
    }

    /// The caller as an [`Admin`], minted by the session or token use case (a token
    /// must hold `admin`); 401 without a credential, 403 for anyone not an admin.
    pub(crate) async fn admin(
        &self,
        req: &HttpRequest,
        settings: &WebSettings,
    ) -> Result<Admin, ApiError> {
        let credential = presented_credential(req)?.ok_or(ApiError::Unauthenticated)?;
        let origin = origin(req, settings);
        match is_access_token(&credential) {
            true => Ok(self.oauth.authenticate_admin(&credential, origin).await?),
            false => Ok(self
                .sessions
                .authenticate_admin(&credential, origin)
                .await?),
        }
    }
}

/// Whether a presented credential is an OAuth access token rather than a session.
fn is_access_token(credential: &str) -> bool {
    credential.starts_with(&format!("{}_", CredentialKind::AccessToken.prefix()))
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
