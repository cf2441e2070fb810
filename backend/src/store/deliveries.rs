//! The notification outbox: one row per event and receiver, added by the
//! worker that reads the audit log forward, claimed by a worker for a while
//! (so a replica that dies mid-delivery only delays it), and finished with
//! the attempt's outcome; and who may be mailed. The SQL, once for both
//! databases, is in `deliveries_sql`.

use super::StoreError;
use super::dialect::Time;
pub use super::event_reads::UnreadEvents;
pub use airlock_domain::notify::Delivery;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// An event for one receiver, as the worker that read it records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// The same whichever worker reads the entry (see `outbox::delivery_id`).
    pub delivery_id: String,
    /// `webhook:<name>` or `mail:<handle>`.
    pub receiver: String,
    pub event: String,
    pub release_id: i64,
    pub audit_seq: Option<i64>,
    /// The event document (JSON), without the portal's address.
    pub payload: String,
    pub at: Time,
    /// How its first attempt, made before it is written, went.
    pub first: FirstAttempt,
}

/// A new delivery's first attempt, as it stands when the delivery is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstAttempt {
    /// Not made: the delivery is due now, behind any pending one of its receiver and release.
    NotYet,
    /// Still waiting for an answer: written claimed until then, finished when it ends.
    InFlight { claimed_until: Time },
    /// Answered (or failed) at `at`.
    Made { attempt: Attempt, at: Time },
}

/// What an event says of its release: what anyone who may read releases reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseBrief {
    pub id: i64,
    pub service: String,
    pub environment: String,
    pub version: String,
    pub image: String,
    pub revision: u32,
    pub author: String,
    pub state: String,
    /// How many approvals its environment wants (kept out of the payload: the environment's own).
    #[serde(skip)]
    pub approvals_needed: u32,
}

/// A delivery a worker holds until `claimed_until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    pub delivery_id: String,
    pub receiver: String,
    pub event: String,
    pub payload: String,
    pub created_at: Time,
    pub attempts: u32,
    /// Until when this claim holds it: finishing it must find the claim still there.
    pub claimed_until: Time,
}

/// What asking for a delivery again found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redelivered {
    Due,
    /// A worker is sending it right now.
    InFlight,
    NoSuchDelivery,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered { status: u16 },
    Failed { status: Option<u16>, error: String, retry_at: Option<Time> },
}

/// Someone who may be mailed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub handle: String,
    pub is_approver: bool,
}

#[async_trait]
pub trait DeliveryStore: Send + Sync + 'static {
    /// The newest `limit` deliveries, newest first, of one `state` or any.
    async fn deliveries(&self, state: Option<&str>, limit: u32) -> Result<Vec<Delivery>, StoreError>;
    /// Whether some delivery is due and unclaimed at `now` (a read: no write lock).
    async fn any_delivery_due(&self, now: Time) -> Result<bool, StoreError>;
    /// Where `handle` is mailed: `None` without an address or with e-mail turned off.
    async fn mail_address(&self, handle: &str) -> Result<Option<String>, StoreError>;
    /// Whether `handle` gets e-mail (`None`: nobody of that handle signed in).
    async fn mail_on(&self, handle: &str) -> Result<Option<bool>, StoreError>;
    /// Turns `handle`'s e-mail on or off; `false`: nobody of that handle signed in.
    async fn set_mail(&self, handle: &str, on: bool) -> Result<bool, StoreError>;
    /// Up to `limit` audit entries past the delivery worker's cursor, with the cursor.
    async fn unread_events(&self, limit: u32) -> Result<UnreadEvents, StoreError>;
    /// What events say of these releases (those that exist), in no order.
    async fn release_briefs(&self, ids: &[i64]) -> Result<Vec<ReleaseBrief>, StoreError>;
    /// Everyone who signed in before, has an address and did not turn e-mail off, with their roles then.
    async fn mail_recipients(&self) -> Result<Vec<Recipient>, StoreError>;
    /// Whether `receiver` was ever told of `event` for the release.
    async fn told_before(&self, release_id: i64, receiver: &str, event: &str) -> Result<bool, StoreError>;
    /// The receivers and releases with a delivery pending: what comes next for them waits its turn.
    async fn pending_lanes(&self) -> Result<Vec<(String, i64)>, StoreError>;
}

/// Who reads the audit log forward: one delivery worker at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorHold {
    /// This worker holds the cursor (until the time it asked for).
    Held,
    /// Another worker holds it until then.
    HeldElsewhere(Time),
}

#[async_trait]
pub trait DeliveryTx: Send {
    async fn add_deliveries(&mut self, deliveries: &[NewDelivery]) -> Result<(), StoreError>;
    /// Claims up to `limit` due deliveries until `until`, each the oldest
    /// pending one of its receiver and release (order per release holds).
    async fn claim_deliveries(&mut self, now: Time, until: Time, limit: u32) -> Result<Vec<ClaimedDelivery>, StoreError>;
    /// Records attempts' outcomes, each unless the claim it was made under
    /// is gone (it ran out and another worker holds the delivery now).
    async fn finish_deliveries(&mut self, finished: &[(ClaimedDelivery, Attempt)], now: Time) -> Result<(), StoreError>;
    /// Takes or keeps the cursor over the audit log for `holder` until
    /// `until`, unless another worker holds it past `now`.
    async fn hold_notify_cursor(&mut self, holder: &str, now: Time, until: Time) -> Result<CursorHold, StoreError>;
    /// Lets the cursor go, if `holder` holds it.
    async fn release_notify_cursor(&mut self, holder: &str) -> Result<(), StoreError>;
    /// Moves the cursor from `from` to `to` and keeps it held by `holder`
    /// until `until`; `false` (and nothing moved) if another worker holds it
    /// or moved it first.
    async fn advance_notify_cursor(&mut self, from: i64, to: i64, holder: &str, until: Time) -> Result<bool, StoreError>;
    /// Makes a delivery that nobody is sending due now, whatever became of it.
    async fn redeliver(&mut self, delivery_id: &str, now: Time) -> Result<Redelivered, StoreError>;
}
