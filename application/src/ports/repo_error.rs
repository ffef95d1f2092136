/// What a repository can report; SQLSTATEs are mapped to these inside the adapter.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// A uniqueness rule was broken; `field` names the offending field (e.g. `email`).
    #[error("{field} is already taken")]
    Conflict {
        /// The field whose value already exists.
        field: &'static str,
    },
    /// The store cannot be reached right now; retrying later may succeed.
    #[error("the database is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else: a bug or corrupt data.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}
