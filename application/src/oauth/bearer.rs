//! Access tokens as bearer credentials on the API and the MCP endpoint (RFC 6750,
//! RFC 8707 audience, SPEC §2, §3 and §6).

use tessera_domain::{AccessTokenRecord, Credential, CredentialKind, Scope};

use super::OAuthService;
use crate::admin::{Admin, AdminAuthError, Origin};
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

    /// The admin behind an access token for the API with the `admin` scope: the one way a
    /// token mints the [`Admin`] capability; a token without the scope, or of a person
    /// who is not an admin, is refused.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate_admin(
        &self,
        token: &str,
        origin: Origin,
    ) -> Result<Admin, AdminAuthError<BearerError>> {
        let server = self.resources.server().to_owned();
        let record = self
            .authenticate_bearer(token, &server, Scope::Admin)
            .await
            .map_err(AdminAuthError::Unauthenticated)?;
        Ok(Admin::of(&record.user, origin)?)
    }

    /// The caller at the MCP endpoint `resource`: the grant behind a token with the `mcp`
    /// scope, and the [`Admin`] capability when its person is an admin (the tools follow
    /// the person's role, SPEC §6).
    #[tracing::instrument(skip_all)]
    pub async fn authenticate_mcp_caller(
        &self,
        token: &str,
        resource: &str,
        origin: Origin,
    ) -> Result<McpCaller, BearerError> {
        let record = self
            .authenticate_bearer(token, resource, Scope::Mcp)
            .await?;
        let admin = Admin::of(&record.user, origin).ok();
        Ok(McpCaller { record, admin })
    }
}

/// Who calls the MCP endpoint: their token's grant, and their admin capability if any.
#[derive(Debug, Clone)]
pub struct McpCaller {
    /// The grant behind the access token.
    pub record: AccessTokenRecord,
    /// Present when the person is an admin.
    pub admin: Option<Admin>,
}
