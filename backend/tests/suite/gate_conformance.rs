//! The release gate through the service layer, on SQLite and PostgreSQL:
//! every rule holds on both, and the database refuses what the rules forbid
//! even when the code above it is bypassed.

use crate::support::TestStore;
use crate::support::demo_backend;
use crate::support::gate::*;
use airlock_backend::Backend;
use airlock_backend::releases::{self, CheckRequest};
use airlock_backend::store::{AuditFilter, ItemCheck, ReleaseFilter};
use airlock_backend::{Missing, Refusal};
use airlock_domain::access::{Denied, Role};
use airlock_domain::gate::{Blocker, Decision, ReleaseDossier, ReleaseState, Review};
use chrono::Utc;

on_both_test_stores!(
    a_new_production_release_has_the_nine_items_and_is_blocked,
    the_author_cannot_approve_and_nothing_is_recorded,
    approving_twice_counts_once,
    two_approvals_and_a_complete_checklist_open_the_gate,
    an_edit_dismisses_approvals_and_records_what_changed,
    a_notes_only_edit_keeps_the_ticks_and_a_target_change_does_not,
    a_rejection_blocks_until_a_new_revision,
    a_missing_checklist_item_blocks,
    a_disallowed_region_and_a_region_without_a_cluster_block,
    only_approvers_review_and_only_release_managers_create,
    the_database_refuses_a_self_review_even_when_the_rules_are_bypassed,
);

fn kinds(dossier: &ReleaseDossier) -> Vec<&'static str> {
    dossier.verdict(Utc::now()).err().unwrap_or_default().iter().map(Blocker::kind).collect()
}

async fn stored_state(backend: &Backend, id: i64) -> ReleaseState {
    let list = airlock_backend::releases::list(backend, Some(&root()), &ReleaseFilter::default()).await.expect("list");
    list.into_iter().find(|r| r.id == id).expect("listed").state
}

async fn a_new_production_release_has_the_nine_items_and_is_blocked(db: &TestStore) {
    let backend = demo_backend(db).await;
    let release = create(&backend).await;
    assert_eq!(release.release.revision, 1);
    assert_eq!(release.release.content.image, "registry.airlock.internal/api:2.15.0");
    assert_eq!(release.checklist.len(), 9);
    assert!(release.checklist.iter().all(|i| i.checked.is_none()));
    assert_eq!(kinds(&release), ["too_few_approvals", "unchecked_items"]);
    assert_eq!(stored_state(&backend, release.release.id).await, ReleaseState::Blocked);
}

async fn the_author_cannot_approve_and_nothing_is_recorded(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    let author_as_approver = person("rita", &[Role::ReleaseManager, Role::Approver]);
    let refused = decide(&backend, &author_as_approver, id, Decision::Approve).await;
    assert!(matches!(refused, Err(Refusal::SelfReview { .. })), "{refused:?}");
    assert!(airlock_backend::releases::get(&backend, Some(&root()), id).await.expect("read").reviews.is_empty());
}

async fn approving_twice_counts_once(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    decide(&backend, &approver("ada"), id, Decision::Approve).await.expect("first");
    let after = decide(&backend, &approver("ada"), id, Decision::Approve).await.expect("second");
    assert_eq!(after.reviews.len(), 1);
    let blockers = after.verdict(Utc::now()).expect_err("still blocked");
    assert!(blockers.contains(&Blocker::TooFewApprovals { have: 1, need: 2 }), "{blockers:?}");
}

