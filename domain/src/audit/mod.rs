//! The audit log's hash chain. Every entry carries the hash of the one before
//! it, and its own hash covers its content and that link, so editing,
//! deleting or inserting a row anywhere breaks the chain at that row.
//! Pure: the store appends and reads rows, this module hashes and verifies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened. The strings are stable: they are stored and hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    ReleaseCreated,
    ReleaseEdited,
    ItemChecked,
    ItemUnchecked,
    ReleaseApproved,
    ReleaseRejected,
    TokenCreated,
    TokenRevoked,
    SignedIn,
    SignInFailed,
    SignedOut,
    SessionsEnded,
}

impl AuditAction {
    pub const ALL: [AuditAction; 12] = [
        AuditAction::ReleaseCreated,
        AuditAction::ReleaseEdited,
        AuditAction::ItemChecked,
        AuditAction::ItemUnchecked,
        AuditAction::ReleaseApproved,
        AuditAction::ReleaseRejected,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::SignedIn,
        AuditAction::SignInFailed,
        AuditAction::SignedOut,
        AuditAction::SessionsEnded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::ReleaseCreated => "release.created",
            AuditAction::ReleaseEdited => "release.edited",
            AuditAction::ItemChecked => "checklist.checked",
            AuditAction::ItemUnchecked => "checklist.unchecked",
            AuditAction::ReleaseApproved => "review.approved",
            AuditAction::ReleaseRejected => "review.rejected",
            AuditAction::TokenCreated => "token.created",
            AuditAction::TokenRevoked => "token.revoked",
            AuditAction::SignedIn => "session.signed_in",
            AuditAction::SignInFailed => "session.sign_in_failed",
            AuditAction::SignedOut => "session.signed_out",
            AuditAction::SessionsEnded => "session.ended_by_admin",
        }
    }
}

/// What a change wants recorded; the store adds the sequence number and hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditDraft {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: AuditAction,
    /// What it happened to, e.g. `release/12` or `token/ci-bot`.
    pub subject: String,
    /// JSON of the state before and after, when there is one.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One stored entry, exactly as the database holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Timestamps are hashed (and must be stored) at microsecond precision: it is
/// what PostgreSQL keeps, so a hash computed before storing still matches.
pub fn truncate_to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

impl AuditEntry {
    /// The entry `draft` becomes when appended after `prev_hash` as number
    /// `seq`, hash included. `draft.at` must already be truncated to micros.
    pub fn chained(draft: AuditDraft, seq: i64, prev_hash: String) -> AuditEntry {
        let mut entry = AuditEntry {
            seq,
            at: draft.at,
            actor: draft.actor,
            action: draft.action.as_str().to_owned(),
            subject: draft.subject,
            before: draft.before,
            after: draft.after,
            prev_hash,
            hash: String::new(),
        };
        entry.hash = entry.expected_hash();
        entry
    }

    /// SHA-256 over a length-prefixed encoding of every field and the
    /// previous entry's hash, as lowercase hex.
    pub fn expected_hash(&self) -> String {
        let mut hasher = Sha256::new();
        let mut field = |text: &str| {
            hasher.update((text.len() as u64).to_be_bytes());
            hasher.update(text.as_bytes());
        };
        field("airlock-audit-v1");
        field(&self.prev_hash);
        field(&self.seq.to_string());
        field(&self.at.timestamp_micros().to_string());
        field(&self.actor);
        field(&self.action);
        field(&self.subject);
        // `None` and `Some("")` must hash differently.
        for part in [&self.before, &self.after] {
            match part {
                Some(text) => {
                    field("some");
                    field(text);
                }
                None => field("none"),
            }
        }
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    pub seq: i64,
    #[serde(flatten)]
    pub why: Break,
}

impl BrokenLink {
    pub fn message(&self) -> String {
        match &self.why {
            Break::ContentChanged => format!("Entry #{} was changed after it was written: its content no longer matches its hash.", self.seq),
            Break::LinkBroken { .. } => format!("Entry #{} does not follow the entry before it: an entry was removed or inserted.", self.seq),
            Break::Gap { expected_seq } => format!("Entries #{expected_seq} to #{} are missing.", self.seq - 1),
            Break::TailMissing { last_present } => {
                format!("Entries #{} to #{} are missing from the end of the log.", last_present + 1, self.seq)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub entries_checked: u64,
    /// The first broken link, oldest first; `None` when the chain is whole.
    pub first_broken: Option<BrokenLink>,
}

/// Walks the chain from the first entry (entries must be in `seq` order).
/// `head` is the sequence number and hash the store recorded for its latest
/// append, which catches entries deleted from the end.
pub fn verify<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>, head: Option<(i64, &str)>) -> VerifyReport {
    let mut prev_hash = GENESIS.to_owned();
    let mut expected_seq = 1;
    let mut checked = 0;
    for entry in entries {
        checked += 1;
        let why = if entry.seq != expected_seq {
            Some(Break::Gap { expected_seq })
        } else if entry.prev_hash != prev_hash {
            Some(Break::LinkBroken { expected_prev_hash: prev_hash.clone() })
        } else if entry.hash != entry.expected_hash() {
            Some(Break::ContentChanged)
        } else {
            None
        };
        if let Some(why) = why {
            return VerifyReport { entries_checked: checked, first_broken: Some(BrokenLink { seq: entry.seq, why }) };
        }
        prev_hash = entry.hash.clone();
        expected_seq += 1;
    }
    let last_present = expected_seq - 1;
    let first_broken = match head {
        Some((seq, _)) if seq > last_present => Some(BrokenLink { seq, why: Break::TailMissing { last_present } }),
        Some((seq, hash)) if seq == last_present && seq > 0 && hash != prev_hash => {
            Some(BrokenLink { seq, why: Break::ContentChanged })
        }
        _ => None,
    };
    VerifyReport { entries_checked: checked, first_broken }
}

#[cfg(test)]
mod tests;
