//! The ways one person could still open a gate alone, each performed against
//! the service layer on SQLite and PostgreSQL and shown refused, with the
//! gate unchanged: tokens posing as people, an earlier editor approving,
//! approving a revision never seen, evidence swapped after approval, and a
//! list that says "ready" while the release's own page says "blocked".

use crate::support::TestStore;
use crate::support::demo_backend;
use crate::support::gate::*;
use crate::support::operator;
use airlock_backend::Backend;
use airlock_backend::Refusal;
use airlock_backend::releases::{self, CheckRequest};
use airlock_backend::store::{AuditFilter, ReleaseFilter};
use airlock_backend::tokens::{self, TokenGrant};
use airlock_domain::access::{Identity, IdentityKind, Role};
use airlock_domain::gate::{Blocker, Decision, ReleaseDossier, ReleaseState, Review};
use chrono::{Duration, Utc};

on_both_test_stores!(
    a_revision_whose_notes_or_targets_were_changed_by_hand_counts_for_nothing,
    a_service_account_holding_the_approver_role_still_cannot_approve,
    no_token_can_be_given_the_approver_role,
    an_expired_token_is_refused_and_a_used_one_says_when,
    someone_who_edited_an_earlier_revision_cannot_approve_after_a_trivial_edit_by_another,
    the_database_refuses_a_contributors_review_and_a_service_accounts_approval,
    a_review_or_edit_of_a_revision_that_is_no_longer_current_is_refused_naming_both,
    replacing_evidence_after_approval_dismisses_the_approvals_that_saw_it,
    unchecking_an_item_dismisses_too_but_ticking_a_new_one_does_not,
    a_policy_change_reaches_every_list_at_once,
    a_forged_review_check_or_revision_counts_for_nothing_and_verify_names_it,
    rows_made_before_the_upgrade_are_linked_to_their_entries_by_the_migration,
);

fn kinds(dossier: &ReleaseDossier) -> Vec<&'static str> {
    dossier.verdict(Utc::now()).err().unwrap_or_default().iter().map(Blocker::kind).collect()
}

async fn read(backend: &Backend, id: i64) -> ReleaseDossier {
    releases::get(backend, Some(&root()), id).await.expect("read")
}

/// A release with every item checked (with evidence) and approved by ada and grace.
async fn ready_release(backend: &Backend) -> i64 {
    let id = create(backend).await.release.id;
    check_all(backend, id).await;
    decide(backend, &approver("ada"), id, Decision::Approve).await.expect("ada");
    let ready = decide(backend, &approver("grace"), id, Decision::Approve).await.expect("grace");
    assert!(ready.verdict(Utc::now()).is_ok(), "{:?}", kinds(&ready));
    id
}

/// The entry records a revision's digest, version and image; the digest
/// covers its targets and notes too. Changing either behind Airlock's back,
/// the stored digest kept, leaves a revision no entry records.
async fn a_revision_whose_notes_or_targets_were_changed_by_hand_counts_for_nothing(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = ready_release(&backend).await;
    db.raw_sql(&format!("UPDATE release_revisions SET notes = 'and a backdoor' WHERE release_id = {id}")).await.expect("edited by hand");
    let forged = read(&backend, id).await;
    assert!(kinds(&forged).contains(&"unrecorded"), "{:?}", kinds(&forged));
    assert!(forged.verdict(Utc::now()).is_err());
    db.raw_sql(&format!("UPDATE release_revisions SET notes = 'Adds invoice export' WHERE release_id = {id}")).await.expect("put back");
    assert!(read(&backend, id).await.verdict(Utc::now()).is_ok(), "as recorded, it counts again");
    db.raw_sql(&format!("UPDATE release_targets SET region = 'ashburn' WHERE release_id = {id}")).await.ok();
    db.raw_sql(&format!("INSERT INTO release_targets (release_id, revision, tenant, region) VALUES ({id}, 1, 'initech', 'frankfurt')"))
        .await
        .expect("a target added by hand");
    assert!(kinds(&read(&backend, id).await).contains(&"unrecorded"));
}

async fn listed_ids(backend: &Backend, state: ReleaseState) -> Vec<i64> {
    let filter = ReleaseFilter { state: Some(state), ..Default::default() };
    releases::list(backend, Some(&root()), &filter).await.expect("list").into_iter().map(|r| r.id).collect()
}

