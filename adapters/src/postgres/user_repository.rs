use deadpool_postgres::GenericClient;
use tessera_application::RepoError;
use tessera_application::ports::UserRepository;
use tessera_domain::{Email, PasswordHash, User, UserId, UserWithPassword, Username};
use tokio_postgres::Row;

use super::Database;
use super::errors::{column, corrupt, db_err, map_db_error};

/// Users in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgUserRepository {
    db: Database,
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
const COLUMNS: &str = "id, email, username, admin, created_at, password_hash";

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

fn with_password(row: &Row) -> Result<UserWithPassword, RepoError> {
    Ok(UserWithPassword {
        user: user_from_row(row)?,
        password_hash: PasswordHash::new(column(row, "password_hash")?),
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

    async fn insert(&self, u: &UserWithPassword) -> Result<(), RepoError> {
        insert_user(&self.db.client().await?, u).await
    }

    async fn find_by_email(
        &self,
        email_normalized: &str,
    ) -> Result<Option<UserWithPassword>, RepoError> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {COLUMNS} FROM users WHERE email_normalized = $1");
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let row = client
            .query_opt(&stmt, &[&email_normalized])
            .await
            .map_err(db_err)?;
        row.as_ref().map(with_password).transpose()
    }

    async fn find(&self, id: UserId) -> Result<Option<User>, RepoError> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let row = client
            .query_opt(&stmt, &[&id.as_uuid()])
            .await
            .map_err(db_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn list(&self) -> Result<Vec<User>, RepoError> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {COLUMNS} FROM users ORDER BY created_at, id");
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let rows = client.query(&stmt, &[]).await.map_err(db_err)?;
        rows.iter().map(user_from_row).collect()
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
