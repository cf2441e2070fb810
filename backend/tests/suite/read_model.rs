//! Status views come from the in-memory read model. Every write that moves
//! one is visible in the very next read: a deploy that succeeded, a new
//! cluster, a connection check; through another process on PostgreSQL once
//! its change arrives (and pages there are told only after that).

use crate::support::dispatch::{eventually, run, wait_reachable};
use crate::support::gate::{approver, check_all, create, decide, rita, root};
use crate::support::{TestStore, demo_backend};
use airlock_backend::{Backend, LiveEvent, dispatch, live, status, world};
use airlock_domain::access::{Identity, Role};
use airlock_domain::gate::Decision;
use airlock_domain::status::MatrixCell;
use airlock_domain::{Cluster, NamespaceStrategy};
use chrono::Utc;
use std::time::Duration;
use tokio::sync::broadcast::Receiver;

/// What acme runs of `api` in production/frankfurt, as its tenant page says.
async fn acme_api_in_production(backend: &Backend, who: &Identity) -> String {
    let detail = status::tenant_detail(backend, Some(who), "acme").await.expect("read").expect("acme exists");
    let placed = detail.deployments.iter().find(|p| {
        let d = &p.deployment;
        d.service == "api" && d.environment == "production" && d.region == "frankfurt"
    });
    placed.expect("api runs there").deployment.version.clone()
}

/// The same cell as the tenants matrix shows it.
async fn acme_cell_in_the_matrix(backend: &Backend) -> Option<String> {
    let matrix = status::tenant_matrix(backend, Some(&root()), Some("api")).await.expect("matrix");
    let column = matrix.columns.iter().position(|c| c.environment == "production" && c.region == "frankfurt").expect("column");
    match &matrix.rows.iter().find(|r| r.slug == "acme").expect("acme row").cells[column] {
        MatrixCell::Running { version, .. } => Some(version.clone()),
        _ => None,
    }
}