async fn a_service_account_holding_the_approver_role_still_cannot_approve(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    // A token from before tokens lost the approver role, named like a person.
    let token = Identity { name: "token:ada".into(), kind: IdentityKind::ServiceAccount, roles: vec![Role::Approver], tenants: vec![] };
    let refused = decide(&backend, &token, id, Decision::Approve).await;
    assert!(matches!(refused, Err(Refusal::ServiceAccountApproval)), "{refused:?}");
    assert!(read(&backend, id).await.reviews.is_empty(), "nothing recorded");
}

async fn no_token_can_be_given_the_approver_role(db: &TestStore) {
    let backend = demo_backend(db).await;
    let expires_at = Utc::now() + Duration::days(1);
    let grant = TokenGrant { roles: vec![Role::Approver, Role::ReleaseManager], tenants: vec![], expires_at };
    let refused = tokens::create(&backend, &operator(), "ada", grant, Utc::now()).await;
    assert!(matches!(&refused, Err(Refusal::Invalid(errors)) if errors[0].field == "role"), "{refused:?}");
    assert!(tokens::list(&backend, &operator()).await.expect("list").is_empty());
}

async fn an_expired_token_is_refused_and_a_used_one_says_when(db: &TestStore) {
    let backend = demo_backend(db).await;
    let now = Utc::now();
    let grant = TokenGrant { roles: vec![Role::ReleaseManager], tenants: vec![], expires_at: now + Duration::days(7) };
    let secret = tokens::create(&backend, &operator(), "ci", grant, now).await.expect("created");
    let identity = tokens::identify(&backend, &secret, now).await.expect("identify").expect("accepted");
    assert_eq!((identity.name.as_str(), identity.kind), ("token:ci", IdentityKind::ServiceAccount));
    let stored = tokens::list(&backend, &operator()).await.expect("list").remove(0);
    assert_eq!(stored.last_used_at.map(|at| at.timestamp()), Some(now.timestamp()));
    let after_expiry = now + Duration::days(7) + Duration::seconds(1);
    assert_eq!(tokens::identify(&backend, &secret, after_expiry).await.expect("identify"), None);
}

async fn someone_who_edited_an_earlier_revision_cannot_approve_after_a_trivial_edit_by_another(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    check_all(&backend, id).await;
    // sam, a release manager who is also an approver, swaps the image (revision 2)…
    let sam = person("sam", &[Role::ReleaseManager, Role::Approver]);
    let mut swapped = draft("production", &[("acme", "frankfurt")]);
    swapped.image = "registry.airlock.internal/api:2.15.0-sam".into();
    swapped.image_pinned = true;
    releases::edit(&backend, Some(&sam), id, swapped.clone(), 1, Utc::now()).await.expect("sam's edit");
    // …rita touches the notes (revision 3)…
    swapped.notes = "Adds invoice export.".into();
    swapped.image_pinned = false;
    releases::edit(&backend, Some(&rita()), id, swapped, 2, Utc::now()).await.expect("rita's edit");
    // …and sam tries to approve what includes his own change.
    let refused = decide(&backend, &sam, id, Decision::Approve).await;
    assert!(matches!(refused, Err(Refusal::SelfReview { .. })), "{refused:?}");
    decide(&backend, &approver("ada"), id, Decision::Approve).await.expect("ada");
    let after = read(&backend, id).await;
    assert_eq!(after.contributors(), ["rita", "sam"]);
    assert_eq!(after.counted_approvers(Utc::now()), ["ada"]);
    // sam's image swap also unticked the checklist (rita's notes edit did not).
    assert_eq!(kinds(&after), ["too_few_approvals", "unchecked_items"]);
}

async fn the_database_refuses_a_contributors_review_and_a_service_accounts_approval(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    let sam = person("sam", &[Role::ReleaseManager]);
    let mut changed = draft("production", &[("acme", "frankfurt")]);
    changed.version = "2.15.1".into();
    let edited = releases::edit(&backend, Some(&sam), id, changed, 1, Utc::now()).await.expect("edited");
    let review = |reviewer: &str| Review {
        reviewer: reviewer.into(),
        reviewer_is_approver: true,
        decision: Decision::Approve,
        revision: 2,
        digest: edited.release.content.digest(),
        comment: String::new(),
        at: Utc::now(),
        dismissed: None,
        recorded: true,
    };
    for forged in ["sam", "token:ada"] {
        let mut tx = db.store.begin().await.expect("begin");
        let refused = tx.put_review(id, "rita", &review(forged)).await;
        assert!(refused.is_err(), "the database recorded an approval by {forged}");
    }
    assert!(read(&backend, id).await.reviews.is_empty());
}

