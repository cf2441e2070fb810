//! The outbox's SQL, written once for both databases (see `deliveries`).

use super::StoreError;
use super::deliveries::{
    Attempt, ClaimedDelivery, CursorHold, Delivery, DeliveryStore, DeliveryTx, FirstAttempt, NewDelivery, Recipient, Redelivered,
    ReleaseBrief,
};
use super::dialect::{Dialect, Pooled, Time};
use super::event_reads::{EventReads, UnreadEvents};
use super::gate_reads::AuditRow;
use super::gate_tx::GateTx;
use super::write_turns::turn_in;
use async_trait::async_trait;

type Row = (String, String, String, i64, String, i64, Option<i64>, Option<String>, Time, Time, Option<Time>);

fn delivery(row: Row) -> Delivery {
    let (delivery_id, receiver, event, release_id, state, attempts, last_status, last_error, created_at, next, delivered_at) = row;
    let pending = state == "pending";
    Delivery {
        delivery_id,
        receiver,
        event,
        release_id,
        state,
        attempts: u32::try_from(attempts).unwrap_or(0),
        last_status: last_status.and_then(|s| u16::try_from(s).ok()),
        last_error,
        created_at,
        next_attempt_at: pending.then_some(next),
        delivered_at,
    }
}

/// The columns a first attempt sets, as `finish` would have set them.
struct FirstRow<'d> {
    state: &'static str,
    attempts: i64,
    last_status: Option<i64>,
    last_error: Option<&'d str>,
    next_attempt_at: Time,
    claimed_until: Option<Time>,
    delivered_at: Option<Time>,
}

impl<'d> FirstRow<'d> {
    fn of(delivery: &'d NewDelivery) -> Self {
        let due = FirstRow {
            state: "pending",
            attempts: 0,
            last_status: None,
            last_error: None,
            next_attempt_at: delivery.at,
            claimed_until: None,
            delivered_at: None,
        };
        match &delivery.first {
            FirstAttempt::NotYet => due,
            FirstAttempt::InFlight { claimed_until } => FirstRow { claimed_until: Some(*claimed_until), ..due },
            FirstAttempt::Made { attempt: Attempt::Delivered { status }, at } => FirstRow {
                state: "delivered",
                attempts: 1,
                last_status: Some(i64::from(*status)),
                next_attempt_at: *at,
                delivered_at: Some(*at),
                ..due
            },
            FirstAttempt::Made { attempt: Attempt::Failed { status, error, retry_at }, at } => FirstRow {
                state: if retry_at.is_some() { "pending" } else { "failed" },
                attempts: 1,
                last_status: status.map(i64::from),
                last_error: Some(error),
                next_attempt_at: retry_at.unwrap_or(*at),
                ..due
            },
        }
    }
}

pub(crate) struct DeliverySql<'c, D: Dialect>(pub &'c mut D::Connection);

