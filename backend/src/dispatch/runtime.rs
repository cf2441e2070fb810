//! The background half of dispatch, started by the server: the outbox
//! worker, a connection check of every cluster (recorded for every replica
//! to read), one watcher per real cluster and the simulated clusters' clock.

use super::clients::Clients;
use super::{watcher, worker};
use crate::Backend;
use crate::read_model::Change;
use crate::store::ClusterStatus;
use chrono::Utc;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often clusters are checked (and new ones picked up).
const CHECK_EVERY: Duration = Duration::from_secs(10);
/// How often the worker looks for due jobs when nothing woke it.
const POLL_EVERY: Duration = Duration::from_millis(500);
const SIMULATE_EVERY: Duration = Duration::from_millis(250);

/// Starts everything; it all stops when `stop` turns true.
pub fn spawn(backend: Backend, stop: watch::Receiver<bool>) {
    let clients = Clients::default();
    tokio::spawn(run_worker(backend.clone(), clients.clone(), stop.clone()));
    tokio::spawn(run_clusters(backend, clients, stop));
}

async fn run_worker(backend: Backend, clients: Clients, mut stop: watch::Receiver<bool>) {
    let wake = backend.dispatch_wake();
    loop {
        worker::drain(&backend, &clients).await;
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(POLL_EVERY) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn run_clusters(backend: Backend, clients: Clients, mut stop: watch::Receiver<bool>) {
    let mut watchers: HashMap<String, JoinHandle<()>> = HashMap::new();
    let mut simulated: Vec<String> = Vec::new();
    let mut next_check = tokio::time::Instant::now();
    loop {
        if tokio::time::Instant::now() >= next_check {
            simulated = check_all(&backend, &clients, &mut watchers).await;
            next_check = tokio::time::Instant::now() + CHECK_EVERY;
        }
        for cluster in &simulated {
            watcher::simulate(&backend, cluster).await;
        }
        tokio::select! {
            () = tokio::time::sleep(SIMULATE_EVERY) => {}
            _ = stop.changed() => break,
        }
    }
    for (_, handle) in watchers {
        handle.abort();
    }
}

/// Checks every cluster, records what it found, and makes sure each
/// reachable real cluster is watched. Returns the simulated clusters.
async fn check_all(backend: &Backend, clients: &Clients, watchers: &mut HashMap<String, JoinHandle<()>>) -> Vec<String> {
    let clusters = match backend.store.clusters().await {
        Ok(clusters) => clusters,
        Err(error) => {
            tracing::warn!(error = %error, "could not read the clusters");
            return Vec::new();
        }
    };
    // On the embedded database the CLI, another process, adds clusters
    // without a change feed: they reach the status views from here.
    if backend.status.clusters_differ(&clusters.iter().map(|c| c.name.as_str()).collect()) {
        backend.status_changed(Change::Everything).await;
    }
    let mut simulated = Vec::new();
    for cluster in clusters {
        let name = cluster.name.clone();
        if cluster.credentials_ref == "simulated" {
            simulated.push(name.clone());
        }
        let (status, client) = probe(clients, cluster).await;
        record_status(backend, &status).await;
        if let Some(client) = client
            && watchers.get(&name).is_none_or(JoinHandle::is_finished)
        {
            let (backend, cluster) = (backend.clone(), name.clone());
            watchers.insert(name, tokio::spawn(async move { watcher::watch(&backend, &cluster, client).await }));
        }
    }
    simulated
}

fn reachable(cluster: &str, version: Option<String>) -> ClusterStatus {
    ClusterStatus { cluster: cluster.to_owned(), reachable: true, version, error: None, checked_at: Utc::now() }
}

fn unreachable(cluster: &str, error: String) -> ClusterStatus {
    ClusterStatus { cluster: cluster.to_owned(), reachable: false, version: None, error: Some(error), checked_at: Utc::now() }
}

async fn record_status(backend: &Backend, status: &ClusterStatus) {
    let result = async {
        let mut tx = backend.store.begin().await?;
        tx.set_cluster_status(status).await?;
        tx.commit().await
    }
    .await;
    match result {
        Ok(()) => backend.refresh_status(Change::ClusterStatus(status.clone())).await,
        Err(error) => tracing::warn!(cluster = %status.cluster, error = %error, "could not record the cluster's check"),
    }
}

/// Builds (or keeps) the cluster's client and asks its API server for its
/// version: what it found, and the client when it is reachable.
async fn probe(clients: &Clients, cluster: airlock_domain::Cluster) -> (ClusterStatus, Option<kube::Client>) {
    let name = cluster.name.clone();
    match clients.build(cluster).await {
        Ok(None) => (reachable(&name, Some("simulated".into())), None),
        Ok(Some(client)) => match tokio::time::timeout(Duration::from_secs(5), client.apiserver_version()).await {
            Ok(Ok(version)) => (reachable(&name, Some(version.git_version)), Some(client)),
            Ok(Err(error)) => (unreachable(&name, worker::describe(&error)), None),
            Err(_) => (unreachable(&name, "the cluster did not answer within 5 s".into()), None),
        },
        Err(error) => (unreachable(&name, error), None),
    }
}

/// Checks one cluster now (for `airlock clusters check` and tests), records
/// what it found and returns it, with the client when it is reachable.
pub async fn check_now(backend: &Backend, cluster: &airlock_domain::Cluster) -> (ClusterStatus, Option<kube::Client>) {
    let (status, client) = probe(&Clients::default(), cluster.clone()).await;
    record_status(backend, &status).await;
    (status, client)
}
