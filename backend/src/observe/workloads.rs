//! Watching a cluster's workloads: one watch of `apps/v1` Deployments across
//! the cluster (or one per tenant namespace where Airlock may not list
//! across it), narrowed by the label that names a service. Each Deployment
//! is recorded as its tenant's (from its namespace, or from the
//! `airlock.dev/tenant` label in a namespace tenants share). Once a listing
//! is complete, every workload expected there and not listed is recorded
//! `missing`; a Deployment deleted later is too. A relist (after an error
//! or a restart of the API server) records only what differs from what was
//! recorded, so no transition is lost or written twice.

use super::{expected_in, observation, record};
use crate::Backend;
use crate::dispatch::scoped_watch::{self, Scope, covers};
use airlock_domain::observed::{Condition, DEFAULT_SERVICE_LABEL, DeploymentFacts, Replicas, Seen, TENANT_LABEL, VERSION_LABEL};
use airlock_domain::{Cluster, NamespaceStrategy};
use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use kube::runtime::watcher::Event;
use std::collections::{BTreeSet, HashMap};

/// Watches `cluster`'s Deployments until the stream ends (the caller restarts it).
pub(crate) async fn watch(backend: &Backend, cluster: Cluster, client: kube::Client) {
    let services = match backend.status_snapshot().await {
        Ok(snapshot) => snapshot.world.services.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
        Err(error) => return tracing::warn!(cluster = %cluster.name, error = %error, "cannot read the services to watch"),
    };
    if services.is_empty() {
        return;
    }
    let selector = format!("{DEFAULT_SERVICE_LABEL} in ({})", services.join(","));
    let stream = scoped_watch::watch::<Deployment>(backend, &cluster, client, &selector).await;
    futures::pin_mut!(stream);
    let mut listed: HashMap<Scope, BTreeSet<(String, String)>> = HashMap::new();
    while let Some((scope, event)) = stream.next().await {
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                tracing::info!(cluster = %cluster.name, error = %error, "watching Deployments failed; retrying");
                continue;
            }
        };
        match event {
            Event::Init => drop(listed.insert(scope, BTreeSet::new())),
            Event::InitApply(deployment) => {
                if let Some(key) = see(backend, &cluster, &deployment).await {
                    listed.entry(scope).or_default().insert(key);
                }
            }
            Event::InitDone => missing_after_listing(backend, &cluster, &scope, &listed.remove(&scope).unwrap_or_default()).await,
            Event::Apply(deployment) => drop(see(backend, &cluster, &deployment).await),
            Event::Delete(deployment) => {
                if let Some((tenant, service)) = workload_of(&cluster, &deployment) {
                    keep(backend, &cluster, &tenant, &service, Seen::missing()).await;
                }
            }
        }
    }
}

/// Records what `deployment` says; its (tenant, service) when it is a tenant's workload.
async fn see(backend: &Backend, cluster: &Cluster, deployment: &Deployment) -> Option<(String, String)> {
    let (tenant, service) = workload_of(cluster, deployment)?;
    keep(backend, cluster, &tenant, &service, facts(deployment).seen()).await;
    Some((tenant, service))
}

async fn keep(backend: &Backend, cluster: &Cluster, tenant: &str, service: &str, seen: Seen) {
    if let Err(error) = record(backend, observation(cluster, tenant, service, seen)).await {
        tracing::warn!(cluster = %cluster.name, tenant, service, error = %error, "could not record what the cluster reports");
    }
}

/// Every workload expected in what the watch `scope` covers of `cluster`
/// that its listing did not hold.
async fn missing_after_listing(backend: &Backend, cluster: &Cluster, scope: &Scope, listed: &BTreeSet<(String, String)>) {
    let Ok(snapshot) = backend.status_snapshot().await else { return };
    let covered = |(tenant, _): &(String, String)| covers(scope, &cluster.namespace_strategy.namespace_for(tenant));
    let expected: BTreeSet<(String, String)> = expected_in(&snapshot.world, cluster).into_iter().filter(covered).collect();
    drop(snapshot);
    for (tenant, service) in expected.difference(listed) {
        keep(backend, cluster, tenant, service, Seen::missing()).await;
    }
}

/// Whose workload a Deployment is, and of which service.
fn workload_of(cluster: &Cluster, deployment: &Deployment) -> Option<(String, String)> {
    let labels = deployment.metadata.labels.as_ref()?;
    let service = labels.get(DEFAULT_SERVICE_LABEL)?.clone();
    let namespace = deployment.metadata.namespace.as_deref()?;
    let tenant = match &cluster.namespace_strategy {
        NamespaceStrategy::PerTenant => namespace.strip_prefix("tenant-")?.to_owned(),
        NamespaceStrategy::Shared { namespace: shared } if shared == namespace => labels.get(TENANT_LABEL)?.clone(),
        NamespaceStrategy::Shared { .. } => return None,
    };
    Some((tenant, service))
}

/// The facts a Deployment's labels, spec and status give.
fn facts(deployment: &Deployment) -> DeploymentFacts {
    let spec = deployment.spec.as_ref();
    let status = deployment.status.clone().unwrap_or_default();
    let template_labels = spec.and_then(|s| s.template.metadata.as_ref()).and_then(|m| m.labels.as_ref());
    let version_label = deployment
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(VERSION_LABEL))
        .or_else(|| template_labels.and_then(|l| l.get(VERSION_LABEL)));
    let image = spec.and_then(|s| s.template.spec.as_ref()).and_then(|p| p.containers.first()).and_then(|c| c.image.clone());
    let count = |n: Option<i32>| u32::try_from(n.unwrap_or(0)).unwrap_or(0);
    DeploymentFacts {
        version_label: version_label.cloned(),
        image,
        generation: deployment.metadata.generation.unwrap_or(0),
        observed_generation: status.observed_generation.unwrap_or(0),
        replicas: Replicas {
            desired: count(spec.and_then(|s| s.replicas).or(Some(1))),
            updated: count(status.updated_replicas),
            ready: count(status.ready_replicas),
            available: count(status.available_replicas),
        },
        total: count(status.replicas),
        unavailable: count(status.unavailable_replicas),
        conditions: status
            .conditions
            .unwrap_or_default()
            .into_iter()
            .map(|c| Condition { kind: c.type_, holds: c.status == "True", reason: c.reason, message: c.message })
            .collect(),
    }
}
