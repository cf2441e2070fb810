//! What the delivery worker reads before it writes, on the pool and outside
//! any write lock: the audit entries past its cursor, the releases they
//! name, and who may be mailed. Written once for both databases.

use super::StoreError;
use super::deliveries::{Recipient, ReleaseBrief};
use super::dialect::{Dialect, Time};
use super::gate_reads::AuditRow;
use airlock_domain::audit::AuditEntry;

/// The audit entries the worker has not turned into deliveries yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadEvents {
    /// The cursor they were read after: moving it on must find it unchanged.
    pub cursor: i64,
    /// Oldest first.
    pub entries: Vec<AuditEntry>,
}

/// id, service, environment, author, revision, state, version, image, approvals needed.
type BriefRow = (i64, String, String, String, i64, String, String, String, i64);

pub(crate) struct EventReads<'c, D: Dialect>(pub &'c mut D::Connection);

impl<D> EventReads<'_, D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> &'q str: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> String: sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Option<String>: sqlx::Decode<'q, D>,
    for<'q> i64: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Time: sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'r> AuditRow: sqlx::FromRow<'r, D::Row>,
    usize: sqlx::ColumnIndex<D::Row>,
{
    pub(crate) async fn unread(&mut self, limit: u32) -> Result<UnreadEvents, StoreError> {
        let (cursor,): (i64,) = sqlx::query_as("SELECT seq FROM notify_cursor WHERE id = 1").fetch_one(&mut *self.0).await?;
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT seq, at, actor, action, subject, before_state, after_state, prev_hash, hash FROM audit_log \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(cursor)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.0)
        .await?;
        Ok(UnreadEvents { cursor, entries: rows.into_iter().map(Into::into).collect() })
    }

    pub(crate) async fn briefs(&mut self, ids: &[i64]) -> Result<Vec<ReleaseBrief>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT r.id, r.service, r.environment, r.author, CAST(r.revision AS BIGINT), r.state, v.version, v.image, \
             CAST(e.required_approvals AS BIGINT) FROM releases r \
             JOIN release_revisions v ON v.release_id = r.id AND v.revision = r.revision \
             JOIN environments e ON e.name = r.environment WHERE r.id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<D, BriefRow>(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        let rows = query.fetch_all(&mut *self.0).await?;
        Ok(rows
            .into_iter()
            .map(|(id, service, environment, author, revision, state, version, image, approvals)| ReleaseBrief {
                id,
                service,
                environment,
                version,
                image,
                revision: u32::try_from(revision).unwrap_or(0),
                author,
                state,
                approvals_needed: u32::try_from(approvals).unwrap_or(0),
            })
            .collect())
    }

    pub(crate) async fn recipients(&mut self) -> Result<Vec<Recipient>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT handle, roles FROM people WHERE email IS NOT NULL AND NOT mail_off ORDER BY handle")
                .fetch_all(&mut *self.0)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(handle, roles)| Recipient { handle, is_approver: roles.split_whitespace().any(|r| r == "approver") })
            .collect())
    }

    pub(crate) async fn told_before(&mut self, release_id: i64, receiver: &str, event: &str) -> Result<bool, StoreError> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT seq FROM deliveries WHERE release_id = $1 AND receiver = $2 AND event = $3 LIMIT 1")
                .bind(release_id)
                .bind(receiver)
                .bind(event)
                .fetch_optional(&mut *self.0)
                .await?;
        Ok(row.is_some())
    }

    pub(crate) async fn pending_lanes(&mut self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as("SELECT DISTINCT receiver, release_id FROM deliveries WHERE state = 'pending'").fetch_all(&mut *self.0).await?)
    }
}
