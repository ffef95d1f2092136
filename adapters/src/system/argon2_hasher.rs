use std::sync::Arc;

use argon2::password_hash::{Output, ParamsString, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tessera_application::{HashError, PasswordHasher};
use tessera_domain::{Password, PasswordHash, SecretString, constant_time_eq};

use super::hashing_pool::{HashingHealth, HashingPool, Memory};

/// OWASP's argon2id setting with the least memory per hash: m = 7 MiB, t = 5, p = 1.
const MEMORY_KIB: u32 = 7 * 1024;
/// Passes for [`MEMORY_KIB`].
const PASSES: u32 = 5;

/// The most memory a stored hash may ask for when it is verified (64 MiB): a worker grows its
/// block that far for one hash and gives it back after; beyond, the hash is refused.
const MAX_VERIFY_BLOCKS: usize = 64 * 1024;

/// Jobs allowed to wait per worker: beyond this a hash would wait seconds, so it is refused
/// (503) instead.
const QUEUED_PER_WORKER: usize = 32;

/// argon2id with OWASP's 7 MiB parameters (7 MiB, 5 passes, 1 lane: one of the cheat
/// sheet's five equally strong settings, the one that holds least memory), on one thread per
/// core, each reusing one memory block allocated once: memory stays at workers × 7 MiB
/// however many people sign in, and work beyond a short queue is refused as busy. Hashes
/// stored with other parameters (before 2026-12, 19 MiB and 2 passes) still verify, and
/// [`PasswordHasher::needs_rehash`] says so, so the next login stores them anew.
#[derive(Debug, Clone)]
pub struct Argon2PasswordHasher {
    params: Params,
    pool: Arc<HashingPool>,
    /// Verified against when an email is unknown, so both paths cost the same: the
    /// parameters of a real hash, a random salt, and an output nothing hashes to.
    dummy: Arc<String>,
}

impl Argon2PasswordHasher {
    /// OWASP parameters; starts the workers.
    pub fn new() -> anyhow::Result<Self> {
        Self::with_params(Params::new(MEMORY_KIB, PASSES, 1, None).map_err(anyhow::Error::msg)?)
    }

    /// Cheaper parameters for tests that create many users; never for production.
    pub fn for_tests() -> anyhow::Result<Self> {
        Self::with_params(Params::new(1024, 1, 1, None).map_err(anyhow::Error::msg)?)
    }

    fn with_params(params: Params) -> anyhow::Result<Self> {
        let workers = std::thread::available_parallelism().map_or(2, usize::from);
        let pool = HashingPool::start(workers, params.block_count(), workers * QUEUED_PER_WORKER)?;
        let dummy = phc(&params, &fresh_salt()?, &[0; Params::DEFAULT_OUTPUT_LEN])?;
        Ok(Self {
            params,
            pool: Arc::new(pool),
            dummy: Arc::new(dummy),
        })
    }

    /// Whether the workers make progress, for `/readyz`.
    pub fn health(&self) -> HashingHealth {
        self.pool.health()
    }
}

fn argon(params: &Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
}

fn fresh_salt() -> anyhow::Result<SaltString> {
    let mut salt = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt)
        .map_err(|_| anyhow::anyhow!("the OS random source failed"))?;
    SaltString::encode_b64(&salt).map_err(anyhow::Error::msg)
}

/// The PHC string of `password` (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), computed in
/// `memory`.
fn hash_phc(
    params: &Params,
    password: &[u8],
    salt: &SaltString,
    memory: &mut Memory,
) -> anyhow::Result<String> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(anyhow::Error::msg)?;
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon(params)
        .hash_password_into_with_memory(password, salt_bytes, &mut output, memory)
        .map_err(anyhow::Error::msg)?;
    phc(params, salt, &output)
}

/// The PHC string of an argon2id `output` computed with `params` and `salt`.
fn phc(params: &Params, salt: &SaltString, output: &[u8]) -> anyhow::Result<String> {
    let phc = argon2::password_hash::PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(anyhow::Error::msg)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(output).map_err(anyhow::Error::msg)?),
    };
    Ok(phc.to_string())
}

/// Recomputes the hash of `password` with the algorithm, parameters and salt stored in
/// `stored`, in `memory` (grown for a hash made with more memory than a worker holds, up to
/// [`MAX_VERIFY_BLOCKS`]), and compares it with the stored one in constant time.
fn verify_phc(password: &[u8], stored: &str, memory: &mut Memory) -> anyhow::Result<bool> {
    let parsed = argon2::password_hash::PasswordHash::new(stored).map_err(anyhow::Error::msg)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(anyhow::anyhow!(
            "the stored password hash has no salt or hash"
        ));
    };
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(anyhow::Error::msg)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(anyhow::Error::msg)?
        .unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(anyhow::Error::msg)?;
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_bytes)
        .map_err(anyhow::Error::msg)?;
    let blocks = params.block_count();
    if blocks > MAX_VERIFY_BLOCKS {
        return Err(anyhow::anyhow!(
            "the stored password hash asks for {} KiB of memory, more than {} KiB",
            params.m_cost(),
            MAX_VERIFY_BLOCKS
        ));
    }
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut computed = vec![0u8; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt_bytes, &mut computed, memory)
        .map_err(anyhow::Error::msg)?;
    Ok(constant_time_eq(&computed, expected.as_bytes()))
}

