//! A client as the authorization flow sees it, and the rules that only need the client:
//! which redirect URI a request may use (SPEC §4.1) and which scopes it may get (SPEC §4
//! Scopes).

use uuid::Uuid;

use crate::{
    AppName, ClientType, GrantType, HttpUrl, OAuthError, OAuthFailure, RedirectUri,
    RegistrationSource, Scope, ScopeSet,
};

/// Why the redirect URI of an authorization request cannot be trusted; shown on an HTML
/// page, never sent to the URI (SPEC §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RedirectRefusal {
    /// The URI is not one the client registered.
    #[error("The redirect_uri is not registered for this client.")]
    NotRegistered,
    /// The client registered several and the request named none.
    #[error("This client registered several redirect URIs, so redirect_uri is required.")]
    Required,
}

/// Everything the authorization and token endpoints need to know about a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// The `client_id`.
    pub id: Uuid,
    /// Shown on consent.
    pub name: AppName,
    /// Shown on consent.
    pub icon: Option<HttpUrl>,
    /// Where codes may be sent.
    pub redirect_uris: Vec<RedirectUri>,
    /// Confidential clients authenticate with a secret; public ones with PKCE only.
    pub client_type: ClientType,
    /// The grants it may use at the token endpoint.
    pub grant_types: Vec<GrantType>,
    /// The scopes it registered; `None` means it may ask for any.
    pub scope: Option<ScopeSet>,
    /// Admin, dynamic registration or metadata document.
    pub source: RegistrationSource,
    /// Blocked clients cannot authorize or use their tokens.
    pub blocked: bool,
    /// For a CIMD client, its metadata document URL, which is its `client_id`.
    pub cimd_url: Option<String>,
}

impl OAuthClient {
    /// The redirect URI a request will use: the requested one when it matches a registered
    /// one (exactly, or apart from the port on loopback), else the only registered one.
    pub fn redirect_uri_for(
        &self,
        requested: Option<&RedirectUri>,
    ) -> Result<RedirectUri, RedirectRefusal> {
        match (requested, self.redirect_uris.as_slice()) {
            (Some(uri), registered) if registered.iter().any(|r| r.matches(uri)) => Ok(uri.clone()),
            (Some(_), _) => Err(RedirectRefusal::NotRegistered),
            (None, [only]) => Ok(only.clone()),
            (None, _) => Err(RedirectRefusal::Required),
        }
    }

    /// The `client_id` clients send: the metadata document URL of a CIMD client, else the id.
    pub fn client_id(&self) -> String {
        self.cimd_url.clone().unwrap_or_else(|| self.id.to_string())
    }

    /// Whether every redirect URI is on a loopback host (a warning on consent for CIMD
    /// clients: anyone can publish a document naming only localhost).
    pub fn redirects_only_to_loopback(&self) -> bool {
        self.redirect_uris.iter().all(RedirectUri::is_loopback)
    }

    /// Whether a remembered approval may issue a code without showing the page again: only
    /// for a confidential client, whose secret proves who redeems the code. A public or
    /// metadata-document client's redirect can be claimed by any local process (a loopback
    /// port, a private-use scheme), so it sees the page each time (RFC 8252 §8.6, SPEC §4).
    pub fn may_skip_remembered_consent(&self) -> bool {
        self.client_type == ClientType::Confidential && self.cimd_url.is_none()
    }

