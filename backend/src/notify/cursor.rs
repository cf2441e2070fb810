//! One delivery worker at a time reads the audit log forward: the one that
//! holds the cursor. A worker takes it when it is free or its holder's hold
//! ran out (the holder died), keeps it with each move, and lets it go when
//! it stops, so that a portal restarted reads on at once.

use crate::Backend;
use crate::store::{CursorHold, StoreError};
use chrono::{DateTime, Duration as Span, Utc};

/// How long the cursor stays with its worker after each move: a worker that
/// died lets another replica's take it over after this.
pub(crate) const CURSOR_HOLD: Span = Span::seconds(15);

/// This worker's hold on the cursor over the audit log, as far as it knows.
pub(crate) struct Cursor {
    /// Who this worker is to the other replicas'.
    pub(crate) me: String,
    pub(crate) held_until: Option<DateTime<Utc>>,
    /// Until when another worker was found holding it.
    elsewhere_until: Option<DateTime<Utc>>,
}

impl Cursor {
    pub(crate) fn new() -> Self {
        let me = crate::auth::random_hex(8).unwrap_or_else(|_| format!("{}-{}", std::process::id(), Utc::now().timestamp_micros()));
        Cursor { me, held_until: None, elsewhere_until: None }
    }

    pub(crate) fn held_elsewhere(&self, now: DateTime<Utc>) -> bool {
        self.elsewhere_until.is_some_and(|until| until > now)
    }

    /// Whether this worker holds the cursor: taken (or kept) with a small
    /// write when its hold is half gone; moving the cursor keeps it too.
    pub(crate) async fn hold(&mut self, backend: &Backend, now: DateTime<Utc>) -> bool {
        if self.held_until.is_some_and(|until| until - now > CURSOR_HOLD / 2) {
            return true;
        }
        let until = now + CURSOR_HOLD;
        let taken = async {
            let mut tx = backend.store.begin().await?;
            let hold = tx.hold_notify_cursor(&self.me, now, until).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(hold)
        };
        match taken.await {
            Ok(CursorHold::Held) => {
                (self.held_until, self.elsewhere_until) = (Some(until), None);
                true
            }
            Ok(CursorHold::HeldElsewhere(until)) => {
                (self.held_until, self.elsewhere_until) = (None, Some(until));
                false
            }
            Err(error) => {
                tracing::warn!(error = %error, "could not take the cursor over the audit log");
                false
            }
        }
    }
}
