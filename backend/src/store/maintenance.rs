//! Keeping the embedded database safe: a consistent copy while it serves,
//! and what a copy says of itself before it may replace anything.

use super::{PostgresStore, SqliteStore, StoreError};
use async_trait::async_trait;
use sqlx::migrate::Migrator;
use std::path::Path;

/// Which of this build's migrations a database has applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schema {
    /// No migration table, or not Airlock's first migration: another program's database.
    Foreign,
    /// Every applied migration is one of this build's, unchanged; `pending`
    /// more are applied when it is opened.
    Known { applied: usize, pending: usize },
    /// A migration this build does not have: written by a newer Airlock.
    Newer { version: i64 },
    /// One of this build's migrations with other content, or one that failed half-way.
    Altered { version: i64 },
}

#[async_trait]
pub trait MaintenanceStore: Send + Sync {
    /// Writes a consistent copy of the whole database to `path` (which must
    /// not exist) while others go on reading and writing: SQLite's `VACUUM
    /// INTO`, one read snapshot, on a connection of its own opened from the
    /// caller's thread (so it runs at that thread's priority: see
    /// `backup::priority`). `false` on PostgreSQL, where `pg_dump` does this.
    async fn copy_into(&self, path: &Path) -> Result<bool, StoreError>;
    /// SQLite's integrity check: its first complaint, `None` when the file is whole.
    async fn integrity_problem(&self) -> Result<Option<String>, StoreError>;
    async fn schema(&self) -> Result<Schema, StoreError>;
    /// Closes every connection.
    async fn close(&self);
}

/// A migration as the database recorded it: version, checksum, whether it finished.
type Applied = (i64, Vec<u8>, bool);

const APPLIED: &str = "SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version";

/// What `applied` says against this build's `migrator`.
fn classify(applied: &[Applied], migrator: &Migrator) -> Schema {
    let ours = |version: i64| migrator.iter().find(|m| m.version == version);
    let first_is_ours = matches!(
        (applied.first(), migrator.iter().next()),
        (Some((version, checksum, _)), Some(first)) if *version == first.version && *checksum == *first.checksum
    );
    if !first_is_ours {
        return Schema::Foreign;
    }
    for (version, checksum, finished) in applied {
        match ours(*version) {
            None => return Schema::Newer { version: *version },
            Some(migration) if *checksum != *migration.checksum || !finished => return Schema::Altered { version: *version },
            Some(_) => {}
        }
    }
    let total = migrator.iter().filter(|m| m.migration_type.is_up_migration()).count();
    Schema::Known { applied: applied.len(), pending: total.saturating_sub(applied.len()) }
}

#[async_trait]
impl MaintenanceStore for SqliteStore {
    async fn copy_into(&self, path: &Path) -> Result<bool, StoreError> {
        let target = path.to_str().ok_or_else(|| StoreError::Corrupt(format!("{} is not a UTF-8 path", path.display())))?;
        let mut connection = sqlx::ConnectOptions::connect(&*self.pool.connect_options()).await?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&mut connection).await?;
        sqlx::Connection::close(connection).await?;
        Ok(true)
    }

    async fn integrity_problem(&self) -> Result<Option<String>, StoreError> {
        let (verdict,): (String,) = sqlx::query_as("PRAGMA integrity_check(1)").fetch_one(&self.pool).await?;
        Ok((verdict != "ok").then_some(verdict))
    }

    async fn schema(&self) -> Result<Schema, StoreError> {
        match sqlx::query_as::<_, Applied>(APPLIED).fetch_all(&self.pool).await {
            Ok(applied) => Ok(classify(&applied, &super::sqlite::MIGRATOR)),
            // No migration table at all: nothing Airlock ever opened.
            Err(sqlx::Error::Database(db)) if db.message().starts_with("no such table") => Ok(Schema::Foreign),
            Err(error) => Err(error.into()),
        }
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl MaintenanceStore for PostgresStore {
    async fn copy_into(&self, _path: &Path) -> Result<bool, StoreError> {
        Ok(false)
    }

    async fn integrity_problem(&self) -> Result<Option<String>, StoreError> {
        Ok(None)
    }

    async fn schema(&self) -> Result<Schema, StoreError> {
        match sqlx::query_as::<_, Applied>(APPLIED).fetch_all(&self.pool).await {
            Ok(applied) => Ok(classify(&applied, &super::postgres::MIGRATOR)),
            // 42P01: undefined table.
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42P01") => Ok(Schema::Foreign),
            Err(error) => Err(error.into()),
        }
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(versions: &[i64]) -> Vec<Applied> {
        let migrator = &super::super::sqlite::MIGRATOR;
        versions
            .iter()
            .map(|v| (*v, migrator.iter().find(|m| m.version == *v).map(|m| m.checksum.to_vec()).unwrap_or_default(), true))
            .collect()
    }

    #[test]
    fn a_database_is_judged_by_the_migrations_it_applied() {
        let migrator = &super::super::sqlite::MIGRATOR;
        let versions: Vec<i64> = migrator.iter().map(|m| m.version).collect();
        let all = versions.len();
        assert_eq!(classify(&applied(&versions), migrator), Schema::Known { applied: all, pending: 0 });
        assert_eq!(classify(&applied(&versions[..2]), migrator), Schema::Known { applied: 2, pending: all - 2 });
        assert_eq!(classify(&[], migrator), Schema::Foreign, "no migration applied is nobody's database");

        let mut newer = applied(&versions);
        newer.push((99_990_101_000_000, vec![1, 2, 3], true));
        assert_eq!(classify(&newer, migrator), Schema::Newer { version: 99_990_101_000_000 });

        let mut altered = applied(&versions);
        altered[1].1 = vec![0; 48];
        assert_eq!(classify(&altered, migrator), Schema::Altered { version: versions[1] });
        let mut half_way = applied(&versions);
        half_way[2].2 = false;
        assert_eq!(classify(&half_way, migrator), Schema::Altered { version: versions[2] });

        let mut foreign = applied(&versions);
        foreign[0].1 = vec![7; 48];
        assert_eq!(classify(&foreign, migrator), Schema::Foreign, "another program's first migration");
    }
}
