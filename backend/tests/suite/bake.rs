//! Verifying after deploy against a real kube-apiserver, on both databases:
//! in an environment that bakes, the next wave starts only once the first
//! wave's targets stayed healthy to the end of their bake; a target that
//! degrades while it bakes is rolled back once, as `system:verify` with the
//! condition audited, even across a restart of the portal mid-bake, and the
//! later waves never start.

use crate::support::TestStore;
use crate::support::dispatch::*;
use crate::support::gate::{person, rita};
use crate::support::kube::{KubeApi, finish_job};
use airlock_backend::{AuditFilter, Backend, audit, dispatch};
use airlock_domain::access::Role;
use airlock_domain::dispatch::{JobKind, JobState, RollbackOn, Rollout, job_name};
use chrono::Utc;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::json;

/// The dispatch world, rolled out region by region, baking `seconds`.
async fn baking_backend(db: &TestStore, api: &KubeApi, prefix: &str, seconds: u64) -> Backend {
    let mut world = world(api, prefix, 1, Rollout::ByRegion);
    world.environments[0].bake_seconds = Some(seconds);
    world.environments[0].rollback_on = Some(RollbackOn::Degraded);
    db.store.import_world(&world).await.expect("world");
    Backend::new(db.store.clone())
}

/// The tenant's api Deployment at 2.0.0, rolled out (its team's manifest, played by the test).
async fn running_api(client: &kube::Client, namespace: &str) -> kube::Api<Deployment> {
    let namespaces: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(client.clone());
    let ns = serde_json::from_value(json!({"metadata": {"name": namespace}})).expect("namespace");
    let _ = namespaces.create(&PostParams::default(), &ns).await; // the dispatch may have made it
    let deployments: kube::Api<Deployment> = kube::Api::namespaced(client.clone(), namespace);
    let deployment = serde_json::from_value(json!({
        "metadata": {"name": "api", "labels": {"app.kubernetes.io/name": "api"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}},
            "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "api", "image": "registry.example.com/api:2.0.0"}]}}},
    }))
    .expect("deployment");
    deployments.create(&PostParams::default(), &deployment).await.expect("create the Deployment");
    set_health(&deployments, None).await;
    deployments
}

/// Plays the Deployment controller: rolled out, or failing with `failure`.
async fn set_health(deployments: &kube::Api<Deployment>, failure: Option<&str>) {
    let ready = if failure.is_some() { 0 } else { 1 };
    let mut conditions = vec![json!({"type": "Available", "status": if ready == 1 { "True" } else { "False" }, "reason": "Played"})];
    if let Some(message) = failure {
        conditions.push(json!({"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": message}));
    }
    let status = json!({"status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": ready,
        "availableReplicas": ready, "unavailableReplicas": 1 - ready, "conditions": conditions}});
    deployments.patch_status("api", &PatchParams::default(), &Patch::Merge(&status)).await.expect("status");
}

/// A release of one tenant, rolled out by region in an environment baking
/// `seconds`, whose first wave (frankfurt) succeeded and bakes.
struct Baking {
    backend: Backend,
    id: i64,
    tenant: String,
    frankfurt: String,
    deployments: kube::Api<Deployment>,
    _runtime: tokio::sync::watch::Sender<bool>,
}

async fn first_wave_baking(db: &TestStore, seconds: u64) -> Baking {
    let api = KubeApi::shared();
    let client = api.client().await;
    let prefix = prefix();
    let backend = baking_backend(db, api, &prefix, seconds).await;
    let tenant = format!("{prefix}-1");
    let namespace = format!("tenant-{tenant}");
    let deployments = running_api(&client, &namespace).await;
    let runtime = run(&backend);
    wait_reachable(&backend).await;
    let id = open_release(&backend, &targets(&prefix, 1)).await;
    dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
    let frankfurt = job_name(id, 1, JobKind::Deploy, &tenant, "frankfurt");
    eventually("the first wave sent", || async {
        jobs(&backend, id).await.iter().any(|j| j.name == frankfurt && j.state == JobState::Created)
    })
    .await;
    finish_job(&client, &namespace, &frankfurt, true, "done").await;
    eventually("the first wave baking", || async { jobs(&backend, id).await.iter().any(|j| j.bake_until.is_some()) }).await;
    Baking { backend, id, tenant, frankfurt, deployments, _runtime: runtime }
}

