//! Minting credentials from the random-source port (SPEC §7).

use tessera_domain::{Credential, CredentialKind};

use crate::ports::Rng;

/// Mints a fresh credential of `kind`: 64 random bits of lookup id, 256 of secret.
pub fn issue_credential(rng: &impl Rng, kind: CredentialKind) -> Credential {
    let mut lookup = [0u8; 8];
    let mut secret = [0u8; 32];
    rng.fill(&mut lookup);
    rng.fill(&mut secret);
    Credential::from_entropy(kind, lookup, secret)
}
