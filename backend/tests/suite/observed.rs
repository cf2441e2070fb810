//! Observed state against a real kube-apiserver, on both databases: what a
//! Deployment really runs and how healthy it is reaches the tenant's status
//! beside what Airlock released; drift, failures, recoveries and deletions
//! each become one transition; restarts of the portal or of the API server
//! lose nothing and double nothing; a cluster that goes away turns its
//! workloads unknown; a Job deleted before it finished fails.
//!
//! The test plays the Deployment controller by setting status through the
//! status subresource (no controller manager runs).

use crate::support::TestStore;
use crate::support::dispatch::*;
use crate::support::gate::{rita, root};
use crate::support::kube::KubeApi;
use airlock_backend::{Backend, dispatch, status};
use airlock_domain::Health;
use airlock_domain::dispatch::{JobKind, JobState, Rollout, job_name};
use airlock_domain::observed::WorkloadLabel;
use airlock_domain::status::WorkloadState;
use chrono::Utc;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams};
use serde_json::json;

async fn create_namespace(client: &kube::Client, name: &str) {
    let namespaces: kube::Api<Namespace> = kube::Api::all(client.clone());
    let namespace = serde_json::from_value(json!({"metadata": {"name": name}})).expect("namespace");
    namespaces.create(&PostParams::default(), &namespace).await.expect("create the namespace");
}

fn deployments(client: &kube::Client, namespace: &str) -> kube::Api<Deployment> {
    kube::Api::namespaced(client.clone(), namespace)
}

/// Creates the tenant's `api` Deployment running `image`, as its team's pipeline would.
async fn create_api(client: &kube::Client, namespace: &str, image: &str) {
    create_labelled_api(client, namespace, json!({"app.kubernetes.io/name": "api"}), image).await;
}

async fn create_labelled_api(client: &kube::Client, namespace: &str, labels: serde_json::Value, image: &str) {
    let deployment = serde_json::from_value(json!({
        "metadata": {"name": "api", "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "api"}},
            "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "api", "image": image}]}},
        },
    }))
    .expect("deployment");
    deployments(client, namespace).create(&PostParams::default(), &deployment).await.expect("create the Deployment");
}

/// Plays the Deployment controller: the status of a finished rollout, or of a failing one.
async fn set_status(client: &kube::Client, namespace: &str, ready: i32, failure: Option<&str>) {
    let api = deployments(client, namespace);
    let generation = api.get("api").await.expect("the Deployment").metadata.generation.unwrap_or(1);
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut conditions = vec![json!({"type": "Available", "status": if ready == 2 { "True" } else { "False" },
        "reason": "Played", "lastUpdateTime": now, "lastTransitionTime": now})];
    if let Some(message) = failure {
        conditions.push(json!({"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": message,
            "lastUpdateTime": now, "lastTransitionTime": now}));
    }
    let status = json!({"status": {"observedGeneration": generation, "replicas": 2, "updatedReplicas": 2, "readyReplicas": ready,
        "availableReplicas": ready, "unavailableReplicas": 2 - ready, "conditions": conditions}});
    api.patch_status("api", &PatchParams::default(), &Patch::Merge(&status)).await.expect("set the Deployment's status");
}

async fn frankfurt(backend: &Backend, tenant: &str) -> WorkloadState {
    let (_, workloads) = status::tenant_workloads(backend, Some(&root()), tenant).await.expect("status").expect("the tenant exists");
    workloads.into_iter().find(|w| w.region == "frankfurt" && w.service == "api").expect("its frankfurt api")
}

/// Waits until what the cluster reported (not what was recorded at release) is `wanted`.
async fn until(backend: &Backend, tenant: &str, what: &str, wanted: impl Fn(&WorkloadState) -> bool) -> WorkloadState {
    eventually(what, || async {
        let state = frankfurt(backend, tenant).await;
        state.observed_at.is_some() && wanted(&state)
    })
    .await;
    frankfurt(backend, tenant).await
}

/// The tenant's transitions in frankfurt, oldest first, as (version, health).
async fn history(backend: &Backend, tenant: &str) -> Vec<(Option<String>, Health)> {
    let detail = status::tenant_detail(backend, Some(&root()), tenant).await.expect("detail").expect("exists");
    detail.history.into_iter().rev().filter(|t| t.region == "frankfurt").map(|t| (t.seen.version, t.seen.health)).collect()
}

