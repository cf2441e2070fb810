//! The status read model: the world (environments, regions, clusters,
//! tenants, services, what runs where) and each cluster's last connection
//! check, kept in memory so that serving a status view touches no database.
//!
//! It is built by the first read (the server reads it once at start) and
//! changed only through [`ReadModel::refresh`], which every write that moves
//! a status view calls after its commit, before it announces the change: a
//! job that succeeded refreshes its tenant, a new cluster or an imported
//! world refreshes everything, a connection check replaces its cluster's
//! status. Changes that land through another process arrive on the change
//! feed (`live`) and go through the same `refresh`.
//!
//! Refreshes re-read what changed from the database rather than patching the
//! snapshot from what the writer believes it wrote: the database stays the
//! one truth. They run one at a time, and each runs every change queued
//! while it waited, so a burst of job outcomes costs a few refreshes rather
//! than one each, and a refresh that returns has made its change visible
//! (whoever ran it read the database after that change's commit).

use crate::derived_views::DerivedViews;
use crate::store::{ClusterStatus, DeploymentScope, Store, StoreError};
use airlock_domain::World;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// One consistent state of everything the status views show.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Which snapshot of this process it is: every snapshot installed gets a
    /// higher number than the one before, so whatever is derived from one
    /// (rendered pages, say) can be kept under its number.
    pub generation: u64,
    /// Every tenant and every deployment, deployments ordered by service,
    /// tenant, environment and region (as the store lists them). Shared with
    /// the snapshot before when only connection checks changed.
    pub world: Arc<World>,
    pub statuses: Vec<ClusterStatus>,
    /// The overview and matrices for callers who see every tenant; they are
    /// the world's, and shared with it.
    pub(crate) derived: Arc<DerivedViews>,
}

/// What a write changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The world's shape (an import, a new cluster): everything is re-read.
    Everything,
    /// What runs for one tenant (a deploy or rollback succeeded), or what
    /// its clusters report.
    Tenant(String),
    /// A cluster's connection check, as just recorded.
    ClusterStatus(ClusterStatus),
}

#[derive(Debug, Default)]
struct Pending {
    everything: bool,
    tenants: BTreeSet<String>,
    statuses: Vec<ClusterStatus>,
}

impl Pending {
    fn add(&mut self, change: Change) {
        match change {
            Change::Everything => self.everything = true,
            Change::Tenant(slug) => {
                self.tenants.insert(slug);
            }
            Change::ClusterStatus(status) => {
                self.statuses.retain(|s| s.cluster != status.cluster);
                self.statuses.push(status);
            }
        }
    }

    fn is_empty(&self) -> bool {
        !self.everything && self.tenants.is_empty() && self.statuses.is_empty()
    }
}

#[derive(Default)]
pub(crate) struct ReadModel {
    current: RwLock<Option<Arc<Snapshot>>>,
    pending: Mutex<Pending>,
    /// Held by the one refresh that runs.
    refreshing: tokio::sync::Mutex<()>,
    /// The last generation handed out.
    generations: AtomicU64,
}

