//! Sealing private keys at rest with AES-256-GCM under a key read from `signing.key_file`.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::digest::{SHA256, digest};
use ring::hkdf::{HKDF_SHA256, Salt};
use ring::rand::{SecureRandom, SystemRandom};

/// The shortest key file accepted: 32 bytes (256 bits), e.g. `openssl rand -base64 32`.
const MIN_KEY_FILE_BYTES: usize = 32;

/// Why a key file or a sealed key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SealingError {
    /// The key file holds fewer than 32 bytes.
    #[error(
        "signing.key_file must hold at least 32 bytes of random data (e.g. `openssl rand -base64 32`)"
    )]
    KeyTooShort,
    /// Decryption failed: another key, or damaged data.
    #[error("the sealed signing key does not open with this signing.key_file")]
    WrongKey,
    /// The system's random source failed.
    #[error("the system random source failed")]
    Random,
}

/// The AES-256-GCM key that seals signing keys, and its public id (stored beside each sealed
/// key, so a wrong `signing.key_file` is named at start-up instead of failing obscurely).
pub struct Sealer {
    key: LessSafeKey,
    id: String,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Sealer {
    /// Derives the sealing key from a key file's contents (HKDF-SHA256; surrounding
    /// whitespace is ignored, so a base64 line with its newline works).
    pub fn from_key_file(contents: &[u8]) -> Result<Self, SealingError> {
        let material = contents.trim_ascii();
        if material.len() < MIN_KEY_FILE_BYTES {
            return Err(SealingError::KeyTooShort);
        }
        let prk = Salt::new(HKDF_SHA256, b"tessera signing.key_file v1").extract(material);
        let mut bytes = [0u8; 32];
        prk.expand(&[b"aes-256-gcm"], &AES_256_GCM)
            .and_then(|okm| okm.fill(&mut bytes))
            .map_err(|_| SealingError::KeyTooShort)?;
        let id_digest = digest(
            &SHA256,
            &[b"tessera-sealing-id:".as_slice(), &bytes].concat(),
        );
        let id = id_digest.as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| SealingError::KeyTooShort)?;
        Ok(Self {
            key: LessSafeKey::new(key),
            id,
        })
    }

    /// The id stored beside keys sealed with this key.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `nonce || ciphertext || tag` of `plain`, bound to `label` (the key's `kid`).
    pub fn seal(&self, plain: &[u8], label: &str) -> Result<Vec<u8>, SealingError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SealingError::Random)?;
        let mut sealed = plain.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(label.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| SealingError::Random)?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// The plaintext of what [`Sealer::seal`] produced for the same `label`.
    pub fn open(&self, sealed: &[u8], label: &str) -> Result<Vec<u8>, SealingError> {
        if sealed.len() < NONCE_LEN {
            return Err(SealingError::WrongKey);
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealingError::WrongKey)?;
        let mut buffer = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(label.as_bytes()), &mut buffer)
            .map_err(|_| SealingError::WrongKey)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_FILE: &[u8] = b"mO1ttgOBaVqCRnAQ4xUTBT1h9xPYOyDGb3z1qWqI5qo=\n";

    #[test]
    fn a_sealed_key_opens_with_the_same_key_file_and_label_only() {
        let sealer = Sealer::from_key_file(KEY_FILE).unwrap();
        let sealed = sealer.seal(b"private seed", "kid-1").unwrap();
        assert_ne!(&sealed[12..24], b"private seed");
        assert_eq!(sealer.open(&sealed, "kid-1").unwrap(), b"private seed");
        assert!(sealer.open(&sealed, "kid-2").is_err());
        let other =
            Sealer::from_key_file(b"another key file of at least thirty-two bytes").unwrap();
        assert!(other.open(&sealed, "kid-1").is_err());
        assert_ne!(other.id(), sealer.id());
    }

    #[test]
    fn the_same_key_file_gives_the_same_id_and_a_short_one_is_refused() {
        let a = Sealer::from_key_file(KEY_FILE).unwrap();
        let b = Sealer::from_key_file(KEY_FILE.trim_ascii()).unwrap();
        assert_eq!(a.id(), b.id());
        assert_eq!(a.id().len(), 16);
        assert!(matches!(
            Sealer::from_key_file(b"short\n"),
            Err(SealingError::KeyTooShort)
        ));
    }
}
