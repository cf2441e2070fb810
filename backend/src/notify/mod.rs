//! Telling the outside what happened to releases. Events are the audit
//! log's entries, written in the transaction of the change they describe;
//! the worker holding the cursor over the log (`cursor`) reads them forward
//! (`outbox`), sends each delivery first and records it once (`first_send`),
//! and retries what failed, at least once, in order per release and
//! receiver, with one delivery id for every attempt (`worker`). Admins see
//! every delivery and may send one again.

mod cursor;
mod first_send;
mod mail;
pub(crate) mod outbox;
mod payload;
mod webhook;
pub mod worker;

use crate::acting::{Actor, acting, authorize};
use crate::refusal::Missing;
use crate::releases::audit;
use crate::store::Redelivered;
use crate::{Backend, Refusal};
use airlock_domain::access::Action;
use airlock_domain::audit::AuditAction;
use chrono::{DateTime, Utc};

pub use crate::store::Delivery;
pub use mail::{MailError, Mailer};

/// The most deliveries one read returns.
pub const DELIVERIES_MAX: u32 = 500;

/// The receiver name a webhook's deliveries carry.
pub(crate) fn webhook_receiver(name: &str) -> String {
    format!("webhook:{name}")
}

/// The receiver name a person's mail carries.
pub(crate) fn mail_receiver(handle: &str) -> String {
    format!("mail:{handle}")
}

/// The newest deliveries (of one state, or all), newest first: admins only.
#[tracing::instrument(skip_all, fields(actor = tracing::field::Empty))]
pub async fn list(backend: &Backend, actor: impl Into<Actor<'_>>, state: Option<&str>, limit: u32) -> Result<Vec<Delivery>, Refusal> {
    authorize(acting(actor), Action::ManageDeliveries)?;
    if let Some(state) = state.filter(|s| !["pending", "delivered", "failed"].contains(s)) {
        return Err(Refusal::invalid(
            "state",
            format!("There is no delivery state \u{201c}{state}\u{201d}: use pending, delivered or failed."),
        ));
    }
    Ok(backend.store.deliveries(state, limit.clamp(1, DELIVERIES_MAX)).await?)
}

/// Sends a delivery again, with its id, as soon as the ones before it for
/// its receiver and release are done: admins only, recorded in the audit log.
#[tracing::instrument(skip_all, fields(actor = tracing::field::Empty, delivery_id))]
pub async fn redeliver(backend: &Backend, actor: impl Into<Actor<'_>>, delivery_id: &str, now: DateTime<Utc>) -> Result<(), Refusal> {
    tracing::Span::current().record("delivery_id", delivery_id);
    let by = authorize(acting(actor), Action::ManageDeliveries)?;
    let mut tx = backend.store.begin().await?;
    match tx.redeliver(delivery_id, now).await? {
        Redelivered::Due => {}
        Redelivered::InFlight => return Err(Refusal::BeingDelivered(delivery_id.to_owned())),
        Redelivered::NoSuchDelivery => return Err(Refusal::NotFound(Missing::Delivery(delivery_id.to_owned()))),
    }
    tx.append_audit(audit(by.name(), AuditAction::DeliveryRedelivered, &format!("delivery/{delivery_id}"), None, None, now)).await?;
    tx.commit().await?;
    backend.notify_wake().notify_one();
    Ok(())
}
