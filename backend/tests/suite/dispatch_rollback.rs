//! Rolling back against the real kube-apiserver, on both databases: per
//! target, to the version that ran before, once; and not at all where the
//! environment sends rollbacks through the gate.

use crate::support::TestStore;
use crate::support::dispatch::*;
use crate::support::gate::rita;
use crate::support::kube::{KubeApi, finish_job};
use airlock_backend::Refusal;
use airlock_backend::store::DeploymentScope;
use airlock_backend::{Backend, dispatch};
use airlock_domain::dispatch::{JobKind, JobState, RollbackPolicy, Rollout};
use airlock_domain::gate::Target;
use chrono::Utc;

async fn backend(db: &TestStore, api: &KubeApi, prefix: &str, tenants: usize) -> Backend {
    db.store.import_world(&world(api, prefix, tenants, Rollout::AllAtOnce)).await.expect("import world");
    Backend::new(db.store.clone())
}

async fn rollback_restores_the_previous_version_per_target(db: &TestStore) {
    let api = KubeApi::shared();
    let client = api.client().await;
    let prefix = prefix();
    let backend = backend(db, api, &prefix, 2).await;
    let _runtime = run(&backend);
    wait_reachable(&backend).await;
    let id = open_release(&backend, &targets(&prefix, 2)).await;
    dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
    for job in wait_jobs(&backend, id, &[JobState::Created]).await {
        finish_job(&client, &job.namespace, &job.name, true, "").await;
    }
    wait_jobs(&backend, id, &[JobState::Succeeded]).await;

    let one = Target { tenant: format!("{prefix}-1"), region: "frankfurt".into() };
    let rolled = dispatch::rollback(&backend, Some(&rita()), id, Some(vec![one.clone()]), Utc::now()).await.expect("rollback");
    assert_eq!(rolled.jobs.len(), 1);
    let rollback = &rolled.jobs[0];
    assert_eq!(
        (rollback.kind, rollback.version.as_str(), rollback.image.as_str()),
        (JobKind::Rollback, "1.0.0", "registry.example.com/api:1.0.0")
    );
    eventually("the rollback Job sent", || async {
        jobs(&backend, id).await.iter().any(|j| j.kind == JobKind::Rollback && j.state == JobState::Created)
    })
    .await;
    finish_job(&client, &rollback.namespace, &rollback.name, true, "").await;
    eventually("the rollback done", || async {
        jobs(&backend, id).await.iter().any(|j| j.kind == JobKind::Rollback && j.state == JobState::Succeeded)
    })
    .await;

    let running = db.store.deployments(&DeploymentScope { service: Some("api".into()), ..Default::default() }).await.expect("deployments");
    let version =
        |tenant: &str, region: &str| running.iter().find(|d| d.tenant == tenant && d.region == region).expect("cell").version.clone();
    assert_eq!(version(&one.tenant, "frankfurt"), "1.0.0", "rolled back");
    assert_eq!(version(&one.tenant, "ashburn"), "2.0.0", "other targets keep the release");
    assert_eq!(version(&format!("{prefix}-2"), "frankfurt"), "2.0.0");

    let again = dispatch::rollback(&backend, Some(&rita()), id, Some(vec![one]), Utc::now()).await;
    assert!(matches!(again, Err(Refusal::NothingToRollBack(_))), "a target is rolled back once: {again:?}");
}

/// Deploys `image` as `version` to `target` through an open gate and lets its Jobs succeed.
async fn deployed(backend: &Backend, client: &kube::Client, target: &Target, version: &str, image: &str) -> i64 {
    let id = open_release_of(backend, std::slice::from_ref(target), version, image).await;
    dispatch::dispatch(backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
    for job in wait_jobs(backend, id, &[JobState::Created]).await {
        finish_job(client, &job.namespace, &job.name, true, "").await;
    }
    wait_jobs(backend, id, &[JobState::Succeeded]).await;
    id
}

/// The release after one deployed from another registry by digest: its
/// rollback sends exactly the image the earlier deploy ran, not one made by
/// editing the digest reference (which used to give `…@sha256:2.0.0`).
async fn a_rollback_sends_back_exactly_the_image_that_ran_before(db: &TestStore) {
    let api = KubeApi::shared();
    let client = api.client().await;
    let prefix = prefix();
    let backend = backend(db, api, &prefix, 1).await;
    let _runtime = run(&backend);
    wait_reachable(&backend).await;
    let target = Target { tenant: format!("{prefix}-1"), region: "frankfurt".into() };
    let mirrored = "mirror.example:5000/team/api:2.0.0";
    deployed(&backend, &client, &target, "2.0.0", mirrored).await;
    let by_digest = "mirror.example:5000/team/api@sha256:3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a";
    let id = deployed(&backend, &client, &target, "3.0.0", by_digest).await;
    let deploy = jobs(&backend, id).await.into_iter().find(|j| j.kind == JobKind::Deploy).expect("the deploy");
    assert_eq!(deploy.image, by_digest);

    let rolled = dispatch::rollback(&backend, Some(&rita()), id, None, Utc::now()).await.expect("rollback");
    let rollback = &rolled.jobs[0];
    assert_eq!((rollback.version.as_str(), rollback.image.as_str()), ("2.0.0", mirrored), "the image that ran before, exactly");

    // A version that came with the world, never deployed through Airlock: the
    // service's repository at that version, not the release's image edited.
    let first = deployed(
        &backend,
        &client,
        &Target { region: "ashburn".into(), ..target.clone() },
        "4.0.0",
        by_digest.replace("3b4c", "ffff").as_str(),
    )
    .await;
    let rolled = dispatch::rollback(&backend, Some(&rita()), first, None, Utc::now()).await.expect("rollback");
    assert_eq!((rolled.jobs[0].version.as_str(), rolled.jobs[0].image.as_str()), ("1.0.0", "registry.example.com/api:1.0.0"));
}

async fn where_rollbacks_go_through_the_gate_nobody_rolls_back_directly(db: &TestStore) {
    let api = KubeApi::shared();
    let client = api.client().await;
    let prefix = prefix();
    let mut gated = world(api, &prefix, 1, Rollout::AllAtOnce);
    gated.environments[0].rollback = RollbackPolicy::ThroughTheGate;
    db.store.import_world(&gated).await.expect("world");
    let backend = Backend::new(db.store.clone());
    let _runtime = run(&backend);
    wait_reachable(&backend).await;
    let id = open_release(&backend, &targets(&prefix, 1)).await;
    dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
    for job in wait_jobs(&backend, id, &[JobState::Created]).await {
        finish_job(&client, &job.namespace, &job.name, true, "").await;
    }
    wait_jobs(&backend, id, &[JobState::Succeeded]).await;
    let refused = dispatch::rollback(&backend, Some(&rita()), id, None, Utc::now()).await;
    assert!(matches!(refused, Err(Refusal::RollbackThroughTheGate { .. })), "{refused:?}");
    assert!(jobs(&backend, id).await.iter().all(|j| j.kind == JobKind::Deploy), "nothing recorded");
}

on_both_test_stores!(
    rollback_restores_the_previous_version_per_target,
    a_rollback_sends_back_exactly_the_image_that_ran_before,
    where_rollbacks_go_through_the_gate_nobody_rolls_back_directly
);
