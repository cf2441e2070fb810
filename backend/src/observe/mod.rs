//! Observed state: what the clusters report runs for each tenant ×
//! environment × region × service, recorded beside what Airlock released
//! (never over it), with every change of version or health kept as history.
//!
//! Real clusters are watched (`workloads`: one watch of Deployments per
//! cluster); a cluster that cannot be reached turns its workloads
//! `unknown`; simulated clusters report what their simulated jobs do, and
//! lively ones stage incidents (`simulated`).

pub mod simulated;
pub(crate) mod workloads;

use crate::Backend;
use crate::Refusal;
use crate::read_model::Change;
use airlock_domain::World;
use airlock_domain::observed::{Observation, Seen};
use chrono::Utc;
use std::collections::BTreeSet;

/// Records what was seen of a workload, and shows it on the pages when it
/// differs from what they show. `true` when it was a transition.
#[tracing::instrument(skip_all, fields(tenant = %observation.tenant, service = %observation.service, health = observation.seen.health.as_str()))]
pub(crate) async fn record(backend: &Backend, observation: Observation) -> Result<bool, Refusal> {
    let snapshot = backend.status_snapshot().await?;
    let world = &snapshot.world;
    let o = &observation;
    if world
        .observation(&o.service, &o.tenant, &o.environment, &o.region)
        .is_some_and(|known| known.seen == o.seen && known.cluster == o.cluster)
    {
        return Ok(false); // a relist, or a replica of this process, saw the same
    }
    if !world.tenants.iter().any(|t| t.slug == o.tenant) {
        return Ok(false); // a namespace that looks like a tenant's, of none Airlock knows
    }
    let intended = released(world, o).map(str::to_owned);
    let mut tx = backend.store.begin().await?;
    let moved = tx.record_observation(o, intended.as_deref()).await?;
    tx.commit().await?;
    backend.status_changed(Change::Tenant(observation.tenant.clone())).await;
    Ok(moved)
}

/// The version Airlock released where `o` runs.
fn released<'w>(world: &'w World, o: &Observation) -> Option<&'w str> {
    let key = (o.service.as_str(), o.tenant.as_str(), o.environment.as_str(), o.region.as_str());
    let deployments = &world.deployments;
    let at = deployments.partition_point(|d| (d.service.as_str(), d.tenant.as_str(), d.environment.as_str(), d.region.as_str()) < key);
    deployments
        .get(at)
        .filter(|d| d.service == o.service && d.tenant == o.tenant && d.environment == o.environment && d.region == o.region)
        .map(|d| d.version.as_str())
}

/// An observation of `seen` now, for a workload in `cluster`.
pub(crate) fn observation(cluster: &airlock_domain::Cluster, tenant: &str, service: &str, seen: Seen) -> Observation {
    let now = Utc::now();
    Observation {
        tenant: tenant.to_owned(),
        environment: cluster.environment.clone(),
        region: cluster.region.clone(),
        service: service.to_owned(),
        cluster: cluster.name.clone(),
        seen,
        changed_at: now,
        observed_at: now,
    }
}

/// A cluster that cannot be reached: each of its workloads turns `unknown`
/// (keeping the version last seen), never silently healthy.
pub(crate) async fn cluster_unreachable(backend: &Backend, cluster: &str, why: &str) {
    let Ok(snapshot) = backend.status_snapshot().await else { return };
    let Some(config) = snapshot.world.clusters.iter().find(|c| c.name == cluster) else { return };
    let why = format!("cluster {cluster} cannot be reached: {why}");
    for (tenant, service) in expected_in(&snapshot.world, config) {
        let last = snapshot.world.observation(&service, &tenant, &config.environment, &config.region).map(|o| &o.seen);
        if last.is_some_and(|s| s.health == airlock_domain::Health::Unknown) {
            continue;
        }
        let seen = Seen::unreachable(last, &why);
        if let Err(error) = record(backend, observation(config, &tenant, &service, seen)).await {
            tracing::warn!(cluster, error = %error, "could not record a workload as unknown");
        }
    }
}

/// Every (tenant, service) that should run, or was seen running, in `cluster`.
pub(crate) fn expected_in(world: &World, cluster: &airlock_domain::Cluster) -> BTreeSet<(String, String)> {
    let here = |environment: &str, region: &str| environment == cluster.environment && region == cluster.region;
    let released = world.deployments.iter().filter(|d| here(&d.environment, &d.region)).map(|d| (d.tenant.clone(), d.service.clone()));
    let seen = world.observed.iter().filter(|o| o.cluster == cluster.name).map(|o| (o.tenant.clone(), o.service.clone()));
    released.chain(seen).collect()
}