impl PasswordHasher for Argon2PasswordHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let params = self.params.clone();
        let password = password.expose().to_owned();
        let salt = fresh_salt()?;
        let phc = self
            .pool
            .run(move |memory| hash_phc(&params, password.as_bytes(), &salt, memory))
            .await??;
        Ok(PasswordHash::new(phc))
    }

    async fn verify(
        &self,
        candidate: &SecretString,
        stored: Option<&PasswordHash>,
    ) -> Result<bool, HashError> {
        let candidate = candidate.expose().to_owned();
        let (stored, real) = match stored {
            Some(hash) => (hash.as_str().to_owned(), true),
            None => (self.dummy.as_str().to_owned(), false),
        };
        let ok = self
            .pool
            .run(move |memory| verify_phc(candidate.as_bytes(), &stored, memory))
            .await??;
        Ok(ok && real)
    }

    fn needs_rehash(&self, stored: &PasswordHash) -> bool {
        let Ok(parsed) = argon2::password_hash::PasswordHash::new(stored.as_str()) else {
            return false;
        };
        let same = Algorithm::try_from(parsed.algorithm) == Ok(Algorithm::Argon2id)
            && parsed.version == Some(Version::V0x13.into())
            && Params::try_from(&parsed).is_ok_and(|p| {
                (p.m_cost(), p.t_cost(), p.p_cost())
                    == (
                        self.params.m_cost(),
                        self.params.t_cost(),
                        self.params.p_cost(),
                    )
            });
        !same
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

    fn password(s: &str) -> Password {
        Password::parse(SecretString::new(s.to_owned())).unwrap()
    }

    #[tokio::test]
    async fn a_hashed_password_verifies_and_another_does_not() {
        let hasher = Argon2PasswordHasher::for_tests().unwrap();
        let hash = hasher.hash(&password("correct horse")).await.unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
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
    async fn hashes_are_standard_phc_strings_both_ways() {
        let hasher = Argon2PasswordHasher::for_tests().unwrap();
        let ours = hasher.hash(&password("correct horse")).await.unwrap();
        let parsed = argon2::password_hash::PasswordHash::new(ours.as_str()).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        let salt = fresh_salt().unwrap();
        let params = Params::new(2048, 1, 1, None).unwrap();
        let theirs = argon(&params)
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let theirs = PasswordHash::new(theirs);
        let candidate = SecretString::new("correct horse".into());
        assert!(hasher.verify(&candidate, Some(&theirs)).await.unwrap());
    }

    #[tokio::test]
    async fn no_stored_hash_never_verifies_yet_checks_with_the_real_parameters() {
        let hasher = Argon2PasswordHasher::for_tests().unwrap();
        assert!(hasher.dummy.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        let anything = SecretString::new("correct horse".into());
        assert!(!hasher.verify(&anything, None).await.unwrap());
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
            (7168, 5, 1)
        );
    }

    #[tokio::test]
    async fn a_hash_of_older_parameters_verifies_and_asks_to_be_stored_anew() {
        let hasher = Argon2PasswordHasher::for_tests().unwrap();
        let older = Params::new(4096, 2, 1, None).unwrap();
        let stored = argon(&older)
            .hash_password(b"correct horse", &fresh_salt().unwrap())
            .unwrap()
            .to_string();
        let stored = PasswordHash::new(stored);
        let candidate = SecretString::new("correct horse".into());
        assert!(hasher.verify(&candidate, Some(&stored)).await.unwrap());
        assert!(hasher.needs_rehash(&stored));
        let ours = hasher.hash(&password("correct horse")).await.unwrap();
        assert!(!hasher.needs_rehash(&ours));
    }

    #[tokio::test]
    async fn a_stored_hash_asking_for_more_than_64_mib_is_refused_without_allocating_it() {
        let hasher = Argon2PasswordHasher::for_tests().unwrap();
        let huge = "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let candidate = SecretString::new("correct horse".into());
        let verified = hasher
            .verify(&candidate, Some(&PasswordHash::new(huge.into())))
            .await;
        assert!(matches!(verified, Err(HashError::Unexpected(_))));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn forty_concurrent_hashes_all_finish_or_are_refused_as_busy() {
        let hasher = Argon2PasswordHasher::for_tests().unwrap();
        let hashes = (0..40).map(|_| {
            let hasher = hasher.clone();
            tokio::spawn(async move { hasher.hash(&password("correct horse")).await })
        });
        let all = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            let mut results = Vec::new();
            for hash in hashes {
                results.push(hash.await.unwrap());
            }
            results
        })
        .await
        .expect("no hash waits for ever");
        assert!(
            all.iter()
                .all(|r| matches!(r, Ok(_) | Err(HashError::Busy)))
        );
    }
}
