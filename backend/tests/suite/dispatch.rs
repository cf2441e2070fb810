//! Dispatch against a real kube-apiserver, on both databases: a release whose
//! gate is open becomes exactly one Job per target; what the cluster reports
//! flows back to the release and to what each tenant runs; rollback restores
//! the previous version; and every refusal sends nothing.

use crate::support::TestStore;
use crate::support::dispatch::*;
use crate::support::gate::{approver, rita, root};
use crate::support::kube::{KubeApi, finish_job, start_job};
use crate::support::operator;
use airlock_backend::Backend;
use airlock_backend::Refusal;
use airlock_backend::dispatch;
use airlock_backend::releases;
use airlock_backend::store::DeploymentScope;
use airlock_domain::dispatch::{JobKind, JobState, Rollout, job_name};
use airlock_domain::gate::{Decision, Target};
use chrono::Utc;
use k8s_openapi::api::batch::v1::Job;

async fn backend(db: &TestStore, api: &KubeApi, prefix: &str, tenants: usize) -> Backend {
    db.store.import_world(&world(api, prefix, tenants, Rollout::AllAtOnce)).await.expect("import world");
    Backend::new(db.store.clone())
}

async fn cluster_jobs(client: &kube::Client, namespace: &str) -> Vec<Job> {
    let jobs: kube::Api<Job> = kube::Api::namespaced(client.clone(), namespace);
    jobs.list(&Default::default()).await.expect("list Jobs").items
}

async fn a_dispatch_creates_exactly_one_job_per_target_with_the_right_name_namespace_labels_and_spec(db: &TestStore) {
    let api = KubeApi::shared();
    let client = api.client().await;
    let prefix = prefix();
    let backend = backend(db, api, &prefix, 3).await;
    let _runtime = run(&backend);
    wait_reachable(&backend).await;
    let targets = targets(&prefix, 3);
    let id = open_release(&backend, &targets).await;

    let dispatched = dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
    assert_eq!(dispatched.jobs.len(), 6);
    let jobs = wait_jobs(&backend, id, &[JobState::Created]).await;
    assert!(jobs.iter().all(|j| j.attempts == 1), "each Job was sent once: {jobs:?}");

    for target in &targets {
        let namespace = format!("tenant-{}", target.tenant);
        let in_cluster = cluster_jobs(&client, &namespace).await;
        let name = job_name(id, 1, JobKind::Deploy, &target.tenant, &target.region);
        let job = in_cluster.iter().find(|j| j.metadata.name.as_deref() == Some(name.as_str())).expect("the target's Job exists");
        let labels = job.metadata.labels.clone().unwrap_or_default();
        assert_eq!(labels.get("airlock.dev/release"), Some(&id.to_string()));
        assert_eq!(labels.get("airlock.dev/tenant"), Some(&target.tenant));
        assert_eq!(labels.get("airlock.dev/region"), Some(&target.region));
        assert_eq!(labels.get("airlock.dev/kind").map(String::as_str), Some("deploy"));
        let spec = job.spec.clone().expect("spec");
        assert!(spec.backoff_limit.is_some() && spec.active_deadline_seconds.is_some() && spec.ttl_seconds_after_finished.is_some());
        let image = spec.template.spec.expect("pod").containers[0].image.clone();
        assert_eq!(image.as_deref(), Some("registry.example.com/api:2.0.0"));
        assert_eq!(in_cluster.len(), 2, "one Job per region in {namespace}, no more");
    }
}

async fn success_and_failure_flow_back_to_the_release_and_to_what_each_tenant_runs(db: &TestStore) {
    let api = KubeApi::shared();
    let client = api.client().await;
    let prefix = prefix();
    let backend = backend(db, api, &prefix, 1).await;
    let _runtime = run(&backend);
    wait_reachable(&backend).await;
    let id = open_release(&backend, &targets(&prefix, 1)).await;
    dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
    wait_jobs(&backend, id, &[JobState::Created]).await;

    let tenant = format!("{prefix}-1");
    let namespace = format!("tenant-{tenant}");
    let frankfurt = job_name(id, 1, JobKind::Deploy, &tenant, "frankfurt");
    let ashburn = job_name(id, 1, JobKind::Deploy, &tenant, "ashburn");
    start_job(&client, &namespace, &frankfurt).await;
    eventually("the running Job seen", || async { jobs(&backend, id).await.iter().any(|j| j.state == JobState::Running) }).await;
    finish_job(&client, &namespace, &frankfurt, true, "").await;
    finish_job(&client, &namespace, &ashburn, false, "ImagePullBackOff: registry.example.com/api:2.0.0 not found").await;
    let jobs = wait_jobs(&backend, id, &[JobState::Succeeded, JobState::Failed]).await;
    let failed = jobs.iter().find(|j| j.region == "ashburn").expect("ashburn job");
    assert_eq!(failed.state, JobState::Failed);
    assert!(failed.reason.as_deref().unwrap_or_default().contains("ImagePullBackOff"), "the reason is kept: {failed:?}");
    let succeeded = jobs.iter().find(|j| j.region == "frankfurt").expect("frankfurt job");
    assert!(succeeded.started_at.is_some() && succeeded.finished_at.is_some());

    let running = db.store.deployments(&DeploymentScope { tenant: Some(tenant.clone()), ..Default::default() }).await.expect("deployments");
    let cell = |region: &str| running.iter().find(|d| d.region == region).expect("cell").clone();
    assert_eq!((cell("frankfurt").version.as_str(), cell("frankfurt").previous_version.as_deref()), ("2.0.0", Some("1.0.0")));
    assert_eq!(cell("ashburn").version, "1.0.0", "a failed deploy keeps the old version");

    let audit =
        airlock_backend::audit::entries(&backend, Some(&root()), &airlock_backend::store::AuditFilter { limit: 500, ..Default::default() })
            .await
            .expect("audit");
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"release.dispatched") && actions.contains(&"job.succeeded") && actions.contains(&"job.failed"),
        "{actions:?}"
    );
}

