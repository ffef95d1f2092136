//! Minting credentials from the random-source port (SPEC §7).

use tessera_domain::{Credential, CredentialKind};

use crate::ports::Rng;

/// Mints a fresh credential of `kind`: 64 random bits of lookup id, 256 of secret.
pub fn issue_credential(rng: &impl Rng, kind: CredentialKind) -> Credential {
    // One draw for both halves: with the OS source, one system call per credential.
    let mut bytes = [0u8; 40];
    rng.fill(&mut bytes);
    let (lookup, secret) = bytes.split_at(8);
    let mut lookup_bytes = [0u8; 8];
    let mut secret_bytes = [0u8; 32];
    lookup_bytes.copy_from_slice(lookup);
    secret_bytes.copy_from_slice(secret);
    Credential::from_entropy(kind, lookup_bytes, secret_bytes)
}