async fn a_review_or_edit_of_a_revision_that_is_no_longer_current_is_refused_naming_both(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    let mut changed = draft("production", &[("acme", "frankfurt")]);
    changed.version = "2.15.1".into();
    releases::edit(&backend, Some(&rita()), id, changed.clone(), 1, Utc::now()).await.expect("edited");
    let stale = decide_on(&backend, &approver("ada"), id, 1, Decision::Approve).await;
    assert!(matches!(stale, Err(Refusal::StaleRevision { seen: 1, current: 2 })), "{stale:?}");
    let message = stale.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("revision 1") && message.contains("revision 2"), "{message}");
    changed.version = "2.15.2".into();
    let late_edit = releases::edit(&backend, Some(&rita()), id, changed, 1, Utc::now()).await;
    assert!(matches!(late_edit, Err(Refusal::StaleRevision { seen: 1, current: 2 })), "{late_edit:?}");
    let after = read(&backend, id).await;
    assert_eq!((after.release.revision, after.reviews.len()), (2, 0));
}

async fn replacing_evidence_after_approval_dismisses_the_approvals_that_saw_it(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = ready_release(&backend).await;
    let swapped = check_with(&backend, id, 1, Some("https://ci.example.com/runs/forged")).await.expect("replaced");
    assert_eq!(kinds(&swapped), ["too_few_approvals", "dismissed_approval", "dismissed_approval"]);
    assert!(listed_ids(&backend, ReleaseState::Ready).await.is_empty());
    let filter =
        AuditFilter { action: Some("review.dismissed".into()), subject: Some(format!("release/{id}")), limit: 10, ..Default::default() };
    let recorded = airlock_backend::audit::entries(&backend, Some(&root()), &filter).await.expect("audit");
    assert_eq!(recorded.len(), 1, "the dismissal is in the history");
    assert!(recorded[0].after.as_deref().is_some_and(|a| a.contains("\"ada\"") && a.contains("\"grace\"")));
    // Approving again, having seen the new evidence, counts.
    decide(&backend, &approver("ada"), id, Decision::Approve).await.expect("ada again");
    let reopened = decide(&backend, &approver("grace"), id, Decision::Approve).await.expect("grace again");
    assert!(reopened.verdict(Utc::now()).is_ok(), "{:?}", kinds(&reopened));
}

async fn unchecking_an_item_dismisses_too_but_ticking_a_new_one_does_not(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    for item in 1..=8 {
        check_with(&backend, id, item, Some("https://ci.example.com/runs/1")).await.expect("checked");
    }
    decide(&backend, &approver("ada"), id, Decision::Approve).await.expect("ada");
    decide(&backend, &approver("grace"), id, Decision::Approve).await.expect("grace");
    let ticked = check_with(&backend, id, 9, Some("https://pager.example.com/1")).await.expect("ticked");
    assert!(ticked.verdict(Utc::now()).is_ok(), "ticking a new item dismissed nothing: {:?}", kinds(&ticked));
    let request = CheckRequest { checked: false, evidence_url: None, note: None };
    releases::check_item(&backend, Some(&rita()), id, 2, request, Utc::now()).await.expect("unchecked");
    let rechecked = check_with(&backend, id, 2, Some("https://ci.example.com/runs/1")).await.expect("re-ticked");
    assert_eq!(kinds(&rechecked), ["too_few_approvals", "dismissed_approval", "dismissed_approval"]);
}

async fn a_policy_change_reaches_every_list_at_once(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = ready_release(&backend).await;
    assert_eq!(listed_ids(&backend, ReleaseState::Ready).await, [id]);
    let mut world = airlock_backend::demo::demo_world();
    let production = world.environments.iter_mut().find(|e| e.name == "production").expect("production");
    production.required_approvals = 3;
    backend.import_world(&crate::support::operator(), &world).await.expect("policy changed");
    let page = read(&backend, id).await;
    assert_eq!(kinds(&page), ["too_few_approvals"]);
    assert!(listed_ids(&backend, ReleaseState::Ready).await.is_empty(), "the list agrees with the page");
    assert_eq!(listed_ids(&backend, ReleaseState::Blocked).await, [id]);
}