async fn a_closed_gate_a_target_outside_the_tenants_regions_and_an_unreachable_cluster_send_nothing(db: &TestStore) {
    let api = KubeApi::shared();
    let prefix = prefix();
    let backend = backend(db, api, &prefix, 1).await;
    let _runtime = run(&backend);
    wait_reachable(&backend).await;
    let tenant = format!("{prefix}-1");

    // A closed gate: one approval of two.
    let draft = airlock_domain::gate::ReleaseDraft {
        service: "api".into(),
        version: "2.0.0".into(),
        image: "registry.example.com/api:2.0.0".into(),
        environment: "production".into(),
        targets: targets(&prefix, 1),
        notes: String::new(),
        image_pinned: false,
    };
    let id = releases::create(&backend, Some(&rita()), draft, Utc::now()).await.expect("created").release.id;
    crate::support::gate::check_all(&backend, id).await;
    crate::support::gate::decide(&backend, &approver("ada"), id, Decision::Approve).await.expect("approved");
    let refused = dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await;
    assert!(matches!(&refused, Err(Refusal::GateClosed(blockers)) if !blockers.is_empty()), "{refused:?}");
    assert!(jobs(&backend, id).await.is_empty());

    // Not a release manager.
    crate::support::gate::decide(&backend, &approver("grace"), id, Decision::Approve).await.expect("approved");
    let refused = dispatch::dispatch(&backend, Some(&approver("ada")), id, None, Utc::now()).await;
    assert!(matches!(refused, Err(Refusal::Denied(_))), "{refused:?}");

    // A target outside the tenant's regions: the tenant lost ashburn after approval.
    let mut narrowed = world(api, &prefix, 1, Rollout::AllAtOnce);
    narrowed.tenants[0].allowed_regions = vec!["frankfurt".into()];
    narrowed.deployments.retain(|d| d.region == "frankfurt");
    db.raw_sql(&format!("DELETE FROM deployments WHERE tenant = '{tenant}' AND region = 'ashburn'")).await.expect("delete cell");
    db.store.import_world(&narrowed).await.expect("narrow the tenant");
    let refused = dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await;
    assert!(matches!(&refused, Err(Refusal::GateClosed(b)) if b.iter().any(|b| b.kind() == "target_not_allowed")), "{refused:?}");
    assert!(jobs(&backend, id).await.is_empty());

    // An unreachable cluster: its last check failed.
    db.store.import_world(&world(api, &prefix, 1, Rollout::AllAtOnce)).await.expect("restore the tenant");
    db.raw_sql("UPDATE clusters SET api_url = 'https://127.0.0.1:9', credentials_ref = 'token-env:AIRLOCK_NO_SUCH_TOKEN' WHERE name = 'prod-ashburn'")
        .await
        .expect("break the cluster");
    let cluster = db.store.clusters().await.expect("clusters").into_iter().find(|c| c.name == "prod-ashburn").expect("cluster");
    let (status, _) = dispatch::runtime::check_now(&backend, &cluster).await;
    assert!(!status.reachable);
    let refused = dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await;
    assert!(matches!(&refused, Err(Refusal::ClusterUnreachable { cluster, .. }) if cluster == "prod-ashburn"), "{refused:?}");
    assert!(jobs(&backend, id).await.is_empty(), "nothing recorded, so nothing is ever sent");
}

async fn a_second_dispatch_of_the_same_revision_is_refused_and_sends_nothing_more(db: &TestStore) {
    let api = KubeApi::shared();
    let prefix = prefix();
    let backend = backend(db, api, &prefix, 1).await;
    let _runtime = run(&backend);
    wait_reachable(&backend).await;
    let id = open_release(&backend, &targets(&prefix, 1)).await;
    let rita = rita();
    let racing = (0..4).map(|_| dispatch::dispatch(&backend, Some(&rita), id, None, Utc::now()));
    let results = futures::future::join_all(racing).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(|e| matches!(e, Refusal::AlreadyDispatched { .. })), "{results:?}");
    assert_eq!(wait_jobs(&backend, id, &[JobState::Created]).await.len(), 2);
}

