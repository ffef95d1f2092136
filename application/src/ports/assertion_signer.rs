use std::future::Future;

use tessera_domain::Assertion;

use super::RepoError;

/// A public key that verifies assertions, as the JWKS publishes it (RFC 8037 `OKP`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicSigningKey {
    /// `kid`, also in the header of every assertion it verifies.
    pub kid: String,
    /// The 32-byte Ed25519 public key (`x`).
    pub public_key: Vec<u8>,
}

/// Signs identity assertions for protected MCP servers (SPEC §9) with tessera's Ed25519 key,
/// shared by every replica.
pub trait AssertionSigner: Send + Sync + 'static {
    /// The assertion as a compact JWS (`alg: EdDSA`, `typ: JWT`, the key's `kid`). MUST sign
    /// with a key that [`AssertionSigner::public_keys`] keeps returning until the assertion
    /// has expired, on every replica.
    fn sign(&self, assertion: &Assertion)
    -> impl Future<Output = Result<String, RepoError>> + Send;
    /// The keys that verify assertions now: the active one, and retired ones while
    /// assertions they signed may still be live.
    fn public_keys(&self) -> impl Future<Output = Result<Vec<PublicSigningKey>, RepoError>> + Send;
}
