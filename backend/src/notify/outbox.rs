//! Events recorded in the transaction of the change they describe: one
//! outbox row per receiver that wants the event (each webhook whose events
//! name it; with e-mail on, each person it waits for), each with a delivery
//! id of its own that every attempt repeats. A change whose transaction
//! rolls back tells nobody; one that commits is told at least once.

use super::payload;
use crate::store::{NewDelivery, ReleaseBrief, StoreError, StoreTx};
use airlock_domain::audit::AuditEntry;
use airlock_domain::notify::EventKind;
use chrono::{DateTime, Utc};

/// Who is told besides the webhooks: people by e-mail, when it is configured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outbox {
    pub mail: bool,
}

impl Outbox {
    /// For events nobody is mailed about (dispatches and rollbacks).
    pub(crate) const WEBHOOKS: Outbox = Outbox { mail: false };

    /// Records the event `entry` describes (if it describes one) for release `release_id`.
    pub(crate) async fn after_audit(self, tx: &mut dyn StoreTx, release_id: i64, entry: &AuditEntry) -> Result<(), StoreError> {
        match EventKind::of_audit(&entry.action) {
            Some(kind) => self.record(tx, kind, release_id, Some(entry), entry.at).await,
            None => Ok(()),
        }
    }

    /// Records that the release's gate opened (a review or a tick completed it).
    pub(crate) async fn gate_opened(self, tx: &mut dyn StoreTx, release_id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.record(tx, EventKind::GateOpened, release_id, None, at).await
    }

    async fn record(
        self,
        tx: &mut dyn StoreTx,
        kind: EventKind,
        release_id: i64,
        entry: Option<&AuditEntry>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let hooks = tx.notifications().await?.map(|n| n.webhooks).unwrap_or_default();
        let mut receivers: Vec<String> =
            hooks.iter().filter(|hook| hook.wants(kind)).map(|hook| super::webhook_receiver(&hook.name)).collect();
        let mailed = self.mail && matches!(kind, EventKind::ReleaseCreated | EventKind::GateOpened | EventKind::JobFailed);
        if receivers.is_empty() && !mailed {
            return Ok(());
        }
        let Some(release) = tx.release_brief(release_id).await? else { return Ok(()) };
        if mailed {
            receivers.extend(mail_receivers(tx, kind, &release).await?);
        }
        if receivers.is_empty() {
            return Ok(());
        }
        let document = payload::document(kind, &release, entry, at).to_string();
        let mut deliveries = Vec::with_capacity(receivers.len());
        for receiver in receivers {
            let delivery_id = crate::auth::random_hex(16).map_err(|_| StoreError::Corrupt("no random delivery id".into()))?;
            deliveries.push(NewDelivery {
                delivery_id,
                receiver,
                event: kind.as_str().to_owned(),
                release_id,
                audit_seq: entry.map(|e| e.seq),
                payload: document.clone(),
                at,
            });
        }
        tx.add_deliveries(&deliveries).await
    }
}

/// Who is mailed: approvers (never its author) when a release starts
/// waiting; its author when its gate opens, and at its first failed job.
async fn mail_receivers(tx: &mut dyn StoreTx, kind: EventKind, release: &ReleaseBrief) -> Result<Vec<String>, StoreError> {
    let mut receivers = Vec::new();
    for person in tx.mail_recipients().await? {
        let wanted = match kind {
            EventKind::ReleaseCreated => release.approvals_needed > 0 && person.is_approver && person.handle != release.author,
            _ => person.handle == release.author,
        };
        let receiver = super::mail_receiver(&person.handle);
        // One mail per release says its jobs fail: the page shows every one.
        if wanted && !(kind == EventKind::JobFailed && tx.told_before(release.id, &receiver, kind.as_str()).await?) {
            receivers.push(receiver);
        }
    }
    Ok(receivers)
}
