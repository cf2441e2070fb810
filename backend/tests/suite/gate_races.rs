//! Many approvals, rejections, checklist ticks and edits racing on one
//! release, on both databases: whatever order they land in, what is stored
//! is a state the rules allow, the stored verdict is the one the rules give,
//! and the audit log holds exactly one entry per change (and one per
//! opening of the gate), chained.

use crate::support::TestStore;
use crate::support::demo_backend;
use crate::support::gate::*;
use crate::support::operator;
use airlock_backend::Refusal;
use airlock_backend::releases::{self, CheckRequest};
use airlock_backend::store::{AuditFilter, ReleaseFilter};
use airlock_backend::{Backend, audit};
use airlock_domain::gate::{Decision, ReleaseDossier};
use chrono::Utc;
use std::collections::BTreeSet;

on_both_test_stores!(racing_approvals_and_edits_leave_a_state_the_rules_allow_every_time);

const ROUNDS: usize = 4;

async fn racing_approvals_and_edits_leave_a_state_the_rules_allow_every_time(db: &TestStore) {
    let backend = demo_backend(db).await;
    for round in 0..ROUNDS {
        let id = create(&backend).await.release.id;
        check_all(&backend, id).await;
        let audit_before = audit_count(&backend).await;
        let unticked_before = unticked_by_edits(&backend).await;
        let changes = race(&backend, id, round).await;
        let dossier = airlock_backend::releases::get(&backend, Some(&root()), id).await.expect("read");
        assert_allowed(&backend, &dossier).await;
        // Unticking an item dismisses the approvals resting on it: one more entry
        // each time; an edit of what would be deployed unticks every ticked item, one entry each.
        let dismissals = dismissal_count(&backend, id).await;
        let unticked_by_edits = unticked_by_edits(&backend).await - unticked_before;
        // A review or a tick that completed the gate records its opening too.
        let openings = entries_of(&backend, id, "gate.opened").await;
        assert_eq!(
            audit_count(&backend).await - audit_before,
            changes + dismissals + unticked_by_edits + openings,
            "one audit entry per change (round {round})"
        );
    }
    let report = audit::verify(&backend, &operator(), None).await.expect("verify");
    assert_eq!(report.first_broken, None);
}

/// Launches every actor at once and returns how many changes were applied.
async fn race(backend: &Backend, id: i64, round: usize) -> usize {
    let mut tasks = tokio::task::JoinSet::new();
    for name in ["ada", "grace", "linus", "margaret"] {
        let backend = backend.clone();
        tasks.spawn(async move {
            let mut applied = 0;
            for attempt in 0..6 {
                // Some reviewers change their minds; most approve.
                let decision = if name == "linus" && attempt % 3 == 1 { Decision::Reject } else { Decision::Approve };
                // An edit landing between reading and reviewing is refused, never applied to what they did not read.
                match decide(&backend, &approver(name), id, decision).await {
                    Ok(_) => applied += 1,
                    Err(Refusal::StaleRevision { .. }) => {}
                    Err(other) => panic!("review refused: {other:?}"),
                }
            }
            // Every review is a recorded act, even one that repeats the last.
            applied
        });
    }
    let editor = backend.clone();
    tasks.spawn(async move {
        for patch in 1..=3 {
            let mut next = draft("production", &[("acme", "frankfurt")]);
            next.version = format!("2.{}.{patch}", 15 + round);
            let seen = releases::get(&editor, Some(&root()), id).await.expect("read").release.revision;
            releases::edit(&editor, Some(&rita()), id, next, seen, Utc::now()).await.expect("edited");
        }
        3
    });
    let ticker = backend.clone();
    tasks.spawn(async move {
        for (item, checked) in [(3, false), (3, true), (7, false), (7, true)] {
            let request = CheckRequest { checked, evidence_url: None, note: None };
            let result = releases::check_item(&ticker, Some(&rita()), id, item, request, Utc::now()).await;
            assert!(!matches!(result, Err(Refusal::Store(_) | Refusal::Conflict(_))), "{result:?}");
        }
        4
    });
    let mut changes = 0;
    while let Some(applied) = tasks.join_next().await {
        changes += applied.expect("no task panicked");
    }
    changes
}

async fn assert_allowed(backend: &Backend, dossier: &ReleaseDossier) {
    let release = &dossier.release;
    let numbers: Vec<u32> = dossier.revisions.iter().map(|r| r.number).collect();
    assert_eq!(numbers, (1..=release.revision).collect::<Vec<_>>(), "revisions are contiguous");
    let mut seen = BTreeSet::new();
    for review in &dossier.reviews {
        assert_ne!(review.reviewer, release.author, "no self-review");
        assert!(seen.insert((review.revision, review.reviewer.clone())), "one review per person per revision");
        let revision = &dossier.revisions[review.revision as usize - 1];
        assert_eq!(review.digest, revision.content.digest(), "a review carries the digest of the revision it names");
        assert!(review.at >= revision.at, "a review is never of a revision that did not exist yet");
        if let Some(next) = dossier.revisions.get(review.revision as usize) {
            assert!(review.at <= next.at, "a review of an old revision was given while it was current");
        }
    }
    let listed = airlock_backend::releases::list(backend, Some(&root()), &ReleaseFilter::default()).await.expect("list");
    let stored = listed.iter().find(|r| r.id == release.id).expect("listed").state;
    assert_eq!(stored, dossier.state(Utc::now()), "the stored state is the verdict of the stored data");
    if let Ok(approved) = dossier.verdict(Utc::now()) {
        assert!(approved.approvers().len() >= 2);
        assert!(dossier.checklist.iter().all(|item| item.checked.is_some()));
    }
}

async fn dismissal_count(backend: &Backend, id: i64) -> usize {
    entries_of(backend, id, "review.dismissed").await
}

/// How many entries of `action` the release has.
async fn entries_of(backend: &Backend, id: i64, action: &str) -> usize {
    let filter = AuditFilter {
        action: Some(action.into()),
        subject: Some(format!("release/{id}")),
        limit: airlock_backend::store::AUDIT_PAGE_MAX,
        ..Default::default()
    };
    airlock_backend::audit::entries(backend, Some(&root()), &filter).await.expect("audit").len()
}

/// Items an edit unticked because what would be deployed changed.
async fn unticked_by_edits(backend: &Backend) -> usize {
    let filter =
        AuditFilter { action: Some("checklist.unchecked".into()), limit: airlock_backend::store::AUDIT_PAGE_MAX, ..Default::default() };
    let entries = airlock_backend::audit::entries(backend, Some(&root()), &filter).await.expect("audit");
    entries.iter().filter(|e| e.after.as_deref().is_some_and(|a| a.contains(airlock_domain::gate::UNCHECKED_BY_EDIT))).count()
}

async fn audit_count(backend: &Backend) -> usize {
    let filter = AuditFilter { limit: airlock_backend::store::AUDIT_PAGE_MAX, ..Default::default() };
    let newest = airlock_backend::audit::entries(backend, Some(&root()), &filter).await.expect("audit");
    newest.first().map_or(0, |e| e.seq as usize)
}
