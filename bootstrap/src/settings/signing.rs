//! `signing.*`: the key that seals identity-assertion signing keys at rest (SPEC §9).

use std::path::PathBuf;

use anyhow::Context;
use serde::Deserialize;
use tessera_adapters::signing::Sealer;

/// `signing.*`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SigningSettings {
    /// A file of at least 32 random bytes; when set, signing keys are stored encrypted
    /// (AES-256-GCM) under a key derived from it. Unset: stored unencrypted.
    pub key_file: Option<PathBuf>,
}

impl SigningSettings {
    /// The sealer of `signing.key_file`, or `None` when it is unset.
    pub fn sealer(&self) -> anyhow::Result<Option<Sealer>> {
        let Some(path) = &self.key_file else {
            return Ok(None);
        };
        let contents = std::fs::read(path).with_context(|| {
            format!(
                "invalid value for `signing.key_file`: cannot read {}",
                path.display()
            )
        })?;
        Sealer::from_key_file(&contents)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("invalid value for `signing.key_file`: {e}"))
    }
}
