//! The background half of dispatch, started by the server: the outbox
//! worker, a connection check of every cluster (recorded for every replica
//! to read), per real cluster one watcher of its Jobs and one of its
//! workloads (`crate::observe`), and the simulated clusters' clock.

use super::clients::Clients;
use super::{watcher, worker};
use crate::Backend;
use crate::observe::simulated::{SimulatedWorkloads, Stage};
use crate::read_model::Change;
use crate::store::ClusterStatus;
use airlock_domain::{Cluster, Service};
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
pub fn spawn(backend: Backend, stop: watch::Receiver<bool>, simulated: SimulatedWorkloads) {
    let clients = Clients::default();
    tokio::spawn(run_worker(backend.clone(), clients.clone(), stop.clone()));
    tokio::spawn(run_clusters(backend, clients, stop, Stage::new(simulated)));
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

/// Each real cluster's watchers: of its Jobs, and of its workloads (with
/// the cluster and services it watches for, so a changed world restarts it).
#[derive(Default)]
struct Watchers {
    jobs: HashMap<String, JoinHandle<()>>,
    workloads: HashMap<String, (Cluster, Vec<Service>, JoinHandle<()>)>,
}

impl Watchers {
    fn abort_all(self) {
        self.jobs.into_values().for_each(|h| h.abort());
        self.workloads.into_values().for_each(|(_, _, h)| h.abort());
    }
}

async fn run_clusters(backend: Backend, clients: Clients, mut stop: watch::Receiver<bool>, mut stage: Stage) {
    let mut watchers = Watchers::default();
    let mut simulated: Vec<String> = Vec::new();
    let mut next_check = tokio::time::Instant::now();
    loop {
        if tokio::time::Instant::now() >= next_check {
            simulated = check_all(&backend, &clients, &mut watchers).await;
            next_check = tokio::time::Instant::now() + CHECK_EVERY;
        }
        let (mut running, mut all_read) = (Vec::new(), true);
        for cluster in &simulated {
            match watcher::simulate(&backend, cluster).await {
                Some(unfinished) => running.extend(unfinished),
                None => all_read = false,
            }
        }
        // Without every cluster's jobs, the stage could play over a job's workload: it waits a tick.
        if all_read {
            stage.play(&backend, &simulated, &running).await;
        }
        super::verify::check_bakes(&backend).await;
        tokio::select! {
            () = tokio::time::sleep(SIMULATE_EVERY) => {}
            _ = stop.changed() => break,
        }
    }
    watchers.abort_all();
}

/// Checks every cluster, records what it found, and makes sure each
/// reachable real cluster is watched. Returns the simulated clusters.
async fn check_all(backend: &Backend, clients: &Clients, watchers: &mut Watchers) -> Vec<String> {
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
    let services: Vec<Service> = match backend.status_snapshot().await {
        Ok(snapshot) => snapshot.world.services.clone(),
        Err(_) => Vec::new(),
    };
    let mut simulated = Vec::new();
    for cluster in clusters {
        let name = cluster.name.clone();
        if cluster.credentials_ref == "simulated" {
            simulated.push(name.clone());
        }
        let (status, client) = probe(clients, cluster.clone()).await;
        record_status(backend, &status).await;
        if let Some(error) = status.error.as_deref().filter(|_| !status.reachable) {
            crate::observe::cluster_unreachable(backend, &name, error).await;
        }
        let Some(client) = client else { continue };
        if watchers.jobs.get(&name).is_none_or(JoinHandle::is_finished) {
            let (backend, watched, client) = (backend.clone(), cluster.clone(), client.clone());
            watchers.jobs.insert(name.clone(), tokio::spawn(async move { watcher::watch(&backend, &watched, client).await }));
        }
        let current = watchers.workloads.get(&name).is_some_and(|(c, s, h)| *c == cluster && *s == services && !h.is_finished());
        if !current {
            if let Some((_, _, old)) = watchers.workloads.remove(&name) {
                old.abort();
            }
            let (backend, watched, watched_services) = (backend.clone(), cluster.clone(), services.clone());
            let handle = tokio::spawn(async move { crate::observe::workloads::watch(&backend, watched, client, watched_services).await });
            watchers.workloads.insert(name, (cluster, services.clone(), handle));
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
