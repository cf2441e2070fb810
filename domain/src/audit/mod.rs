//! The audit log's hash chain. Every entry carries the hash of the one before
//! it, and its own hash covers its content and that link, so editing,
//! deleting or inserting a row anywhere breaks the chain at that row.
//! With a key ([`AuditKey`]) the hashes are HMACs: someone with write access
//! to the database but not the key can no longer rewrite the chain and
//! recompute it. Pure: the store appends and reads rows, this module hashes
//! and verifies ([`Verifier`]).

mod verify;

pub use verify::{Break, BrokenLink, Checkpoint, Verifier, VerifyReport, verify};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac as _};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// Keyed hashes are stored with this prefix, so a verifier knows which
/// entries need the key and notices one that lost it.
pub const KEYED_PREFIX: &str = "hmac-sha256:";

/// The secret that turns the chain into keyed hashes (`AIRLOCK_AUDIT_KEY`).
#[derive(Clone)]
pub struct AuditKey(Vec<u8>);

impl AuditKey {
    /// At least 32 bytes: anything shorter is guessable.
    pub fn new(secret: &[u8]) -> Option<AuditKey> {
        (secret.len() >= 32).then(|| AuditKey(secret.to_vec()))
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(**redacted**)")
    }
}

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
    ApprovalDismissed,
    /// A review or a tick completed the release's gate (by whoever made it): it may be dispatched.
    GateOpened,
    TokenCreated,
    TokenRevoked,
    SignedIn,
    SignInFailed,
    SignedOut,
    SessionsEnded,
    KeyEnabled,
    ReleaseDispatched,
    RollbackRequested,
    JobSucceeded,
    JobFailed,
    ClusterAdded,
    JobTemplateSet,
    PolicySet,
    AccountHeld,
    AccountMerged,
    AccountAllowed,
    AccountBlocked,
    RegionSet,
    TenantSet,
    ServiceSet,
    ClusterSet,
    EnvironmentSet,
    EnvironmentRemoved,
    RegionRemoved,
    ClusterRemoved,
    ServiceRemoved,
    TenantRemoved,
    ChecklistSet,
    AccessSet,
    AccessRemoved,
    BreakGlass,
    NotificationsSet,
    NotificationsRemoved,
    DeliveryRedelivered,
    /// A consistent copy of the embedded database was written (`airlock backup`, or the schedule).
    BackupWritten,
    /// The embedded database was replaced by a backup that verified.
    BackupRestored,
}

