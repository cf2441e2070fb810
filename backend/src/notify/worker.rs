//! Delivers what the audit log tells. One worker at a time holds the
//! cursor over the log (`outbox`): it sends the deliveries of new entries
//! first and writes each once, with its outcome, as it moves the cursor on
//! (`first_send`). What failed, or waits behind a pending delivery of its
//! receiver and release, is claimed later for a while, sent in a task of
//! its own (a receiver that hangs holds up only its own release's later
//! events to it), and its outcome recorded. A failed attempt is retried
//! with doubling waits, at most an hour apart, for a day.

use super::cursor::{CURSOR_HOLD, Cursor};
use super::first_send::{self, SlowReceivers};
use super::outbox::{self, Read};
use super::webhook::{self, Sent};
use crate::Backend;
use crate::store::{Attempt, ClaimedDelivery, StoreError};
use airlock_domain::notify::{RETRY_FOR_SECONDS, retry_after_seconds};
use airlock_domain::world_file::Webhook;
use chrono::{DateTime, Duration as Span, Utc};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

/// How long a claim holds a delivery: longer than an attempt can take, so
/// only a worker that died lets another one send it again.
pub(crate) const LEASE: Span = Span::seconds(60);
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

/// A delivery as it was claimed, and how its attempt went.
pub(crate) type Outcome = (ClaimedDelivery, Attempt);

/// What an attempt needs besides the delivery.
pub(crate) struct Sending {
    backend: Backend,
    client: reqwest::Client,
    /// The webhooks as the world file named them when the deliveries were read or claimed.
    hooks: Arc<Vec<Webhook>>,
    base_url: Arc<str>,
}

