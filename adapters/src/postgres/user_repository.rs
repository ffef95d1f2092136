use deadpool_postgres::GenericClient;
use tessera_application::RepoError;
use tessera_application::ports::{AuditEntry, UserRepository};
use tessera_domain::{
    Account, AccountChange, AccountQuery, AccountRefusal, AccountStatus, Email, LookupId,
    PasswordHash, User, UserId, UserWithPassword, Username,
};
use time::OffsetDateTime;
use tokio_postgres::Row;

use super::Database;
use super::audit_repository::record;
use super::errors::{column, corrupt, db_err, map_db_error};

/// Users in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgUserRepository {
    pub(super) db: Database,
}

impl PgUserRepository {
    /// Wraps the pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

const UNIQUE: &[(&str, &str)] = &[
    ("users_email_normalized_key", "email"),
    ("users_username_key", "username"),
];
pub(super) const COLUMNS: &str = "id, email, username, admin, created_at, suspended_at";

/// Re-parses a row through the domain constructors, so bad data fails loudly.
pub(crate) fn user_from_row(row: &Row) -> Result<User, RepoError> {
    Ok(User {
        id: UserId::new(column(row, "id")?),
        email: Email::parse(column(row, "email")?).map_err(|e| corrupt("user", e))?,
        username: Username::parse(column(row, "username")?).map_err(|e| corrupt("user", e))?,
        admin: column(row, "admin")?,
        created_at: column(row, "created_at")?,
    })
}

/// A row of [`COLUMNS`] as an account.
pub(super) fn account_from_row(row: &Row) -> Result<Account, RepoError> {
    let suspended_at: Option<OffsetDateTime> = column(row, "suspended_at")?;
    Ok(Account {
        user: user_from_row(row)?,
        status: match suspended_at {
            Some(_) => AccountStatus::Suspended,
            None => AccountStatus::Active,
        },
    })
}

fn with_password(row: &Row) -> Result<UserWithPassword, RepoError> {
    let account = account_from_row(row)?;
    Ok(UserWithPassword {
        user: account.user,
        password_hash: PasswordHash::new(column(row, "password_hash")?),
        status: account.status,
    })
}

const INSERT: &str =
    "INSERT INTO users (id, email, email_normalized, username, password_hash, admin, created_at)
                      VALUES ($1, $2, $3, $4, $5, $6, $7)";

impl UserRepository for PgUserRepository {
    async fn insert_first(&self, u: &UserWithPassword) -> Result<bool, RepoError> {
        const FIRST_USER_LOCK: i64 = 0x7465_7373_0001;
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&FIRST_USER_LOCK])
            .await
            .map_err(db_err)?;
        let row = tx
            .query_one("SELECT EXISTS (SELECT 1 FROM users)", &[])
            .await
            .map_err(db_err)?;
        let exists: bool = column(&row, "exists")?;
        if exists {
            return Ok(false);
        }
        insert_user(&tx, u).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn insert(&self, u: &UserWithPassword, audit: &AuditEntry) -> Result<(), RepoError> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        insert_user(&tx, u).await?;
        record(&tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn find_by_email(
        &self,
        email_normalized: &str,
    ) -> Result<Option<UserWithPassword>, RepoError> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE email_normalized = $1");
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let row = client
            .query_opt(&stmt, &[&email_normalized])
            .await
            .map_err(db_err)?;
        row.as_ref().map(with_password).transpose()
    }

