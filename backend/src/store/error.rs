use thiserror::Error;

/// What can go wrong below the store interface. Callers map these to user
/// messages; the underlying cause is kept as `source` for the logs only.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("the database could not be reached")]
    Unavailable(#[source] sqlx::Error),
    #[error("the change conflicts with existing data ({constraint})")]
    Conflict {
        constraint: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("the database schema could not be migrated")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("could not create the data directory {path}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the database query failed")]
    Query(#[source] sqlx::Error),
}

/// Database errors that mean "not now" rather than "wrong": SQLite busy or
/// locked past its timeout; PostgreSQL shutting down, starting up, out of
/// connections, or past the statement or lock timeout set on its sessions.
/// Callers answer 503 with `Retry-After`, not 500.
fn is_transient(db: &dyn sqlx::error::DatabaseError) -> bool {
    const SQLITE_BUSY: &str = "5";
    const SQLITE_LOCKED: &str = "6";
    const POSTGRES: [&str; 7] = ["57P01", "57P02", "57P03", "53300", "08006", "57014", "55P03"];
    let code = db.code();
    let code = code.as_deref().unwrap_or_default();
    // SQLite reports extended codes (e.g. 517 = BUSY_SNAPSHOT): the low byte is the primary code.
    let primary = code.parse::<u32>().map(|c| (c & 0xff).to_string()).unwrap_or_default();
    primary == SQLITE_BUSY || primary == SQLITE_LOCKED || POSTGRES.contains(&code)
}

/// A rule the schema enforces with a trigger (SQLite's `RAISE(ABORT, …)`,
/// extended code SQLITE_CONSTRAINT_TRIGGER); PostgreSQL's triggers raise
/// `check_violation` and are caught above.
fn is_refused_by_trigger(db: &dyn sqlx::error::DatabaseError) -> bool {
    db.code().as_deref() == Some("1811")
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        match &error {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => {
                StoreError::Unavailable(error)
            }
            sqlx::Error::Database(db) if is_transient(db.as_ref()) => StoreError::Unavailable(error),
            sqlx::Error::Database(db)
                if db.is_unique_violation()
                    || db.is_foreign_key_violation()
                    || db.is_check_violation()
                    || is_refused_by_trigger(db.as_ref()) =>
            {
                let constraint = db.constraint().unwrap_or("constraint").to_owned();
                StoreError::Conflict { constraint, source: error }
            }
            _ => StoreError::Query(error),
        }
    }
}
