//! Dispatch timings against the real kube-apiserver, for BENCHMARKS.md (run by
//! `scripts/bench dispatch`; ignored in the test suite: a benchmark, not a test).
//! Prints the time from the dispatch request to the first Job existing in the
//! API server (20 one-target releases, p50 and max), and to every Job of one
//! 500-target release existing.

use crate::support::dispatch::*;
use crate::support::gate::rita;
use crate::support::kube::KubeApi;
use crate::support::{TestStore, postgres, sqlite};
use airlock_backend::{Backend, dispatch};
use airlock_domain::dispatch::{JobKind, Rollout, job_name};
use chrono::Utc;
use k8s_openapi::api::batch::v1::Job;
use std::time::{Duration, Instant};

async fn first_job_latency(db: &TestStore, api: &KubeApi, client: &kube::Client) -> Vec<Duration> {
    let prefix = prefix();
    db.store.import_world(&world(api, &prefix, 20, Rollout::AllAtOnce)).await.expect("world");
    let backend = Backend::new(db.store.clone());
    let _runtime = run(&backend);
    wait_reachable(&backend).await;
    let mut latencies = Vec::new();
    for n in 1..=20 {
        let tenant = format!("{prefix}-{n}");
        let target = airlock_domain::gate::Target { tenant: tenant.clone(), region: "frankfurt".into() };
        let id = open_release(&backend, &[target]).await;
        let jobs: kube::Api<Job> = kube::Api::namespaced(client.clone(), &format!("tenant-{tenant}"));
        let name = job_name(id, 1, JobKind::Deploy, &tenant, "frankfurt");
        let started = Instant::now();
        dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
        while jobs.get_opt(&name).await.expect("get").is_none() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        latencies.push(started.elapsed());
    }
    latencies.sort();
    latencies
}

async fn all_jobs_of_500_targets(db: &TestStore, api: &KubeApi, client: &kube::Client) -> Duration {
    let prefix = prefix();
    db.store.import_world(&world(api, &prefix, 250, Rollout::AllAtOnce)).await.expect("world");
    let backend = Backend::new(db.store.clone());
    let _runtime = run(&backend);
    wait_reachable(&backend).await;
    let id = open_release(&backend, &targets(&prefix, 250)).await;
    let jobs: kube::Api<Job> = kube::Api::all(client.clone());
    let selector = kube::api::ListParams::default().labels(&format!("airlock.dev/release={id},airlock.dev/region in (frankfurt,ashburn)"));
    let started = Instant::now();
    dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
    loop {
        let existing = jobs.list_metadata(&selector.clone().limit(1000)).await.expect("list").items;
        let mine = existing
            .iter()
            .filter(|j| j.metadata.namespace.as_deref().is_some_and(|ns| ns.starts_with(&format!("tenant-{prefix}-"))))
            .count();
        if mine == 500 {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(120), "only {mine} of 500 Jobs after 2 minutes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn report(database: &str, db: TestStore) {
    let api = KubeApi::start();
    let client = api.client().await;
    let first = first_job_latency(&db, &api, &client).await;
    let all = all_jobs_of_500_targets(&db, &api, &client).await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "BENCH dispatch {database}: first Job exists after p50 {:.1} ms, max {:.1} ms (20 releases); all 500 Jobs of a 500-target release after {:.2} s",
        ms(first[first.len() / 2]),
        ms(first[first.len() - 1]),
        all.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: scripts/bench dispatch"]
async fn dispatch_timings_on_sqlite() {
    report("sqlite", sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: scripts/bench dispatch"]
async fn dispatch_timings_on_postgres() {
    report("postgres", postgres().await).await;
}