async fn a_job_name_taken_by_a_foreign_job_fails_saying_so(db: &TestStore) {
    let api = KubeApi::shared();
    let client = api.client().await;
    let prefix = prefix();
    let backend = backend(db, api, &prefix, 1).await;
    let tenant = format!("{prefix}-1");
    let namespace = format!("tenant-{tenant}");
    let namespaces: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(client.clone());
    let ns = serde_json::from_value(serde_json::json!({"metadata": {"name": namespace}})).expect("namespace");
    namespaces.create(&Default::default(), &ns).await.expect("namespace created");
    let _runtime = run(&backend);
    wait_reachable(&backend).await;
    let id = open_release(&backend, &[Target { tenant: tenant.clone(), region: "frankfurt".into() }]).await;
    let name = job_name(id, 1, JobKind::Deploy, &tenant, "frankfurt");
    let foreign: Job = serde_json::from_value(serde_json::json!({
        "metadata": {"name": name, "labels": {"team": "someone-else"}},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "x", "image": "busybox"}]}}},
    }))
    .expect("job");
    kube::Api::<Job>::namespaced(client.clone(), &namespace).create(&Default::default(), &foreign).await.expect("foreign Job");

    dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
    let jobs = wait_jobs(&backend, id, &[JobState::Failed]).await;
    assert!(jobs[0].reason.as_deref().unwrap_or_default().contains("not made by Airlock"), "{jobs:?}");
}

/// Someone with SQL access, not the audit key, edits a queued Job's image:
/// the worker finds the manifest is not the one the dispatch recorded, fails
/// the job saying so, and sends nothing to the cluster.
async fn a_queued_manifest_edited_in_the_database_is_never_sent(db: &TestStore) {
    let api = KubeApi::shared();
    let client = api.client().await;
    let prefix = prefix();
    let backend = backend(db, api, &prefix, 1).await;
    let runtime = run(&backend);
    wait_reachable(&backend).await;
    // The worker is stopped while the jobs wait in the table.
    drop(runtime);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let tenant = format!("{prefix}-1");
    let id = open_release(&backend, &[Target { tenant: tenant.clone(), region: "frankfurt".into() }]).await;
    dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
    db.raw_sql(&format!(
        "UPDATE jobs SET manifest = replace(manifest, 'registry.example.com/api:2.0.0', 'evil.example/miner:1') WHERE release_id = {id}"
    ))
    .await
    .expect("edited behind Airlock's back");

    let _runtime = run(&backend);
    let jobs = wait_jobs(&backend, id, &[JobState::Failed]).await;
    assert!(jobs[0].reason.as_deref().unwrap_or_default().contains("not the one its dispatch recorded"), "{jobs:?}");
    assert!(cluster_jobs(&client, &format!("tenant-{tenant}")).await.is_empty(), "nothing reached the cluster");
}

/// A job template changed in its table, not through `airlock templates set`:
/// nothing is dispatched with it, and the refusal says why.
async fn a_job_template_changed_in_the_database_is_never_used(db: &TestStore) {
    let api = KubeApi::shared();
    let prefix = prefix();
    let backend = backend(db, api, &prefix, 1).await;
    let _runtime = run(&backend);
    wait_reachable(&backend).await;
    let template = airlock_backend::dispatch::template::DEFAULT_TEMPLATE;
    dispatch::admin::set_job_template(&backend, &operator(), "production", template, Utc::now()).await.expect("set as an operator does");
    let id = open_release(&backend, &[Target { tenant: format!("{prefix}-1"), region: "frankfurt".into() }]).await;
    db.raw_sql(
        "UPDATE job_templates SET template = replace(template, '{{image}}', 'evil.example/miner:1') WHERE environment = 'production'",
    )
    .await
    .expect("edited behind Airlock's back");
    let refused = dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await;
    assert!(
        matches!(&refused, Err(Refusal::Template { message, .. }) if message.contains("not the template the audit log records")),
        "{refused:?}"
    );
    assert!(jobs(&backend, id).await.is_empty(), "nothing was recorded");
    // Set again through Airlock, it is used.
    dispatch::admin::set_job_template(&backend, &operator(), "production", template, Utc::now()).await.expect("set again");
    dispatch::dispatch(&backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
}

on_both_test_stores!(
    a_job_template_changed_in_the_database_is_never_used,
    a_queued_manifest_edited_in_the_database_is_never_sent,
    a_dispatch_creates_exactly_one_job_per_target_with_the_right_name_namespace_labels_and_spec,
    success_and_failure_flow_back_to_the_release_and_to_what_each_tenant_runs,
    a_closed_gate_a_target_outside_the_tenants_regions_and_an_unreachable_cluster_send_nothing,
    a_second_dispatch_of_the_same_revision_is_refused_and_sends_nothing_more,
    a_job_name_taken_by_a_foreign_job_fails_saying_so,
);
