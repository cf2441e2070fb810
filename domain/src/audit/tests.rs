use super::*;
use chrono::TimeZone;

/// A valid chain of `n` entries, hashed the way the store appends them.
fn chain(n: i64) -> Vec<AuditEntry> {
    keyed_chain(n, None)
}

fn draft(seq: i64) -> AuditDraft {
    AuditDraft {
        at: Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + chrono::Duration::microseconds(seq * 1_001),
        actor: "rita".into(),
        action: AuditAction::ReleaseCreated,
        subject: format!("release/{seq}"),
        before: None,
        after: Some(format!("{{\"version\":\"1.0.{seq}\"}}")),
    }
}

/// The same, keyed with `key` when given.
fn keyed_chain(n: i64, key: Option<&AuditKey>) -> Vec<AuditEntry> {
    let mut entries: Vec<AuditEntry> = Vec::new();
    for seq in 1..=n {
        let prev_hash = entries.last().map_or(GENESIS.to_owned(), |e| e.hash.clone());
        entries.push(AuditEntry::chained(draft(seq), seq, prev_hash, key));
    }
    entries
}

fn key() -> AuditKey {
    AuditKey::new(b"a key of thirty-two bytes or more!!").expect("long enough")
}

fn walk(entries: &[AuditEntry], key: Option<&AuditKey>, checkpoint: Option<Checkpoint>) -> VerifyReport {
    let mut verifier = Verifier::new(key, checkpoint);
    entries.iter().take_while(|e| verifier.feed(e)).for_each(drop);
    verifier.finish(head(entries))
}

fn head(entries: &[AuditEntry]) -> Option<(i64, &str)> {
    entries.last().map(|e| (e.seq, e.hash.as_str()))
}

#[test]
fn an_untouched_chain_verifies() {
    let entries = chain(5);
    let report = verify(&entries, head(&entries));
    assert_eq!((report.entries_checked, report.first_broken), (5, None));
    assert_eq!(report.last, Some(Checkpoint { seq: 5, hash: entries[4].hash.clone() }));
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
        AuditEntry::chained(draft(None), 1, GENESIS.into(), None).hash,
        AuditEntry::chained(draft(Some("")), 1, GENESIS.into(), None).hash
    );
}

#[test]
fn a_head_that_lags_the_log_is_caught() {
    let entries = chain(5);
    let lagging = (3, entries[2].hash.clone());
    let broken = verify(&entries, Some((lagging.0, &lagging.1))).first_broken.expect("broken");
    assert_eq!((broken.seq, broken.why), (5, Break::HeadBehind { head_seq: 3 }));
}

#[test]
fn a_keyed_chain_verifies_with_its_key_and_not_with_another() {
    let entries = keyed_chain(4, Some(&key()));
    assert!(entries.iter().all(AuditEntry::is_keyed));
    assert_eq!(walk(&entries, Some(&key()), None).first_broken, None);
    let other = AuditKey::new(&[7; 32]).expect("long enough");
    assert_eq!(walk(&entries, Some(&other), None).first_broken.map(|b| (b.seq, b.why)), Some((1, Break::ContentChanged)));
    let unkeyed_check = walk(&entries, None, None);
    assert_eq!((unkeyed_check.first_broken, unkeyed_check.unverified_keyed), (None, 4));
}

#[test]
fn rewriting_a_keyed_chain_and_its_head_without_the_key_is_caught() {
    let mut entries = keyed_chain(4, Some(&key()));
    // Someone with write access but no key rebuilds the chain from entry 2 on, unkeyed.
    entries[1].actor = "mallory".into();
    for i in 1..entries.len() {
        entries[i].prev_hash = entries[i - 1].hash.clone();
        entries[i].hash = entries[i].expected_hash();
    }
    let broken = walk(&entries, Some(&key()), None).first_broken.expect("broken");
    assert_eq!((broken.seq, broken.why), (2, Break::NotKeyed));
    // Rebuilt entirely without the key, the newest entry gives it away.
    let rebuilt = chain(4);
    assert_eq!(walk(&rebuilt, Some(&key()), None).first_broken.map(|b| (b.seq, b.why)), Some((4, Break::NotKeyed)));
    let too_short = AuditKey::new(b"short");
    assert!(too_short.is_none(), "a short key is refused");
}

#[test]
fn a_checkpoint_kept_elsewhere_catches_a_rebuilt_or_truncated_log() {
    let entries = chain(5);
    let kept = Checkpoint { seq: 3, hash: entries[2].hash.clone() };
    assert_eq!(walk(&entries, None, Some(kept.clone())).first_broken, None);
    // Rebuilt from scratch with other content: consistent, but not the same history.
    let mut rebuilt = chain(5);
    rebuilt[0].actor = "mallory".into();
    for i in 0..rebuilt.len() {
        rebuilt[i].prev_hash = if i == 0 { GENESIS.into() } else { rebuilt[i - 1].hash.clone() };
        rebuilt[i].hash = rebuilt[i].expected_hash();
    }
    assert_eq!(
        walk(&rebuilt, None, Some(kept.clone())).first_broken.map(|b| b.why),
        Some(Break::CheckpointMismatch { expected_hash: kept.hash.clone() })
    );
    // Truncated (and the head reset): the checkpoint's entry is gone.
    assert_eq!(walk(&entries[..2], None, Some(kept.clone())).first_broken.map(|b| (b.seq, b.why)), Some((3, Break::CheckpointMissing)));
    assert_eq!("3:abc".parse::<Checkpoint>(), Ok(Checkpoint { seq: 3, hash: "abc".into() }));
    assert!("abc".parse::<Checkpoint>().is_err() && "0:abc".parse::<Checkpoint>().is_err());
}

#[test]
fn resuming_from_a_checkpoint_checks_only_what_follows_and_that_the_checkpoint_still_holds() {
    let entries = chain(6);
    let from = Checkpoint { seq: 4, hash: entries[3].hash.clone() };
    let mut verifier = Verifier::resume(None, from.clone());
    entries[3..].iter().for_each(|e| assert!(verifier.feed(e)));
    let report = verifier.finish(head(&entries));
    assert_eq!((report.entries_checked, report.first_broken), (3, None));
    let mut rewritten = entries.clone();
    rewritten[3].hash = "forged".into();
    let mut verifier = Verifier::resume(None, from);
    assert!(!verifier.feed(&rewritten[3]));
    assert!(matches!(verifier.finish(None).first_broken.map(|b| b.why), Some(Break::CheckpointMismatch { .. })));
}
