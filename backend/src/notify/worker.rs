//! Delivers the outbox: claims due deliveries for a while, sends each in a
//! task of its own (a receiver that hangs holds up only its own release's
//! later events to it), and records each outcome. A failed attempt is
//! retried with doubling waits, at most an hour apart, for a day.

use super::webhook::{self, Sent};
use crate::Backend;
use crate::store::{Attempt, ClaimedDelivery};
use airlock_domain::notify::{RETRY_FOR_SECONDS, retry_after_seconds};
use chrono::{DateTime, Duration as Span, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How long a claim holds a delivery: longer than an attempt can take, so
/// only a worker that died lets another one send it again.
const LEASE: Span = Span::seconds(60);
/// Deliveries in flight at once.
const IN_FLIGHT: usize = 32;
/// How often due deliveries (retries) are looked for when nothing woke the worker.
const POLL_EVERY: Duration = Duration::from_millis(500);

/// Starts the worker; it stops when `stop` turns true (deliveries in flight
/// are dropped and their claims run out: sent again, with the same id, later).
pub fn spawn(backend: Backend, mut stop: watch::Receiver<bool>, base_url: String) {
    let base_url: Arc<str> = Arc::from(base_url);
    tokio::spawn(async move {
        let client = webhook::client();
        let wake = backend.notify_wake();
        let mut in_flight = JoinSet::new();
        loop {
            for delivery in claim(&backend, IN_FLIGHT - in_flight.len()).await {
                let (backend, client, base_url) = (backend.clone(), client.clone(), base_url.clone());
                in_flight.spawn(async move { deliver(&backend, &client, delivery, &base_url).await });
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(POLL_EVERY) => {}
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                _ = stop.changed() => return in_flight.abort_all(),
            }
        }
    });
}

async fn claim(backend: &Backend, room: usize) -> Vec<ClaimedDelivery> {
    if room == 0 {
        return Vec::new();
    }
    let now = Utc::now();
    let claimed = async {
        let mut tx = backend.store.begin().await?;
        let claimed = tx.claim_deliveries(now, now + LEASE, u32::try_from(room).unwrap_or(1)).await?;
        tx.commit().await?;
        Ok::<_, crate::store::StoreError>(claimed)
    }
    .await;
    claimed.unwrap_or_else(|error| {
        tracing::warn!(error = %error, "could not claim deliveries");
        Vec::new()
    })
}

#[tracing::instrument(skip_all, fields(delivery_id = %delivery.delivery_id, receiver = %delivery.receiver, event = %delivery.event))]
async fn deliver(backend: &Backend, client: &reqwest::Client, delivery: ClaimedDelivery, base_url: &str) {
    let sent = match delivery.receiver.strip_prefix("mail:") {
        Some(handle) => mail(backend, handle, &delivery, base_url).await,
        None => match super::webhook_named(backend, &delivery.receiver).await {
            Ok(Some(hook)) => webhook::send(client, &hook, &delivery.event, &delivery.delivery_id, &delivery.payload, base_url).await,
            Ok(None) => Sent::Gone(format!("{} is no longer in the world file", delivery.receiver)),
            Err(error) => {
                tracing::warn!(error = %error, "could not read the webhooks");
                Sent::Refused { status: None, error: "could not read the webhooks from the database".into() }
            }
        },
    };
    let now = Utc::now();
    let attempt = outcome(sent, &delivery, now);
    match &attempt {
        Attempt::Delivered { status } => tracing::info!(status, "delivered"),
        Attempt::Failed { error, retry_at, .. } => tracing::warn!(error = %error, retry_at = ?retry_at, "delivery failed"),
    }
    let recorded = async {
        let mut tx = backend.store.begin().await?;
        tx.finish_delivery(&delivery.delivery_id, &attempt, now).await?;
        tx.commit().await
    }
    .await;
    if let Err(error) = recorded {
        // The claim runs out and the delivery is sent again, with the same id.
        tracing::warn!(error = %error, "could not record a delivery's outcome");
    }
}

/// One mail to `handle`, at the address they have now.
async fn mail(backend: &Backend, handle: &str, delivery: &ClaimedDelivery, base_url: &str) -> Sent {
    let Some(mailer) = backend.mailer() else { return Sent::Gone("e-mail is not configured (AIRLOCK_SMTP_URL)".into()) };
    let Some(kind) = airlock_domain::notify::EventKind::parse(&delivery.event) else {
        return Sent::Gone("an event Airlock does not mail".into());
    };
    match backend.store.mail_address(handle).await {
        Ok(Some(address)) => mailer.send(&address, kind, &delivery.payload, base_url).await,
        Ok(None) => Sent::Gone(format!("{handle} turned e-mail off or has no address")),
        Err(error) => {
            tracing::warn!(error = %error, "could not read a person's address");
            Sent::Refused { status: None, error: "could not read the address from the database".into() }
        }
    }
}

/// The attempt as recorded: when it failed, when to try again (none once a day has passed).
fn outcome(sent: Sent, delivery: &ClaimedDelivery, now: DateTime<Utc>) -> Attempt {
    match sent {
        Sent::Accepted(status) => Attempt::Delivered { status },
        Sent::Gone(error) => Attempt::Failed { status: None, error, retry_at: None },
        Sent::Refused { status, error } => {
            let wait = i64::try_from(retry_after_seconds(delivery.attempts + 1)).unwrap_or(3600);
            let next = now + Span::seconds(wait);
            let retry_at = (next <= delivery.created_at + Span::seconds(RETRY_FOR_SECONDS)).then_some(next);
            Attempt::Failed { status, error, retry_at }
        }
    }
}
