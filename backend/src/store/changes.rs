//! Telling the other Airlock processes on the same database that a release
//! changed, so pages they serve refresh too. PostgreSQL carries it with
//! `NOTIFY`; an SQLite file has one Airlock process, so there is no one to tell.

use super::StoreError;
use super::postgres::PostgresStore;
use super::sqlite::SqliteStore;
use async_trait::async_trait;

/// The channel every Airlock process on one PostgreSQL database listens on.
pub const CHANNEL: &str = "airlock_changes";

#[async_trait]
pub trait ChangeFeed: Send + Sync + 'static {
    /// Publishes `payload` to every process listening (this one included).
    async fn publish_change(&self, payload: &str) -> Result<(), StoreError>;
    /// A listener for what the processes publish; `None` where no other process can exist.
    async fn listen_for_changes(&self) -> Result<Option<sqlx::postgres::PgListener>, StoreError>;
}

#[async_trait]
impl ChangeFeed for SqliteStore {
    async fn publish_change(&self, _payload: &str) -> Result<(), StoreError> {
        Ok(())
    }

    async fn listen_for_changes(&self) -> Result<Option<sqlx::postgres::PgListener>, StoreError> {
        Ok(None)
    }
}

#[async_trait]
impl ChangeFeed for PostgresStore {
    async fn publish_change(&self, payload: &str) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(&self.pool).await?;
        Ok(())
    }

    async fn listen_for_changes(&self) -> Result<Option<sqlx::postgres::PgListener>, StoreError> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await.map_err(StoreError::Unavailable)?;
        listener.listen(CHANNEL).await.map_err(StoreError::Unavailable)?;
        Ok(Some(listener))
    }
}
