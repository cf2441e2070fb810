//! The portal killed with SIGKILL at random moments while it sends a
//! 100-target dispatch to a real kube-apiserver, 20 times over, then two
//! portal processes on the same PostgreSQL finishing the work: every Job
//! exists exactly once, none is missing, every job is recorded as sent.

use crate::support::dispatch::{job_names_in_cluster, open_release, prefix, targets, world};
use crate::support::gate::rita;
use crate::support::kube::KubeApi;
use crate::support::{fresh_postgres_url, serve_process};
use airlock_backend::{Backend, DatabaseTarget, connect, dispatch};
use airlock_domain::dispatch::{JobState, Rollout};
use std::process::Child;
use std::time::Duration;

const TENANTS: usize = 50; // × 2 regions = 100 targets
const KILLS: usize = 20;

fn portal(database_url: &str, data_dir: &std::path::Path) -> Child {
    serve_process(data_dir, "127.0.0.1:0", &[("DATABASE_URL", database_url)])
}

/// A delay in [100, 1500) ms, different each time (no crate needed for that).
fn random_delay(round: usize) -> Duration {
    let seed = uuid::Uuid::new_v4().as_u128() as u64 ^ round as u64;
    Duration::from_millis(100 + seed % 1400)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_at_random_moments_of_a_100_target_dispatch_neither_loses_nor_doubles_a_job() {
    let api = KubeApi::shared();
    let client = api.client().await;
    let url = fresh_postgres_url().await;
    let store = connect(&DatabaseTarget::Postgres(url.clone()), None).await.expect("connect");
    store.migrate().await.expect("migrate");
    let prefix = prefix();
    store.import_world(&world(api, &prefix, TENANTS, Rollout::AllAtOnce)).await.expect("world");
    let backend = Backend::new(store.clone());
    // The clusters' first check, as a running portal would have made it.
    for cluster in store.clusters().await.expect("clusters") {
        assert!(dispatch::runtime::check_now(&backend, &cluster).await.0.reachable);
    }
    let id = open_release(&backend, &targets(&prefix, TENANTS)).await;
    dispatch::dispatch(&backend, Some(&rita()), id, None, chrono::Utc::now()).await.expect("100 jobs recorded");

    let data = tempfile::tempdir().expect("data dir");
    for round in 0..KILLS {
        let mut child = portal(&url, data.path());
        tokio::time::sleep(random_delay(round)).await;
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
    }
    let sent_before_the_end = store.release_jobs(id).await.expect("jobs").iter().filter(|j| j.view.state != JobState::Queued).count();

    // Two replicas finish what the killed ones left.
    let mut replicas = [portal(&url, data.path()), portal(&url, data.path())];
    let started = std::time::Instant::now();
    loop {
        let jobs = store.release_jobs(id).await.expect("jobs");
        if jobs.iter().all(|j| j.view.state == JobState::Created) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "jobs still not sent: {:?}",
            jobs.iter().map(|j| j.view.state).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for replica in &mut replicas {
        replica.kill().expect("stop");
        replica.wait().expect("reaped");
    }

    let in_cluster = job_names_in_cluster(&client, &prefix, TENANTS).await;
    let mut expected: Vec<String> = store.release_jobs(id).await.expect("jobs").into_iter().map(|j| j.view.name).collect();
    expected.sort();
    assert_eq!(in_cluster.len(), 100, "no Job missing and none doubled ({sent_before_the_end} were sent before the last kill)");
    assert_eq!(in_cluster, expected, "exactly the recorded Jobs exist");
}