/// Starts the worker; it stops when `stop` turns true (deliveries in flight
/// are dropped and their claims run out: sent again, with the same id, later).
pub fn spawn(backend: Backend, mut stop: watch::Receiver<bool>, base_url: String) {
    let base_url: Arc<str> = Arc::from(base_url);
    tokio::spawn(async move {
        let client = webhook::client();
        let wake = backend.notify_wake();
        let mut cursor = Cursor::new();
        let mut slow = SlowReceivers::default();
        let mut in_flight: JoinSet<Outcome> = JoinSet::new();
        // First attempts still waiting for an answer when their batch was written.
        let mut late: Vec<JoinSet<()>> = Vec::new();
        let (late_outcomes, mut late_finished) = mpsc::unbounded_channel::<Outcome>();
        // Outcomes are recorded together, with the next claim, in one
        // transaction: a burst of events costs the database a few writes, not
        // one per attempt (on SQLite every write waits for the one lock).
        let mut finished: Vec<Outcome> = Vec::new();
        let mut cursor_moved = Instant::now();
        loop {
            while let Some(joined) = in_flight.try_join_next() {
                finished.extend(joined.ok());
            }
            late.retain_mut(|tasks| {
                while tasks.try_join_next().is_some() {}
                !tasks.is_empty()
            });
            while let Ok(outcome) = late_finished.try_recv() {
                finished.push(outcome);
            }
            let room = IN_FLIGHT - in_flight.len();
            let now = Utc::now();
            let read = if cursor.held_elsewhere(now) { None } else { read_events(&backend).await };
            let read = read.filter(|read| !read.deliveries.is_empty() || read.more || cursor_moved.elapsed() >= IDLE_CURSOR_EVERY);
            let read = match read {
                Some(read) if cursor.hold(&backend, now).await => Some(read),
                _ => None,
            };
            if read.as_ref().is_some_and(|read| read.more) {
                wake.notify_one();
            }
            let read = match read {
                Some(mut read) if !read.deliveries.is_empty() => {
                    let sending = Arc::new(Sending {
                        backend: backend.clone(),
                        client: client.clone(),
                        hooks: read.hooks.clone(),
                        base_url: base_url.clone(),
                    });
                    if let Some(pending) = pending_lanes(&backend).await {
                        let deliveries = std::mem::take(&mut read.deliveries);
                        read.deliveries = first_send::send(&sending, deliveries, &pending, &mut slow, &mut late, &late_outcomes).await;
                    }
                    Some(read)
                }
                read => read,
            };
            if read.is_some() || !finished.is_empty() || (room > 0 && anything_due(&backend).await) {
                let held_until = Utc::now() + CURSOR_HOLD;
                match write_and_claim(&backend, read.as_ref().map(|read| (read, cursor.me.as_str(), held_until)), &finished, room).await {
                    Ok(written) => {
                        finished.clear();
                        match written.cursor_moved {
                            Some(true) => {
                                cursor.held_until = Some(held_until);
                                cursor_moved = Instant::now();
                            }
                            // Another worker holds the cursor now: it sends what this one read.
                            Some(false) => cursor.held_until = None,
                            None => {}
                        }
                        let sending = Arc::new(Sending {
                            backend: backend.clone(),
                            client: client.clone(),
                            hooks: written.hooks,
                            base_url: base_url.clone(),
                        });
                        for delivery in written.claimed {
                            let sending = sending.clone();
                            in_flight.spawn(async move {
                                let made = attempt(&sending, &delivery).await;
                                (delivery, made)
                            });
                        }
                    }
                    // The outcomes stay to be recorded next time, the entries
                    // to be read (and sent, with the same ids) again; a claim
                    // that runs out meanwhile is sent again.
                    Err(error) => tracing::warn!(error = %error, "could not record deliveries or claim more"),
                }
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(POLL_EVERY) => {}
                // A finished delivery may let the next one of its release go.
                Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => finished.extend(joined.ok()),
                Some(outcome) = late_finished.recv() => finished.push(outcome),
                _ = stop.changed() => {
                    // What was sent is recorded, so a restart does not send it again.
                    while let Some(joined) = in_flight.try_join_next() {
                        finished.extend(joined.ok());
                    }
                    while let Ok(outcome) = late_finished.try_recv() {
                        finished.push(outcome);
                    }
                    in_flight.abort_all();
                    late.iter_mut().for_each(JoinSet::abort_all);
                    if let Err(error) = stop_writing(&backend, &cursor.me, &finished).await {
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

/// Whether a claim would find anything, read without taking the write lock.
async fn anything_due(backend: &Backend) -> bool {
    backend.store.any_delivery_due(Utc::now()).await.unwrap_or_else(|error| {
        tracing::warn!(error = %error, "could not look for due deliveries");
        false
    })
}

/// The receivers and releases whose next delivery waits for a pending one;
/// `None` when unknown (then nothing is sent before it is written).
async fn pending_lanes(backend: &Backend) -> Option<HashSet<(String, i64)>> {
    match backend.store.pending_lanes().await {
        Ok(lanes) => Some(lanes.into_iter().collect()),
        Err(error) => {
            tracing::warn!(error = %error, "could not read which deliveries are pending");
            None
        }
    }
}

/// New audit entries' deliveries, or none (a failed read is tried again next time).
async fn read_events(backend: &Backend) -> Option<Read> {
    outbox::read(backend, Utc::now()).await.unwrap_or_else(|error| {
        tracing::warn!(error = %error, "could not read new events from the audit log");
        None
    })
}

/// What one write did.
struct Written {
    claimed: Vec<ClaimedDelivery>,
    /// The webhooks the claimed deliveries are sent to.
    hooks: Arc<Vec<Webhook>>,
    /// Whether the cursor moved (`None`: nothing was read).
    cursor_moved: Option<bool>,
}

/// Writes what `read` found, with its first attempts (unless another worker
/// holds the cursor or moved it past it), records `finished` and claims up
/// to `room` due deliveries, in one transaction.
async fn write_and_claim(
    backend: &Backend,
    read: Option<(&Read, &str, DateTime<Utc>)>,
    finished: &[Outcome],
    room: usize,
) -> Result<Written, StoreError> {
    let now = Utc::now();
    let mut tx = backend.store.begin().await?;
    let mut cursor_moved = None;
    if let Some((read, holder, held_until)) = read {
        let moved = tx.advance_notify_cursor(read.from, read.to, holder, held_until).await?;
        if moved {
            tx.add_deliveries(&read.deliveries).await?;
        }
        cursor_moved = Some(moved);
    }
    tx.finish_deliveries(finished, now).await?;
    let claimed = if room > 0 { tx.claim_deliveries(now, now + LEASE, u32::try_from(room).unwrap_or(1)).await? } else { Vec::new() };
    tx.commit().await?;
    // Read after the commit: inside, every statement holds the write lock changes wait for.
    let hooks = if claimed.is_empty() { Vec::new() } else { backend.store.notifications().await?.map(|n| n.webhooks).unwrap_or_default() };
    Ok(Written { claimed, hooks: Arc::new(hooks), cursor_moved })
}

/// Records the last outcomes and lets the cursor go, so that a worker
/// starting next (this portal restarted) reads on at once.
async fn stop_writing(backend: &Backend, holder: &str, finished: &[Outcome]) -> Result<(), StoreError> {
    let mut tx = backend.store.begin().await?;
    tx.finish_deliveries(finished, Utc::now()).await?;
    tx.release_notify_cursor(holder).await?;
    tx.commit().await
}

/// One attempt at a delivery.
#[tracing::instrument(skip_all, fields(delivery_id = %delivery.delivery_id, receiver = %delivery.receiver, event = %delivery.event))]
pub(crate) async fn attempt(sending: &Sending, delivery: &ClaimedDelivery) -> Attempt {
    let Sending { backend, client, hooks, base_url } = sending;
    let sent = match delivery.receiver.strip_prefix("mail:") {
        Some(handle) => mail(backend, handle, delivery, base_url).await,
        None => match hooks.iter().find(|hook| delivery.receiver.strip_prefix("webhook:") == Some(hook.name.as_str())) {
            Some(hook) => webhook::send(client, hook, &delivery.event, &delivery.delivery_id, &delivery.payload, base_url).await,
            None => Sent::Gone(format!("{} is no longer in the world file", delivery.receiver)),
        },
    };
    let attempt = outcome(sent, delivery, Utc::now());
    match &attempt {
        Attempt::Delivered { status } => tracing::info!(status, "delivered"),
        Attempt::Failed { error, retry_at, .. } => tracing::warn!(error = %error, retry_at = ?retry_at, "delivery failed"),
    }
    attempt
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
