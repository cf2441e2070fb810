//! One watch of a kind across a cluster, or, where Airlock may not list it
//! across the cluster, one per tenant namespace merged into one stream.
//! Each event says which watch it came from, so a listing's start and end
//! (`Init`, `InitDone`) are read per watch.

use super::access::{WatchScope, tenant_namespaces, watch_scope};
use crate::Backend;
use futures::{Stream, StreamExt};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use serde::de::DeserializeOwned;
use std::fmt::Debug;

/// Which watch an event came from: `None` for the cluster-wide one.
pub(crate) type Scope = Option<String>;

/// Events of `K` labelled `selector` in `cluster`, each with its watch.
pub(crate) async fn watch<K>(
    backend: &Backend,
    cluster: &airlock_domain::Cluster,
    client: kube::Client,
    selector: &str,
) -> impl Stream<Item = (Scope, Result<Event<K>, watcher::Error>)> + Send + use<K>
where
    K: kube::Resource<DynamicType = (), Scope = kube::core::NamespaceResourceScope> + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let tenants = match backend.status_snapshot().await {
        Ok(snapshot) => snapshot.world.tenants.clone(),
        Err(_) => Vec::new(),
    };
    let namespaces = tenant_namespaces(cluster, &tenants);
    let scope = watch_scope(&client, &namespaces).await;
    let config = watcher::Config::default().labels(selector);
    let watches: Vec<(Scope, kube::Api<K>)> = match scope {
        WatchScope::PerNamespace(namespaces) if !namespaces.is_empty() => {
            tracing::info!(cluster = %cluster.name, namespaces = namespaces.len(), "may not list across the cluster; watching per namespace");
            namespaces.into_iter().map(|n| (Some(n.clone()), kube::Api::namespaced(client.clone(), &n))).collect()
        }
        other => {
            // Denied: watched anyway; the errors say what is missing, and a grant later is picked up.
            if let WatchScope::Denied(namespaces) = &other {
                tracing::warn!(cluster = %cluster.name, denied = %namespaces.join(", "), "may not list and watch where tenants run");
            }
            vec![(None, kube::Api::all(client))]
        }
    };
    let streams = watches
        .into_iter()
        .map(move |(scope, api)| watcher::watcher(api, config.clone()).default_backoff().map(move |event| (scope.clone(), event)).boxed());
    futures::stream::select_all(streams)
}

/// Whether something in `namespace` belongs to the watch `scope`.
pub(crate) fn covers(scope: &Scope, namespace: &str) -> bool {
    scope.as_deref().is_none_or(|s| s == namespace)
}
