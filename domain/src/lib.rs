//! The pure types and rules of tessera, an OAuth 2.1 authorization server for MCP.
//!
//! Everything that arrives from outside — client ids (`ClientId`: a registered client's
//! UUID or a metadata document URL), redirect URIs, PKCE values, scopes, client
//! registration metadata, credentials, email addresses, passwords — is parsed here into a
//! type that is valid by construction, and the rules that decide what is allowed (redirect
//! URI matching, scope coverage, registration consistency) live beside those types.
//!
//! This crate must never depend on I/O, async runtimes, web frameworks, databases or
//! serialisation frameworks: it is plain Rust that every other layer depends on, and it
//! depends on none of them. Randomness and time are passed in by the caller.

#![deny(missing_docs)]

mod access_token;
mod account;
mod app;
mod app_deletion;
mod app_query;
mod assertion;
mod audit;
mod authorization_code;
mod client;
mod client_id;
mod client_id_url;
mod client_network;
mod constant_time;
mod credential;
mod local_redirect;
mod mcp_server;
mod oauth_client;
mod oauth_error;
mod paging;
mod pkce;
mod public_address;
mod rate_limit;
mod redirect_uri;
mod refresh_rotation;
mod resource;
mod scope;
mod secret;
mod user;

pub use access_token::AccessTokenRecord;
pub use account::{
    Account, AccountChange, AccountQuery, AccountQueryError, AccountRefusal, AccountStatus,
    PASSWORD_RESET_TTL,
};
pub use app::{App, AppDraft, AppSecretInfo, ClientOrigin, FieldProblem};
pub use app_deletion::{AppDeletion, AppDeletionError};
pub use app_query::{
    AppFilter, AppOrder, AppQuery, AppQueryError, AppSearch, TokenUse, parse_flag,
};
pub use assertion::{
    ASSERTION_TTL, Assertion, AssertionSubject, RETIRED_KEY_PUBLISHED, SIGNING_KEY_REFRESH,
    key_is_published,
};
pub use audit::{
    AUDIT_ACTIONS, AuditActor, AuditBound, AuditQuery, AuditQueryError, AuditQueryText,
};
pub use authorization_code::{CodePresentation, CodeRedemption, StoredCode};
pub use client::{
    AppName, AppNameError, ApplicationType, ClientMetadata, ClientMetadataError,
    ClientMetadataInput, ClientMetadataProblem, ClientType, ClientValueError, GrantType, HttpUrl,
    HttpUrlError, RegistrationSource, ResponseType, TokenEndpointAuthMethod,
};
pub use client_id::{ClientId, ClientIdError};
pub use client_id_url::{
    ClientIdUrl, ClientIdUrlError, DomainPolicy, MAX_DOCUMENT_STALENESS, MAX_DOCUMENT_TTL,
    MIN_DOCUMENT_TTL, document_ttl, stale_document_usable,
};
pub use client_network::rate_limit_network;
pub use constant_time::bytes_equal as constant_time_eq;
pub use credential::{Credential, CredentialError, CredentialHash, CredentialKind, LookupId};
pub use local_redirect::LocalRedirect;
pub use mcp_server::{
    DEFAULT_UPSTREAM_TIMEOUT, McpServer, McpServerDraft, McpServerInput, PROTECTED_PATH, Refusal,
    ServerSlug, ServerSlugError, protected_resource_url,
};
pub use oauth_client::{OAuthClient, RedirectRefusal};
pub use oauth_error::{OAuthError, OAuthFailure};
pub use pkce::{CodeChallenge, CodeChallengeMethod, CodeVerifier, PkceError};
pub use public_address::is_public;
pub use rate_limit::RateLimit;
pub use redirect_uri::{RedirectUri, RedirectUriError};
pub use refresh_rotation::{RefreshDecision, RefreshState};
pub use resource::{MCP_PATH, ResourceError, Resources, Target};
pub use scope::{Scope, ScopeError, ScopeSet};
pub use secret::SecretString;
pub use user::{
    Email, EmailError, Password, PasswordError, PasswordHash, User, UserId, UserWithPassword,
    Username, UsernameError,
};