fn v(version: &str) -> Option<String> {
    Some(version.to_owned())
}

async fn a_deployments_life_reaches_the_status_beside_what_was_released(db: &TestStore) {
    let api = KubeApi::shared();
    let client = api.client().await;
    let prefix = prefix();
    db.store.import_world(&world(api, &prefix, 1, Rollout::AllAtOnce)).await.expect("world");
    let backend = Backend::new(db.store.clone());
    let _runtime = run(&backend);
    let tenant = format!("{prefix}-1");
    let namespace = format!("tenant-{tenant}");
    create_namespace(&client, &namespace).await;

    let missing = until(&backend, &tenant, "the unlisted workload missing", |w| w.health == Health::Missing).await;
    assert_eq!((missing.intended_version.as_deref(), missing.actual_version.as_deref()), (Some("1.0.0"), None));

    create_api(&client, &namespace, "registry.example.com/api:1.0.0").await;
    let rolling = until(&backend, &tenant, "the new Deployment progressing", |w| w.health == Health::Progressing).await;
    assert_eq!(rolling.actual_version.as_deref(), Some("1.0.0"));
    set_status(&client, &namespace, 2, None).await;
    let healthy = until(&backend, &tenant, "the rolled-out Deployment healthy", |w| w.health == Health::Healthy).await;
    assert_eq!(healthy.replicas.map(|r| (r.desired, r.ready, r.available)), Some((2, 2, 2)));
    assert!(!healthy.drift && healthy.observed_at.is_some());

    set_status(&client, &namespace, 1, Some("pods \"api-1\" is forbidden: exceeded quota")).await;
    let failing = until(&backend, &tenant, "the replica failure seen", |w| w.health == Health::Degraded).await;
    assert_eq!(failing.health_reason.as_deref(), Some("ReplicaFailure: pods \"api-1\" is forbidden: exceeded quota"));
    set_status(&client, &namespace, 2, None).await;
    until(&backend, &tenant, "the recovery seen", |w| w.health == Health::Healthy).await;

    // Someone edits the image by hand.
    let edit = json!({"spec": {"template": {"spec": {"containers": [{"name": "api", "image": "registry.example.com/api:1.0.1-hotfix"}]}}}});
    deployments(&client, &namespace).patch("api", &PatchParams::default(), &Patch::Strategic(&edit)).await.expect("edit by hand");
    set_status(&client, &namespace, 2, None).await;
    let drifted = until(&backend, &tenant, "the hand edit seen as drift", |w| w.drift && w.health == Health::Healthy).await;
    assert_eq!((drifted.intended_version.as_deref(), drifted.actual_version.as_deref()), (Some("1.0.0"), Some("1.0.1-hotfix")));
    let drift = status::drift(&backend, Some(&root())).await.expect("drift");
    assert!(drift.iter().any(|w| w.tenant == tenant && w.region == "frankfurt" && w.actual_version.as_deref() == Some("1.0.1-hotfix")));

    deployments(&client, &namespace).delete("api", &DeleteParams::default()).await.expect("delete");
    let gone = until(&backend, &tenant, "the deleted Deployment missing", |w| w.health == Health::Missing).await;
    assert!(!gone.drift);

    let expected = [
        (None, Health::Missing),
        (v("1.0.0"), Health::Progressing),
        (v("1.0.0"), Health::Healthy),
        (v("1.0.0"), Health::Degraded),
        (v("1.0.0"), Health::Healthy),
    ];
    let seen = history(&backend, &tenant).await;
    assert_eq!(seen[..5], expected, "each change once, in order: {seen:?}");
    assert_eq!(seen.last(), Some(&(None, Health::Missing)));
    assert!(seen.contains(&(v("1.0.1-hotfix"), Health::Healthy)));
    let detail = status::tenant_detail(&backend, Some(&root()), &tenant).await.expect("detail").expect("exists");
    assert!(detail.history.iter().all(|t| t.intended_version.as_deref() == Some("1.0.0")), "what was released then is kept");
}

