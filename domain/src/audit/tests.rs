use super::*;
use chrono::TimeZone;

/// A valid chain of `n` entries, hashed the way the store appends them.
fn chain(n: i64) -> Vec<AuditEntry> {
    let mut entries: Vec<AuditEntry> = Vec::new();
    for seq in 1..=n {
        let prev_hash = entries.last().map_or(GENESIS.to_owned(), |e| e.hash.clone());
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + chrono::Duration::microseconds(seq * 1_001);
        let mut entry = AuditEntry {
            seq,
            at,
            actor: "rita".into(),
            action: AuditAction::ReleaseCreated.as_str().into(),
            subject: format!("release/{seq}"),
            before: None,
            after: Some(format!("{{\"version\":\"1.0.{seq}\"}}")),
            prev_hash,
            hash: String::new(),
        };
        entry.hash = entry.expected_hash();
        entries.push(entry);
    }
    entries
}

fn head(entries: &[AuditEntry]) -> Option<(i64, &str)> {
    entries.last().map(|e| (e.seq, e.hash.as_str()))
}

#[test]
fn an_untouched_chain_verifies() {
    let entries = chain(5);
    assert_eq!(verify(&entries, head(&entries)), VerifyReport { entries_checked: 5, first_broken: None });
}

#[test]
fn an_empty_log_verifies() {
    assert_eq!(verify(&[], None).first_broken, None);
}

#[test]
fn editing_any_field_of_an_entry_names_that_entry() {
    let edits: [fn(&mut AuditEntry); 5] = [
        |e| e.actor = "mallory".into(),
        |e| e.action = AuditAction::ReleaseApproved.as_str().into(),
        |e| e.subject = "release/99".into(),
        |e| e.after = None,
        |e| e.at += chrono::Duration::seconds(1),
    ];
    for edit in edits {
        let mut entries = chain(5);
        let head_seq = entries[4].seq;
        let head_hash = entries[4].hash.clone();
        edit(&mut entries[2]);
        let report = verify(&entries, Some((head_seq, &head_hash)));
        assert_eq!(report.first_broken.map(|b| (b.seq, b.why)), Some((3, Break::ContentChanged)));
    }
}

#[test]
fn rehashing_an_edited_entry_still_breaks_the_next_link() {
    let mut entries = chain(5);
    entries[2].actor = "mallory".into();
    entries[2].hash = entries[2].expected_hash();
    let report = verify(&entries, head(&entries));
    assert_eq!(report.first_broken.map(|b| b.seq), Some(4));
}

#[test]
fn deleting_an_entry_in_the_middle_is_a_gap() {
    let mut entries = chain(5);
    entries.remove(1);
    let broken = verify(&entries, head(&entries)).first_broken.expect("broken");
    assert_eq!((broken.seq, broken.why), (3, Break::Gap { expected_seq: 2 }));
}

#[test]
fn deleting_entries_from_the_end_is_caught_by_the_head() {
    let mut entries = chain(5);
    let recorded_head = (entries[4].seq, entries[4].hash.clone());
    entries.truncate(3);
    let broken = verify(&entries, Some((recorded_head.0, &recorded_head.1))).first_broken.expect("broken");
    assert_eq!((broken.seq, broken.why.clone()), (5, Break::TailMissing { last_present: 3 }));
    assert_eq!(broken.message(), "Entries #4 to #5 are missing from the end of the log.");
}

#[test]
fn absent_and_empty_before_states_hash_differently() {
    let draft = |before: Option<&str>| AuditDraft {
        at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        actor: "a".into(),
        action: AuditAction::ReleaseCreated,
        subject: "c".into(),
        before: before.map(str::to_owned),
        after: None,
    };
    assert_ne!(
        AuditEntry::chained(draft(None), 1, GENESIS.into()).hash,
        AuditEntry::chained(draft(Some("")), 1, GENESIS.into()).hash
    );
}
