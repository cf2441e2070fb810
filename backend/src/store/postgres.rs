//! PostgreSQL, for real and multi-replica installs.

use super::StoreError;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::time::Duration;

pub struct PostgresStore {
    pub(crate) pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .map_err(StoreError::Unavailable)?;
        Ok(PostgresStore { pool })
    }
}

impl PostgresStore {
    /// Rows are locked explicitly where a change needs it (`lock_release`,
    /// the audit head), so the default isolation level is enough.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }
}

impl_shared_store!(PostgresStore, sqlx::Postgres, "postgres", sqlx::migrate!("../migrations/postgres"));
impl_gate_reads!(PostgresStore, sqlx::Postgres);
impl_gate_tx!(sqlx::Postgres);
impl_auth_store!(PostgresStore);
impl_auth_tx!(sqlx::Postgres);
