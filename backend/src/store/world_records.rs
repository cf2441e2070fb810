//! Each world row's newest record in the audit log (see
//! `crate::world_record`), read in a transaction (a world import) or from
//! the pool (`verify`), once for both databases.

use super::StoreError;
use super::dialect::{Dialect, Pooled};
use super::gate_tx::GateTx;
use async_trait::async_trait;
use std::collections::HashMap;

/// Subject → the `after_state` of its newest world-record entry.
pub type NewestRecords = HashMap<String, String>;

#[async_trait]
pub trait WorldRecordStore: Send + Sync + 'static {
    async fn newest_world_records(&self) -> Result<NewestRecords, StoreError>;
}

#[async_trait]
pub trait WorldRecordTx: Send {
    async fn newest_world_records(&mut self) -> Result<NewestRecords, StoreError>;
}

/// The newest entry of each subject among the world-record actions.
fn query() -> String {
    let actions = crate::world_record::ACTIONS.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(", ");
    format!(
        "SELECT a.subject, a.after_state FROM audit_log a WHERE a.seq IN \
         (SELECT MAX(n.seq) FROM audit_log n WHERE n.action IN ({actions}) GROUP BY n.subject)"
    )
}

fn newest(rows: Vec<(String, Option<String>)>) -> NewestRecords {
    rows.into_iter().filter_map(|(subject, after)| after.map(|after| (subject, after))).collect()
}

#[async_trait]
impl<S> WorldRecordStore for S
where
    S: Pooled,
    for<'c> &'c sqlx::Pool<S::Db>: sqlx::Executor<'c, Database = S::Db>,
    for<'q> <S::Db as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, S::Db>,
    for<'r> String: sqlx::Decode<'r, S::Db> + sqlx::Type<S::Db>,
    usize: sqlx::ColumnIndex<<S::Db as sqlx::Database>::Row>,
{
    async fn newest_world_records(&self) -> Result<NewestRecords, StoreError> {
        let sql = query();
        Ok(newest(sqlx::query_as(&sql).fetch_all(self.pool()).await?))
    }
}

#[async_trait]
impl<D> WorldRecordTx for GateTx<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'r> String: sqlx::Decode<'r, D> + sqlx::Type<D>,
    usize: sqlx::ColumnIndex<D::Row>,
{
    async fn newest_world_records(&mut self) -> Result<NewestRecords, StoreError> {
        let sql = query();
        Ok(newest(sqlx::query_as(&sql).fetch_all(&mut *self.0).await?))
    }
}