impl<D> DeliverySql<'_, D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> &'q str: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> String: sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Option<String>: sqlx::Decode<'q, D>,
    for<'q> i64: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Option<i64>: sqlx::Encode<'q, D> + sqlx::Decode<'q, D>,
    for<'q> Time: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Option<Time>: sqlx::Encode<'q, D> + sqlx::Decode<'q, D>,
    for<'q> bool: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    usize: sqlx::ColumnIndex<D::Row>,
{
    async fn list(&mut self, state: Option<&str>, limit: u32) -> Result<Vec<Delivery>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT delivery_id, receiver, event, release_id, state, attempts, last_status, last_error, created_at, \
             next_attempt_at, delivered_at FROM deliveries WHERE ($1 IS NULL OR state = $1) ORDER BY seq DESC LIMIT $2",
        )
        .bind(state)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.0)
        .await?;
        Ok(rows.into_iter().map(delivery).collect())
    }

    async fn any_due(&mut self, now: Time) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT d.seq FROM deliveries d WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
             AND (d.claimed_until IS NULL OR d.claimed_until < $1) \
             AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.receiver = d.receiver AND p.release_id = d.release_id \
             AND p.seq < d.seq AND p.state = 'pending') LIMIT 1",
        )
        .bind(now)
        .fetch_optional(&mut *self.0)
        .await?;
        Ok(row.is_some())
    }

    async fn address(&mut self, handle: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<String>, bool)> =
            sqlx::query_as("SELECT email, mail_off FROM people WHERE handle = $1").bind(handle).fetch_optional(&mut *self.0).await?;
        Ok(row.and_then(|(email, off)| email.filter(|_| !off)))
    }

    async fn mail_on(&mut self, handle: &str) -> Result<Option<bool>, StoreError> {
        let row: Option<(bool,)> =
            sqlx::query_as("SELECT mail_off FROM people WHERE handle = $1").bind(handle).fetch_optional(&mut *self.0).await?;
        Ok(row.map(|(off,)| !off))
    }

    async fn set_mail(&mut self, handle: &str, on: bool) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE people SET mail_off = $2 WHERE handle = $1").bind(handle).bind(!on).execute(&mut *self.0).await?;
        Ok(D::rows_affected(&done) == 1)
    }

    /// A few statements for many deliveries: every statement holds the write lock changes wait for.
    async fn add(&mut self, deliveries: &[NewDelivery]) -> Result<(), StoreError> {
        // Each row binds 14 values; SQLite takes at most 32,766 in a statement.
        for chunk in deliveries.chunks(1_000) {
            self.add_rows(chunk).await?;
        }
        Ok(())
    }

    /// Each delivery as its first attempt left it: written once, not written, claimed and finished.
    async fn add_rows(&mut self, deliveries: &[NewDelivery]) -> Result<(), StoreError> {
        const COLUMNS: usize = 14;
        let rows: Vec<String> = (0..deliveries.len())
            .map(|i| format!("({})", (1..=COLUMNS).map(|n| format!("${}", i * COLUMNS + n)).collect::<Vec<_>>().join(", ")))
            .collect();
        let sql = format!(
            "INSERT INTO deliveries (delivery_id, receiver, event, release_id, audit_seq, payload, created_at, state, attempts, \
             last_status, last_error, next_attempt_at, claimed_until, delivered_at) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for d in deliveries {
            let row = FirstRow::of(d);
            query = query
                .bind(d.delivery_id.as_str())
                .bind(d.receiver.as_str())
                .bind(d.event.as_str())
                .bind(d.release_id)
                .bind(d.audit_seq)
                .bind(d.payload.as_str())
                .bind(d.at)
                .bind(row.state)
                .bind(row.attempts)
                .bind(row.last_status)
                .bind(row.last_error)
                .bind(row.next_attempt_at)
                .bind(row.claimed_until)
                .bind(row.delivered_at);
        }
        query.execute(&mut *self.0).await?;
        Ok(())
    }

    /// One statement claims them all: on SQLite every statement inside the
    /// write lock is a hand-off to the driver's thread that changes wait for.
    async fn claim(&mut self, now: Time, until: Time, limit: u32) -> Result<Vec<ClaimedDelivery>, StoreError> {
        // Stored as PostgreSQL keeps it, so finishing can compare it exactly.
        let until = airlock_domain::audit::truncate_to_micros(until);
        let sql = format!(
            "UPDATE deliveries SET claimed_until = $3 WHERE seq IN (SELECT d.seq FROM deliveries d \
             WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until < $1) \
             AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.receiver = d.receiver AND p.release_id = d.release_id \
             AND p.seq < d.seq AND p.state = 'pending') ORDER BY d.seq LIMIT $2{}) \
             RETURNING seq, delivery_id, receiver, event, payload, created_at, attempts",
            D::SKIP_LOCKED
        );
        let mut rows: Vec<(i64, String, String, String, String, Time, i64)> =
            sqlx::query_as(&sql).bind(now).bind(i64::from(limit)).bind(until).fetch_all(&mut *self.0).await?;
        // RETURNING promises no order; deliveries go out oldest first.
        rows.sort_by_key(|row| row.0);
        Ok(rows
            .into_iter()
            .map(|(_, delivery_id, receiver, event, payload, created_at, attempts)| ClaimedDelivery {
                delivery_id,
                receiver,
                event,
                payload,
                created_at,
                attempts: u32::try_from(attempts).unwrap_or(0),
                claimed_until: until,
            })
            .collect())
    }

    /// Records attempts' outcomes, each unless the claim it was made under
    /// is gone (it ran out and another worker holds the delivery now). The
    /// usual outcome, accepted, is one statement per status and claim.
    async fn finish(&mut self, finished: &[(ClaimedDelivery, Attempt)], now: Time) -> Result<(), StoreError> {
        let mut accepted: Vec<(u16, Time, Vec<&str>)> = Vec::new();
        for (claimed, attempt) in finished {
            match attempt {
                Attempt::Delivered { status } => {
                    match accepted.iter_mut().find(|(s, until, _)| s == status && *until == claimed.claimed_until) {
                        Some((.., ids)) => ids.push(&claimed.delivery_id),
                        None => accepted.push((*status, claimed.claimed_until, vec![&claimed.delivery_id])),
                    }
                }
                Attempt::Failed { status, error, retry_at } => {
                    let (state, next) = match retry_at {
                        Some(at) => ("pending", *at),
                        None => ("failed", now),
                    };
                    sqlx::query(
                        "UPDATE deliveries SET state = $2, attempts = attempts + 1, last_status = $3, last_error = $4, \
                         next_attempt_at = $5, delivered_at = NULL, claimed_until = NULL WHERE delivery_id = $1 AND claimed_until = $6",
                    )
                    .bind(claimed.delivery_id.as_str())
                    .bind(state)
                    .bind(status.map(i64::from))
                    .bind(error.as_str())
                    .bind(next)
                    .bind(claimed.claimed_until)
                    .execute(&mut *self.0)
                    .await?;
                }
            }
        }
        for (status, until, ids) in accepted {
            let placeholders: Vec<String> = (4..4 + ids.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, last_status = $1, last_error = NULL, \
                 next_attempt_at = $2, delivered_at = $2, claimed_until = NULL WHERE claimed_until = $3 AND delivery_id IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(i64::from(status)).bind(now).bind(until);
            for id in ids {
                query = query.bind(id);
            }
            query.execute(&mut *self.0).await?;
        }
        Ok(())
    }

    async fn hold_cursor(&mut self, holder: &str, now: Time, until: Time) -> Result<CursorHold, StoreError> {
        let done = sqlx::query(
            "UPDATE notify_cursor SET holder = $1, held_until = $3 WHERE id = 1 AND (holder IS NULL OR holder = $1 OR held_until < $2)",
        )
        .bind(holder)
        .bind(now)
        .bind(until)
        .execute(&mut *self.0)
        .await?;
        if D::rows_affected(&done) == 1 {
            return Ok(CursorHold::Held);
        }
        let (held_until,): (Option<Time>,) =
            sqlx::query_as("SELECT held_until FROM notify_cursor WHERE id = 1").fetch_one(&mut *self.0).await?;
        Ok(CursorHold::HeldElsewhere(held_until.unwrap_or(now)))
    }

    async fn release_cursor(&mut self, holder: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE notify_cursor SET holder = NULL, held_until = NULL WHERE id = 1 AND holder = $1")
            .bind(holder)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    /// Moves the cursor from `from` to `to`; `false` if another worker holds it or moved it first.
    async fn advance_cursor(&mut self, from: i64, to: i64, holder: &str, until: Time) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE notify_cursor SET seq = $2, held_until = $4 WHERE id = 1 AND seq = $1 AND holder = $3")
            .bind(from)
            .bind(to)
            .bind(holder)
            .bind(until)
            .execute(&mut *self.0)
            .await?;
        Ok(D::rows_affected(&done) == 1)
    }

    async fn redeliver(&mut self, delivery_id: &str, now: Time) -> Result<Redelivered, StoreError> {
        let done = sqlx::query(
            "UPDATE deliveries SET state = 'pending', next_attempt_at = $2, claimed_until = NULL, delivered_at = NULL \
             WHERE delivery_id = $1 AND (claimed_until IS NULL OR claimed_until < $2)",
        )
        .bind(delivery_id)
        .bind(now)
        .execute(&mut *self.0)
        .await?;
        if D::rows_affected(&done) == 1 {
            return Ok(Redelivered::Due);
        }
        let exists: Option<(i64,)> =
            sqlx::query_as("SELECT seq FROM deliveries WHERE delivery_id = $1").bind(delivery_id).fetch_optional(&mut *self.0).await?;
        Ok(if exists.is_some() { Redelivered::InFlight } else { Redelivered::NoSuchDelivery })
    }
}