    /// Whether the client registered `grant`.
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// The scopes a request gets: the requested ones (or the registered ones, or
    /// `user:read mcp`), within what the client registered, with `admin` dropped for a user
    /// who is not an admin (SPEC §4 Scopes).
    pub fn grantable_scopes(
        &self,
        requested: Option<ScopeSet>,
        user_is_admin: bool,
    ) -> Result<ScopeSet, OAuthFailure> {
        let wanted = requested
            .or_else(|| self.scope.clone())
            .unwrap_or_else(ScopeSet::default_for_clients);
        if let Some(registered) = &self.scope
            && !wanted.is_within(registered)
        {
            return Err(OAuthFailure::new(
                OAuthError::InvalidScope,
                "The requested scope exceeds what the client registered.",
            ));
        }
        let granted = match user_is_admin {
            true => wanted,
            false => wanted.without(Scope::Admin),
        };
        match granted.is_empty() {
            true => Err(OAuthFailure::new(
                OAuthError::InvalidScope,
                "The admin scope is granted only to admin users.",
            )),
            false => Ok(granted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(uris: &[&str], scope: Option<&str>) -> OAuthClient {
        OAuthClient {
            id: Uuid::nil(),
            name: AppName::parse("App").unwrap(),
            icon: None,
            redirect_uris: uris
                .iter()
                .map(|u| RedirectUri::parse(u).unwrap())
                .collect(),
            client_type: ClientType::Public,
            grant_types: vec![GrantType::AuthorizationCode],
            scope: scope.map(|s| ScopeSet::parse(s).unwrap()),
            source: RegistrationSource::Admin,
            blocked: false,
            cimd_url: None,
        }
    }

    fn uri(s: &str) -> RedirectUri {
        RedirectUri::parse(s).unwrap()
    }

    #[test]
    fn only_a_confidential_client_without_a_metadata_document_skips_remembered_consent() {
        let public = client(&["http://127.0.0.1/cb"], None);
        assert!(!public.may_skip_remembered_consent());
        let confidential = OAuthClient {
            client_type: ClientType::Confidential,
            ..public.clone()
        };
        assert!(confidential.may_skip_remembered_consent());
        let document = OAuthClient {
            cimd_url: Some("https://app.example/client.json".into()),
            ..confidential
        };
        assert!(!document.may_skip_remembered_consent());
    }

    #[test]
    fn the_only_registered_uri_is_used_when_none_is_named() {
        let c = client(&["https://a.example/cb"], None);
        assert_eq!(
            c.redirect_uri_for(None).unwrap().as_str(),
            "https://a.example/cb"
        );
    }

    #[test]
    fn several_registered_uris_make_the_parameter_required() {
        let c = client(&["https://a.example/cb", "https://b.example/cb"], None);
        assert_eq!(c.redirect_uri_for(None), Err(RedirectRefusal::Required));
    }

    #[test]
    fn a_loopback_uri_keeps_the_port_the_request_named() {
        let c = client(&["http://127.0.0.1:8080/cb"], None);
        let got = c
            .redirect_uri_for(Some(&uri("http://127.0.0.1:51234/cb")))
            .unwrap();
        assert_eq!(got.as_str(), "http://127.0.0.1:51234/cb");
    }

    #[test]
    fn a_sub_path_or_another_host_is_not_registered() {
        let c = client(&["https://a.example/cb"], None);
        for bad in [
            "https://a.example/cb/x",
            "https://a.example/cb?x=1",
            "https://b.example/cb",
        ] {
            assert_eq!(
                c.redirect_uri_for(Some(&uri(bad))),
                Err(RedirectRefusal::NotRegistered),
                "{bad}"
            );
        }
    }

    #[test]
    fn no_scope_requested_gets_the_registered_scope_or_the_default() {
        let registered = client(&["https://a.example/cb"], Some("mcp"));
        assert_eq!(
            registered
                .grantable_scopes(None, false)
                .unwrap()
                .to_string(),
            "mcp"
        );
        let open = client(&["https://a.example/cb"], None);
        assert_eq!(
            open.grantable_scopes(None, false).unwrap().to_string(),
            "user:read mcp"
        );
    }

    #[test]
    fn a_scope_beyond_the_registered_one_is_invalid() {
        let c = client(&["https://a.example/cb"], Some("mcp"));
        let wider = ScopeSet::parse("mcp user:read").unwrap();
        let err = c.grantable_scopes(Some(wider), true).unwrap_err();
        assert_eq!(err.error, OAuthError::InvalidScope);
    }

    #[test]
    fn admin_is_dropped_for_members_and_kept_for_admins() {
        let c = client(&["https://a.example/cb"], None);
        let asked = ScopeSet::parse("admin user:read").unwrap();
        let member = c.grantable_scopes(Some(asked.clone()), false).unwrap();
        assert_eq!(member.to_string(), "user:read");
        assert_eq!(
            c.grantable_scopes(Some(asked), true).unwrap().to_string(),
            "user:read admin"
        );
        let only_admin = ScopeSet::parse("admin").unwrap();
        assert!(c.grantable_scopes(Some(only_admin), false).is_err());
    }
}
