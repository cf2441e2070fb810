use thiserror::Error;

/// What can go wrong below the store interface. Callers map these to user
/// messages; the underlying cause is kept as `source` for the logs only.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("the database could not be reached")]
    Unavailable(#[source] sqlx::Error),
    #[error("the change conflicts with existing data ({constraint})")]
    Conflict { constraint: String, #[source] source: sqlx::Error },
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("the database schema could not be migrated")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("could not create the data directory {path}")]
    DataDir { path: String, #[source] source: std::io::Error },
    #[error("the database query failed")]
    Query(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        match &error {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(error)
            }
            sqlx::Error::Database(db) if db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation() => {
                let constraint = db.constraint().unwrap_or("constraint").to_owned();
                StoreError::Conflict { constraint, source: error }
            }
            _ => StoreError::Query(error),
        }
    }
}
