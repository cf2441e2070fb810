//! Server-side half of Airlock that both the HTTP server and the Leptos
//! server functions call: storage behind one interface and the services that
//! apply the domain's rules to it. Never compiled for wasm.

mod acting;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod demo;
mod derived_views;
pub mod dispatch;
mod freeze_clock;
pub mod inbox;
pub mod live;
pub mod notify;
pub mod observe;
pub mod read_model;
mod refusal;
pub mod releases;
pub mod status;
// The store stays inside the backend: transports reach data only through the
// services. The conformance suites and benchmarks test it directly
// (`test-support`); a production build cannot name it.
#[cfg(feature = "test-support")]
pub mod store;
#[cfg(not(feature = "test-support"))]
mod store;
pub mod tokens;
pub mod world;
pub mod world_file;
mod world_record;
mod world_write;

pub use acting::{Actor, Authorized, LocalOperator, authorize};
pub use refusal::{Missing, Refusal};
pub use store::{AUDIT_PAGE_MAX, AuditFilter, DatabaseTarget, ReleaseFilter, ReleaseSummary, StoreError};
#[cfg(feature = "test-support")]
pub use store::{Store, connect};

use airlock_domain::audit::{AuditKey, Checkpoint, VerifyReport};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::broadcast;

/// Something changed that open pages may want to show at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    ReleaseChanged {
        id: i64,
    },
    /// What runs somewhere changed: status views are stale. `tenant`: only
    /// that tenant's (a job succeeded there), so only those who may see it
    /// are told; `None`: anyone's (the world, a cluster's connection).
    StatusChanged {
        tenant: Option<Arc<str>>,
    },
}

impl LiveEvent {
    /// The status event for `change`.
    pub(crate) fn status(change: &read_model::Change) -> LiveEvent {
        let tenant = match change {
            read_model::Change::Tenant(slug) => Some(Arc::from(slug.as_str())),
            read_model::Change::Everything | read_model::Change::ClusterStatus(_) => None,
        };
        LiveEvent::StatusChanged { tenant }
    }
}

/// Everything a request handler needs from the backend. Cheap to clone; it is
/// handed to axum as state and to Leptos server functions as context.
///
/// The store is private on purpose: pages, server functions and API handlers
/// can reach data only through this crate's services, which authorise the
/// caller and narrow what they see to their tenants, so no transport can
/// forget to.
#[derive(Clone)]
pub struct Backend {
    store: Arc<dyn store::Store>,
    events: broadcast::Sender<LiveEvent>,
    /// Where the last successful audit verification got to, and how many
    /// entries it covered: pages verify on from there (`audit::verify_recent`).
    verified: Arc<Mutex<Option<(Checkpoint, u64)>>>,
    /// Wakes the dispatch worker when jobs were just recorded.
    dispatch_wake: Arc<tokio::sync::Notify>,
    /// Wakes the notification worker when a change may have recorded deliveries.
    notify_wake: Arc<tokio::sync::Notify>,
    /// Each person's count of releases waiting for them (`inbox`).
    inbox_counts: Arc<inbox::Counts>,
    /// Sends e-mail, when `AIRLOCK_SMTP_URL` is set (`notify::Mailer`).
    mailer: Option<Arc<notify::Mailer>>,
    /// Tells this process's own changes apart on the change feed (`live`).
    instance: Arc<str>,
    /// What status views are served from (`read_model`).
    status: Arc<read_model::ReadModel>,
    /// Sessions as the sole server keeps them (`auth::sessions`).
    session_memory: Arc<auth::session_memory::SessionMemory>,
    /// Failed sign-ins held back per source and minute (`auth::failed_sign_ins`).
    failed_sign_ins: Arc<auth::failed_sign_ins::Coalescer>,
}

impl Backend {
    /// Opens the database: whoever opens it directly is its local operator,
    /// recorded as `name` (e.g. `cli:alice`). An operator's command keeps the
    /// operator; a server uses it for its start-up work and hands its
    /// transports the backend alone, so none of them can act as the operator.
    pub async fn open_as_operator(
        target: &DatabaseTarget,
        audit_key: Option<AuditKey>,
        name: String,
    ) -> Result<(Backend, LocalOperator), StoreError> {
        Ok((Backend::from_store(store::connect(target, audit_key).await?), LocalOperator::new(name)))
    }

    /// A backend on a store the conformance suites and benchmarks built.
    #[cfg(feature = "test-support")]
    pub fn new(store: Arc<dyn store::Store>) -> Backend {
        Backend::from_store(store)
    }

    fn from_store(store: Arc<dyn store::Store>) -> Backend {
        // Subscribers that fall this far behind skip ahead; they re-read the
        // release anyway, so a lost event costs nothing but a refresh.
        let (events, _) = broadcast::channel(256);
        let instance = format!("{:016x}", rand_instance()).into();
        Backend {
            store,
            events,
            verified: Arc::default(),
            dispatch_wake: Arc::default(),
            notify_wake: Arc::default(),
            inbox_counts: Arc::default(),
            mailer: None,
            instance,
            status: Arc::default(),
            session_memory: Arc::default(),
            failed_sign_ins: Arc::default(),
        }
    }

