//! Break-glass rows, once for both databases.

use super::StoreError;
use super::dialect::{Dialect, Time};
use super::gate_tx::GateTx;
use async_trait::async_trait;

#[async_trait]
pub trait BreakGlassTx: Send {
    /// Records an admin's break-glass for release `id`, pointing at the audit
    /// entry `audit_seq` that records it. The database refuses a second one
    /// and one given by the release's author.
    async fn insert_break_glass(
        &mut self,
        id: i64,
        author: &str,
        by: &str,
        reason: &str,
        at: Time,
        audit_seq: i64,
    ) -> Result<(), StoreError>;
}

#[async_trait]
impl<D> BreakGlassTx for GateTx<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> &'q str: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> i64: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> Time: sqlx::Encode<'q, D> + sqlx::Type<D>,
{
    async fn insert_break_glass(
        &mut self,
        id: i64,
        author: &str,
        by: &str,
        reason: &str,
        at: Time,
        audit_seq: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO break_glass (release_id, release_author, given_by, reason, given_at, audit_seq) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(author)
        .bind(by)
        .bind(reason)
        .bind(at)
        .bind(audit_seq)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }
}
