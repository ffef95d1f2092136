//! An assertion signer that signs nothing, for tests of what is asserted.

use std::sync::{Arc, Mutex};

use tessera_domain::Assertion;

use super::lock;
use crate::ports::{AssertionSigner, PublicSigningKey, RepoError};

/// Signs as `signed:<aud>:<sub>:<client_id>:<scope>` and remembers what it signed.
#[derive(Debug, Clone, Default)]
pub struct FakeSigner(
    /// Every assertion signed so far.
    pub Arc<Mutex<Vec<Assertion>>>,
);

impl AssertionSigner for FakeSigner {
    async fn sign(&self, a: &Assertion) -> Result<String, RepoError> {
        lock(&self.0).push(a.clone());
        Ok(format!(
            "signed:{}:{}:{}:{}",
            a.audience,
            a.subject.as_uuid(),
            a.client_id,
            a.scope
        ))
    }
    async fn public_keys(&self) -> Result<Vec<PublicSigningKey>, RepoError> {
        Ok(vec![PublicSigningKey {
            kid: "fake".into(),
            public_key: vec![0; 32],
        }])
    }
}
