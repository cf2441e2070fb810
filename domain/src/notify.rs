//! What Airlock tells the outside: the events a webhook can subscribe to,
//! and how a delivery is signed. Pure; the backend reads events from the
//! audit log, which every change writes in its own transaction, and delivers them.

use hmac::{Hmac, Mac as _};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// An event a receiver can be told of, named as `X-Airlock-Event` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "release.created")]
    ReleaseCreated,
    #[serde(rename = "review.approved")]
    ReviewApproved,
    #[serde(rename = "review.rejected")]
    ReviewRejected,
    /// The release's gate opened: it may be dispatched.
    #[serde(rename = "gate.opened")]
    GateOpened,
    #[serde(rename = "release.dispatched")]
    ReleaseDispatched,
    #[serde(rename = "job.succeeded")]
    JobSucceeded,
    #[serde(rename = "job.failed")]
    JobFailed,
    #[serde(rename = "rollback.requested")]
    RollbackRequested,
}

impl EventKind {
    pub const ALL: [EventKind; 8] = [
        EventKind::ReleaseCreated,
        EventKind::ReviewApproved,
        EventKind::ReviewRejected,
        EventKind::GateOpened,
        EventKind::ReleaseDispatched,
        EventKind::JobSucceeded,
        EventKind::JobFailed,
        EventKind::RollbackRequested,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ReleaseCreated => "release.created",
            EventKind::ReviewApproved => "review.approved",
            EventKind::ReviewRejected => "review.rejected",
            EventKind::GateOpened => "gate.opened",
            EventKind::ReleaseDispatched => "release.dispatched",
            EventKind::JobSucceeded => "job.succeeded",
            EventKind::JobFailed => "job.failed",
            EventKind::RollbackRequested => "rollback.requested",
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The event a change's audit entry (by its action) describes, where it describes one.
    pub fn of_audit(action: &str) -> Option<EventKind> {
        use crate::audit::AuditAction as A;
        [
            (A::ReleaseCreated, EventKind::ReleaseCreated),
            (A::ReleaseApproved, EventKind::ReviewApproved),
            (A::ReleaseRejected, EventKind::ReviewRejected),
            (A::GateOpened, EventKind::GateOpened),
            (A::ReleaseDispatched, EventKind::ReleaseDispatched),
            (A::JobSucceeded, EventKind::JobSucceeded),
            (A::JobFailed, EventKind::JobFailed),
            (A::RollbackRequested, EventKind::RollbackRequested),
        ]
        .into_iter()
        .find(|(a, _)| a.as_str() == action)
        .map(|(_, kind)| kind)
    }

    /// A sentence for a chat message or a mail's subject.
    pub fn describe(self) -> &'static str {
        match self {
            EventKind::ReleaseCreated => "was created and waits for review",
            EventKind::ReviewApproved => "was approved",
            EventKind::ReviewRejected => "was rejected",
            EventKind::GateOpened => "passed its gate and may be dispatched",
            EventKind::ReleaseDispatched => "was dispatched",
            EventKind::JobSucceeded => "finished a job",
            EventKind::JobFailed => "had a job fail",
            EventKind::RollbackRequested => "is being rolled back",
        }
    }
}

/// The body a webhook receives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// Airlock's own event document.
    #[default]
    Json,
    /// A Slack incoming-webhook message (text and blocks).
    Slack,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Json => "json",
            WebhookFormat::Slack => "slack",
        }
    }

    pub fn is_default(&self) -> bool {
        *self == WebhookFormat::Json
    }
}

/// The `X-Airlock-Signature-256` of `body`: `sha256=` and the hex HMAC-SHA256
/// of the exact bytes sent, keyed with the webhook's secret (as GitHub signs).
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return String::new() };
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// One delivery as admins read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub delivery_id: String,
    pub receiver: String,
    pub event: String,
    pub release_id: i64,
    /// `pending`, `delivered` or `failed` (given up).
    pub state: String,
    pub attempts: u32,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When the next attempt is made (pending deliveries only).
    pub next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// How long after a failed attempt the next one is made: doubling from one
/// second, at most an hour apart.
pub fn retry_after_seconds(attempts: u32) -> u64 {
    1u64.checked_shl(attempts.saturating_sub(1)).unwrap_or(u64::MAX).min(3600)
}

/// How long a delivery is retried before it is given up.
pub const RETRY_FOR_SECONDS: i64 = 24 * 3600;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_githubs_hmac_sha256_in_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retries_double_from_a_second_up_to_an_hour() {
        let waits: Vec<u64> = (1..=14).map(retry_after_seconds).collect();
        assert_eq!(&waits[..4], &[1, 2, 4, 8]);
        assert_eq!(waits[12], 3600);
        assert_eq!(retry_after_seconds(200), 3600);
    }

    #[test]
    fn every_event_kind_reads_back_from_its_name() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("release.deleted"), None);
    }
}