    async fn find_account(&self, id: UserId) -> Result<Option<Account>, RepoError> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let row = client
            .query_opt(&stmt, &[&id.as_uuid()])
            .await
            .map_err(db_err)?;
        row.as_ref().map(account_from_row).transpose()
    }

    async fn search(&self, query: &AccountQuery) -> Result<(Vec<Account>, i64), RepoError> {
        // `$1` NULL matches everyone; the pattern's wildcards are escaped by the domain.
        let sql = format!(
            "SELECT {COLUMNS}, count(*) OVER () AS total FROM users
             WHERE $1::text IS NULL OR email_normalized ILIKE $1 OR username ILIKE $1
             ORDER BY created_at, id LIMIT $2 OFFSET $3"
        );
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let pattern = query.like_pattern();
        let rows = client
            .query(&stmt, &[&pattern, &query.limit(), &query.offset()])
            .await
            .map_err(db_err)?;
        let total = match rows.first() {
            Some(row) => column(row, "total")?,
            None if query.offset() == 0 => 0,
            None => {
                const COUNT: &str = "SELECT count(*) AS total FROM users
                     WHERE $1::text IS NULL OR email_normalized ILIKE $1 OR username ILIKE $1";
                let row = client.query_one(COUNT, &[&pattern]).await.map_err(db_err)?;
                column(&row, "total")?
            }
        };
        let accounts = rows
            .iter()
            .map(account_from_row)
            .collect::<Result<_, _>>()?;
        Ok((accounts, total))
    }

    async fn change_account<F>(
        &self,
        id: UserId,
        change: AccountChange,
        audit: &AuditEntry,
        decide: F,
    ) -> Result<Option<Result<Account, AccountRefusal>>, RepoError>
    where
        F: FnOnce(&Account, u64) -> Result<bool, AccountRefusal> + Send,
    {
        self.change_account_locked(id, change, audit, decide).await
    }

    async fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: Option<&LookupId>,
        audit: &AuditEntry,
    ) -> Result<Option<u64>, RepoError> {
        const UPDATE: &str = "UPDATE users SET password_hash = $2 WHERE id = $1";
        const SESSIONS: &str = "DELETE FROM sessions
                                WHERE user_id = $1 AND lookup_id IS DISTINCT FROM $2";
        const RESETS: &str = "DELETE FROM password_resets WHERE user_id = $1";
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let user = id.as_uuid();
        let stmt = tx.prepare_cached(UPDATE).await.map_err(db_err)?;
        if tx
            .execute(&stmt, &[&user, &hash.as_str()])
            .await
            .map_err(db_err)?
            == 0
        {
            return Ok(None);
        }
        let stmt = tx.prepare_cached(SESSIONS).await.map_err(db_err)?;
        let keep = keep.map(LookupId::as_str);
        let ended = tx.execute(&stmt, &[&user, &keep]).await.map_err(db_err)?;
        let stmt = tx.prepare_cached(RESETS).await.map_err(db_err)?;
        tx.execute(&stmt, &[&user]).await.map_err(db_err)?;
        record(&tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        drop(client); // never hold one connection while waiting for another
        // The ended sessions must be refused at once by every replica's cache.
        self.db.settle_revocation().await;
        Ok(Some(ended))
    }

    async fn rehash_password(
        &self,
        id: UserId,
        old: &PasswordHash,
        new: &PasswordHash,
    ) -> Result<bool, RepoError> {
        const REHASH: &str =
            "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(REHASH).await.map_err(db_err)?;
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] =
            [&id.as_uuid(), &old.as_str(), &new.as_str()];
        Ok(client.execute(&stmt, &params).await.map_err(db_err)? == 1)
    }

    async fn any_exists(&self) -> Result<bool, RepoError> {
        let client = self.db.client().await?;
        let row = client
            .query_one("SELECT EXISTS (SELECT 1 FROM users)", &[])
            .await
            .map_err(db_err)?;
        column(&row, "exists")
    }
}

async fn insert_user(client: &impl GenericClient, u: &UserWithPassword) -> Result<(), RepoError> {
    let stmt = client.prepare_cached(INSERT).await.map_err(db_err)?;
    let (id, normalized) = (u.user.id.as_uuid(), u.user.email.normalized());
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 7] = [
        &id,
        &u.user.email.as_str(),
        &normalized,
        &u.user.username.as_str(),
        &u.password_hash.as_str(),
        &u.user.admin,
        &u.user.created_at,
    ];
    client
        .execute(&stmt, &params)
        .await
        .map_err(|e| map_db_error(e, UNIQUE))?;
    Ok(())
}
