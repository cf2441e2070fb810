//! The audit log against someone with write access to the database, on
//! both databases: a head that lags, a truncated or rebuilt log, a keyed chain
//! rewritten without the key; and verification that reads one snapshot
//! while writes go on, and pages that verify only what is new.

use crate::support::TestStore;
use crate::support::demo_backend;
use crate::support::gate::*;
use crate::support::operator;
use airlock_backend::store::AuditFilter;
use airlock_backend::{Backend, audit};
use airlock_domain::audit::{AuditEntry, AuditKey, Break, Checkpoint};
use airlock_domain::gate::Decision;

on_both_test_stores!(
    verify_reads_one_snapshot_while_changes_are_appended,
    an_entry_inserted_behind_the_heads_back_is_caught,
    a_truncated_log_passes_alone_but_not_against_a_kept_checkpoint,
    a_keyed_log_rewritten_without_the_key_is_caught,
    pages_verify_only_new_entries_but_notice_a_rewritten_checkpoint,
);

fn key() -> AuditKey {
    AuditKey::new(b"0123456789abcdef0123456789abcdef").expect("long enough")
}

async fn some_history(backend: &Backend) -> i64 {
    let id = create(backend).await.release.id;
    decide(backend, &approver("ada"), id, Decision::Approve).await.expect("ada");
    decide(backend, &approver("grace"), id, Decision::Approve).await.expect("grace");
    id
}

async fn all_entries(backend: &Backend) -> Vec<AuditEntry> {
    let mut entries = audit::entries(backend, Some(&root()), &AuditFilter { limit: 500, ..Default::default() }).await.expect("entries");
    entries.reverse();
    entries
}

/// Writes `entry` over the stored row with the same number, as an attacker would.
async fn overwrite(db: &TestStore, entry: &AuditEntry) {
    let quote = |text: &str| text.replace('\'', "''");
    let sql = format!(
        "UPDATE audit_log SET actor = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {}",
        quote(&entry.actor),
        entry.prev_hash,
        entry.hash,
        entry.seq
    );
    db.raw_sql(&sql).await.expect("rewritten by hand");
}

async fn verify_reads_one_snapshot_while_changes_are_appended(db: &TestStore) {
    let backend = demo_backend(db).await;
    let id = some_history(&backend).await;
    let writer = backend.clone();
    let writes = tokio::spawn(async move {
        for round in 0..30 {
            let evidence = format!("https://ci.example.com/runs/{round}");
            check_with(&writer, id, 1 + round % 9, Some(&evidence)).await.expect("checked");
        }
    });
    let mut verified = 0;
    while !writes.is_finished() {
        let report = audit::verify(&backend, &operator(), None).await.expect("verify");
        assert_eq!(report.first_broken, None, "a verify racing appends saw a broken chain");
        verified += 1;
    }
    writes.await.expect("writer");
    assert!(verified > 0);
}

async fn an_entry_inserted_behind_the_heads_back_is_caught(db: &TestStore) {
    let backend = demo_backend(db).await;
    some_history(&backend).await;
    let last = all_entries(&backend).await.pop().expect("entries");
    // A well-formed next entry, chained and hashed, but added with SQL: the head is not moved.
    let draft = airlock_domain::audit::AuditDraft {
        at: last.at,
        actor: "ada".into(),
        action: airlock_domain::audit::AuditAction::ReleaseApproved,
        subject: last.subject.clone(),
        before: None,
        after: None,
    };
    let forged = AuditEntry::chained(draft, last.seq + 1, last.hash.clone(), None);
    let at = format!("'{}'", forged.at.to_rfc3339());
    let sql = format!(
        "INSERT INTO audit_log (seq, at, actor, action, subject, prev_hash, hash) VALUES ({}, {at}, 'ada', '{}', '{}', '{}', '{}')",
        forged.seq, forged.action, forged.subject, forged.prev_hash, forged.hash
    );
    db.raw_sql(&sql).await.expect("inserted by hand");
    let broken = audit::verify(&backend, &operator(), None).await.expect("verify").first_broken.expect("broken");
    assert_eq!((broken.seq, broken.why), (forged.seq, Break::HeadBehind { head_seq: last.seq }));
}

