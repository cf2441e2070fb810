//! Test databases: a fresh SQLite file or a fresh PostgreSQL database per test,
//! migrated and ready. The PostgreSQL server comes from
//! `AIRLOCK_TEST_POSTGRES_URL` (default: the local trust-auth server).
#![allow(dead_code)]

pub mod dispatch;
pub mod gate;
pub mod kube;

use airlock_backend::{DatabaseTarget, Store, connect};
use sqlx::Connection;
use std::sync::Arc;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Keeps whatever must outlive the test (the temp dir holding the SQLite file).
pub struct TestStore {
    pub store: Arc<dyn Store>,
    /// Where to reach the same database behind the store's back, as an
    /// operator with a SQL prompt would.
    pub raw: Raw,
    _dir: Option<tempfile::TempDir>,
}

pub enum Raw {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl TestStore {
    /// Runs SQL directly on the database, outside the store.
    pub async fn raw_sql(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match &self.raw {
            Raw::Sqlite(path) => {
                let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
                Ok(sqlx::raw_sql(sql).execute(&mut conn).await?.rows_affected())
            }
            Raw::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await?;
                Ok(sqlx::raw_sql(sql).execute(&mut conn).await?.rows_affected())
            }
        }
    }

    /// The same database through a second store that seals audit entries with `key`.
    pub async fn keyed(&self, key: airlock_domain::audit::AuditKey) -> Arc<dyn Store> {
        let target = match &self.raw {
            Raw::Sqlite(path) => DatabaseTarget::SqliteFile(path.clone()),
            Raw::Postgres(url) => DatabaseTarget::Postgres(url.clone()),
        };
        connect(&target, Some(key)).await.expect("the same database, keyed")
    }

    /// A second store on the same database, as another replica would open.
    pub async fn keyless_twin(&self) -> Arc<dyn Store> {
        let target = match &self.raw {
            Raw::Sqlite(path) => DatabaseTarget::SqliteFile(path.clone()),
            Raw::Postgres(url) => DatabaseTarget::Postgres(url.clone()),
        };
        connect(&target, None).await.expect("the same database, again")
    }

    /// Drops the triggers that keep the audit log append-only, as an
    /// operator with a SQL prompt can.
    pub async fn drop_append_only_triggers(&self) {
        let sql = if self.is_postgres() {
            "DROP TRIGGER audit_log_is_append_only ON audit_log"
        } else {
            "DROP TRIGGER audit_log_is_append_only_update; DROP TRIGGER audit_log_is_append_only_delete"
        };
        self.raw_sql(sql).await.expect("an operator with SQL access can drop triggers");
    }

    /// The same with foreign keys unenforced, as an operator who means to
    /// delete audit entries that gate rows point at would do first.
    pub async fn raw_sql_unchecked(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let off = if self.is_postgres() { "SET session_replication_role = replica; " } else { "PRAGMA foreign_keys = OFF; " };
        self.raw_sql(&format!("{off}{sql}")).await
    }

    /// Which SQL dialect `raw_sql` speaks.
    pub fn is_postgres(&self) -> bool {
        matches!(self.raw, Raw::Postgres(_))
    }
}

pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("airlock.db");
    let store = connect(&DatabaseTarget::SqliteFile(path.clone()), None).await.expect("open sqlite");
    store.migrate().await.expect("migrate sqlite");
    TestStore { store, raw: Raw::Sqlite(path), _dir: Some(dir) }
}

pub async fn postgres() -> TestStore {
    let admin_url = std::env::var("AIRLOCK_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
    let name = format!("airlock_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL must be running for the conformance suite (set AIRLOCK_TEST_POSTGRES_URL)");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create test database");
    let url = match admin_url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("AIRLOCK_TEST_POSTGRES_URL must name a database"),
    };
    let store = connect(&DatabaseTarget::Postgres(url.clone()), None).await.expect("connect postgres");
    store.migrate().await.expect("migrate postgres");
    TestStore { store, raw: Raw::Postgres(url), _dir: None }
}

/// Runs each listed async test fn (taking `&dyn Store`) on both databases.
#[macro_export]
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    let db = $crate::support::sqlite().await;
                    super::$test(db.store.as_ref()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $test() {
                    let db = $crate::support::postgres().await;
                    super::$test(db.store.as_ref()).await;
                }
            )*
        }
    };
}

/// Runs each listed async test fn (taking `&TestStore`) on both databases,
/// on a multi-threaded runtime so that spawned tasks really race.
#[macro_export]
macro_rules! on_both_test_stores {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    let db = $crate::support::sqlite().await;
                    super::$test(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    let db = $crate::support::postgres().await;
                    super::$test(&db).await;
                }
            )*
        }
    };
}

/// The demo world in `db`, and a backend over it.
pub async fn demo_backend(db: &TestStore) -> airlock_backend::Backend {
    db.store.import_world(&airlock_backend::demo::demo_world()).await.expect("import demo world");
    airlock_backend::Backend::new(db.store.clone())
}

/// The local operator, as the CLI would be after opening the database.
pub fn operator() -> airlock_backend::LocalOperator {
    airlock_backend::LocalOperator::for_tests("cli:test")
}
