//! Watching a cluster's workloads: one watch of `apps/v1` Deployments across
//! the cluster (or one per tenant namespace where Airlock may not list
//! across it), narrowed by the label that names a service
//! (`app.kubernetes.io/name=<service>`, or the service's `workload_label`). Each Deployment
//! is recorded as its tenant's (from its namespace, or from the
//! `airlock.dev/tenant` label in a namespace tenants share). Once a listing
//! is complete, every workload expected there and not listed is recorded
//! `missing`; a Deployment deleted later is too. A relist (after an error
//! or a restart of the API server) records only what differs from what was
//! recorded, so no transition is lost or written twice.

use super::{expected_in, observation, record};
use crate::Backend;
use crate::dispatch::scoped_watch::{self, Scope, covers};
use airlock_domain::observed::{Condition, DeploymentFacts, Replicas, Seen, TENANT_LABEL, VERSION_LABEL};
use airlock_domain::{Cluster, Service};
use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use kube::runtime::watcher::Event;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Which service each label finds: label key → label value → service.
struct FoundBy(BTreeMap<String, BTreeMap<String, String>>);

impl FoundBy {
    fn of(services: &[Service]) -> Self {
        let mut by_key: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for service in services {
            let label = service.workload_label();
            by_key.entry(label.key).or_default().insert(label.value, service.name.clone());
        }
        Self(by_key)
    }

    /// The service whose label (`key`) a Deployment's `labels` carry.
    fn service(&self, key: &str, labels: &BTreeMap<String, String>) -> Option<String> {
        self.0.get(key)?.get(labels.get(key)?).cloned()
    }

    fn finds(&self, key: &str, service: &str) -> bool {
        self.0.get(key).is_some_and(|values| values.values().any(|s| s == service))
    }
}

/// Watches `cluster`'s Deployments of `services` until the stream ends (the
/// caller restarts it): one watch per label key the services use (one,
/// unless the world names other labels), merged.
pub(crate) async fn watch(backend: &Backend, cluster: Cluster, client: kube::Client, services: Vec<Service>) {
    let found_by = FoundBy::of(&services);
    let mut streams = Vec::new();
    for (key, values) in &found_by.0 {
        let selector = format!("{key} in ({})", values.keys().cloned().collect::<Vec<_>>().join(","));
        let stream = scoped_watch::watch::<Deployment>(backend, &cluster, client.clone(), &selector).await;
        let key = key.clone();
        streams.push(stream.map(move |(scope, event)| ((key.clone(), scope), event)).boxed());
    }
    let mut merged = futures::stream::select_all(streams);
    let mut listed: HashMap<(String, Scope), BTreeSet<(String, String)>> = HashMap::new();
    while let Some(((key, scope), event)) = merged.next().await {
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                tracing::info!(cluster = %cluster.name, error = %error, "watching Deployments failed; retrying");
                continue;
            }
        };
        let watch = Watch { backend, cluster: &cluster, found_by: &found_by, key: &key };
        match event {
            Event::Init => drop(listed.insert((key, scope), BTreeSet::new())),
            Event::InitApply(deployment) => {
                if let Some(workload) = watch.see(&deployment).await {
                    listed.entry((key, scope)).or_default().insert(workload);
                }
            }
            Event::InitDone => {
                let seen = listed.remove(&(key.clone(), scope.clone())).unwrap_or_default();
                watch.missing_after_listing(&scope, &seen).await;
            }
            Event::Apply(deployment) => drop(watch.see(&deployment).await),
            Event::Delete(deployment) => {
                if let Some((tenant, service)) = watch.workload_of(&deployment) {
                    keep(backend, &cluster, &tenant, &service, Seen::missing()).await;
                }
            }
        }
    }
}

/// One watch of a cluster's Deployments: those carrying label `key`.
struct Watch<'w> {
    backend: &'w Backend,
    cluster: &'w Cluster,
    found_by: &'w FoundBy,
    key: &'w str,
}

impl Watch<'_> {
    /// Records what `deployment` says; its (tenant, service) when it is a tenant's workload.
    async fn see(&self, deployment: &Deployment) -> Option<(String, String)> {
        let (tenant, service) = self.workload_of(deployment)?;
        keep(self.backend, self.cluster, &tenant, &service, facts(deployment).seen()).await;
        Some((tenant, service))
    }

    /// Every workload this watch should find in what `scope` covers that
    /// its listing did not hold.
    async fn missing_after_listing(&self, scope: &Scope, listed: &BTreeSet<(String, String)>) {
        let Ok(snapshot) = self.backend.status_snapshot().await else { return };
        let covered = |(tenant, service): &(String, String)| {
            covers(scope, &self.cluster.namespace_strategy.namespace_for(tenant)) && self.found_by.finds(self.key, service)
        };
        let expected: BTreeSet<(String, String)> = expected_in(&snapshot.world, self.cluster).into_iter().filter(covered).collect();
        drop(snapshot);
        for (tenant, service) in expected.difference(listed) {
            keep(self.backend, self.cluster, tenant, service, Seen::missing()).await;
        }
    }

    /// Whose workload a Deployment is, and of which service.
    fn workload_of(&self, deployment: &Deployment) -> Option<(String, String)> {
        let labels = deployment.metadata.labels.as_ref()?;
        let service = self.found_by.service(self.key, labels)?;
        let namespace = deployment.metadata.namespace.as_deref()?;
        let tenant = self.cluster.namespace_strategy.tenant_in(namespace, labels.get(TENANT_LABEL).map(String::as_str))?;
        Some((tenant, service))
    }
}

async fn keep(backend: &Backend, cluster: &Cluster, tenant: &str, service: &str, seen: Seen) {
    if let Err(error) = record(backend, observation(cluster, tenant, service, seen)).await {
        tracing::warn!(cluster = %cluster.name, tenant, service, error = %error, "could not record what the cluster reports");
    }
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
