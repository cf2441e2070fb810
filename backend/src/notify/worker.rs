//! Delivers what the audit log tells: writes the deliveries of new entries
//! (`outbox`), claims due deliveries for a while, sends each in a task of
//! its own (a receiver that hangs holds up only its own release's later
//! events to it), and records each outcome. A failed attempt is retried
//! with doubling waits, at most an hour apart, for a day.

use super::outbox::{self, Read};
use super::webhook::{self, Sent};
use crate::Backend;
use crate::store::{Attempt, ClaimedDelivery, StoreError};
use airlock_domain::notify::{RETRY_FOR_SECONDS, retry_after_seconds};
use airlock_domain::world_file::Webhook;
use chrono::{DateTime, Duration as Span, Utc};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How long a claim holds a delivery: longer than an attempt can take, so
/// only a worker that died lets another one send it again.
const LEASE: Span = Span::seconds(60);
/// Deliveries in flight at once.
const IN_FLIGHT: usize = 32;
/// How often due deliveries (retries) are looked for when nothing woke the worker.
const POLL_EVERY: Duration = Duration::from_millis(500);
/// How long the worker gathers what woke it before it writes: the delay an
/// event may wait for, against one transaction per event in a burst.
const GATHER: Duration = Duration::from_millis(10);
/// How often the cursor moves over entries that tell nobody: reading them
/// again costs a read, moving it a write that changes would wait for.
const IDLE_CURSOR_EVERY: Duration = Duration::from_secs(1);

/// Starts the worker; it stops when `stop` turns true (deliveries in flight
/// are dropped and their claims run out: sent again, with the same id, later).
pub fn spawn(backend: Backend, mut stop: watch::Receiver<bool>, base_url: String) {
    let base_url: Arc<str> = Arc::from(base_url);
    tokio::spawn(async move {
        let client = webhook::client();
        let wake = backend.notify_wake();
        let mut in_flight: JoinSet<Outcome> = JoinSet::new();
        // Outcomes are recorded together, with the next claim, in one
        // transaction: a burst of events costs the database a few writes, not
        // one per attempt (on SQLite every write waits for the one lock).
        let mut finished: Vec<Outcome> = Vec::new();
        let mut cursor_moved = Instant::now();
        loop {
            while let Some(joined) = in_flight.try_join_next() {
                finished.extend(joined.ok());
            }
            let room = IN_FLIGHT - in_flight.len();
            let read = read_events(&backend)
                .await
                .filter(|read| !read.deliveries.is_empty() || read.more || cursor_moved.elapsed() >= IDLE_CURSOR_EVERY);
            if read.as_ref().is_some_and(|read| read.more) {
                wake.notify_one();
            }
            let moves_cursor = read.is_some();
            if read.is_some() || !finished.is_empty() || (room > 0 && anything_due(&backend).await) {
                match write_and_claim(&backend, read, &finished, room).await {
                    Ok((claimed, hooks)) => {
                        finished.clear();
                        if moves_cursor {
                            cursor_moved = Instant::now();
                        }
                        for delivery in claimed {
                            let (backend, client, base_url, hooks) = (backend.clone(), client.clone(), base_url.clone(), hooks.clone());
                            in_flight.spawn(async move { deliver(&backend, &client, &hooks, delivery, &base_url).await });
                        }
                    }
                    // The outcomes stay to be recorded next time, the entries
                    // to be read again; a claim that runs out meanwhile is sent again.
                    Err(error) => tracing::warn!(error = %error, "could not record deliveries or claim more"),
                }
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(POLL_EVERY) => {}
                // A finished delivery may let the next one of its release go.
                Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => finished.extend(joined.ok()),
                _ = stop.changed() => {
                    // What was sent is recorded, so a restart does not send it again.
                    while let Some(joined) = in_flight.try_join_next() {
                        finished.extend(joined.ok());
                    }
                    in_flight.abort_all();
                    if let Err(error) = write_and_claim(&backend, None, &finished, 0).await {
                        tracing::warn!(error = %error, "could not record the last deliveries before stopping");
                    }
                    return;
                }
            }
            // What a burst brings (events recorded, attempts finished) comes
            // within moments: gathered, it is one write, not one each.
            tokio::time::sleep(GATHER).await;
        }
    });
}

