//! The outbox's SQL, written once for both databases (see `deliveries`).

use super::StoreError;
use super::deliveries::{Attempt, ClaimedDelivery, Delivery, DeliveryStore, DeliveryTx, NewDelivery, Recipient, Redelivered, ReleaseBrief};
use super::dialect::{Dialect, Pooled, Time};
use super::gate_tx::GateTx;
use async_trait::async_trait;

/// service, environment, author, revision, state, version, image, approvals needed.
type BriefRow = (String, String, String, i64, String, String, String, i64);

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

    async fn brief(&mut self, id: i64) -> Result<Option<ReleaseBrief>, StoreError> {
        let row: Option<BriefRow> = sqlx::query_as(
            "SELECT r.service, r.environment, r.author, CAST(r.revision AS BIGINT), r.state, v.version, v.image, \
             CAST(e.required_approvals AS BIGINT) FROM releases r \
             JOIN release_revisions v ON v.release_id = r.id AND v.revision = r.revision \
             JOIN environments e ON e.name = r.environment WHERE r.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.0)
        .await?;
        Ok(row.map(|(service, environment, author, revision, state, version, image, approvals)| ReleaseBrief {
            id,
            service,
            environment,
            version,
            image,
            revision: u32::try_from(revision).unwrap_or(0),
            author,
            state,
            approvals_needed: u32::try_from(approvals).unwrap_or(0),
        }))
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

    async fn recipients(&mut self) -> Result<Vec<Recipient>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT handle, roles FROM people WHERE email IS NOT NULL AND NOT mail_off ORDER BY handle")
                .fetch_all(&mut *self.0)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(handle, roles)| Recipient { handle, is_approver: roles.split_whitespace().any(|r| r == "approver") })
            .collect())
    }

    async fn told_before(&mut self, release_id: i64, receiver: &str, event: &str) -> Result<bool, StoreError> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT seq FROM deliveries WHERE release_id = $1 AND receiver = $2 AND event = $3 LIMIT 1")
                .bind(release_id)
                .bind(receiver)
                .bind(event)
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

    /// One statement for all of an event's receivers: the change that records them waits less.
    async fn add(&mut self, deliveries: &[NewDelivery]) -> Result<(), StoreError> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let rows: Vec<String> = (0..deliveries.len())
            .map(|i| {
                let p = |n: usize| format!("${}", i * 7 + n);
                format!("({}, {}, {}, {}, {}, {}, {}, {})", p(1), p(2), p(3), p(4), p(5), p(6), p(7), p(7))
            })
            .collect();
        let sql = format!(
            "INSERT INTO deliveries (delivery_id, receiver, event, release_id, audit_seq, payload, created_at, next_attempt_at) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for d in deliveries {
            query = query
                .bind(d.delivery_id.as_str())
                .bind(d.receiver.as_str())
                .bind(d.event.as_str())
                .bind(d.release_id)
                .bind(d.audit_seq)
                .bind(d.payload.as_str())
                .bind(d.at);
        }
        query.execute(&mut *self.0).await?;
        Ok(())
    }

    async fn claim(&mut self, now: Time, until: Time, limit: u32) -> Result<Vec<ClaimedDelivery>, StoreError> {
        // Stored as PostgreSQL keeps it, so finishing can compare it exactly.
        let until = airlock_domain::audit::truncate_to_micros(until);
        let sql = format!(
            "SELECT d.delivery_id, d.receiver, d.event, d.payload, d.created_at, d.attempts FROM deliveries d \
             WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until < $1) \
             AND NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.receiver = d.receiver AND p.release_id = d.release_id \
             AND p.seq < d.seq AND p.state = 'pending') ORDER BY d.seq LIMIT $2{}",
            D::SKIP_LOCKED
        );
        let rows: Vec<(String, String, String, String, Time, i64)> =
            sqlx::query_as(&sql).bind(now).bind(i64::from(limit)).fetch_all(&mut *self.0).await?;
        for (id, ..) in &rows {
            sqlx::query("UPDATE deliveries SET claimed_until = $2 WHERE delivery_id = $1")
                .bind(id.as_str())
                .bind(until)
                .execute(&mut *self.0)
                .await?;
        }
        Ok(rows
            .into_iter()
            .map(|(delivery_id, receiver, event, payload, created_at, attempts)| ClaimedDelivery {
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

    async fn finish(&mut self, claimed: &ClaimedDelivery, attempt: &Attempt, now: Time) -> Result<(), StoreError> {
        let (state, status, error, next, delivered_at) = match attempt {
            Attempt::Delivered { status } => ("delivered", Some(*status), None, now, Some(now)),
            Attempt::Failed { status, error, retry_at: Some(at) } => ("pending", *status, Some(error.as_str()), *at, None),
            Attempt::Failed { status, error, retry_at: None } => ("failed", *status, Some(error.as_str()), now, None),
        };
        sqlx::query(
            "UPDATE deliveries SET state = $2, attempts = attempts + 1, last_status = $3, last_error = $4, next_attempt_at = $5, \
             delivered_at = $6, claimed_until = NULL WHERE delivery_id = $1 AND claimed_until = $7",
        )
        .bind(claimed.delivery_id.as_str())
        .bind(state)
        .bind(status.map(i64::from))
        .bind(error)
        .bind(next)
        .bind(delivered_at)
        .bind(claimed.claimed_until)
        .execute(&mut *self.0)
        .await?;
        Ok(())
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
        let mut conn = self.pool().acquire().await?;
        DeliverySql::<S::Db>(&mut conn).set_mail(handle, on).await
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
    async fn release_brief(&mut self, id: i64) -> Result<Option<ReleaseBrief>, StoreError> {
        DeliverySql::<D>(&mut *self.0).brief(id).await
    }

    async fn mail_recipients(&mut self) -> Result<Vec<Recipient>, StoreError> {
        DeliverySql::<D>(&mut *self.0).recipients().await
    }

    async fn told_before(&mut self, release_id: i64, receiver: &str, event: &str) -> Result<bool, StoreError> {
        DeliverySql::<D>(&mut *self.0).told_before(release_id, receiver, event).await
    }

    async fn add_deliveries(&mut self, deliveries: &[NewDelivery]) -> Result<(), StoreError> {
        DeliverySql::<D>(&mut *self.0).add(deliveries).await
    }

    async fn claim_deliveries(&mut self, now: Time, until: Time, limit: u32) -> Result<Vec<ClaimedDelivery>, StoreError> {
        DeliverySql::<D>(&mut *self.0).claim(now, until, limit).await
    }

    async fn finish_delivery(&mut self, claimed: &ClaimedDelivery, attempt: &Attempt, now: Time) -> Result<(), StoreError> {
        DeliverySql::<D>(&mut *self.0).finish(claimed, attempt, now).await
    }

    async fn redeliver(&mut self, delivery_id: &str, now: Time) -> Result<Redelivered, StoreError> {
        DeliverySql::<D>(&mut *self.0).redeliver(delivery_id, now).await
    }
}