impl ReadModel {
    /// The current snapshot; the first read (or the first after a failed
    /// refresh) loads it.
    pub(crate) async fn snapshot(&self, store: &dyn Store) -> Result<Arc<Snapshot>, StoreError> {
        if let Some(snapshot) = self.current() {
            return Ok(snapshot);
        }
        let _one_at_a_time = self.refreshing.lock().await;
        if let Some(snapshot) = self.current() {
            return Ok(snapshot); // loaded while this read waited
        }
        // A full load covers every change queued so far.
        drop(std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner)));
        let loaded = self.numbered(load(store).await?);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(loaded.clone());
        Ok(loaded)
    }

    fn current(&self) -> Option<Arc<Snapshot>> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The current snapshot's generation; `None` while none is loaded.
    pub(crate) fn generation(&self) -> Option<u64> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).as_ref().map(|s| s.generation)
    }

    fn numbered(&self, mut snapshot: Snapshot) -> Arc<Snapshot> {
        snapshot.generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        Arc::new(snapshot)
    }

    /// Makes `change` visible to every later read. On failure the snapshot is
    /// dropped, so the next read loads everything again rather than serve a
    /// view that misses a committed change.
    pub(crate) async fn refresh(&self, store: &dyn Store, change: Change) -> Result<(), StoreError> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner).add(change);
        let _one_at_a_time = self.refreshing.lock().await;
        let pending = std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner));
        if pending.is_empty() {
            return Ok(()); // a refresh that ran meanwhile took this change with it
        }
        // Nothing loaded yet (a CLI command, say): the first read loads it all.
        let Some(base) = self.current() else { return Ok(()) };
        let next = if pending.everything { load(store).await } else { apply(&base, pending, store).await };
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        match next {
            Ok(next) => {
                *current = Some(self.numbered(next));
                Ok(())
            }
            Err(error) => {
                *current = None;
                Err(error)
            }
        }
    }

    /// Whether the cluster names differ from the snapshot's: another process
    /// (the CLI on the embedded database, which has no change feed) added one.
    pub(crate) fn clusters_differ(&self, names: &BTreeSet<&str>) -> bool {
        self.current().is_some_and(|s| s.world.clusters.iter().map(|c| c.name.as_str()).collect::<BTreeSet<_>>() != *names)
    }
}

async fn load(store: &dyn Store) -> Result<Snapshot, StoreError> {
    let mut world = World {
        environments: store.environments().await?,
        regions: store.regions().await?,
        clusters: store.clusters().await?,
        tenants: store.tenants().await?,
        services: store.services().await?,
        deployments: store.deployments(&DeploymentScope::default()).await?,
        access: store.access().await?,
        // Status views show no webhooks.
        notifications: None,
        observed: store.observed(None).await?,
    };
    // Lookups rely on Rust's order; a database's collation may differ from it.
    world.sort_observed();
    world
        .deployments
        .sort_by(|a, b| (&a.service, &a.tenant, &a.environment, &a.region).cmp(&(&b.service, &b.tenant, &b.environment, &b.region)));
    Ok(Snapshot { generation: 0, world: Arc::new(world), statuses: store.cluster_statuses().await?, derived: Arc::default() })
}

/// A copy of `base` with the pending tenants' deployments re-read and the
/// pending connection checks in place. Connection checks alone (every
/// cluster's, every ten seconds) keep the world and what was derived from it:
/// copying 45,000 deployments and deriving the views again each time stalled
/// every request behind it.
async fn apply(base: &Snapshot, pending: Pending, store: &dyn Store) -> Result<Snapshot, StoreError> {
    let (world, derived) = if pending.tenants.is_empty() {
        (Arc::clone(&base.world), Arc::clone(&base.derived))
    } else {
        let (mut fresh, mut seen) = (Vec::new(), Vec::new());
        for slug in &pending.tenants {
            fresh.extend(store.deployments(&DeploymentScope { tenant: Some(slug.clone()), ..Default::default() }).await?);
            seen.extend(store.observed(Some(slug)).await?);
        }
        let mut world = World::clone(&base.world);
        world.deployments.retain(|d| !pending.tenants.contains(&d.tenant));
        world.deployments.extend(fresh);
        world
            .deployments
            .sort_by(|a, b| (&a.service, &a.tenant, &a.environment, &a.region).cmp(&(&b.service, &b.tenant, &b.environment, &b.region)));
        world.observed.retain(|o| !pending.tenants.contains(&o.tenant));
        world.observed.extend(seen);
        world.sort_observed();
        (Arc::new(world), Arc::default())
    };
    let mut statuses = base.statuses.clone();
    for status in pending.statuses {
        statuses.retain(|s| s.cluster != status.cluster);
        statuses.push(status);
    }
    Ok(Snapshot { generation: 0, world, statuses, derived })
}