/// A delivery as it was claimed, and how its attempt went.
type Outcome = (ClaimedDelivery, Attempt);

/// Whether a claim would find anything, read without taking the write lock.
async fn anything_due(backend: &Backend) -> bool {
    backend.store.any_delivery_due(Utc::now()).await.unwrap_or_else(|error| {
        tracing::warn!(error = %error, "could not look for due deliveries");
        false
    })
}

/// New audit entries' deliveries, or none (a failed read is tried again next time).
async fn read_events(backend: &Backend) -> Option<Read> {
    outbox::read(backend, Utc::now()).await.unwrap_or_else(|error| {
        tracing::warn!(error = %error, "could not read new events from the audit log");
        None
    })
}

/// Writes what `read` found (unless another worker already moved the
/// cursor past it), records `finished` and claims up to `room` due
/// deliveries, in one transaction; with the webhooks as the world file names them now.
async fn write_and_claim(
    backend: &Backend,
    read: Option<Read>,
    finished: &[Outcome],
    room: usize,
) -> Result<(Vec<ClaimedDelivery>, Arc<Vec<Webhook>>), StoreError> {
    let now = Utc::now();
    let mut tx = backend.store.begin().await?;
    if let Some(read) = read
        && tx.advance_notify_cursor(read.from, read.to).await?
    {
        tx.add_deliveries(&read.deliveries).await?;
    }
    tx.finish_deliveries(finished, now).await?;
    let claimed = if room > 0 { tx.claim_deliveries(now, now + LEASE, u32::try_from(room).unwrap_or(1)).await? } else { Vec::new() };
    tx.commit().await?;
    // Read after the commit: inside, every statement holds the write lock changes wait for.
    let hooks = if claimed.is_empty() { Vec::new() } else { backend.store.notifications().await?.map(|n| n.webhooks).unwrap_or_default() };
    Ok((claimed, Arc::new(hooks)))
}

#[tracing::instrument(skip_all, fields(delivery_id = %delivery.delivery_id, receiver = %delivery.receiver, event = %delivery.event))]
async fn deliver(backend: &Backend, client: &reqwest::Client, hooks: &[Webhook], delivery: ClaimedDelivery, base_url: &str) -> Outcome {
    let sent = match delivery.receiver.strip_prefix("mail:") {
        Some(handle) => mail(backend, handle, &delivery, base_url).await,
        None => match hooks.iter().find(|hook| delivery.receiver.strip_prefix("webhook:") == Some(hook.name.as_str())) {
            Some(hook) => webhook::send(client, hook, &delivery.event, &delivery.delivery_id, &delivery.payload, base_url).await,
            None => Sent::Gone(format!("{} is no longer in the world file", delivery.receiver)),
        },
    };
    let attempt = outcome(sent, &delivery, Utc::now());
    match &attempt {
        Attempt::Delivered { status } => tracing::info!(status, "delivered"),
        Attempt::Failed { error, retry_at, .. } => tracing::warn!(error = %error, retry_at = ?retry_at, "delivery failed"),
    }
    (delivery, attempt)
}

/// One mail to `handle`, at the address they have now.
async fn mail(backend: &Backend, handle: &str, delivery: &ClaimedDelivery, base_url: &str) -> Sent {
    let Some(mailer) = backend.mailer() else { return Sent::Gone("e-mail is not configured (AIRLOCK_SMTP_URL)".into()) };
    let Some(kind) = airlock_domain::notify::EventKind::parse(&delivery.event) else {
        return Sent::Gone("an event Airlock does not mail".into());
    };
    match backend.store.mail_address(handle).await {
        Ok(Some(address)) => mailer.send(&address, kind, &delivery.payload, base_url).await,
        Ok(None) => Sent::Gone("they turned e-mail off, or have no address".into()),
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
