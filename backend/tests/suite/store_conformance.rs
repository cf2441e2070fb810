//! The storage contract, checked identically on SQLite and PostgreSQL.

use airlock_backend::demo::demo_world;
use airlock_backend::store::DeploymentScope;
use airlock_backend::{Store, StoreError};
use airlock_domain::{Deployment, Environment, Health, World};

on_both_databases!(
    migrations_can_run_again_without_changing_anything,
    a_store_answers_a_ping,
    an_imported_world_reads_back_exactly,
    importing_the_same_world_twice_changes_nothing,
    a_workload_outside_a_tenants_allowed_regions_is_refused_and_nothing_is_stored,
    a_protected_environment_without_required_approvals_is_refused,
    a_tenants_allowed_regions_can_be_narrowed_only_when_nothing_runs_there,
    a_tenant_without_workloads_in_a_region_can_lose_it,
    deployments_can_be_narrowed_by_tenant_environment_region_and_service,
    an_unknown_tenant_is_absent_not_an_error,
    a_changed_deployment_replaces_the_previous_record,
);

async fn migrations_can_run_again_without_changing_anything(store: &dyn Store) {
    store.import_world(&demo_world()).await.expect("import");
    store.migrate().await.expect("second migration run");
    assert_eq!(store.tenants().await.expect("tenants").len(), demo_world().tenants.len());
}

async fn a_store_answers_a_ping(store: &dyn Store) {
    store.ping().await.expect("ping");
}

fn sorted(mut deployments: Vec<Deployment>) -> Vec<Deployment> {
    deployments.sort_by(|a, b| (&a.tenant, &a.environment, &a.region, &a.service).cmp(&(&b.tenant, &b.environment, &b.region, &b.service)));
    deployments
}

async fn read_world(store: &dyn Store) -> World {
    World {
        access: None,
        notifications: None,
        observed: Vec::new(),
        environments: store.environments().await.expect("environments"),
        regions: store.regions().await.expect("regions"),
        clusters: store.clusters().await.expect("clusters"),
        tenants: store.tenants().await.expect("tenants"),
        services: store.services().await.expect("services"),
        deployments: sorted(store.deployments(&DeploymentScope::default()).await.expect("deployments")),
    }
}

fn normalised(mut world: World) -> World {
    world.clusters.sort_by(|a, b| (&a.environment, &a.region, &a.name).cmp(&(&b.environment, &b.region, &b.name)));
    world.tenants.sort_by(|a, b| a.slug.cmp(&b.slug));
    world.services.sort_by(|a, b| a.name.cmp(&b.name));
    world.deployments = sorted(world.deployments);
    world
}

async fn an_imported_world_reads_back_exactly(store: &dyn Store) {
    store.import_world(&demo_world()).await.expect("import");
    assert_eq!(read_world(store).await, normalised(demo_world()));
}

async fn importing_the_same_world_twice_changes_nothing(store: &dyn Store) {
    store.import_world(&demo_world()).await.expect("first import");
    let before = read_world(store).await;
    store.import_world(&demo_world()).await.expect("second import");
    assert_eq!(read_world(store).await, before);
}

async fn a_workload_outside_a_tenants_allowed_regions_is_refused_and_nothing_is_stored(store: &dyn Store) {
    let mut world = demo_world();
    let mut stray = world.deployments.iter().find(|d| d.tenant == "acme").expect("acme runs somewhere").clone();
    stray.region = "ashburn".into();
    world.deployments.push(stray);
    let result = store.import_world(&world).await;
    assert!(matches!(result, Err(StoreError::Conflict { .. })), "got {result:?}");
    assert!(store.tenants().await.expect("tenants").is_empty(), "a failed import must store nothing");
}