async fn the_next_wave_starts_only_after_the_first_baked_healthy(db: &TestStore) {
    let Baking { backend, id, frankfurt, _runtime, .. } = first_wave_baking(db, 3).await;
    let baking = jobs(&backend, id).await;
    let ashburn = baking.iter().find(|j| j.region == "ashburn").expect("the second wave");
    assert_eq!(ashburn.state, JobState::Queued, "the second wave waits while the first bakes: {baking:?}");

    eventually("the second wave sent after the bake", || async {
        jobs(&backend, id).await.iter().any(|j| j.region == "ashburn" && j.state == JobState::Created)
    })
    .await;
    let first = jobs(&backend, id).await.into_iter().find(|j| j.name == frankfurt).expect("first");
    assert_eq!(first.bake_outcome.as_deref(), Some("baked healthy"));
    assert!(first.baked_at.expect("ended") >= first.bake_until.expect("baked"), "not before its bake time was up");
}

async fn a_target_degrading_while_it_bakes_is_rolled_back_once_even_across_a_restart(db: &TestStore) {
    let Baking { id, frankfurt, deployments, tenant, _runtime: runtime, .. } = first_wave_baking(db, 600).await;

    // The portal restarts mid-bake; the target degrades while it is down.
    drop(runtime);
    set_health(&deployments, Some("pods \"api-1\" is forbidden: exceeded quota")).await;
    let backend = Backend::new(db.store.clone());
    let _runtime = run(&backend);
    eventually("the degraded target rolled back", || async { jobs(&backend, id).await.iter().any(|j| j.kind == JobKind::Rollback) }).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await; // time for a second rollback, were there one

    let all = jobs(&backend, id).await;
    let rollbacks: Vec<_> = all.iter().filter(|j| j.kind == JobKind::Rollback).collect();
    assert_eq!(rollbacks.len(), 1, "rolled back once: {all:?}");
    assert_eq!(
        (rollbacks[0].tenant.as_str(), rollbacks[0].region.as_str(), rollbacks[0].version.as_str()),
        (tenant.as_str(), "frankfurt", "1.0.0")
    );
    let ashburn = all.iter().find(|j| j.kind == JobKind::Deploy && j.region == "ashburn").expect("second wave");
    assert_eq!(ashburn.state, JobState::Skipped, "the next wave never starts: {ashburn:?}");
    assert!(ashburn.reason.as_deref().unwrap_or_default().contains("degraded while baking"), "{ashburn:?}");
    let first = all.iter().find(|j| j.name == frankfurt).expect("first");
    assert!(
        first.bake_outcome.as_deref().unwrap_or_default().starts_with("rolled back: degraded while baking: ReplicaFailure"),
        "{first:?}"
    );

    let auditor = person("audrey", &[Role::Auditor]);
    let filter = AuditFilter {
        subject: Some(format!("release/{id}")),
        action: Some("release.rollback_requested".into()),
        limit: 10,
        ..Default::default()
    };
    let entries = audit::entries(&backend, Some(&auditor), &filter).await.expect("audit");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].actor, "system:verify");
    assert!(entries[0].after.as_deref().unwrap_or_default().contains("exceeded quota"), "the condition is audited: {:?}", entries[0].after);
}

on_both_test_stores!(
    the_next_wave_starts_only_after_the_first_baked_healthy,
    a_target_degrading_while_it_bakes_is_rolled_back_once_even_across_a_restart,
);