impl AuditAction {
    pub const ALL: [AuditAction; 45] = [
        AuditAction::ReleaseCreated,
        AuditAction::ReleaseEdited,
        AuditAction::ItemChecked,
        AuditAction::ItemUnchecked,
        AuditAction::ReleaseApproved,
        AuditAction::ReleaseRejected,
        AuditAction::ApprovalDismissed,
        AuditAction::GateOpened,
        AuditAction::TokenCreated,
        AuditAction::TokenRevoked,
        AuditAction::SignedIn,
        AuditAction::SignInFailed,
        AuditAction::SignedOut,
        AuditAction::SessionsEnded,
        AuditAction::KeyEnabled,
        AuditAction::ReleaseDispatched,
        AuditAction::RollbackRequested,
        AuditAction::JobSucceeded,
        AuditAction::JobFailed,
        AuditAction::ClusterAdded,
        AuditAction::JobTemplateSet,
        AuditAction::PolicySet,
        AuditAction::AccountHeld,
        AuditAction::AccountMerged,
        AuditAction::AccountAllowed,
        AuditAction::AccountBlocked,
        AuditAction::RegionSet,
        AuditAction::TenantSet,
        AuditAction::ServiceSet,
        AuditAction::ClusterSet,
        AuditAction::EnvironmentSet,
        AuditAction::EnvironmentRemoved,
        AuditAction::RegionRemoved,
        AuditAction::ClusterRemoved,
        AuditAction::ServiceRemoved,
        AuditAction::TenantRemoved,
        AuditAction::ChecklistSet,
        AuditAction::AccessSet,
        AuditAction::AccessRemoved,
        AuditAction::NotificationsSet,
        AuditAction::NotificationsRemoved,
        AuditAction::DeliveryRedelivered,
        AuditAction::BackupWritten,
        AuditAction::BackupRestored,
        AuditAction::BreakGlass,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::ReleaseCreated => "release.created",
            AuditAction::ReleaseEdited => "release.edited",
            AuditAction::ItemChecked => "checklist.checked",
            AuditAction::ItemUnchecked => "checklist.unchecked",
            AuditAction::ReleaseApproved => "review.approved",
            AuditAction::ReleaseRejected => "review.rejected",
            AuditAction::ApprovalDismissed => "review.dismissed",
            AuditAction::GateOpened => "gate.opened",
            AuditAction::TokenCreated => "token.created",
            AuditAction::TokenRevoked => "token.revoked",
            AuditAction::SignedIn => "session.signed_in",
            AuditAction::SignInFailed => "session.sign_in_failed",
            AuditAction::SignedOut => "session.signed_out",
            AuditAction::SessionsEnded => "session.ended_by_admin",
            AuditAction::KeyEnabled => "audit.keyed",
            AuditAction::ReleaseDispatched => "release.dispatched",
            AuditAction::RollbackRequested => "release.rollback_requested",
            AuditAction::JobSucceeded => "job.succeeded",
            AuditAction::JobFailed => "job.failed",
            AuditAction::ClusterAdded => "cluster.added",
            AuditAction::JobTemplateSet => "job_template.set",
            AuditAction::PolicySet => "policy.set",
            AuditAction::AccountHeld => "account.held",
            AuditAction::AccountMerged => "account.merged",
            AuditAction::AccountAllowed => "account.allowed",
            AuditAction::AccountBlocked => "account.blocked",
            AuditAction::RegionSet => "region.set",
            AuditAction::TenantSet => "tenant.set",
            AuditAction::ServiceSet => "service.set",
            AuditAction::ClusterSet => "cluster.set",
            AuditAction::EnvironmentSet => "environment.set",
            AuditAction::EnvironmentRemoved => "environment.removed",
            AuditAction::RegionRemoved => "region.removed",
            AuditAction::ClusterRemoved => "cluster.removed",
            AuditAction::ServiceRemoved => "service.removed",
            AuditAction::TenantRemoved => "tenant.removed",
            AuditAction::ChecklistSet => "checklist.set",
            AuditAction::AccessSet => "access.set",
            AuditAction::AccessRemoved => "access.removed",
            AuditAction::NotificationsSet => "notifications.set",
            AuditAction::NotificationsRemoved => "notifications.removed",
            AuditAction::DeliveryRedelivered => "delivery.redelivered",
            AuditAction::BackupWritten => "backup.written",
            AuditAction::BackupRestored => "backup.restored",
            AuditAction::BreakGlass => "release.break_glass",
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
    /// `seq`, hash included (keyed when `key` is given). `draft.at` must
    /// already be truncated to micros.
    pub fn chained(draft: AuditDraft, seq: i64, prev_hash: String, key: Option<&AuditKey>) -> AuditEntry {
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
        entry.hash = match key {
            Some(key) => entry.keyed_hash(key),
            None => entry.expected_hash(),
        };
        entry
    }

    /// Whether this entry's hash is keyed.
    pub fn is_keyed(&self) -> bool {
        self.hash.starts_with(KEYED_PREFIX)
    }

    /// SHA-256 over a length-prefixed encoding of every field and the
    /// previous entry's hash, as lowercase hex.
    pub fn expected_hash(&self) -> String {
        let mut hasher = Sha256::new();
        self.encode(|bytes| hasher.update(bytes));
        hex(&hasher.finalize())
    }

    /// HMAC-SHA256 with `key` over the same encoding, prefixed.
    pub fn keyed_hash(&self, key: &AuditKey) -> String {
        // Any key length is valid for HMAC; `new_from_slice` cannot fail here.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key.0) else { return String::new() };
        self.encode(|bytes| mac.update(bytes));
        format!("{KEYED_PREFIX}{}", hex(&mac.finalize().into_bytes()))
    }

    fn encode(&self, mut sink: impl FnMut(&[u8])) {
        let mut field = |text: &str| {
            sink(&(text.len() as u64).to_be_bytes());
            sink(text.as_bytes());
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
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
