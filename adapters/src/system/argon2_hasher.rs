use std::sync::Arc;

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tessera_application::PasswordHasher;
use tessera_domain::{Password, PasswordHash, SecretString};

/// argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), run on a blocking thread,
/// at most two per core at once so a flood of logins queues instead of exhausting memory.
#[derive(Debug, Clone)]
pub struct Argon2PasswordHasher {
    params: Params,
    permits: Arc<tokio::sync::Semaphore>,
    /// Verified against when an email is unknown, so both paths cost the same.
    dummy: Arc<String>,
}

impl Argon2PasswordHasher {
    /// OWASP parameters; computes the dummy hash once.
    pub fn new() -> anyhow::Result<Self> {
        Self::with_params(Params::new(19 * 1024, 2, 1, None).map_err(anyhow::Error::msg)?)
    }

    /// Cheaper parameters for tests that create many users; never for production.
    pub fn for_tests() -> anyhow::Result<Self> {
        Self::with_params(Params::new(1024, 1, 1, None).map_err(anyhow::Error::msg)?)
    }

    fn with_params(params: Params) -> anyhow::Result<Self> {
        let dummy = hash_blocking(&params, "not a real password, never matches")?;
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let permits = Arc::new(tokio::sync::Semaphore::new(2 * cores));
        Ok(Self {
            params,
            dummy: Arc::new(dummy),
            permits,
        })
    }
}

fn argon(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn hash_blocking(params: &Params, password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt)
        .map_err(|_| anyhow::anyhow!("the OS random source failed"))?;
    let salt = SaltString::encode_b64(&salt).map_err(anyhow::Error::msg)?;
    let hash = argon(params)
        .hash_password(password.as_bytes(), &salt)
        .map_err(anyhow::Error::msg)?;
    Ok(hash.to_string())
}

fn verify_blocking(params: &Params, password: &str, stored: &str) -> anyhow::Result<bool> {
    let parsed = argon2::PasswordHash::new(stored).map_err(anyhow::Error::msg)?;
    Ok(argon(params)
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

impl PasswordHasher for Argon2PasswordHasher {
    async fn hash(&self, password: &Password) -> anyhow::Result<PasswordHash> {
        let params = self.params.clone();
        let password = password.expose().to_owned();
        let _permit = self.permits.acquire().await?;
        let _permit = self.permits.acquire().await?;
        let hash = tokio::task::spawn_blocking(move || hash_blocking(&params, &password)).await??;
        Ok(PasswordHash::new(hash))
    }

    async fn verify(
        &self,
        candidate: &SecretString,
        stored: Option<&PasswordHash>,
    ) -> anyhow::Result<bool> {
        let params = self.params.clone();
        let candidate = candidate.expose().to_owned();
        let (stored, real) = match stored {
            Some(hash) => (hash.as_str().to_owned(), true),
            None => (self.dummy.as_str().to_owned(), false),
        };
        let _permit = self.permits.acquire().await?;
        let ok = tokio::task::spawn_blocking(move || verify_blocking(&params, &candidate, &stored))
            .await??;
        Ok(ok && real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(s: &str) -> Password {
        Password::parse(SecretString::new(s.to_owned())).unwrap()
    }

    #[tokio::test]
    async fn a_hashed_password_verifies_and_another_does_not() {
        let hasher = Argon2PasswordHasher::for_tests().unwrap();
        let hash = hasher.hash(&password("correct horse")).await.unwrap();
        assert!(hash.as_str().starts_with("$argon2id$"));
        assert!(
            hasher
                .verify(&SecretString::new("correct horse".into()), Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(&SecretString::new("wrong horse!".into()), Some(&hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn no_stored_hash_never_verifies() {
        let hasher = Argon2PasswordHasher::for_tests().unwrap();
        let dummy_input = SecretString::new("not a real password, never matches".into());
        assert!(!hasher.verify(&dummy_input, None).await.unwrap());
    }

    #[test]
    fn production_parameters_are_owasps() {
        let hasher = Argon2PasswordHasher::new().unwrap();
        assert_eq!(
            (
                hasher.params.m_cost(),
                hasher.params.t_cost(),
                hasher.params.p_cost()
            ),
            (19456, 2, 1)
        );
    }
}