async fn a_protected_environment_without_required_approvals_is_refused(store: &dyn Store) {
    let world = World {
        environments: vec![Environment {
            name: "production".into(),
            position: 3,
            protected: true,
            required_approvals: 0,
            rollout: Default::default(),
            creates_namespaces: false,
            rollback: Default::default(),
            approval_ttl_seconds: None,
            bake_seconds: None,
            rollback_on: None,
            checklist: airlock_domain::gate::default_checklist(true),
            freezes: Vec::new(),
        }],
        ..World::default()
    };
    let result = store.import_world(&world).await;
    assert!(matches!(result, Err(StoreError::Conflict { .. })), "got {result:?}");
}

async fn a_tenants_allowed_regions_can_be_narrowed_only_when_nothing_runs_there(store: &dyn Store) {
    fn without_singapore(world: &mut World) {
        let flux = world.tenants.iter_mut().find(|t| t.slug == "flux-logistics").expect("flux exists");
        flux.allowed_regions.retain(|r| r != "singapore");
    }
    // With workloads in singapore, narrowing is refused and nothing changes.
    let mut world = demo_world();
    store.import_world(&world).await.expect("import");
    world.deployments.retain(|d| d.region != "singapore");
    without_singapore(&mut world);
    let refused = store.import_world(&world).await;
    assert!(matches!(refused, Err(StoreError::Conflict { .. })), "got {refused:?}");
    let flux = tenant(store, "flux-logistics").await.expect("flux exists");
    assert_eq!(flux.allowed_regions, ["frankfurt", "ashburn", "singapore"]);
}

async fn a_tenant_without_workloads_in_a_region_can_lose_it(store: &dyn Store) {
    let mut world = World { deployments: Vec::new(), ..demo_world() };
    store.import_world(&world).await.expect("import");
    let flux = world.tenants.iter_mut().find(|t| t.slug == "flux-logistics").expect("flux exists");
    flux.allowed_regions.retain(|r| r != "singapore");
    store.import_world(&world).await.expect("narrowing succeeds");
    let flux = tenant(store, "flux-logistics").await.expect("flux exists");
    assert_eq!(flux.allowed_regions, ["frankfurt", "ashburn"]);
}

async fn deployments_can_be_narrowed_by_tenant_environment_region_and_service(store: &dyn Store) {
    let world = demo_world();
    store.import_world(&world).await.expect("import");
    let scope = DeploymentScope {
        tenant: Some("initech".into()),
        environment: Some("production".into()),
        region: Some("frankfurt".into()),
        service: Some("web".into()),
    };
    let found = store.deployments(&scope).await.expect("query");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].version, "5.1.0");
    let production =
        store.deployments(&DeploymentScope { environment: Some("production".into()), ..Default::default() }).await.expect("query");
    let expected = world.deployments.iter().filter(|d| d.environment == "production").count();
    assert_eq!(production.len(), expected);
    assert!(production.iter().all(|d| d.environment == "production"));
}

async fn an_unknown_tenant_is_absent_not_an_error(store: &dyn Store) {
    store.import_world(&demo_world()).await.expect("import");
    assert!(tenant(store, "no-such-tenant").await.is_none());
    let acme = tenant(store, "acme").await.expect("acme exists");
    assert_eq!(acme.allowed_regions, ["frankfurt"]);
}

async fn a_changed_deployment_replaces_the_previous_record(store: &dyn Store) {
    let mut world = demo_world();
    store.import_world(&world).await.expect("import");
    let target = world.deployments.iter_mut().find(|d| d.tenant == "acme" && d.environment == "production").expect("acme in production");
    target.previous_version = Some(target.version.clone());
    target.version = "9.9.9".into();
    target.health = Health::Failing;
    let changed = target.clone();
    store.import_world(&world).await.expect("re-import");
    let scope = DeploymentScope {
        tenant: Some(changed.tenant.clone()),
        environment: Some(changed.environment.clone()),
        region: Some(changed.region.clone()),
        service: Some(changed.service.clone()),
    };
    assert_eq!(store.deployments(&scope).await.expect("query"), vec![changed]);
}

/// One tenant of the stored world, as every reader sees it in `tenants()`.
async fn tenant(store: &dyn Store, slug: &str) -> Option<airlock_domain::Tenant> {
    store.tenants().await.expect("query").into_iter().find(|t| t.slug == slug)
}
