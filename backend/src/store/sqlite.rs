//! The embedded default: one SQLite file, created on first run.

use super::StoreError;
use super::write_turns::{WriteTurn, WriteTurns};
use airlock_domain::audit::AuditKey;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// Seals appended audit entries (see `airlock_domain::audit::AuditKey`).
    pub(crate) audit_key: Option<AuditKey>,
    /// This process's writers, one at a time (see `write_turns.rs`).
    pub(crate) write_turns: WriteTurns,
}

/// How long a writer waits for the write lock before the answer is "not now".
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// The same, for a file opened alone for a backup or a restore.
const ALONE_BUSY_TIMEOUT: Duration = Duration::from_secs(2);

impl SqliteStore {
    pub async fn open(path: &Path, audit_key: Option<AuditKey>) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir { path: dir.display().to_string(), source })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            // WAL lets page reads proceed while a write transaction is open.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Writers queue for the file lock instead of failing at once.
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(StoreError::Unavailable)?;
        Ok(SqliteStore { pool, audit_key, write_turns: WriteTurns::new(BUSY_TIMEOUT) })
    }
}

impl SqliteStore {
    /// A database file opened alone, for backups and restores: one
    /// connection, in rollback-journal mode, so that once closed the file
    /// alone holds everything (switching a database out of WAL writes the log
    /// back first, and fails while another program has it open).
    pub(crate) async fn open_alone(path: &Path, audit_key: Option<AuditKey>) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Delete)
            .foreign_keys(true)
            .busy_timeout(ALONE_BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.map_err(StoreError::Unavailable)?;
        Ok(SqliteStore { pool, audit_key, write_turns: WriteTurns::new(ALONE_BUSY_TIMEOUT) })
    }

    /// A write transaction, begun in this writer's turn. `BEGIN IMMEDIATE`
    /// takes the write lock up front: a deferred transaction that reads and
    /// then writes can fail with "database is locked" when another writer
    /// got in between, without waiting for the busy timeout.
    pub(crate) async fn begin_write(&self) -> Result<(sqlx::Transaction<'static, sqlx::Sqlite>, Option<WriteTurn>), StoreError> {
        let turn = self.write_turns.take().await?;
        Ok((self.pool.begin_with("BEGIN IMMEDIATE").await?, Some(turn)))
    }

    /// A read transaction: in WAL mode its first read fixes one snapshot
    /// for all that follow, while writers go on.
    pub(crate) async fn begin_snapshot(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin().await?)
    }
}

/// This build's migrations (also what a restored backup is judged by).
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

impl_shared_store!(SqliteStore, sqlx::Sqlite, "sqlite", MIGRATOR);
impl_gate_reads!(SqliteStore, sqlx::Sqlite);
impl_gate_tx!(sqlx::Sqlite);
impl_dispatch_tx!(sqlx::Sqlite, "", "");
impl_dispatch_store!(SqliteStore);