/// An operator with a SQL prompt writes the approvals and checks the gate
/// is missing: the rows are there, but no audit entry records them.
async fn a_forged_review_check_or_revision_counts_for_nothing_and_verify_names_it(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    for item in 1..=8 {
        check_with(&backend, id, item, Some("https://ci.example.com/runs/1")).await.expect("checked");
    }
    decide(&backend, &approver("ada"), id, Decision::Approve).await.expect("ada");
    let digest = read(&backend, id).await.release.content.digest();
    let now = if db.is_postgres() { "now()" } else { "'2026-11-30T02:00:00+00:00'" };
    let forged_review = format!(
        "INSERT INTO reviews (release_id, release_author, revision, reviewer, reviewer_is_approver, decision, digest, comment, at) \
         VALUES ({id}, 'rita', 1, 'grace', true, 'approve', '{}', '', {now})",
        digest.as_str()
    );
    db.raw_sql(&forged_review).await.expect("inserted by hand");
    db.raw_sql(&format!("UPDATE checklist_items SET checked_by = 'rita', checked_at = {now} WHERE release_id = {id} AND position = 9"))
        .await
        .expect("ticked by hand");
    let forged = read(&backend, id).await;
    assert_eq!(forged.counted_approvers(Utc::now()), ["ada"], "grace's forged approval does not count");
    assert_eq!(kinds(&forged), ["too_few_approvals", "unchecked_items", "unrecorded"]);
    let report = airlock_backend::audit::verify(&backend, &operator(), None).await.expect("verify");
    assert_eq!(report.first_broken, None, "the chain itself is untouched");
    assert_eq!(
        report.unrecorded,
        [
            format!("release {id}: approve of revision 1 by grace has no audit entry"),
            format!("release {id}: check of item 9 by rita has no audit entry"),
        ]
    );
    assert!(!report.intact());
    // The real moves, recorded, still open the gate.
    check_with(&backend, id, 9, None).await.expect("checked for real");
    let opened = decide(&backend, &approver("grace"), id, Decision::Approve).await.expect("grace for real");
    assert!(opened.verdict(Utc::now()).is_ok(), "{:?}", kinds(&opened));
    assert!(airlock_backend::audit::verify(&backend, &operator(), None).await.expect("verify").intact());
}

/// Migration 0005 links rows made before it to the entries that recorded
/// them; without that, every gate open at upgrade time would close. Replays
/// its backfill on a release whose links were wiped, as they were before.
async fn rows_made_before_the_upgrade_are_linked_to_their_entries_by_the_migration(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = create(&backend).await.release.id;
    let mut edited = draft("production", &[("acme", "frankfurt")]);
    edited.version = "2.15.1".into();
    releases::edit(&backend, Some(&rita()), id, edited, 1, Utc::now()).await.expect("revision 2");
    check_all(&backend, id).await;
    decide(&backend, &approver("linus"), id, Decision::Reject).await.expect("linus");
    decide(&backend, &approver("linus"), id, Decision::Approve).await.expect("linus changes his mind");
    let ready = decide(&backend, &approver("ada"), id, Decision::Approve).await.expect("ada");
    assert!(ready.verdict(Utc::now()).is_ok(), "{:?}", kinds(&ready));
    db.raw_sql(
        "UPDATE release_revisions SET audit_seq = NULL; UPDATE reviews SET audit_seq = NULL; UPDATE checklist_items SET audit_seq = NULL",
    )
    .await
    .expect("as before the upgrade");
    assert!(kinds(&read(&backend, id).await).contains(&"unrecorded"));
    let dialect = if db.is_postgres() { "postgres" } else { "sqlite" };
    let migration = std::fs::read_to_string(format!("{}/../migrations/{dialect}/0005_gate_integrity.sql", env!("CARGO_MANIFEST_DIR")))
        .expect("migration 0005");
    let start = migration.find("-- Revision N is the Nth").expect("the backfill");
    let end = migration.find("-- Tokens made before").expect("its end");
    db.raw_sql(&migration[start..end]).await.expect("the backfill runs");
    let after = read(&backend, id).await;
    assert!(after.verdict(Utc::now()).is_ok(), "{:?}", kinds(&after));
    let report = airlock_backend::audit::verify(&backend, &operator(), None).await.expect("verify");
    assert!(report.intact(), "{:?}", report.unrecorded);
}
