//! Verifying the chain as a stream: the store feeds entries oldest first,
//! one at a time, so memory stays flat however long the log is.

use super::{AuditEntry, AuditKey, GENESIS};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why the chain breaks at an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Break {
    /// The entry's content no longer matches its hash: it was edited.
    ContentChanged,
    /// The entry does not point at the one before it: something was deleted or inserted before it.
    LinkBroken { expected_prev_hash: String },
    /// Sequence numbers skip: entries before this one were deleted.
    Gap { expected_seq: i64 },
    /// The log ends before the last entry the database recorded writing.
    TailMissing { last_present: i64 },
    /// The recorded head lags the log: entries were added without going through the head.
    HeadBehind { head_seq: i64 },
    /// An unkeyed entry where a keyed one was due: written by someone without the key.
    NotKeyed,
    /// The entry at a checkpoint kept elsewhere has another hash now: history was rewritten.
    CheckpointMismatch { expected_hash: String },
    /// The entry at a checkpoint kept elsewhere is gone: the log was truncated or rebuilt.
    CheckpointMissing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    pub seq: i64,
    #[serde(flatten)]
    pub why: Break,
}

impl BrokenLink {
    pub fn message(&self) -> String {
        let seq = self.seq;
        match &self.why {
            Break::ContentChanged => format!("Entry #{seq} was changed after it was written: its content no longer matches its hash."),
            Break::LinkBroken { .. } => format!("Entry #{seq} does not follow the entry before it: an entry was removed or inserted."),
            Break::Gap { expected_seq } => format!("Entries #{expected_seq} to #{} are missing.", seq - 1),
            Break::TailMissing { last_present } => format!("Entries #{} to #{seq} are missing from the end of the log.", last_present + 1),
            Break::HeadBehind { head_seq } => {
                format!("Entries after #{head_seq} up to #{seq} were added behind the log's back: the recorded head is #{head_seq}.")
            }
            Break::NotKeyed => format!(
                "Entry #{seq} is not keyed although the log is: it was written without the audit key (start the server with the key once if it was just configured)."
            ),
            Break::CheckpointMismatch { .. } => {
                format!("Entry #{seq} no longer matches the checkpoint kept for it: history before it was rewritten.")
            }
            Break::CheckpointMissing => {
                format!("Entry #{seq}, a kept checkpoint, is no longer in the log: the log was truncated or rebuilt.")
            }
        }
    }
}

/// A position in the chain worth keeping elsewhere: `SEQ:HASH`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl FromStr for Checkpoint {
    type Err = &'static str;
    fn from_str(text: &str) -> Result<Checkpoint, &'static str> {
        let (seq, hash) = text.trim().split_once(':').ok_or("a checkpoint reads SEQ:HASH, as `airlock audit head` prints it")?;
        let seq = seq.parse::<i64>().ok().filter(|s| *s >= 1).ok_or("a checkpoint's sequence number is a positive integer")?;
        if hash.is_empty() {
            return Err("a checkpoint names the entry's hash after the colon");
        }
        Ok(Checkpoint { seq, hash: hash.to_owned() })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub entries_checked: u64,
    /// The first broken link, oldest first; `None` when the chain is whole.
    pub first_broken: Option<BrokenLink>,
    /// Keyed entries whose hash could not be checked: no key was given.
    #[serde(default)]
    pub unverified_keyed: u64,
    /// The newest entry checked, to keep as a checkpoint.
    #[serde(default)]
    pub last: Option<Checkpoint>,
    /// Rows no entry records as they are, in words: written behind Airlock's
    /// back. Gate rows (revisions, reviews, checks, policies) the gate does
    /// not count; world rows (environments, regions, clusters, services,
    /// tenants) are named so an operator puts them back.
    #[serde(default)]
    pub unrecorded: Vec<String>,
}

impl VerifyReport {
    /// The chain is whole and records every gate row.
    pub fn intact(&self) -> bool {
        self.first_broken.is_none() && self.unrecorded.is_empty()
    }
}

/// Checks entries fed oldest first. `new` walks from the first entry;
/// `resume` from a checkpoint verified earlier, checking only what follows.
pub struct Verifier<'k> {
    key: Option<&'k AuditKey>,
    /// A checkpoint the walk must pass through with the same hash.
    checkpoint: Option<Checkpoint>,
    checkpoint_seen: bool,
    /// Resuming: the first entry fed must be this checkpoint itself.
    resume_from: Option<Checkpoint>,
    prev_hash: String,
    expected_seq: i64,
    keyed_seen: bool,
    report: VerifyReport,
}

