//! Client authentication at the token, revocation and introspection endpoints
//! (RFC 6749 §2.3.1, RFC 7591 `token_endpoint_auth_method`, SPEC §4).

use tessera_domain::{
    ClientId, ClientType, Credential, CredentialKind, OAuthClient, OAuthError, SecretString,
};
use uuid::Uuid;

use super::{CimdError, FlowError, OAuthService};
use crate::ports::{ClientRepository, Ports, Presenter, PresenterRecord};

/// The credentials a request presents, from the Basic header or the body (the edge has
/// already refused the two disagreeing, and parsed the `client_id`).
#[derive(Debug)]
pub struct ClientCredentials {
    /// `client_id`.
    pub client_id: ClientId,
    /// `client_secret`, if any.
    pub secret: Option<SecretString>,
}

pub(super) fn invalid_client() -> FlowError {
    FlowError::refused(OAuthError::InvalidClient, "Client authentication failed.")
}

/// A client as its request names it, before it is authenticated: a document client is
/// resolved already, a registered one is read with its secret (in a redemption's own
/// transaction, or by [`OAuthService::authenticate_client`]).
#[derive(Debug)]
pub(super) struct Presenting {
    resolved: Option<OAuthClient>,
    client_id: Uuid,
    secret: Option<Credential>,
}

impl Presenting {
    /// What the repository reads for this presenter.
    pub(super) fn presenter(&self) -> Presenter<'_> {
        Presenter {
            client_id: self.client_id,
            secret: self.secret.as_ref().map(Credential::lookup_id),
        }
    }

    /// Authenticates the presenter against what was read: confidential clients by one of
    /// their secrets (compared in constant time), public clients by naming their id and
    /// sending no secret. A document client is never found by its internal id.
    pub(super) fn authenticate<'a>(
        &'a self,
        record: &'a PresenterRecord,
    ) -> Result<&'a OAuthClient, FlowError> {
        let read = record.client.as_ref().filter(|c| c.may_be_named_by_id());
        let client = self.resolved.as_ref().or(read).ok_or_else(invalid_client)?;
        if client.blocked {
            return Err(invalid_client());
        }
        let secret_matches = |presented: &Credential| {
            record.secret.as_ref().is_some_and(|stored| {
                stored.client_id == client.id && stored.hash.matches(&presented.hash())
            })
        };
        match (client.client_type, &self.secret) {
            (ClientType::Public, None) => Ok(client),
            (ClientType::Confidential, Some(secret)) if secret_matches(secret) => Ok(client),
            _ => Err(invalid_client()),
        }
    }
}

impl<P: Ports> OAuthService<P> {
    /// The client `credentials` name, resolved as far as it can be without its secret.
    pub(super) async fn presenting(
        &self,
        credentials: &ClientCredentials,
    ) -> Result<Presenting, FlowError> {
        let (resolved, client_id) = match &credentials.client_id {
            ClientId::Registered(id) => (None, *id),
            ClientId::Document(url) => {
                let client = self.resolve_document(url).await.map_err(|e| match e {
                    CimdError::Repo(e) => FlowError::Repo(e),
                    _ => invalid_client(),
                })?;
                let id = client.id;
                (Some(client), id)
            }
        };
        let secret = match &credentials.secret {
            Some(s) => Some(
                Credential::parse(CredentialKind::ClientSecret, s.expose())
                    .map_err(|_| invalid_client())?,
            ),
            None => None,
        };
        Ok(Presenting {
            resolved,
            client_id,
            secret,
        })
    }

    /// Authenticates a client outside any redemption (revocation, introspection, and a
    /// token request whose grant is malformed: RFC 6749 §3.2.1, the client first).
    pub(super) async fn authenticate_client(
        &self,
        credentials: &ClientCredentials,
    ) -> Result<OAuthClient, FlowError> {
        let presenting = self.presenting(credentials).await?;
        let presenter = presenting.presenter();
        let record = PresenterRecord {
            client: match presenting.resolved {
                Some(_) => None,
                None => self.clients.find_client(presenter.client_id).await?,
            },
            secret: match presenter.secret {
                Some(lookup_id) => self.clients.find_secret(lookup_id).await?,
                None => None,
            },
        };
        presenting.authenticate(&record).cloned()
    }
}
