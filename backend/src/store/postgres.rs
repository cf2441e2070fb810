//! PostgreSQL, for real and multi-replica installs.

use super::StoreError;
use super::write_turns::WriteTurn;
use airlock_domain::audit::AuditKey;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// Set on every session, so a runaway query or a lock held by a stuck
/// client fails (503, retry) instead of holding a connection and a request
/// forever. Every statement Airlock runs takes milliseconds.
const SESSION_LIMITS: [(&str, &str); 3] =
    [("statement_timeout", "15s"), ("lock_timeout", "5s"), ("idle_in_transaction_session_timeout", "60s")];

pub struct PostgresStore {
    pub(crate) pool: PgPool,
    /// Seals appended audit entries (see `airlock_domain::audit::AuditKey`).
    pub(crate) audit_key: Option<AuditKey>,
}

impl PostgresStore {
    pub async fn connect(url: &str, audit_key: Option<AuditKey>) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(StoreError::Unavailable)?.options(SESSION_LIMITS);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(StoreError::Unavailable)?;
        Ok(PostgresStore { pool, audit_key })
    }
}

impl PostgresStore {
    /// Rows are locked explicitly where a change needs it (`lock_release`,
    /// the audit head), so the default isolation level is enough, and
    /// writers need no turns: they wait only for the rows they share.
    pub(crate) async fn begin_write(&self) -> Result<(sqlx::Transaction<'static, sqlx::Postgres>, Option<WriteTurn>), StoreError> {
        Ok((self.pool.begin().await?, None))
    }

    /// A read-only transaction that sees one snapshot for all its queries
    /// (PostgreSQL's default gives each statement its own).
    pub(crate) async fn begin_snapshot(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        Ok(tx)
    }
}

/// This build's migrations (also what a restored backup is judged by).
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

impl_shared_store!(PostgresStore, sqlx::Postgres, "postgres", MIGRATOR);
impl_gate_reads!(PostgresStore, sqlx::Postgres);
impl_gate_tx!(sqlx::Postgres);
impl_dispatch_tx!(sqlx::Postgres, " FOR UPDATE OF j SKIP LOCKED", " FOR UPDATE OF j");
impl_dispatch_store!(PostgresStore);