#[async_trait]
impl<S> DeliveryStore for S
where
    S: Pooled,
    for<'c> &'c mut <S::Db as sqlx::Database>::Connection: sqlx::Executor<'c, Database = S::Db>,
    for<'q> <S::Db as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, S::Db>,
    for<'q> &'q str: sqlx::Encode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> String: sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Option<String>: sqlx::Decode<'q, S::Db>,
    for<'q> i64: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Option<i64>: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db>,
    for<'q> Time: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Option<Time>: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db>,
    for<'q> bool: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'r> AuditRow: sqlx::FromRow<'r, <S::Db as sqlx::Database>::Row>,
    usize: sqlx::ColumnIndex<<S::Db as sqlx::Database>::Row>,
{
    async fn deliveries(&self, state: Option<&str>, limit: u32) -> Result<Vec<Delivery>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        DeliverySql::<S::Db>(&mut conn).list(state, limit).await
    }

    async fn any_delivery_due(&self, now: Time) -> Result<bool, StoreError> {
        let mut conn = self.pool().acquire().await?;
        DeliverySql::<S::Db>(&mut conn).any_due(now).await
    }

    async fn mail_address(&self, handle: &str) -> Result<Option<String>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        DeliverySql::<S::Db>(&mut conn).address(handle).await
    }

    async fn mail_on(&self, handle: &str) -> Result<Option<bool>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        DeliverySql::<S::Db>(&mut conn).mail_on(handle).await
    }

    async fn set_mail(&self, handle: &str, on: bool) -> Result<bool, StoreError> {
        let _turn = turn_in(self.write_turns()).await?;
        let mut conn = self.pool().acquire().await?;
        DeliverySql::<S::Db>(&mut conn).set_mail(handle, on).await
    }

    async fn unread_events(&self, limit: u32) -> Result<UnreadEvents, StoreError> {
        let mut conn = self.pool().acquire().await?;
        EventReads::<S::Db>(&mut conn).unread(limit).await
    }

    async fn release_briefs(&self, ids: &[i64]) -> Result<Vec<ReleaseBrief>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        EventReads::<S::Db>(&mut conn).briefs(ids).await
    }

    async fn mail_recipients(&self) -> Result<Vec<Recipient>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        EventReads::<S::Db>(&mut conn).recipients().await
    }

    async fn told_before(&self, release_id: i64, receiver: &str, event: &str) -> Result<bool, StoreError> {
        let mut conn = self.pool().acquire().await?;
        EventReads::<S::Db>(&mut conn).told_before(release_id, receiver, event).await
    }

    async fn pending_lanes(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        EventReads::<S::Db>(&mut conn).pending_lanes().await
    }
}

