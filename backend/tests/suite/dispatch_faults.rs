//! Dispatch when things go wrong: the API server goes away mid-dispatch, and
//! several Airlock replicas share one PostgreSQL.

use crate::support::dispatch::*;
use crate::support::gate::rita;
use crate::support::kube::KubeApi;
use crate::support::{TestStore, postgres};
use airlock_backend::{Backend, dispatch};
use airlock_domain::dispatch::{JobState, Rollout};
use chrono::Utc;
use k8s_openapi::api::batch::v1::Job;

async fn jobs_wait_while_the_api_server_is_down_and_are_created_when_it_returns(db: &TestStore) {
    let mut api = KubeApi::start();
    let prefix = prefix();
    db.store.import_world(&world(&api, &prefix, 5, Rollout::AllAtOnce)).await.expect("world");
    let backend = Backend::new(db.store.clone());
    api.client().await;
    let _runtime = run(&backend);
    wait_reachable(&backend).await;
    let id = open_release(&backend, &targets(&prefix, 5)).await;

    // The outage begins after the clusters' last check found them reachable.
    api.stop_apiserver();
    db.raw_sql("UPDATE cluster_status SET reachable = TRUE, error = NULL").await.expect("the last check, from before the outage");
    dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await.expect("recorded while the cluster is down");
    eventually("a failed attempt recorded with its reason", || async {
        jobs(&backend, id).await.iter().all(|j| j.state == JobState::Queued && j.attempts >= 1 && j.reason.is_some())
    })
    .await;
    let waiting = jobs(&backend, id).await;
    assert!(waiting[0].reason.as_deref().unwrap_or_default().contains("cannot be reached"), "{waiting:?}");

    api.start_apiserver();
    let client = api.client().await;
    let sent = wait_jobs(&backend, id, &[JobState::Created]).await;
    assert_eq!(sent.len(), 10);
    for target in targets(&prefix, 5) {
        let in_cluster: kube::Api<Job> = kube::Api::namespaced(client.clone(), &format!("tenant-{}", target.tenant));
        assert_eq!(in_cluster.list(&Default::default()).await.expect("list").items.len(), 2, "nothing lost, nothing doubled");
    }
}

on_both_test_stores!(jobs_wait_while_the_api_server_is_down_and_are_created_when_it_returns);

/// Two replicas, each with its own worker and watchers, on one database.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_one_postgres_create_each_job_once() {
    let db = postgres().await;
    let api = KubeApi::shared();
    let prefix = prefix();
    db.store.import_world(&world(api, &prefix, 20, Rollout::AllAtOnce)).await.expect("world");
    let first = Backend::new(db.store.clone());
    let second = Backend::new(db.keyless_twin().await);
    let (_one, _two) = (run(&first), run(&second));
    wait_reachable(&first).await;
    let id = open_release(&first, &targets(&prefix, 20)).await;
    dispatch::dispatch(&first, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
    // The second replica's worker is woken too, so both race for the same rows.
    let _ = dispatch::dispatch(&second, Some(&rita()), id, None, Utc::now()).await;
    let sent = wait_jobs(&first, id, &[JobState::Created]).await;
    assert_eq!(sent.len(), 40);
    assert!(
        sent.iter().all(|j| j.attempts == 1),
        "each Job was sent by one replica, once: {:?}",
        sent.iter().map(|j| j.attempts).collect::<Vec<_>>()
    );
}
