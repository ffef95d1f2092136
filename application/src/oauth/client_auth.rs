//! Client authentication at the token, revocation and introspection endpoints
//! (RFC 6749 §2.3.1, RFC 7591 `token_endpoint_auth_method`, SPEC §4).

use tessera_domain::{
    ClientType, Credential, CredentialKind, OAuthClient, OAuthError, SecretString,
};
use uuid::Uuid;

use super::{FlowError, OAuthService};
use crate::ports::{ClientRepository, ClientUse, Clock, Ports};

/// The credentials a request presents, from the Basic header or the body (the edge has
/// already refused the two disagreeing).
#[derive(Debug)]
pub struct ClientCredentials {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`, if any.
    pub secret: Option<SecretString>,
}

fn invalid_client() -> FlowError {
    FlowError::refused(OAuthError::InvalidClient, "Client authentication failed.")
}

impl<P: Ports> OAuthService<P> {
    /// Checks a client's credentials alone, so a request with malformed grant parameters
    /// still answers `invalid_client` first when the client is not who it says (RFC 6749
    /// §3.2.1: the client authenticates before its request is looked at).
    pub async fn verify_client(&self, credentials: &ClientCredentials) -> Result<(), FlowError> {
        self.authenticate_client(credentials).await.map(drop)
    }

    /// Authenticates a client: confidential clients by one of their secrets (Basic or
    /// post), public clients by naming their id and sending no secret.
    pub(super) async fn authenticate_client(
        &self,
        credentials: &ClientCredentials,
    ) -> Result<(OAuthClient, ClientUse), FlowError> {
        let client = self
            .named_client(&credentials.client_id)
            .await
            .map_err(|e| match e {
                super::CimdError::Repo(e) => FlowError::Repo(e),
                _ => invalid_client(),
            })?
            .ok_or_else(invalid_client)?;
        if client.blocked {
            return Err(invalid_client());
        }
        let id = client.id;
        let secret_id = match (client.client_type, &credentials.secret) {
            (ClientType::Public, None) => None,
            (ClientType::Confidential, Some(secret)) => Some(self.check_secret(id, secret).await?),
            _ => return Err(invalid_client()),
        };
        let usage = ClientUse {
            client_id: id,
            secret_id,
            at: self.clock.now(),
        };
        Ok((client, usage))
    }

    async fn check_secret(
        &self,
        client_id: Uuid,
        secret: &SecretString,
    ) -> Result<Uuid, FlowError> {
        let presented = Credential::parse(CredentialKind::ClientSecret, secret.expose())
            .map_err(|_| invalid_client())?;
        let stored = self
            .clients
            .find_secret(presented.lookup_id())
            .await?
            .ok_or_else(invalid_client)?;
        match stored.client_id == client_id && stored.hash.matches(&presented.hash()) {
            true => Ok(stored.id),
            false => Err(invalid_client()),
        }
    }
}