async fn two_approvals_and_a_complete_checklist_open_the_gate(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    check_all(&backend, id).await;
    decide(&backend, &approver("ada"), id, Decision::Approve).await.expect("ada");
    let opened = decide(&backend, &approver("grace"), id, Decision::Approve).await.expect("grace");
    let approved = opened.verdict(Utc::now()).expect("the gate is open");
    assert_eq!(approved.approvers(), ["ada", "grace"]);
    assert_eq!(stored_state(&backend, id).await, ReleaseState::Ready);
    let ready = releases::list(&backend, Some(&root()), &ReleaseFilter { state: Some(ReleaseState::Ready), ..Default::default() }).await;
    assert_eq!(ready.expect("list").iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
}

async fn a_notes_only_edit_keeps_the_ticks_and_a_target_change_does_not(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    check_all(&backend, id).await;
    let mut notes = draft("production", &[("acme", "frankfurt")]);
    notes.notes = "Adds invoice export; reviewed with finance".into();
    let edited = releases::edit(&backend, Some(&rita()), id, notes.clone(), 1, Utc::now()).await.expect("notes edited");
    assert!(edited.checklist.iter().all(|i| i.checked.is_some()), "the evidence still describes what would be deployed");
    let mut more = notes;
    more.targets.push(airlock_domain::gate::Target { tenant: "initech".into(), region: "ashburn".into() });
    let edited = releases::edit(&backend, Some(&rita()), id, more, 2, Utc::now()).await.expect("target added");
    assert!(edited.checklist.iter().all(|i| i.checked.is_none()), "another target: every item unticked");
    let filter = AuditFilter { action: Some("checklist.unchecked".into()), limit: 50, ..Default::default() };
    let entries = airlock_backend::audit::entries(&backend, Some(&root()), &filter).await.expect("audit");
    assert_eq!(entries.len(), 9);
    assert!(entries.iter().all(|e| e.actor == "rita" && e.after.as_deref().is_some_and(|a| a.contains("\"revision\":3"))));
}

async fn an_edit_dismisses_approvals_and_records_what_changed(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    check_all(&backend, id).await;
    decide(&backend, &approver("ada"), id, Decision::Approve).await.expect("ada");
    decide(&backend, &approver("grace"), id, Decision::Approve).await.expect("grace");
    let mut changed = draft("production", &[("acme", "frankfurt")]);
    changed.version = "2.15.1".into();
    let edited = releases::edit(&backend, Some(&rita()), id, changed, 1, Utc::now()).await.expect("edited");
    assert_eq!(edited.release.revision, 2);
    // A new version is something else to deploy: its evidence must be given again.
    assert_eq!(kinds(&edited), ["too_few_approvals", "stale_approval", "stale_approval", "unchecked_items"]);
    assert!(edited.checklist.iter().all(|i| i.checked.is_none()));
    let history = airlock_domain::gate::changes(&edited.revisions[0].content, &edited.revisions[1].content);
    assert_eq!(history.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), ["version", "image", "checklist"]);
    assert_eq!(history[2].after, airlock_domain::gate::UNCHECKED_BY_EDIT);
    assert_eq!(stored_state(&backend, id).await, ReleaseState::Blocked);
    let stale = releases::edit(&backend, Some(&rita()), id, draft("production", &[("acme", "frankfurt")]), 1, Utc::now()).await;
    assert!(matches!(stale, Err(Refusal::StaleRevision { seen: 1, current: 2 })), "{stale:?}");
}

async fn a_rejection_blocks_until_a_new_revision(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    check_all(&backend, id).await;
    decide(&backend, &approver("ada"), id, Decision::Approve).await.expect("ada");
    decide(&backend, &approver("grace"), id, Decision::Approve).await.expect("grace");
    let rejected = decide(&backend, &approver("linus"), id, Decision::Reject).await.expect("linus");
    assert_eq!(kinds(&rejected), ["rejected"]);
    assert_eq!(stored_state(&backend, id).await, ReleaseState::Rejected);
    let mut fixed = draft("production", &[("acme", "frankfurt")]);
    fixed.notes = "Adds invoice export; migration reviewed".into();
    let edited = releases::edit(&backend, Some(&rita()), id, fixed, 1, Utc::now()).await.expect("edited");
    assert!(!kinds(&edited).contains(&"rejected"));
}