#[async_trait]
impl<D> DeliveryTx for GateTx<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> &'q str: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> String: sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Option<String>: sqlx::Decode<'q, D>,
    for<'q> i64: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Option<i64>: sqlx::Encode<'q, D> + sqlx::Decode<'q, D>,
    for<'q> Time: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Option<Time>: sqlx::Encode<'q, D> + sqlx::Decode<'q, D>,
    for<'q> bool: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    usize: sqlx::ColumnIndex<D::Row>,
{
    async fn add_deliveries(&mut self, deliveries: &[NewDelivery]) -> Result<(), StoreError> {
        DeliverySql::<D>(&mut *self.0).add(deliveries).await
    }

    async fn claim_deliveries(&mut self, now: Time, until: Time, limit: u32) -> Result<Vec<ClaimedDelivery>, StoreError> {
        DeliverySql::<D>(&mut *self.0).claim(now, until, limit).await
    }

    async fn finish_deliveries(&mut self, finished: &[(ClaimedDelivery, Attempt)], now: Time) -> Result<(), StoreError> {
        DeliverySql::<D>(&mut *self.0).finish(finished, now).await
    }

    async fn hold_notify_cursor(&mut self, holder: &str, now: Time, until: Time) -> Result<CursorHold, StoreError> {
        DeliverySql::<D>(&mut *self.0).hold_cursor(holder, now, until).await
    }

    async fn release_notify_cursor(&mut self, holder: &str) -> Result<(), StoreError> {
        DeliverySql::<D>(&mut *self.0).release_cursor(holder).await
    }

    async fn advance_notify_cursor(&mut self, from: i64, to: i64, holder: &str, until: Time) -> Result<bool, StoreError> {
        DeliverySql::<D>(&mut *self.0).advance_cursor(from, to, holder, until).await
    }

    async fn redeliver(&mut self, delivery_id: &str, now: Time) -> Result<Redelivered, StoreError> {
        DeliverySql::<D>(&mut *self.0).redeliver(delivery_id, now).await
    }
}
