//! The ports: everything a use case needs from the outside world, as small traits.

mod app_repository;
mod assertion_signer;
mod audit;
mod cimd;
mod client_repository;
mod clock;
mod grant_repository;
mod mcp_server_repository;
mod password_hasher;
mod password_reset_repository;
mod registration_repository;
mod repo_error;
mod rng;
mod session_repository;
mod throttle_repository;
mod user_repository;

pub use app_repository::{AppRepository, NewAppSecret};
pub use assertion_signer::{AssertionSigner, PublicSigningKey};
pub use audit::{Actor, AuditEntry, AuditRecord, AuditRepository, Details};
pub use cimd::{
    CachedClient, CimdRepository, FetchError, FetchedDocument, MetadataFetcher, StoredDocument,
};
pub use client_repository::{ClientRepository, StoredSecret};
pub use clock::Clock;
pub use grant_repository::{
    Approval, AuthorizedApp, CodeOutcome, GrantRepository, NewCode, NewGrant, NewToken, NewTokens,
    Presenter, PresenterRecord, RefreshOutcome, RefreshRow, RefreshTokenRecord,
};
pub use mcp_server_repository::{McpServerRepository, NewServerCredential, StoredServerCredential};
pub use password_hasher::{HashError, PasswordHasher};
pub use password_reset_repository::{NewPasswordReset, PasswordResetRepository};
pub use registration_repository::{
    NewRegistration, RateLimitRepository, RegisteredClient, RegistrationRepository,
};
pub use repo_error::RepoError;
pub use rng::Rng;
pub use session_repository::{NewSession, SessionRepository};
pub use throttle_repository::{
    AttemptId, AttemptOutcome, AttemptWindow, FailureWindow, ThrottleRepository,
};
pub use user_repository::UserRepository;

/// The concrete adapters one deployment uses, named once in the composition root, so that
/// services and handlers take one type parameter instead of one per port.
pub trait Ports: Send + Sync + 'static {
    /// OAuth2 apps, see [`AppRepository`].
    type Apps: AppRepository + std::fmt::Debug;
    /// Clients as the OAuth endpoints see them, see [`ClientRepository`].
    type Clients: ClientRepository + std::fmt::Debug;
    /// Codes, grants and tokens, see [`GrantRepository`].
    type Grants: GrantRepository + std::fmt::Debug;
    /// Dynamically registered clients, see [`RegistrationRepository`].
    type Registrations: RegistrationRepository + std::fmt::Debug;
    /// Client ID Metadata Documents as cached, see [`CimdRepository`].
    type Cimd: CimdRepository + std::fmt::Debug;
    /// Fetching those documents, see [`MetadataFetcher`].
    type Fetcher: MetadataFetcher + std::fmt::Debug;
    /// Shared rate-limit counters, see [`RateLimitRepository`].
    type RateLimits: RateLimitRepository + std::fmt::Debug;
    /// The audit log, see [`AuditRepository`].
    type Audit: AuditRepository + std::fmt::Debug;
    /// Users, see [`UserRepository`].
    type Users: UserRepository + std::fmt::Debug;
    /// Sessions, see [`SessionRepository`].
    type Sessions: SessionRepository + std::fmt::Debug;
    /// Password reset links, see [`PasswordResetRepository`].
    type Resets: PasswordResetRepository + std::fmt::Debug;
    /// Failed-login counters, see [`ThrottleRepository`].
    type Throttle: ThrottleRepository + std::fmt::Debug;
    /// Protected MCP servers, see [`McpServerRepository`].
    type McpServers: McpServerRepository + std::fmt::Debug;
    /// Identity assertions for them, see [`AssertionSigner`].
    type Signer: AssertionSigner + std::fmt::Debug;
    /// Password hashing, see [`PasswordHasher`].
    type Hasher: PasswordHasher + std::fmt::Debug;
    /// The time, see [`Clock`].
    type Clock: Clock + std::fmt::Debug;
    /// Randomness, see [`Rng`].
    type Rng: Rng + std::fmt::Debug;
}