impl<'k> Verifier<'k> {
    pub fn new(key: Option<&'k AuditKey>, checkpoint: Option<Checkpoint>) -> Verifier<'k> {
        let report = VerifyReport { entries_checked: 0, first_broken: None, unverified_keyed: 0, last: None, unrecorded: Vec::new() };
        Verifier {
            key,
            checkpoint,
            checkpoint_seen: false,
            resume_from: None,
            prev_hash: GENESIS.to_owned(),
            expected_seq: 1,
            keyed_seen: false,
            report,
        }
    }

    /// Continues after `from` (verified earlier): feed entries from `from.seq` on.
    pub fn resume(key: Option<&'k AuditKey>, from: Checkpoint) -> Verifier<'k> {
        let mut verifier = Verifier::new(key, None);
        verifier.expected_seq = from.seq;
        verifier.keyed_seen = from.hash.starts_with(super::KEYED_PREFIX);
        verifier.resume_from = Some(from);
        verifier
    }

    /// Checks the next entry; `false` once the chain is broken (stop feeding).
    pub fn feed(&mut self, entry: &AuditEntry) -> bool {
        if self.report.first_broken.is_some() {
            return false;
        }
        self.report.entries_checked += 1;
        let why = match self.resume_from.take() {
            Some(from) if entry.seq != from.seq => Some(Break::CheckpointMissing),
            Some(from) if entry.hash != from.hash => Some(Break::CheckpointMismatch { expected_hash: from.hash }),
            // Its link to older entries was verified before; its content is checked again.
            Some(_) => (!self.content_holds(entry)).then_some(Break::ContentChanged),
            None => self.check(entry),
        };
        if let Some(why) = why {
            self.report.first_broken = Some(BrokenLink { seq: entry.seq, why });
            return false;
        }
        self.keyed_seen |= entry.is_keyed();
        self.prev_hash.clone_from(&entry.hash);
        self.expected_seq = entry.seq + 1;
        self.report.last = Some(Checkpoint { seq: entry.seq, hash: entry.hash.clone() });
        true
    }

    fn check(&mut self, entry: &AuditEntry) -> Option<Break> {
        if entry.seq != self.expected_seq {
            return Some(Break::Gap { expected_seq: self.expected_seq });
        }
        if entry.prev_hash != self.prev_hash {
            return Some(Break::LinkBroken { expected_prev_hash: self.prev_hash.clone() });
        }
        if self.keyed_seen && !entry.is_keyed() {
            return Some(Break::NotKeyed);
        }
        if !self.content_holds(entry) {
            return Some(Break::ContentChanged);
        }
        match &self.checkpoint {
            Some(kept) if kept.seq == entry.seq => {
                self.checkpoint_seen = true;
                (kept.hash != entry.hash).then(|| Break::CheckpointMismatch { expected_hash: kept.hash.clone() })
            }
            _ => None,
        }
    }

    /// Whether the entry's hash still covers its content (and its stored link).
    fn content_holds(&mut self, entry: &AuditEntry) -> bool {
        match (entry.is_keyed(), self.key) {
            (true, Some(key)) => entry.hash == entry.keyed_hash(key),
            (true, None) => {
                self.report.unverified_keyed += 1;
                true
            }
            (false, _) => entry.hash == entry.expected_hash(),
        }
    }

    /// The verdict, given the head the store recorded for its latest append.
    pub fn finish(mut self, head: Option<(i64, &str)>) -> VerifyReport {
        if self.report.first_broken.is_some() {
            return self.report;
        }
        let last_present = self.expected_seq - 1;
        let broken = match head {
            Some((seq, _)) if seq > last_present => Some(BrokenLink { seq, why: Break::TailMissing { last_present } }),
            Some((seq, _)) if seq < last_present => Some(BrokenLink { seq: last_present, why: Break::HeadBehind { head_seq: seq } }),
            Some((seq, hash)) if seq == last_present && seq > 0 && hash != self.prev_hash => {
                Some(BrokenLink { seq, why: Break::ContentChanged })
            }
            _ => None,
        };
        let checkpoint_lost = self.checkpoint.as_ref().filter(|_| !self.checkpoint_seen);
        let broken = broken
            .or_else(|| checkpoint_lost.map(|kept| BrokenLink { seq: kept.seq, why: Break::CheckpointMissing }))
            .or_else(|| self.unkeyed_tail(last_present));
        self.report.first_broken = broken;
        self.report
    }

    /// With a key, the newest entry must be keyed: the server records that
    /// it uses the key when it starts, and keys everything after.
    fn unkeyed_tail(&self, last_present: i64) -> Option<BrokenLink> {
        let keyed_tail = self.prev_hash.starts_with(super::KEYED_PREFIX);
        (self.key.is_some() && last_present > 0 && !keyed_tail).then_some(BrokenLink { seq: last_present, why: Break::NotKeyed })
    }
}

/// Walks a whole chain held in memory (tests, small logs).
pub fn verify<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>, head: Option<(i64, &str)>) -> VerifyReport {
    let mut verifier = Verifier::new(None, None);
    for entry in entries {
        if !verifier.feed(entry) {
            break;
        }
    }
    verifier.finish(head)
}
