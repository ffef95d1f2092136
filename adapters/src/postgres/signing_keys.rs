//! The signing keys of identity assertions in PostgreSQL (SPEC §9): one active, retired ones published until their
//! assertions expire; every replica reads the same rows and re-reads the active key every
//! [`SIGNING_KEY_REFRESH`], so a rotation reaches all of them without a restart.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};
use tessera_application::ports::{AssertionSigner, AuditEntry, PublicSigningKey};
use tessera_application::{Clock, RepoError};
use tessera_domain::{Assertion, SIGNING_KEY_REFRESH, key_is_published};
use time::OffsetDateTime;
use tokio_postgres::types::ToSql;

use super::Database;
use super::audit_repository::record;
use super::errors::{column, corrupt, db_err};
use crate::signing::{Sealer, SealingError, jwt};
use crate::system::SystemClock;

/// Why the signing keys cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// The active key is sealed, but no `signing.key_file` is set.
    #[error(
        "the signing key in the database is encrypted: set signing.key_file to the key file it was sealed with"
    )]
    KeyFileMissing,
    /// The active key was sealed under another key file.
    #[error("the signing key was sealed with another signing.key_file (key id {0})")]
    OtherKeyFile(String),
    /// Sealing or opening failed.
    #[error(transparent)]
    Sealing(#[from] SealingError),
    /// The stored key is not a valid Ed25519 key.
    #[error("the stored signing key is not a valid Ed25519 key")]
    Corrupt,
    /// A database failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<SigningError> for RepoError {
    fn from(e: SigningError) -> Self {
        match e {
            SigningError::Repo(e) => e,
            other => RepoError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// The active key as one replica loaded it.
struct ActiveKey {
    kid: String,
    pair: Arc<Ed25519KeyPair>,
    loaded: Instant,
}

/// The signing keys of every replica, in PostgreSQL; sealed with `signing.key_file` when set.
#[derive(Clone)]
pub struct PgSigningKeys {
    db: Database,
    sealer: Option<Arc<Sealer>>,
    active: Arc<Mutex<Option<ActiveKey>>>,
}

impl std::fmt::Debug for PgSigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSigningKeys")
            .field("sealed", &self.sealer.is_some())
            .finish_non_exhaustive()
    }
}

/// A newly generated key, ready to insert.
struct NewKey {
    kid: String,
    public_key: Vec<u8>,
    private_key: Vec<u8>,
    sealing: &'static str,
    sealing_key_id: Option<String>,
}

impl PgSigningKeys {
    /// The keys on `db`, sealed (new keys) and opened (stored keys) with `sealer` when set.
    pub fn new(db: Database, sealer: Option<Sealer>) -> Self {
        Self {
            db,
            sealer: sealer.map(Arc::new),
            active: Arc::new(Mutex::new(None)),
        }
    }

    fn generate(&self) -> Result<NewKey, SigningError> {
        let random = SystemRandom::new();
        let mut seed = [0u8; 32];
        let mut id = [0u8; 12];
        random.fill(&mut seed).map_err(|_| SealingError::Random)?;
        random.fill(&mut id).map_err(|_| SealingError::Random)?;
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed).map_err(|_| SigningError::Corrupt)?;
        let kid = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, id);
        let (private_key, sealing, sealing_key_id) = match &self.sealer {
            Some(sealer) => (
                sealer.seal(&seed, &kid)?,
                "aes-256-gcm",
                Some(sealer.id().to_owned()),
            ),
            None => (seed.to_vec(), "none", None),
        };
        Ok(NewKey {
            kid,
            public_key: pair.public_key().as_ref().to_vec(),
            private_key,
            sealing,
            sealing_key_id,
        })
    }

    /// Makes sure an active key exists (generating and storing one on first start; replicas
    /// starting at once agree on one) and that this process can open it.
    pub async fn ensure_active(&self, now: OffsetDateTime) -> Result<(), SigningError> {
        const SQL: &str = "INSERT INTO signing_keys (kid, public_key, private_key, sealing, sealing_key_id, created_at)
                           SELECT $1, $2, $3, $4, $5, $6
                           WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE retired_at IS NULL)
                           ON CONFLICT DO NOTHING";
        let key = self.generate()?;
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        client
            .execute(&stmt, &insert_params(&key, &now))
            .await
            .map_err(db_err)?;
        drop(client);
        let (kid, sealed) = self.load_active_row().await?;
        if sealed && self.sealer.is_none() {
            return Err(SigningError::KeyFileMissing);
        }
        if !sealed && self.sealer.is_some() {
            tracing::warn!(
                kid,
                "the active signing key was stored before signing.key_file was set and is not encrypted; run `tessera keys rotate`"
            );
        }
        self.active_key().await.map(drop)
    }

    /// Retires the active key and makes a new one, in one transaction (`tessera keys
    /// rotate`); the old key stays published until its assertions have expired. Returns
    /// the new key's `kid`.
    pub async fn rotate(&self, audit: &AuditEntry) -> Result<String, SigningError> {
        const RETIRE: &str = "UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL";
        const INSERT: &str = "INSERT INTO signing_keys (kid, public_key, private_key, sealing, sealing_key_id, created_at)
                              VALUES ($1, $2, $3, $4, $5, $6)";
        const FORGET: &str = "DELETE FROM signing_keys WHERE retired_at < $1";
        let key = self.generate()?;
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        tx.execute(RETIRE, &[&audit.at]).await.map_err(db_err)?;
        tx.execute(INSERT, &insert_params(&key, &audit.at))
            .await
            .map_err(db_err)?;
        let long_ago = audit.at - tessera_domain::RETIRED_KEY_PUBLISHED * 10;
        tx.execute(FORGET, &[&long_ago]).await.map_err(db_err)?;
        let mut entry = audit.clone();
        entry.target_id = key.kid.clone();
        record(&tx, &entry).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(key.kid)
    }

    /// The active key's `kid` and whether it is sealed.
    async fn load_active_row(&self) -> Result<(String, bool), SigningError> {
        const SQL: &str = "SELECT kid, sealing FROM signing_keys WHERE retired_at IS NULL";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let row = client.query_opt(&stmt, &[]).await.map_err(db_err)?;
        let row = row.ok_or_else(|| corrupt("signing_keys", "no active key"))?;
        let sealing: String = column(&row, "sealing")?;
        Ok((column(&row, "kid")?, sealing != "none"))
    }

    /// The active key, from this replica's copy while it is younger than
    /// [`SIGNING_KEY_REFRESH`], else read again.
    async fn active_key(&self) -> Result<(String, Arc<Ed25519KeyPair>), SigningError> {
        let refresh =
            std::time::Duration::from_secs(SIGNING_KEY_REFRESH.whole_seconds().unsigned_abs());
        if let Ok(guard) = self.active.lock()
            && let Some(active) = guard.as_ref()
            && active.loaded.elapsed() < refresh
        {
            return Ok((active.kid.clone(), active.pair.clone()));
        }
        const SQL: &str = "SELECT kid, public_key, private_key, sealing, sealing_key_id
                           FROM signing_keys WHERE retired_at IS NULL";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let row = client.query_opt(&stmt, &[]).await.map_err(db_err)?;
        let row = row.ok_or_else(|| corrupt("signing_keys", "no active key"))?;
        let kid: String = column(&row, "kid")?;
        let public: Vec<u8> = column(&row, "public_key")?;
        let stored: Vec<u8> = column(&row, "private_key")?;
        let sealing_key_id: Option<String> = column(&row, "sealing_key_id")?;
        let seed = match (sealing_key_id, &self.sealer) {
            (None, _) => stored,
            (Some(_), None) => return Err(SigningError::KeyFileMissing),
            (Some(id), Some(sealer)) if id != sealer.id() => {
                return Err(SigningError::OtherKeyFile(id));
            }
            (Some(_), Some(sealer)) => sealer.open(&stored, &kid)?,
        };
        let pair = Ed25519KeyPair::from_seed_and_public_key(&seed, &public)
            .map_err(|_| SigningError::Corrupt)?;
        let pair = Arc::new(pair);
        if let Ok(mut guard) = self.active.lock() {
            *guard = Some(ActiveKey {
                kid: kid.clone(),
                pair: pair.clone(),
                loaded: Instant::now(),
            });
        }
        Ok((kid, pair))
    }
}

fn insert_params<'a>(key: &'a NewKey, at: &'a OffsetDateTime) -> [&'a (dyn ToSql + Sync); 6] {
    [
        &key.kid,
        &key.public_key,
        &key.private_key,
        &key.sealing,
        &key.sealing_key_id,
        at,
    ]
}

impl AssertionSigner for PgSigningKeys {
    async fn sign(&self, assertion: &Assertion) -> Result<String, RepoError> {
        let (kid, pair) = self.active_key().await?;
        Ok(jwt::encode(assertion, &kid, &pair))
    }

    async fn public_keys(&self) -> Result<Vec<PublicSigningKey>, RepoError> {
        const SQL: &str =
            "SELECT kid, public_key, retired_at FROM signing_keys ORDER BY created_at DESC";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let rows = client.query(&stmt, &[]).await.map_err(db_err)?;
        let now = SystemClock.now();
        let mut keys = Vec::new();
        for row in &rows {
            let retired_at: Option<OffsetDateTime> = column(row, "retired_at")?;
            if key_is_published(retired_at, now) {
                keys.push(PublicSigningKey {
                    kid: column(row, "kid")?,
                    public_key: column(row, "public_key")?,
                });
            }
        }
        Ok(keys)
    }
}
