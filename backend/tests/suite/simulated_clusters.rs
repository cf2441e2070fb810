//! Lively simulated clusters, as the demo runs them, on both databases:
//! every released workload is reported running, and incidents come and go
//! on their own (failing replicas that recover, a hand edit that is put
//! back, a restart rolling through), each kept in the tenant's history.

use crate::support::TestStore;
use crate::support::dispatch::eventually;
use airlock_backend::observe::simulated::SimulatedWorkloads;
use airlock_backend::{Backend, demo, dispatch};
use airlock_domain::Health;
use airlock_domain::observed::Transition;
use std::time::Duration;

/// Every transition the clusters reported, per tenant, oldest first.
async fn histories(db: &TestStore, tenants: &[String]) -> Vec<Vec<Transition>> {
    let mut all = Vec::new();
    for tenant in tenants {
        let mut history = db.store.transitions(tenant, 1_000).await.expect("transitions");
        history.reverse();
        all.push(history);
    }
    all
}

async fn lively_clusters_report_every_workload_and_stage_incidents_that_end(db: &TestStore) {
    let world = demo::demo_world();
    db.store.import_world(&world).await.expect("the demo world");
    let backend = Backend::new(db.store.clone());
    let (_stop, stopping) = tokio::sync::watch::channel(false);
    dispatch::runtime::spawn(backend.clone(), stopping, SimulatedWorkloads::Lively { incident_every: Duration::from_millis(300) });

    eventually("every released workload reported", || async {
        db.store.observed(None).await.expect("observed").len() == world.deployments.len()
    })
    .await;
    let tenants: Vec<String> = world.tenants.iter().map(|t| t.slug.clone()).collect();
    let ended = |history: &[Transition], started: &dyn Fn(&Transition) -> bool| {
        history
            .iter()
            .position(started)
            .is_some_and(|at| history[at + 1..].iter().any(|t| t.seen.health == Health::Healthy && t.seen.version == t.intended_version))
    };
    eventually("a replica failure, a hand edit and a restart, each over", || async {
        let histories = histories(db, &tenants).await;
        let failed =
            |t: &Transition| t.seen.health == Health::Degraded && t.seen.reason.as_deref().is_some_and(|r| r.starts_with("ReplicaFailure"));
        let edited = |t: &Transition| t.seen.version.as_deref().is_some_and(|v| v.ends_with("-hotfix"));
        let restarted = |t: &Transition| t.seen.health == Health::Progressing && t.seen.version == t.intended_version;
        histories.iter().any(|h| ended(h, &failed))
            && histories.iter().any(|h| ended(h, &edited))
            && histories.iter().any(|h| ended(h, &restarted))
    })
    .await;
    // While edited by hand, a workload is drift, with both versions.
    let drifting =
        histories(db, &tenants).await.into_iter().flatten().find(|t| t.seen.version.as_deref().is_some_and(|v| v.ends_with("-hotfix")));
    let drifting = drifting.expect("a hand edit");
    assert_eq!(drifting.seen.version, drifting.intended_version.map(|v| format!("{v}-hotfix")));
}

async fn quiet_clusters_report_nothing_but_what_jobs_do(db: &TestStore) {
    db.store.import_world(&demo::demo_world()).await.expect("the demo world");
    let backend = Backend::new(db.store.clone());
    let (_stop, stopping) = tokio::sync::watch::channel(false);
    dispatch::runtime::spawn(backend.clone(), stopping, SimulatedWorkloads::Quiet);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(db.store.observed(None).await.expect("observed").is_empty());
}

on_both_test_stores!(lively_clusters_report_every_workload_and_stage_incidents_that_end, quiet_clusters_report_nothing_but_what_jobs_do);
