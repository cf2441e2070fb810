//! Item 5 of the hardening issue for the world: every environment, region,
//! tenant, service and cluster an import sets is an audit entry, once, and `airlock audit
//! verify` names every such row changed behind Airlock's back (the attack:
//! pointing a cluster's API URL at another server by SQL, or widening a
//! tenant's allowed regions).

use crate::support::TestStore;
use crate::support::gate::root;
use crate::support::operator;
use airlock_backend::dispatch::admin;
use airlock_backend::store::AuditFilter;
use airlock_backend::{Backend, audit};
use airlock_domain::{Cluster, NamespaceStrategy};
use chrono::Utc;

on_both_test_stores!(
    a_world_import_records_each_object_once_and_then_only_what_it_changes,
    rows_changed_behind_airlocks_back_are_named_by_verify,
    a_cluster_the_operator_adds_is_recorded_as_it_is_stored,
);

async fn count(backend: &Backend, action: &str) -> usize {
    let filter = AuditFilter { action: Some(action.into()), limit: 500, ..Default::default() };
    audit::entries(backend, Some(&root()), &filter).await.expect("audit").len()
}

async fn unrecorded(backend: &Backend) -> Vec<String> {
    audit::verify(backend, &operator(), None).await.expect("verify").unrecorded
}

async fn a_world_import_records_each_object_once_and_then_only_what_it_changes(db: &TestStore) {
    let backend = crate::support::demo_backend(db).await;
    let world = airlock_backend::demo::demo_world();
    let counts = [
        ("environment.set", world.environments.len()),
        ("region.set", world.regions.len()),
        ("tenant.set", 14),
        ("service.set", 3),
        ("cluster.set", world.clusters.len()),
    ];
    for (action, expected) in counts {
        assert_eq!(count(&backend, action).await, expected, "{action}");
    }
    assert_eq!(unrecorded(&backend).await, Vec::<String>::new());

    backend.import_world(&operator(), &world).await.expect("the same world again");
    for (action, expected) in counts {
        assert_eq!(count(&backend, action).await, expected, "re-importing changes nothing: {action}");
    }
    let mut changed = world.clone();
    changed.tenants[0].name = "Renamed Corp".into();
    backend.import_world(&operator(), &changed).await.expect("one tenant renamed");
    assert_eq!(count(&backend, "tenant.set").await, 15);
    let filter = AuditFilter { action: Some("tenant.set".into()), limit: 1, ..Default::default() };
    let newest = &audit::entries(&backend, Some(&root()), &filter).await.expect("audit")[0];
    assert_eq!(newest.subject, format!("tenant/{}", changed.tenants[0].slug));
    assert!(
        newest.before.as_deref().is_some_and(|b| !b.contains("Renamed")) && newest.after.as_deref().is_some_and(|a| a.contains("Renamed"))
    );
}

async fn rows_changed_behind_airlocks_back_are_named_by_verify(db: &TestStore) {
    let backend = crate::support::demo_backend(db).await;
    let world = airlock_backend::demo::demo_world();
    let cluster = &world.clusters[0].name;
    let tenant = &world.tenants[0].slug;
    let outside = world.regions.iter().find(|r| !world.tenants[0].may_run_in(&r.name)).expect("a region the tenant may not use");
    db.raw_sql(&format!("UPDATE clusters SET api_url = 'https://attacker.example:6443' WHERE name = '{cluster}'")).await.expect("sql");
    db.raw_sql(&format!("INSERT INTO tenant_regions (tenant, region) VALUES ('{tenant}', '{}')", outside.name)).await.expect("sql");
    db.raw_sql("UPDATE services SET image_repository = 'attacker.example/api' WHERE name = 'api'").await.expect("sql");
    // Who may roll back production without fresh approvals, changed by hand.
    db.raw_sql("UPDATE environments SET rollback = 'through_the_gate' WHERE name = 'production'").await.expect("sql");
    let named = unrecorded(&backend).await;
    let rows = [format!("cluster {cluster}"), format!("tenant {tenant}"), "service api".to_owned(), "environment production".to_owned()];
    for row in rows {
        assert!(named.contains(&format!("{row}: its record has no audit entry")), "{row} in {named:?}");
    }
    assert!(!audit::verify(&backend, &operator(), None).await.expect("verify").intact());
    // Importing the real world again puts the rows back as the log records them.
    backend.import_world(&operator(), &world).await.expect("re-import");
    assert_eq!(unrecorded(&backend).await, Vec::<String>::new());
}

async fn a_cluster_the_operator_adds_is_recorded_as_it_is_stored(db: &TestStore) {
    let backend = crate::support::demo_backend(db).await;
    let world = airlock_backend::demo::demo_world();
    let cluster = Cluster {
        name: "added-by-cli".into(),
        environment: world.environments[0].name.clone(),
        region: world.regions[0].name.clone(),
        api_url: "https://added.example:6443".into(),
        credentials_ref: "token-env:ADDED_TOKEN".into(),
        namespace_strategy: NamespaceStrategy::PerTenant,
    };
    admin::add_cluster(&backend, &operator(), cluster, Utc::now()).await.expect("added");
    assert_eq!(unrecorded(&backend).await, Vec::<String>::new());
    let filter = AuditFilter { action: Some("cluster.added".into()), limit: 1, ..Default::default() };
    let entry = &audit::entries(&backend, Some(&root()), &filter).await.expect("audit")[0];
    let after = entry.after.as_deref().unwrap_or_default();
    assert!(after.contains("bearer token") && !after.contains("ADDED_TOKEN"), "the reference stays out of the log: {after}");
    db.raw_sql("UPDATE clusters SET credentials_ref = 'token-env:OTHER' WHERE name = 'added-by-cli'").await.expect("sql");
    assert_eq!(unrecorded(&backend).await, ["cluster added-by-cli: its record has no audit entry"]);
}