async fn a_service_labelled_otherwise_is_found_by_the_label_the_world_names(db: &TestStore) {
    let api = KubeApi::shared();
    let client = api.client().await;
    let prefix = prefix();
    let mut world = world(api, &prefix, 2, Rollout::AllAtOnce);
    world.services[0].workload_label = Some(WorkloadLabel::parse("app=payments-api").expect("label"));
    db.store.import_world(&world).await.expect("world");
    let backend = Backend::new(db.store.clone());
    let _runtime = run(&backend);
    let (ours, defaults) = (format!("{prefix}-1"), format!("{prefix}-2"));
    for tenant in [&ours, &defaults] {
        create_namespace(&client, &format!("tenant-{tenant}")).await;
    }
    create_labelled_api(&client, &format!("tenant-{ours}"), json!({"app": "payments-api"}), "registry.example.com/api:1.0.0").await;
    // Labelled the default way, which this world does not use for api.
    create_api(&client, &format!("tenant-{defaults}"), "registry.example.com/api:1.0.0").await;

    let found = until(&backend, &ours, "the Deployment found by app=payments-api", |w| w.health == Health::Progressing).await;
    assert_eq!(found.actual_version.as_deref(), Some("1.0.0"));
    set_status(&client, &format!("tenant-{ours}"), 2, None).await;
    until(&backend, &ours, "its rollout seen to the end", |w| w.health == Health::Healthy).await;
    let unfound = until(&backend, &defaults, "the other one not taken for api", |w| w.health == Health::Missing).await;
    assert_eq!(unfound.actual_version, None);
}

async fn restarts_of_the_portal_and_the_api_server_lose_nothing_and_double_nothing(db: &TestStore) {
    let mut api = KubeApi::start();
    let client = api.client().await;
    let prefix = prefix();
    db.store.import_world(&world(&api, &prefix, 1, Rollout::AllAtOnce)).await.expect("world");
    let tenant = format!("{prefix}-1");
    let namespace = format!("tenant-{tenant}");
    create_namespace(&client, &namespace).await;
    create_api(&client, &namespace, "registry.example.com/api:1.0.0").await;
    set_status(&client, &namespace, 2, None).await;

    let backend = Backend::new(db.store.clone());
    let runtime = run(&backend);
    until(&backend, &tenant, "healthy", |w| w.health == Health::Healthy).await;
    drop(runtime);

    // While the portal is down the workload degrades: a new portal sees it once.
    set_status(&client, &namespace, 1, Some("exceeded quota")).await;
    let backend = Backend::new(db.store.clone());
    let _runtime = run(&backend);
    until(&backend, &tenant, "the degradation seen after the restart", |w| w.health == Health::Degraded).await;

    api.stop_apiserver();
    let unknown = until(&backend, &tenant, "an unreachable cluster's workload unknown", |w| w.health == Health::Unknown).await;
    assert_eq!(unknown.actual_version.as_deref(), Some("1.0.0"), "the version last seen is kept");
    assert!(unknown.health_reason.unwrap_or_default().contains("cannot be reached"));
    api.start_apiserver();
    api.client().await;
    until(&backend, &tenant, "the workload seen again after the API server returned", |w| w.health == Health::Degraded).await;

    let seen = history(&backend, &tenant).await;
    assert_eq!(
        seen,
        [(v("1.0.0"), Health::Healthy), (v("1.0.0"), Health::Degraded), (v("1.0.0"), Health::Unknown), (v("1.0.0"), Health::Degraded)],
        "nothing lost, nothing doubled"
    );
}

/// A release of `tenants` tenants whose Jobs were created in the shared API server.
struct Sent {
    client: kube::Client,
    prefix: String,
    backend: Backend,
    id: i64,
    _runtime: tokio::sync::watch::Sender<bool>,
}

async fn sent(db: &TestStore, tenants: usize) -> Sent {
    let api = KubeApi::shared();
    let client = api.client().await;
    let prefix = prefix();
    db.store.import_world(&world(api, &prefix, tenants, Rollout::AllAtOnce)).await.expect("world");
    let backend = Backend::new(db.store.clone());
    let runtime = run(&backend);
    wait_reachable(&backend).await;
    let id = open_release(&backend, &targets(&prefix, tenants)).await;
    dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
    wait_jobs(&backend, id, &[JobState::Created]).await;
    Sent { client, prefix, backend, id, _runtime: runtime }
}