/// Waits for status changes until one after which `acme_api_in_production`
/// reads `version` (a deploy is announced more than once: the cluster reports
/// it progressing before the job succeeds).
async fn told_of(events: &mut Receiver<LiveEvent>, backend: &Backend, version: &str) {
    let wait = async {
        loop {
            status_changed(events).await;
            if acme_api_in_production(backend, &root()).await == version {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait).await.expect("the change is announced");
}

async fn status_changed(events: &mut Receiver<LiveEvent>) {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(LiveEvent::StatusChanged { .. }) => return,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(error) => panic!("the event channel closed: {error}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait).await.expect("a status change is announced");
}

/// Opens the gate of api 2.15.0 for acme/frankfurt (production) and dispatches it.
async fn deploy_to_acme(backend: &Backend) {
    let id = create(backend).await.release.id;
    check_all(backend, id).await;
    for name in ["ada", "grace"] {
        decide(backend, &approver(name), id, Decision::Approve).await.expect("approved");
    }
    dispatch::dispatch(backend, Some(&rita()), id, None, Utc::now()).await.expect("dispatched");
}

async fn a_succeeded_deploy_is_in_the_status_views_when_pages_are_told(db: &TestStore) {
    let backend = demo_backend(db).await;
    let tom = Identity { tenants: vec!["acme".into()], ..Identity::person("tom", &[Role::TenantAdmin]) };
    // Read first, so the model is loaded and must be updated, not built.
    assert_eq!(acme_api_in_production(&backend, &root()).await, "2.14.3");
    assert_eq!(acme_cell_in_the_matrix(&backend).await.as_deref(), Some("2.14.3"));
    let mut events = backend.subscribe();
    let _runtime = run(&backend); // the demo clusters are simulated: jobs succeed by themselves
    wait_reachable(&backend).await;
    deploy_to_acme(&backend).await;

    told_of(&mut events, &backend, "2.15.0").await;
    assert_eq!(acme_api_in_production(&backend, &tom).await, "2.15.0", "the tenant admin's copy");
    assert_eq!(acme_cell_in_the_matrix(&backend).await.as_deref(), Some("2.15.0"), "the matrix");
    let overview = status::overview(&backend, Some(&root())).await.expect("overview");
    assert_eq!(overview.tenant_count as usize, world::tenants(&backend, Some(&root())).await.expect("tenants").len());
}

fn development_in_lagos() -> Cluster {
    Cluster {
        name: "dev-los-1".into(),
        environment: "development".into(),
        region: "lagos".into(),
        api_url: "simulated://dev-los-1".into(),
        credentials_ref: "simulated".into(),
        namespace_strategy: NamespaceStrategy::PerTenant,
    }
}

async fn a_new_cluster_is_in_the_next_read(db: &TestStore) {
    let backend = demo_backend(db).await;
    let before = status::region_detail(&backend, Some(&root()), "lagos").await.expect("read").expect("lagos");
    let development = |detail: &airlock_domain::status::RegionDetail| {
        let (_, clusters, _) = detail.environments.iter().find(|(e, _, _)| e.name == "development").expect("development");
        clusters.iter().map(|c| c.name.clone()).collect::<Vec<_>>()
    };
    assert!(development(&before).is_empty(), "no development cluster in lagos yet");
    dispatch::admin::add_cluster(&backend, &crate::support::operator(), development_in_lagos(), Utc::now()).await.expect("added");

    let after = status::region_detail(&backend, Some(&root()), "lagos").await.expect("read").expect("lagos");
    assert_eq!(development(&after), ["dev-los-1"]);
    let matrix = status::tenant_matrix(&backend, Some(&root()), None).await.expect("matrix");
    assert!(matrix.columns.iter().any(|c| c.environment == "development" && c.region == "lagos"), "a new matrix column");
    let listed = dispatch::clusters(&backend, Some(&root())).await.expect("clusters");
    let added = listed.iter().find(|c| c.name == "dev-los-1").expect("listed");
    assert!(added.status.as_ref().is_some_and(|s| s.reachable), "checked at once: {added:?}");
}

async fn a_connection_check_is_in_the_next_read(db: &TestStore) {
    let backend = demo_backend(db).await;
    let unchecked = dispatch::connections(&backend, Some(&root())).await.expect("connections");
    assert!(unchecked.iter().all(|c| c.reachable.is_none()), "nothing checked before the runtime runs");
    let _runtime = run(&backend);
    // The check records each cluster and refreshes the model in one path:
    // reads poll here only because the runtime's first check runs on its own.
    eventually("every connection shown", || async {
        dispatch::connections(&backend, Some(&root())).await.expect("connections").iter().all(|c| c.reachable == Some(true))
    })
    .await;
}

on_both_test_stores!(
    a_succeeded_deploy_is_in_the_status_views_when_pages_are_told,
    a_new_cluster_is_in_the_next_read,
    a_connection_check_is_in_the_next_read
);

/// Two processes on one PostgreSQL database: a deploy that succeeds through
/// the first is in the second's status views by the time the second tells
/// its pages, and a cluster added through the first is there too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_process_is_in_the_others_views_when_its_pages_are_told() {
    let db = crate::support::postgres().await;
    let first = demo_backend(&db).await;
    let second = Backend::new(db.keyless_twin().await);
    let (_stop, stopping) = tokio::sync::watch::channel(false);
    live::spawn_listener(first.clone(), stopping.clone());
    live::spawn_listener(second.clone(), stopping);
    tokio::time::sleep(Duration::from_millis(500)).await; // both listeners subscribed
    assert_eq!(acme_api_in_production(&second, &root()).await, "2.14.3", "the second process has loaded its model");
    let mut heard_by_second = second.subscribe();

    let _runtime = run(&first); // only the first process sends and follows jobs
    wait_reachable(&first).await;
    deploy_to_acme(&first).await;
    told_of(&mut heard_by_second, &second, "2.15.0").await;
    assert_eq!(acme_cell_in_the_matrix(&second).await.as_deref(), Some("2.15.0"));

    dispatch::admin::add_cluster(&first, &crate::support::operator(), development_in_lagos(), Utc::now()).await.expect("added");
    let listed = async {
        loop {
            status_changed(&mut heard_by_second).await; // the deploy's last reports may come first
            let clusters = dispatch::clusters(&second, Some(&root())).await.expect("clusters");
            if clusters.iter().any(|c| c.name == "dev-los-1") {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), listed).await.expect("the second process lists the new cluster once told");
}
