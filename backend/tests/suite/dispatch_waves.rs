//! Rolling out region by region against the real kube-apiserver: a region's
//! Jobs are created only once every Job of the region before it succeeded,
//! and a failure there stops the regions after it.

use crate::support::TestStore;
use crate::support::dispatch::*;
use crate::support::gate::rita;
use crate::support::kube::{KubeApi, finish_job};
use airlock_backend::{Backend, dispatch};
use airlock_domain::dispatch::{JobState, Rollout};
use chrono::Utc;
use k8s_openapi::api::batch::v1::Job;

async fn jobs_in(client: &kube::Client, namespace: &str) -> usize {
    kube::Api::<Job>::namespaced(client.clone(), namespace).list(&Default::default()).await.map_or(0, |l| l.items.len())
}

async fn a_failed_region_stops_the_regions_after_it(db: &TestStore) {
    let api = KubeApi::shared();
    let client = api.client().await;
    let prefix = prefix();
    db.store.import_world(&world(api, &prefix, 2, Rollout::ByRegion)).await.expect("world");
    let backend = Backend::new(db.store.clone());
    let _runtime = run(&backend);
    wait_reachable(&backend).await;
    let id = open_release(&backend, &targets(&prefix, 2)).await;
    let dispatched = dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
    let wave = |region: &str| dispatched.jobs.iter().find(|j| j.region == region).map(|j| j.wave);
    assert_eq!((wave("frankfurt"), wave("ashburn")), (Some(1), Some(2)), "frankfurt comes first in promotion order");

    eventually("the first wave sent", || async {
        jobs(&backend, id).await.iter().filter(|j| j.region == "frankfurt").all(|j| j.state == JobState::Created)
    })
    .await;
    let now = jobs(&backend, id).await;
    assert!(now.iter().filter(|j| j.region == "ashburn").all(|j| j.state == JobState::Queued), "the second wave waits: {now:?}");

    let first = now.iter().find(|j| j.region == "frankfurt" && j.tenant.ends_with("-1")).expect("job");
    let second = now.iter().find(|j| j.region == "frankfurt" && j.tenant.ends_with("-2")).expect("job");
    finish_job(&client, &first.namespace, &first.name, true, "").await;
    finish_job(&client, &second.namespace, &second.name, false, "BackoffLimitExceeded").await;
    let done = wait_jobs(&backend, id, &[JobState::Succeeded, JobState::Failed, JobState::Skipped]).await;
    for job in done.iter().filter(|j| j.region == "ashburn") {
        assert_eq!(job.state, JobState::Skipped, "{job:?}");
        assert!(job.reason.as_deref().unwrap_or_default().contains("wave 1 failed"), "{job:?}");
    }
    for n in 1..=2 {
        assert_eq!(jobs_in(&client, &format!("tenant-{prefix}-{n}")).await, 1, "no ashburn Job was ever created");
    }
}

on_both_test_stores!(a_failed_region_stops_the_regions_after_it);
