//! The audit log on both databases: every change appends exactly one entry,
//! the chain verifies, the database refuses edits, and an edit made behind
//! its back (triggers dropped first) is found and named.

use crate::support::TestStore;
use crate::support::gate;
use crate::support::operator;
use airlock_backend::audit;
use airlock_backend::store::AuditFilter;
use airlock_domain::audit::Break;
use airlock_domain::gate::Decision;

on_both_test_stores!(
    every_change_appends_one_entry_and_the_chain_verifies,
    the_database_refuses_to_update_or_delete_an_audit_entry,
    editing_an_audit_row_by_hand_makes_verify_name_that_row,
    deleting_the_newest_audit_rows_by_hand_is_detected,
);

async fn every_change_appends_one_entry_and_the_chain_verifies(db: &TestStore) {
    let backend = crate::support::demo_backend(db).await;
    let id = gate::create(&backend).await.release.id;
    gate::check_all(&backend, id).await;
    gate::decide(&backend, &gate::approver("ada"), id, Decision::Approve).await.expect("ada");
    gate::decide(&backend, &gate::approver("grace"), id, Decision::Reject).await.expect("grace");
    let entries = db.store.audit_entries(&AuditFilter { limit: 100, ..Default::default() }).await.expect("entries");
    let actions: Vec<&str> = entries.iter().rev().map(|e| e.action.as_str()).collect();
    // Seeding the demo world recorded the gate policy of its three environments,
    // then each of its environments (and their checklists), regions, clusters, services and tenants (`world_audit`).
    let world = airlock_backend::demo::demo_world();
    let objects = 2 * world.environments.len() + world.regions.len() + world.clusters.len() + world.services.len() + world.tenants.len();
    let mut expected = vec!["policy.set", "policy.set", "policy.set"];
    expected.extend(std::iter::repeat_n("environment.set", world.environments.len()));
    expected.extend(std::iter::repeat_n("checklist.set", world.environments.len()));
    expected.extend(std::iter::repeat_n("region.set", world.regions.len()));
    expected.extend(std::iter::repeat_n("cluster.set", world.clusters.len()));
    expected.extend(std::iter::repeat_n("service.set", world.services.len()));
    expected.extend(std::iter::repeat_n("tenant.set", world.tenants.len()));
    expected.push("release.created");
    expected.extend(std::iter::repeat_n("checklist.checked", 9));
    expected.extend(["review.approved", "review.rejected"]);
    assert_eq!(actions, expected);
    let world_subjects = ["environment/", "region/", "cluster/", "service/", "tenant/"];
    assert!(
        entries.iter().all(|e| e.subject.starts_with(&format!("release/{id}")) || world_subjects.iter().any(|s| e.subject.starts_with(s)))
    );
    let by_ada = AuditFilter { actor: Some("ada".into()), limit: 100, ..Default::default() };
    assert_eq!(db.store.audit_entries(&by_ada).await.expect("filtered").len(), 1);
    let report = audit::verify(&backend, &operator(), None).await.expect("verify");
    assert_eq!((report.entries_checked, report.first_broken), (15 + objects as u64, None));
}

async fn the_database_refuses_to_update_or_delete_an_audit_entry(db: &TestStore) {
    let backend = crate::support::demo_backend(db).await;
    gate::create(&backend).await;
    assert!(db.raw_sql("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1").await.is_err());
    assert!(db.raw_sql("DELETE FROM audit_log WHERE seq = 1").await.is_err());
    assert_eq!(audit::verify(&backend, &operator(), None).await.expect("verify").first_broken, None);
}

/// How many entries seeding the demo world wrote (its environments' policies).
async fn seeded(db: &TestStore) -> i64 {
    db.store.audit_entries(&AuditFilter { limit: 100, ..Default::default() }).await.expect("entries").len() as i64
}

async fn editing_an_audit_row_by_hand_makes_verify_name_that_row(db: &TestStore) {
    let backend = crate::support::demo_backend(db).await;
    let approval = seeded(db).await + 2;
    let id = gate::create(&backend).await.release.id;
    gate::decide(&backend, &gate::approver("ada"), id, Decision::Approve).await.expect("ada");
    gate::decide(&backend, &gate::approver("grace"), id, Decision::Approve).await.expect("grace");
    db.drop_append_only_triggers().await;
    db.raw_sql(&format!("UPDATE audit_log SET actor = 'mallory' WHERE seq = {approval}")).await.expect("edited by hand");
    let broken = audit::verify(&backend, &operator(), None).await.expect("verify").first_broken.expect("broken");
    assert_eq!((broken.seq, broken.why.clone()), (approval, Break::ContentChanged));
    assert!(broken.message().contains(&format!("#{approval}")), "{}", broken.message());
}

async fn deleting_the_newest_audit_rows_by_hand_is_detected(db: &TestStore) {
    let backend = crate::support::demo_backend(db).await;
    let created = seeded(db).await + 1;
    let id = gate::create(&backend).await.release.id;
    gate::decide(&backend, &gate::approver("ada"), id, Decision::Approve).await.expect("ada");
    db.drop_append_only_triggers().await;
    db.raw_sql_unchecked(&format!("DELETE FROM audit_log WHERE seq = {}", created + 1)).await.expect("deleted by hand");
    let broken = audit::verify(&backend, &operator(), None).await.expect("verify").first_broken.expect("broken");
    assert_eq!((broken.seq, broken.why), (created + 1, Break::TailMissing { last_present: created }));
}
