//! The parts of a release's dossier that reviewing and ticking change, read
//! on their own: after an approval only the reviews are read again, not the
//! release's revisions, its 500 targets and their allowed regions (the
//! second full read was half of an approval's time). The full read in
//! `gate_tx.rs` reads these parts through the same queries.

use super::StoreError;
use super::dialect::Dialect;
use super::gate_rows::{ItemRow, ReviewRow, checklist_item, review};
use super::gate_tx::GateTx;
use airlock_domain::gate::{ChecklistItem, Review};
use async_trait::async_trait;

#[async_trait]
pub trait DossierPartsTx: Send {
    /// Every review ever given on the release, of any revision, oldest first.
    async fn reviews_of(&mut self, id: i64) -> Result<Vec<Review>, StoreError>;
    /// The release's checklist, in order.
    async fn checklist_of(&mut self, id: i64) -> Result<Vec<ChecklistItem>, StoreError>;
}

const REVIEWS: &str = concat!(
    "SELECT r.reviewer, r.reviewer_is_approver, r.decision, r.revision, r.digest, r.comment, r.at, r.dismissed_reason, ",
    super::recorded::review_recorded!(),
    " AS recorded FROM reviews r WHERE r.release_id = $1 ORDER BY r.at, r.id"
);

const CHECKLIST: &str = concat!(
    "SELECT i.position, i.text, i.checked_by, i.checked_at, i.evidence_url, i.note, ",
    super::recorded::item_recorded!(),
    " AS recorded FROM checklist_items i WHERE i.release_id = $1 ORDER BY i.position"
);

#[async_trait]
impl<D> DossierPartsTx for GateTx<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> i64: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'r> ReviewRow: sqlx::FromRow<'r, D::Row>,
    for<'r> ItemRow: sqlx::FromRow<'r, D::Row>,
{
    async fn reviews_of(&mut self, id: i64) -> Result<Vec<Review>, StoreError> {
        let rows: Vec<ReviewRow> = sqlx::query_as(REVIEWS).bind(id).fetch_all(&mut *self.0).await?;
        rows.into_iter().map(review).collect()
    }

    async fn checklist_of(&mut self, id: i64) -> Result<Vec<ChecklistItem>, StoreError> {
        let rows: Vec<ItemRow> = sqlx::query_as(CHECKLIST).bind(id).fetch_all(&mut *self.0).await?;
        rows.into_iter().map(checklist_item).collect()
    }
}