async fn a_job_deleted_before_it_finished_fails_and_says_so(db: &TestStore) {
    let Sent { client, prefix, backend, id, _runtime } = sent(db, 2).await;

    let tenant = format!("{prefix}-1");
    let jobs_api: kube::Api<k8s_openapi::api::batch::v1::Job> = kube::Api::namespaced(client.clone(), &format!("tenant-{tenant}"));
    // `kubectl delete`'s default marks it deleted (no garbage collector runs
    // here to finish that); in the background, it is gone at once.
    let marked = job_name(id, 1, JobKind::Deploy, &tenant, "frankfurt");
    let gone = job_name(id, 1, JobKind::Deploy, &tenant, "ashburn");
    jobs_api.delete(&marked, &DeleteParams::default()).await.expect("delete the Job");
    jobs_api.delete(&gone, &DeleteParams::background()).await.expect("delete the Job");
    eventually("both deleted jobs failed", || async {
        jobs(&backend, id).await.iter().filter(|j| j.state == JobState::Failed).count() == 2
    })
    .await;
    for job in jobs(&backend, id).await {
        if job.tenant == tenant {
            assert_eq!((job.state, job.reason.as_deref()), (JobState::Failed, Some("deleted before it finished")), "{}", job.name);
        } else {
            assert_eq!(job.state, JobState::Created, "a Job still there is left alone: {}", job.name);
        }
    }
}

async fn a_failed_job_keeps_its_pods_events_and_says_why_its_log_could_not_be_read(db: &TestStore) {
    let Sent { client, prefix, backend, id, _runtime } = sent(db, 1).await;

    // Plays the Job controller and the kubelet's reports: a Pod that crashed, and its event.
    let tenant = format!("{prefix}-1");
    let namespace = format!("tenant-{tenant}");
    let name = job_name(id, 1, JobKind::Deploy, &tenant, "frankfurt");
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(client.clone(), &namespace);
    let pod = serde_json::from_value(json!({"metadata": {"name": "deploy-pod-1", "labels": {"job-name": name}},
        "spec": {"containers": [{"name": "deploy", "image": "registry.example.com/api:2.0.0"}]}}))
    .expect("pod");
    pods.create(&PostParams::default(), &pod).await.expect("create the Pod");
    let events: kube::Api<k8s_openapi::api::core::v1::Event> = kube::Api::namespaced(client.clone(), &namespace);
    let event = serde_json::from_value(json!({"metadata": {"name": "deploy-pod-1.backoff"},
        "involvedObject": {"kind": "Pod", "name": "deploy-pod-1", "namespace": namespace},
        "type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container"}))
    .expect("event");
    events.create(&PostParams::default(), &event).await.expect("create the Event");
    crate::support::kube::finish_job(&client, &namespace, &name, false, "Job has reached the specified backoff limit").await;

    eventually("the failure's detail kept", || async {
        jobs(&backend, id).await.iter().any(|j| j.name == name && j.failure_detail.is_some())
    })
    .await;
    let failed = jobs(&backend, id).await.into_iter().find(|j| j.name == name).expect("the job");
    let detail = failed.failure_detail.unwrap_or_default();
    assert!(detail.contains("Warning BackOff: Back-off restarting failed container"), "{detail}");
    // No kubelet runs here: the API server has no log to give, and the detail says so.
    assert!(
        detail.contains("The log of Pod deploy-pod-1 is empty") || detail.contains("The log of Pod deploy-pod-1 could not be read"),
        "{detail}"
    );
    assert!(detail.len() <= 16 * 1024);
}

on_both_test_stores!(
    a_deployments_life_reaches_the_status_beside_what_was_released,
    a_service_labelled_otherwise_is_found_by_the_label_the_world_names,
    restarts_of_the_portal_and_the_api_server_lose_nothing_and_double_nothing,
    a_job_deleted_before_it_finished_fails_and_says_so,
    a_failed_job_keeps_its_pods_events_and_says_why_its_log_could_not_be_read,
);
