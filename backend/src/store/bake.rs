//! What is learnt about a job after it finished, once for both databases:
//! the bake of a succeeded deploy (started with its success, ended once,
//! healthy or why it stopped), and what the cluster said of a failed one.

use super::StoreError;
use super::dialect::{Dialect, Pooled, Time};
use super::gate_tx::GateTx;
use async_trait::async_trait;

#[async_trait]
pub trait BakeStore: Send + Sync + 'static {
    /// The jobs whose bake has not ended, oldest first, with their release.
    async fn baking_jobs(&self) -> Result<Vec<(i64, i64)>, StoreError>;
}

#[async_trait]
pub trait BakeTx: Send {
    async fn start_bake(&mut self, job: i64, until: Time) -> Result<(), StoreError>;
    /// Ends job `job`'s bake; `false` when it had ended already (nothing is written).
    async fn end_bake(&mut self, job: i64, at: Time, outcome: &str) -> Result<bool, StoreError>;
    /// Keeps what the cluster said about a failed job (its Pod's events and log's end).
    async fn set_failure_detail(&mut self, job: i64, detail: &str) -> Result<(), StoreError>;
}

#[async_trait]
impl<S> BakeStore for S
where
    S: Pooled,
    for<'c> &'c sqlx::Pool<S::Db>: sqlx::Executor<'c, Database = S::Db>,
    for<'q> <S::Db as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, S::Db>,
    for<'r> i64: sqlx::Decode<'r, S::Db> + sqlx::Type<S::Db>,
    usize: sqlx::ColumnIndex<<S::Db as sqlx::Database>::Row>,
{
    async fn baking_jobs(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        let sql = "SELECT id, release_id FROM jobs WHERE baked_at IS NULL AND bake_until IS NOT NULL ORDER BY id";
        Ok(sqlx::query_as(sql).fetch_all(self.pool()).await?)
    }
}

#[async_trait]
impl<D> BakeTx for GateTx<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> &'q str: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> i64: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> Time: sqlx::Encode<'q, D> + sqlx::Type<D>,
{
    async fn start_bake(&mut self, job: i64, until: Time) -> Result<(), StoreError> {
        sqlx::query("UPDATE jobs SET bake_until = $2 WHERE id = $1").bind(job).bind(until).execute(&mut *self.0).await?;
        Ok(())
    }

    async fn end_bake(&mut self, job: i64, at: Time, outcome: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE jobs SET baked_at = $2, bake_outcome = $3 WHERE id = $1 AND baked_at IS NULL AND bake_until IS NOT NULL")
                .bind(job)
                .bind(at)
                .bind(outcome)
                .execute(&mut *self.0)
                .await?;
        Ok(D::rows_affected(&done) == 1)
    }

    async fn set_failure_detail(&mut self, job: i64, detail: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE jobs SET failure_detail = $2 WHERE id = $1").bind(job).bind(detail).execute(&mut *self.0).await?;
        Ok(())
    }
}