async fn a_truncated_log_passes_alone_but_not_against_a_kept_checkpoint(db: &TestStore) {
    let backend = demo_backend(db).await;
    some_history(&backend).await;
    let kept = audit::verify(&backend, &operator(), None).await.expect("verify").last.expect("a head");
    db.drop_append_only_triggers().await;
    let reset = format!("DELETE FROM audit_log; UPDATE audit_head SET seq = 0, hash = '{}'", airlock_domain::audit::GENESIS);
    db.raw_sql_unchecked(&reset).await.expect("truncated by hand");
    assert_eq!(audit::verify(&backend, &operator(), None).await.expect("verify").first_broken, None, "an empty log is consistent");
    let broken = audit::verify(&backend, &operator(), Some(kept.clone())).await.expect("verify").first_broken.expect("broken");
    assert_eq!((broken.seq, broken.why), (kept.seq, Break::CheckpointMissing));
}

async fn a_keyed_log_rewritten_without_the_key_is_caught(db: &TestStore) {
    demo_backend(db).await;
    let keyed = Backend::new(db.keyed(key()).await);
    some_history(&keyed).await;
    assert_eq!(audit::verify(&keyed, &operator(), None).await.expect("verify").first_broken, None);
    // Rewrite the entry after the first keyed one and everything after it, and the head, with plain hashes.
    db.drop_append_only_triggers().await;
    let mut entries = all_entries(&keyed).await;
    let first_keyed = entries.iter().position(|e| e.is_keyed()).expect("a keyed entry");
    entries[first_keyed + 1].actor = "mallory".into();
    for i in first_keyed + 1..entries.len() {
        entries[i].prev_hash = entries[i - 1].hash.clone();
        entries[i].hash = entries[i].expected_hash();
        overwrite(db, &entries[i]).await;
    }
    let last = entries.last().expect("entries");
    db.raw_sql(&format!("UPDATE audit_head SET hash = '{}' WHERE id = 1", last.hash)).await.expect("head rewritten");
    let broken = audit::verify(&keyed, &operator(), None).await.expect("verify").first_broken.expect("broken");
    assert_eq!((broken.seq, broken.why), (entries[first_keyed + 1].seq, Break::NotKeyed));
}

async fn pages_verify_only_new_entries_but_notice_a_rewritten_checkpoint(db: &TestStore) {
    let backend = demo_backend(db).await;
    // Seeding recorded the demo environments' three policies and one entry
    // per environment (and its checklist), region, cluster, service and tenant.
    let world = airlock_backend::demo::demo_world();
    let objects = 2 * world.environments.len() + world.regions.len() + world.clusters.len() + world.services.len() + world.tenants.len();
    let seeded = 3 + objects as u64;
    let id = some_history(&backend).await;
    let first = audit::verify_recent(&backend, Some(&root())).await.expect("verify");
    assert_eq!((first.entries_checked, first.first_broken.clone()), (seeded + 3, None));
    check_with(&backend, id, 1, Some("https://ci.example.com/runs/1")).await.expect("checked");
    let second = audit::verify_recent(&backend, Some(&root())).await.expect("verify");
    assert_eq!((second.entries_checked, second.first_broken), (seeded + 4, None), "counts the log, reads only the new entry");
    let checkpoint: Checkpoint = second.last.expect("a head");
    db.drop_append_only_triggers().await;
    db.raw_sql(&format!("UPDATE audit_log SET actor = 'mallory' WHERE seq = {}", checkpoint.seq)).await.expect("edited");
    let third = audit::verify_recent(&backend, Some(&root())).await.expect("verify");
    assert_eq!(third.first_broken.map(|b| (b.seq, b.why)), Some((checkpoint.seq, Break::ContentChanged)));
}
