//! Events recorded in the transaction of the change they describe: one
//! outbox row per webhook that wants the event, each with a delivery id of
//! its own that every attempt repeats. A change whose transaction rolls
//! back tells nobody; one that commits is told at least once.

use super::payload;
use crate::store::{NewDelivery, StoreError, StoreTx};
use airlock_domain::audit::AuditEntry;
use airlock_domain::notify::EventKind;
use chrono::{DateTime, Utc};

/// Records the event `entry` describes (if it describes one) for release `release_id`.
pub(crate) async fn after_audit(tx: &mut dyn StoreTx, release_id: i64, entry: &AuditEntry) -> Result<(), StoreError> {
    match EventKind::of_audit(&entry.action) {
        Some(kind) => record(tx, kind, release_id, Some(entry), entry.at).await,
        None => Ok(()),
    }
}

/// Records that the release's gate opened (a review or a tick completed it).
pub(crate) async fn gate_opened(tx: &mut dyn StoreTx, release_id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
    record(tx, EventKind::GateOpened, release_id, None, at).await
}

async fn record(
    tx: &mut dyn StoreTx,
    kind: EventKind,
    release_id: i64,
    entry: Option<&AuditEntry>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(notifications) = tx.notifications().await? else { return Ok(()) };
    let receivers: Vec<String> =
        notifications.webhooks.iter().filter(|hook| hook.wants(kind)).map(|hook| super::webhook_receiver(&hook.name)).collect();
    if receivers.is_empty() {
        return Ok(());
    }
    let Some(release) = tx.release_brief(release_id).await? else { return Ok(()) };
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
