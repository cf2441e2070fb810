//! What the inbox reads, once for both databases: the releases that may
//! wait for an approver (the gate then decides for each), a release
//! manager's releases that want their next step, and what reached tenants.

use super::StoreError;
use super::dialect::{Pooled, Time};
use airlock_domain::inbox::{OwnRelease, Reached};

/// The most releases the gate is asked about for one inbox: more than it
/// lists, since some turn out to have the approvals they need.
const CANDIDATES_MAX: u32 = 5 * INBOX_MAX;
use async_trait::async_trait;

/// The most releases an inbox section lists.
pub const INBOX_MAX: u32 = 100;

#[async_trait]
pub trait InboxStore: Send + Sync + 'static {
    /// Releases, oldest first, that may wait for `person` (the gate decides
    /// for each): not dispatched, in an environment that wants approvals,
    /// neither written nor edited by them, not ready unless approvals there
    /// expire, and without a review of theirs on the current revision that
    /// stands (a rejection, or an approval that cannot expire).
    async fn approval_candidates(&self, person: &str) -> Result<Vec<i64>, StoreError>;
    /// `author`'s releases whose gate is open and not dispatched, or with jobs failed since `since`; newest first.
    async fn own_releases(&self, author: &str, since: Time) -> Result<Vec<OwnRelease>, StoreError>;
    /// `tenant`'s jobs that succeeded since `since`, newest first.
    async fn reached(&self, tenant: &str, since: Time) -> Result<Vec<Reached>, StoreError>;
}

type OwnRow = (i64, String, String, String, bool, i64, Time);
type ReachedRow = (i64, String, String, String, String, String, String, Time);

#[async_trait]
impl<S> InboxStore for S
where
    S: Pooled,
    for<'c> &'c mut <S::Db as sqlx::Database>::Connection: sqlx::Executor<'c, Database = S::Db>,
    for<'q> <S::Db as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, S::Db>,
    for<'q> &'q str: sqlx::Encode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> String: sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> i64: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> bool: sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Time: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    usize: sqlx::ColumnIndex<<S::Db as sqlx::Database>::Row>,
{
    async fn approval_candidates(&self, person: &str) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT r.id FROM releases r JOIN environments e ON e.name = r.environment \
             WHERE e.required_approvals > 0 AND r.author <> $1 \
             AND (r.state <> 'ready' OR e.approval_ttl_seconds IS NOT NULL) \
             AND NOT EXISTS (SELECT 1 FROM dispatches d WHERE d.release_id = r.id AND d.revision = r.revision) \
             AND NOT EXISTS (SELECT 1 FROM release_revisions v WHERE v.release_id = r.id AND v.edited_by = $1) \
             AND NOT EXISTS (SELECT 1 FROM reviews w WHERE w.release_id = r.id AND w.revision = r.revision \
             AND w.reviewer = $1 AND w.dismissed_at IS NULL AND (w.decision = 'reject' OR e.approval_ttl_seconds IS NULL)) \
             ORDER BY r.id LIMIT $2",
        )
        .bind(person)
        .bind(i64::from(CANDIDATES_MAX))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn own_releases(&self, author: &str, since: Time) -> Result<Vec<OwnRelease>, StoreError> {
        let rows: Vec<OwnRow> = sqlx::query_as(
            "SELECT r.id, r.service, v.version, r.environment, \
             (r.state = 'ready' AND NOT EXISTS (SELECT 1 FROM dispatches d WHERE d.release_id = r.id)), \
             (SELECT COUNT(*) FROM jobs j WHERE j.release_id = r.id AND j.state = 'failed' AND j.finished_at >= $2), \
             r.updated_at FROM releases r JOIN release_revisions v ON v.release_id = r.id AND v.revision = r.revision \
             WHERE r.author = $1 AND ((r.state = 'ready' AND NOT EXISTS (SELECT 1 FROM dispatches d WHERE d.release_id = r.id)) \
             OR EXISTS (SELECT 1 FROM jobs j WHERE j.release_id = r.id AND j.state = 'failed' AND j.finished_at >= $2)) \
             ORDER BY r.updated_at DESC LIMIT $3",
        )
        .bind(author)
        .bind(since)
        .bind(i64::from(INBOX_MAX))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, service, version, environment, open, failed, updated_at)| OwnRelease {
                id,
                service,
                version,
                environment,
                open,
                failed_jobs: u32::try_from(failed).unwrap_or(0),
                updated_at,
            })
            .collect())
    }

    async fn reached(&self, tenant: &str, since: Time) -> Result<Vec<Reached>, StoreError> {
        let rows: Vec<ReachedRow> = sqlx::query_as(
            "SELECT release_id, service, version, environment, tenant, region, kind, finished_at FROM jobs \
             WHERE tenant = $1 AND state = 'succeeded' AND finished_at >= $2 ORDER BY finished_at DESC, id DESC LIMIT $3",
        )
        .bind(tenant)
        .bind(since)
        .bind(i64::from(INBOX_MAX))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(release_id, service, version, environment, tenant, region, kind, at)| Reached {
                release_id,
                service,
                version,
                environment,
                tenant,
                region,
                kind,
                at,
            })
            .collect())
    }
}
