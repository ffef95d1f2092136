//! A `client_id` as a request names it (RFC 6749 §2.2): a registered client's id, or the
//! URL of a Client ID Metadata Document (SPEC §5). Parsed once, at the edge.

use std::fmt;

use uuid::Uuid;

use crate::{ClientIdUrl, ClientIdUrlError};

/// The client a request names.
#[derive(Clone, PartialEq, Eq)]
pub enum ClientId {
    /// A registered (admin or dynamic) client, by the id tessera gave it.
    Registered(Uuid),
    /// A client that never registered: its metadata document URL is its `client_id`.
    Document(ClientIdUrl),
}

/// Why a `client_id` names no client at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClientIdError {
    /// Neither a URL nor an id tessera could have given.
    #[error("the client_id is not a registered client's id")]
    NotAnId,
    /// A URL, but not one a metadata document may live at.
    #[error(transparent)]
    Url(#[from] ClientIdUrlError),
}

impl ClientId {
    /// Reads a `client_id`: anything that looks like a URL as a metadata document URL
    /// (`http` admitted on loopback only; whether this server takes `http` at all is the
    /// resolver's policy), anything else as a registered client's UUID.
    pub fn parse(s: &str) -> Result<Self, ClientIdError> {
        if ClientIdUrl::looks_like_url(s) {
            return Ok(Self::Document(ClientIdUrl::parse(s, true)?));
        }
        Uuid::parse_str(s)
            .map(Self::Registered)
            .map_err(|_| ClientIdError::NotAnId)
    }
}

impl fmt::Display for ClientId {
    /// The `client_id` as the client spells it (a document URL byte for byte).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Registered(id) => id.fmt(f),
            Self::Document(url) => f.write_str(url.as_str()),
        }
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uuid_names_a_registered_client() {
        let id = Uuid::new_v4();
        assert_eq!(
            ClientId::parse(&id.to_string()),
            Ok(ClientId::Registered(id))
        );
    }

    #[test]
    fn an_https_url_names_a_metadata_document_kept_as_written() {
        let url = "https://app.example/Client.json?v=1";
        let parsed = ClientId::parse(url).unwrap();
        assert!(matches!(&parsed, ClientId::Document(u) if u.as_str() == url));
        assert_eq!(parsed.to_string(), url);
    }

    #[test]
    fn http_is_a_document_url_only_on_loopback() {
        let loopback = ClientId::parse("http://127.0.0.1:8080/client.json").unwrap();
        assert!(matches!(loopback, ClientId::Document(u) if u.is_http()));
        assert_eq!(
            ClientId::parse("http://app.example/client.json"),
            Err(ClientIdError::Url(ClientIdUrlError::NotHttpsWithPath))
        );
    }

    #[test]
    fn a_url_without_a_path_or_with_a_fragment_is_refused_as_a_url() {
        assert_eq!(
            ClientId::parse("https://app.example/"),
            Err(ClientIdError::Url(ClientIdUrlError::NotHttpsWithPath))
        );
        assert_eq!(
            ClientId::parse("https://app.example/c#x"),
            Err(ClientIdError::Url(ClientIdUrlError::Malformed))
        );
    }

    #[test]
    fn anything_else_names_no_client() {
        for s in ["", "my-app", "1234", "urn:app"] {
            assert_eq!(ClientId::parse(s), Err(ClientIdError::NotAnId), "{s}");
        }
    }
}
