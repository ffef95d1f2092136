//! [`AssertionSigner`]: assertions signed with a key the JWKS publishes.

use tessera_domain::{Assertion, ScopeSet, UserId};
use time::Duration;

use super::World;
use crate::ports::*;
use crate::{Clock, Rng};

/// An assertion is signed, and an Ed25519 key (32 bytes) with a `kid` is published. (The
/// JWS itself is checked by the signer's own tests; the fake signs in a readable form.)
pub async fn an_assertion_is_signed_and_a_key_published<P: Ports>(w: &World<P>) {
    let now = w.clock.now();
    let assertion = Assertion {
        issuer: "https://auth.example".into(),
        audience: "https://auth.example/mcp/docs".into(),
        subject: UserId::new(w.rng.uuid()),
        client_id: "client".into(),
        scope: ScopeSet::parse("mcp").unwrap(),
        id: w.rng.uuid(),
        issued_at: now,
        expires_at: now + Duration::minutes(5),
    };
    let signed = w.signer.sign(&assertion).await.unwrap();
    assert!(!signed.is_empty());
    let keys = w.signer.public_keys().await.unwrap();
    assert!(!keys.is_empty());
    assert!(
        keys.iter()
            .all(|k| k.public_key.len() == 32 && !k.kid.is_empty())
    );
}

/// Every test of [`AssertionSigner`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! assertion_signer_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, assertion_signer:
            an_assertion_is_signed_and_a_key_published,
        );
    };
}
