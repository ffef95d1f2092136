//! [`PasswordHasher`]: a hash verifies its password and nothing else.

use tessera_domain::{Password, SecretString};

use super::World;
use crate::PasswordHasher;
use crate::ports::Ports;

fn secret(s: &str) -> SecretString {
    SecretString::new(s.to_owned())
}

/// A hash verifies its own password only; no stored hash verifies nothing; two hashes of
/// one password differ (each has its own salt) or at least both verify.
pub async fn a_hash_verifies_its_password_only<P: Ports>(w: &World<P>) {
    let password = Password::parse(secret("correct horse battery")).unwrap();
    let hash = w.hasher.hash(&password).await.unwrap();
    assert!(
        w.hasher
            .verify(&secret("correct horse battery"), Some(&hash))
            .await
            .unwrap()
    );
    assert!(
        !w.hasher
            .verify(&secret("wrong horse battery"), Some(&hash))
            .await
            .unwrap()
    );
    assert!(
        !w.hasher
            .verify(&secret("correct horse battery"), None)
            .await
            .unwrap()
    );
    let again = w.hasher.hash(&password).await.unwrap();
    assert!(
        w.hasher
            .verify(&secret("correct horse battery"), Some(&again))
            .await
            .unwrap()
    );
}

/// Every test of [`PasswordHasher`], as `#[tokio::test]`s on the world `$world` builds.
#[macro_export]
macro_rules! password_hasher_contract {
    ($world:expr) => {
        $crate::contract_tests!($world, password_hasher: a_hash_verifies_its_password_only);
    };
}
