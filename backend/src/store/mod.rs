//! One storage interface, two typed implementations. sqlx's `Any` driver
//! cannot carry timestamps, UUIDs or booleans faithfully, so SQLite and
//! PostgreSQL each get a typed pool; the SQL they share is written once in
//! `shared.rs` and the conformance suite (`tests/store_conformance.rs`) runs
//! the same tests against both.

// `shared` defines the macro the two backends expand, so it comes first.
#[macro_use]
mod shared;
#[macro_use]
mod gate_reads;
#[macro_use]
mod gate_tx;
mod auth_sql;
#[macro_use]
mod dispatch_sql;
mod accounts;
mod auth_types;
mod bake;
mod break_glass;
mod changes;
mod deliveries;
mod deliveries_sql;
mod dialect;
mod dispatch_rows;
mod dispatch_types;
mod dossier_parts;
mod error;
mod event_reads;
mod gate_rows;
mod inbox_sql;
mod maintenance;
mod observed_sql;
mod postgres;
mod rows;
mod sqlite;
mod world_records;
mod world_sql;
mod world_tx;
mod write_turns;

pub use accounts::{AccountStore, AccountTx, MergedInto};
pub use auth_types::{AuthStore, AuthTx, Person, PersonRecord, SessionRow};
pub use bake::{BakeStore, BakeTx};
pub use break_glass::BreakGlassTx;
pub use changes::ChangeFeed;
pub use deliveries::{
    Attempt, ClaimedDelivery, CursorHold, Delivery, DeliveryStore, DeliveryTx, FirstAttempt, NewDelivery, Recipient, Redelivered,
    ReleaseBrief,
};
pub use dispatch_types::{
    ClaimedJob, ClusterStatus, DispatchSetup, DispatchStore, DispatchTx, ImagePutInPlace, JobProgress, JobRecord, NewJob,
};
pub use dossier_parts::DossierPartsTx;
pub use error::StoreError;
pub use gate_types::{AUDIT_PAGE_MAX, AuditFilter, ItemCheck, ReleaseFilter, ReleaseStore, ReleaseSummary, StoreTx, StoredToken};
pub use inbox_sql::{INBOX_MAX, InboxStore};
pub use maintenance::{MaintenanceStore, Schema};
pub use observed_sql::{ObservedStore, ObservedTx};
pub use recorded::{Recorded, UnrecordedRow};
pub use world_records::{WorldRecordStore, WorldRecordTx};
pub use world_sql::StoredTemplate;
pub use world_tx::WorldTx;

mod gate_types;
mod recorded;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use airlock_domain::world::World;
use airlock_domain::{Cluster, Deployment, Environment, Region, Service, Tenant};
use async_trait::async_trait;
use std::path::PathBuf;
use std::sync::Arc;

/// Narrows a deployment query; `None` means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploymentScope {
    pub tenant: Option<String>,
    pub environment: Option<String>,
    pub region: Option<String>,
    pub service: Option<String>,
}

/// Everything the backend stores: the world, releases with their gate and
/// audit log, and people with their sessions. Both databases implement all.
pub trait Store:
    WorldStore
    + ReleaseStore
    + AuthStore
    + AccountStore
    + WorldRecordStore
    + DispatchStore
    + ObservedStore
    + BakeStore
    + DeliveryStore
    + InboxStore
    + MaintenanceStore
    + ChangeFeed
{
}
impl<
    T: WorldStore
        + ReleaseStore
        + AuthStore
        + AccountStore
        + WorldRecordStore
        + DispatchStore
        + ObservedStore
        + BakeStore
        + DeliveryStore
        + InboxStore
        + MaintenanceStore
        + ChangeFeed,
> Store for T
{
}

/// The world Airlock ships into: environments, regions, clusters, tenants,
/// services and what runs where.
#[async_trait]
pub trait WorldStore: Send + Sync + 'static {
    /// "sqlite" or "postgres", for logs and `/health/ready`.
    fn kind(&self) -> &'static str;
    /// Applies pending migrations; safe to run on every start and from several replicas.
    async fn migrate(&self) -> Result<(), StoreError>;
    /// A round trip to the database, for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;

    async fn environments(&self) -> Result<Vec<Environment>, StoreError>;
    async fn regions(&self) -> Result<Vec<Region>, StoreError>;
    async fn clusters(&self) -> Result<Vec<Cluster>, StoreError>;
    async fn services(&self) -> Result<Vec<Service>, StoreError>;
    async fn tenants(&self) -> Result<Vec<Tenant>, StoreError>;
    /// When a world was last applied or imported (`None`: never).
    async fn world_applied_at(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, StoreError>;
    /// The world file's `access` section, once a world with one was applied.
    async fn access(&self) -> Result<Option<airlock_domain::world_file::Access>, StoreError>;
    /// The world file's `notifications` section, once a world with one was applied.
    async fn notifications(&self) -> Result<Option<airlock_domain::world_file::Notifications>, StoreError>;
    async fn deployments(&self, scope: &DeploymentScope) -> Result<Vec<Deployment>, StoreError>;

    /// Creates or updates every item of `world` in one transaction: either all
    /// of it is stored or none of it. Re-importing the same world changes nothing.
    async fn import_world(&self, world: &World) -> Result<(), StoreError>;
}

/// Where the data lives, decided once from configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// The embedded default: one SQLite file inside the data directory.
    SqliteFile(PathBuf),
    /// A `postgres://` URL, for real and multi-replica installs.
    Postgres(String),
}

impl DatabaseTarget {
    /// `database_url` wins when it is a postgres URL; otherwise SQLite in `data_dir`.
    pub fn choose(database_url: Option<&str>, data_dir: &std::path::Path) -> DatabaseTarget {
        match database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => DatabaseTarget::Postgres(url.to_owned()),
            Some(url) if url.starts_with("sqlite://") => DatabaseTarget::SqliteFile(PathBuf::from(url.trim_start_matches("sqlite://"))),
            _ => DatabaseTarget::SqliteFile(data_dir.join("airlock.db")),
        }
    }
}

/// Opens the store (creating the SQLite file and its directory on first run).
/// Migrations are not applied here; call [`Store::migrate`].
/// `audit_key`, when given, seals every audit entry appended through it.
pub async fn connect(target: &DatabaseTarget, audit_key: Option<airlock_domain::audit::AuditKey>) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match target {
        DatabaseTarget::SqliteFile(path) => Arc::new(SqliteStore::open(path, audit_key).await?),
        DatabaseTarget::Postgres(url) => Arc::new(PostgresStore::connect(url, audit_key).await?),
    })
}
