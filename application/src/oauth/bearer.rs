//! Access tokens as bearer credentials on the API and the MCP endpoint (RFC 6750,
//! RFC 8707 audience, SPEC §2, §3 and §6).

use tessera_domain::{AccessTokenRecord, Credential, CredentialKind, Scope};

use super::OAuthService;
use crate::ports::{Clock, GrantRepository, Ports, RepoError};

/// Why a bearer access token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum BearerError {
    /// Malformed, unknown, expired, revoked, or for another audience: 401 `invalid_token`.
    #[error("the access token is not valid here")]
    InvalidToken,
    /// Valid, but without the scope this resource needs: 403 `insufficient_scope`.
    #[error("the access token lacks the {} scope", .0.as_str())]
    InsufficientScope(Scope),
    /// A repository failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl<P: Ports> OAuthService<P> {
    /// The grant behind an access token presented at `resource`, which needs `scope`.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate_bearer(
        &self,
        token: &str,
        resource: &str,
        scope: Scope,
    ) -> Result<AccessTokenRecord, BearerError> {
        let presented = Credential::parse(CredentialKind::AccessToken, token)
            .map_err(|_| BearerError::InvalidToken)?;
        let record = self
            .grants
            .find_access_token(presented.lookup_id())
            .await?
            .filter(|r| r.is_active(&presented.hash(), self.clock.now()))
            .filter(|r| self.resources.admits(&r.audience, resource))
            .ok_or(BearerError::InvalidToken)?;
        match record.scopes.covers(scope) {
            true => Ok(record),
            false => Err(BearerError::InsufficientScope(scope)),
        }
    }
}
