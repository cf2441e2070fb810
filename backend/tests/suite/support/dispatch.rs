//! Shared steps for the dispatch tests: a world whose production clusters are
//! a real kube-apiserver, tenants of the test's own (so tests sharing one API
//! server never share a namespace), a release whose gate is open, and the
//! dispatch runtime running until the test ends.

use super::gate::{approver, check_all, rita, root};
use super::kube::KubeApi;
use airlock_backend::Backend;
use airlock_backend::dispatch;
use airlock_backend::observe::simulated::SimulatedWorkloads;
use airlock_backend::releases;
use airlock_domain::dispatch::{JobState, JobView, Rollout};
use airlock_domain::gate::{Decision, ReleaseDraft, Target};
use airlock_domain::{Cluster, Deployment, Environment, Health, NamespaceStrategy, Region, Service, Tenant, World};
use chrono::Utc;
use std::time::Duration;

pub const REGIONS: [&str; 2] = ["frankfurt", "ashburn"];

/// `count` tenants named `<prefix>-<n>`, each allowed in both regions and
/// running api 1.0.0 there (after 0.9.0).
pub fn world(api: &KubeApi, prefix: &str, count: usize, rollout: Rollout) -> World {
    let cluster = |region: &str, credentials_ref: String| Cluster {
        name: format!("prod-{region}"),
        environment: "production".into(),
        region: region.into(),
        api_url: api.url.clone(),
        credentials_ref,
        namespace_strategy: NamespaceStrategy::PerTenant,
    };
    let tenants: Vec<Tenant> = (1..=count)
        .map(|n| Tenant {
            slug: format!("{prefix}-{n}"),
            name: format!("Tenant {n}"),
            primary_region: "frankfurt".into(),
            data_residency: "eu".into(),
            allowed_regions: REGIONS.map(String::from).to_vec(),
            admin_groups: Vec::new(),
        })
        .collect();
    let deployments = tenants.iter().flat_map(|t| REGIONS.map(|region| released(&t.slug, region))).collect();
    World {
        access: None,
        notifications: None,
        observed: Vec::new(),
        environments: vec![Environment {
            name: "production".into(),
            position: 3,
            protected: true,
            required_approvals: 2,
            rollout,
            creates_namespaces: true,
            rollback: Default::default(),
            approval_ttl_seconds: None,
            bake_seconds: None,
            rollback_on: None,
            checklist: airlock_domain::gate::default_checklist(true),
            freezes: Vec::new(),
        }],
        regions: REGIONS
            .iter()
            .enumerate()
            .map(|(i, r)| Region { name: (*r).into(), display_name: r.to_uppercase(), position: i as i32 + 1 })
            .collect(),
        clusters: vec![
            cluster("frankfurt", format!("kubeconfig:{}#test", api.kubeconfig.display())),
            cluster("ashburn", format!("kubeconfig:{}", api.kubeconfig.display())),
        ],
        tenants,
        services: vec![Service { name: "api".into(), image_repository: "registry.example.com/api".into(), workload_label: None }],
        deployments,
    }
}

/// api 1.0.0 (after 0.9.0), released to `tenant` in production in `region`, healthy.
pub fn released(tenant: &str, region: &str) -> Deployment {
    Deployment {
        tenant: tenant.to_owned(),
        environment: "production".into(),
        region: region.into(),
        service: "api".into(),
        version: "1.0.0".into(),
        previous_version: Some("0.9.0".into()),
        health: Health::Healthy,
        changed_at: Utc::now(),
    }
}

/// A unique tenant prefix (namespaces are shared across tests on one API server).
pub fn prefix() -> String {
    format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// Starts the dispatch runtime; it stops when the returned sender is dropped.
pub fn run(backend: &Backend) -> tokio::sync::watch::Sender<bool> {
    let (stop, stopping) = tokio::sync::watch::channel(false);
    dispatch::runtime::spawn(backend.clone(), stopping, SimulatedWorkloads::Quiet);
    stop
}

/// Waits until every cluster's check has found it reachable.
pub async fn wait_reachable(backend: &Backend) {
    eventually("every cluster reachable", || async {
        let clusters = dispatch::clusters(backend, Some(&root())).await.expect("clusters");
        clusters.iter().all(|c| c.status.as_ref().is_some_and(|s| s.reachable))
    })
    .await;
}

/// Creates api 2.0.0 for `targets` and opens its gate (two approvals, checklist done).
pub async fn open_release(backend: &Backend, targets: &[Target]) -> i64 {
    open_release_of(backend, targets, "2.0.0", "registry.example.com/api:2.0.0").await
}

/// Creates api `version` as `image` for `targets` and opens its gate.
pub async fn open_release_of(backend: &Backend, targets: &[Target], version: &str, image: &str) -> i64 {
    let draft = ReleaseDraft {
        service: "api".into(),
        version: version.into(),
        image: image.into(),
        environment: "production".into(),
        targets: targets.to_vec(),
        notes: "Dispatch test".into(),
        image_pinned: false,
    };
    let id = releases::create(backend, Some(&rita()), draft, Utc::now()).await.expect("created").release.id;
    check_all(backend, id).await;
    for name in ["ada", "grace"] {
        super::gate::decide(backend, &approver(name), id, Decision::Approve).await.expect("approved");
    }
    id
}

pub fn targets(prefix: &str, count: usize) -> Vec<Target> {
    (1..=count).flat_map(|n| REGIONS.map(|region| Target { tenant: format!("{prefix}-{n}"), region: region.into() })).collect()
}

pub async fn jobs(backend: &Backend, id: i64) -> Vec<JobView> {
    dispatch::jobs(backend, Some(&root()), id).await.expect("jobs")
}

/// Waits until every job of the release is in one of `states`.
pub async fn wait_jobs(backend: &Backend, id: i64, states: &[JobState]) -> Vec<JobView> {
    eventually(&format!("every job {states:?}"), || async { jobs(backend, id).await.iter().all(|j| states.contains(&j.state)) }).await;
    jobs(backend, id).await
}

pub async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while !condition().await {
        assert!(started.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The names of the Jobs in the namespaces of tenants `<prefix>-1` … `<prefix>-<count>`, sorted.
pub async fn job_names_in_cluster(client: &kube::Client, prefix: &str, count: usize) -> Vec<String> {
    let mut names = Vec::new();
    for n in 1..=count {
        let jobs: kube::Api<k8s_openapi::api::batch::v1::Job> = kube::Api::namespaced(client.clone(), &format!("tenant-{prefix}-{n}"));
        names.extend(jobs.list(&Default::default()).await.expect("list").items.into_iter().filter_map(|j| j.metadata.name));
    }
    names.sort();
    names
}