async fn a_missing_checklist_item_blocks(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    check_all(&backend, id).await;
    let request = CheckRequest { checked: false, evidence_url: None, note: None };
    releases::check_item(&backend, Some(&rita()), id, 9, request, Utc::now()).await.expect("unchecked");
    decide(&backend, &approver("ada"), id, Decision::Approve).await.expect("ada");
    let after = decide(&backend, &approver("grace"), id, Decision::Approve).await.expect("grace");
    let blockers = after.verdict(Utc::now()).expect_err("blocked");
    assert_eq!(blockers, [Blocker::UncheckedItems { items: vec!["On-call team notified".into()] }]);
    let no_item = CheckRequest { checked: true, evidence_url: None, note: None };
    let missing = releases::check_item(&backend, Some(&rita()), id, 10, no_item, Utc::now()).await;
    assert!(matches!(missing, Err(Refusal::NotFound(Missing::ChecklistItem { item: 10, .. }))), "{missing:?}");
}

async fn a_disallowed_region_and_a_region_without_a_cluster_block(db: &TestStore) {
    let backend = demo_backend(db).await;
    let outside = releases::create(&backend, Some(&rita()), draft("production", &[("acme", "ashburn")]), Utc::now()).await;
    assert_eq!(kinds(&outside.expect("accepted")), ["target_not_allowed", "too_few_approvals", "unchecked_items"]);
    let no_cluster = releases::create(&backend, Some(&rita()), draft("development", &[("initech", "ashburn")]), Utc::now()).await;
    assert_eq!(kinds(&no_cluster.expect("accepted")), ["target_without_cluster"]);
    let fine = releases::create(&backend, Some(&rita()), draft("development", &[("initech", "frankfurt")]), Utc::now()).await;
    assert!(fine.expect("accepted").verdict(Utc::now()).is_ok(), "an unprotected environment needs no approvals");
}

async fn only_approvers_review_and_only_release_managers_create(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    let by_manager = decide(&backend, &person("linda", &[Role::ReleaseManager]), id, Decision::Approve).await;
    assert!(matches!(by_manager, Err(Refusal::Denied(Denied::Forbidden { .. }))), "{by_manager:?}");
    let anonymous = releases::create(&backend, None, draft("production", &[("acme", "frankfurt")]), Utc::now()).await;
    assert!(matches!(anonymous, Err(Refusal::Denied(Denied::Unauthenticated { .. }))), "{anonymous:?}");
    let by_approver = releases::create(&backend, Some(&approver("ada")), draft("production", &[("acme", "frankfurt")]), Utc::now()).await;
    assert!(matches!(by_approver, Err(Refusal::Denied(Denied::Forbidden { .. }))));
    assert_eq!(airlock_backend::releases::list(&backend, Some(&root()), &ReleaseFilter::default()).await.expect("list").len(), 1);
}

async fn the_database_refuses_a_self_review_even_when_the_rules_are_bypassed(db: &TestStore) {
    let backend = demo_backend(db).await;
    let release = create(&backend).await;
    let review = |reviewer: &str| Review {
        reviewer: reviewer.into(),
        reviewer_is_approver: true,
        decision: Decision::Approve,
        revision: 1,
        digest: release.release.content.digest(),
        comment: String::new(),
        at: Utc::now(),
        dismissed: None,
        recorded: true,
    };
    let id = release.release.id;
    let mut tx = db.store.begin().await.expect("begin");
    let refused = tx.put_review(id, "rita", &review("rita")).await;
    assert!(matches!(refused, Err(airlock_backend::StoreError::Conflict { .. })), "{refused:?}");
    drop(tx);
    // Lying about the author does not help: the foreign key pins it to the release.
    let mut tx = db.store.begin().await.expect("begin");
    let lied = tx.put_review(id, "someone-else", &review("rita")).await;
    assert!(matches!(lied, Err(airlock_backend::StoreError::Conflict { .. })), "{lied:?}");
    drop(tx);
    let mut tx = db.store.begin().await.expect("begin");
    let check = ItemCheck { by: "rita".into(), at: Utc::now(), evidence_url: None, note: None };
    assert!(!tx.set_item(id, 42, Some(&check)).await.expect("no such item is not an error"));
}