    pub(crate) fn verified_checkpoint(&self) -> Option<(Checkpoint, u64)> {
        self.verified.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Keeps how far an intact verification got; forgets it on a broken one,
    /// so the next page walks the whole log again.
    pub(crate) fn remember_verified(&self, report: &VerifyReport, entries: u64) {
        let reached = report.last.clone().filter(|_| report.first_broken.is_none()).map(|last| (last, entries));
        *self.verified.lock().unwrap_or_else(PoisonError::into_inner) = reached;
    }

    /// "sqlite" or "postgres", for logs and `/health/ready`.
    pub fn database_kind(&self) -> &'static str {
        self.store.kind()
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.store.ping().await
    }

    /// Applies pending migrations (operators' commands and startup), for the
    /// local operator only.
    pub async fn migrate(&self, _operator: &LocalOperator) -> Result<(), StoreError> {
        self.store.migrate().await
    }

    /// Loads a whole world, e.g. the demo world (operators' commands and
    /// startup), for the local operator only: no transport can replace the world.
    pub async fn import_world(&self, _operator: &LocalOperator, world: &airlock_domain::World) -> Result<(), StoreError> {
        self.store.import_world(world).await?;
        self.status_changed(read_model::Change::Everything).await;
        Ok(())
    }

    /// Builds the status read model now, so the first page does not wait for
    /// it and a database that cannot serve it fails the start.
    pub async fn load_status(&self) -> Result<(), StoreError> {
        self.status.snapshot(self.store.as_ref()).await.map(drop)
    }

    pub(crate) async fn status_snapshot(&self) -> Result<Arc<read_model::Snapshot>, StoreError> {
        self.status.snapshot(self.store.as_ref()).await
    }

    /// Which status snapshot the next status read serves (`None` until one is
    /// loaded, or after a refresh failed). Every change a status view shows
    /// gives a new number, so anything rendered from the status views alone
    /// may be kept for as long as this stays the same.
    pub fn status_generation(&self) -> Option<u64> {
        self.status.generation()
    }

    /// Makes a committed change visible to this process's next status read,
    /// then tells its open pages and the other processes. Called by every
    /// write that moves a status view, after its commit.
    pub(crate) async fn status_changed(&self, change: read_model::Change) {
        self.refresh_status(change.clone()).await;
        if let Some(what) = live::status_payload(&change) {
            let _ = self.events.send(LiveEvent::status(&change));
            live::publish_now(self, &what).await;
        }
    }

    /// Refreshes the read model only (a change another process announced, or
    /// a connection check no other process needs to hear about).
    pub(crate) async fn refresh_status(&self, change: read_model::Change) {
        if let Err(error) = self.status.refresh(self.store.as_ref(), change).await {
            // The model dropped its snapshot: the next read loads it all again.
            tracing::warn!(error = %error, "could not refresh the status read model");
        }
    }

    /// Changes committed by any process on this database, for the live push
    /// channel: this one's at once, the others' through the change feed (`live`).
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.events.subscribe()
    }

    pub(crate) fn wake_dispatch(&self) {
        self.dispatch_wake.notify_one();
    }

    pub(crate) fn dispatch_wake(&self) -> Arc<tokio::sync::Notify> {
        self.dispatch_wake.clone()
    }

    /// Mails people from now on (the server, when `AIRLOCK_SMTP_URL` is set).
    pub fn with_mailer(self, mailer: notify::Mailer) -> Backend {
        Backend { mailer: Some(Arc::new(mailer)), ..self }
    }

    pub(crate) fn mailer(&self) -> Option<&notify::Mailer> {
        self.mailer.as_deref()
    }

    pub(crate) fn notify_wake(&self) -> Arc<tokio::sync::Notify> {
        self.notify_wake.clone()
    }

    /// Goes up whenever a release changes, here or on another replica: what
    /// a page that shows inbox counts is kept under.
    pub fn release_generation(&self) -> u64 {
        self.inbox_counts.generation()
    }

    /// A release changed, committed by this process or another one.
    pub(crate) fn release_changed(&self, id: i64) {
        self.inbox_counts.release_changed();
        // No subscribers is normal (nobody has the page open).
        let _ = self.events.send(LiveEvent::ReleaseChanged { id });
    }

    pub(crate) fn announce(&self, id: i64) {
        // Every committed change to a release passes here: its events may be waiting.
        self.notify_wake.notify_one();
        self.release_changed(id);
        live::publish(self, &id.to_string());
    }
}

/// A random process id (no two processes on one database share one).
fn rand_instance() -> u64 {
    let mut bytes = [0u8; 8];
    // Without the OS's randomness, the time still tells processes apart.
    if getrandom::fill(&mut bytes).is_err() {
        return chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
    }
    u64::from_le_bytes(bytes)
}
