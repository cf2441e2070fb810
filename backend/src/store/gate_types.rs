//! The storage interface for releases, the gate and the audit log.
//!
//! Changes happen inside a [`StoreTx`]: the service layer (`crate::releases`)
//! opens one, locks the release, reads the whole dossier, applies the domain's
//! rules, writes, appends to the audit log and commits — so the verdict is
//! always recomputed on exactly the data the change is committed against.

use super::StoreError;
use airlock_domain::access::Role;
use airlock_domain::audit::{AuditDraft, AuditEntry};
pub use airlock_domain::gate::ReleaseSummary;
use airlock_domain::gate::{ReleaseContent, ReleaseDossier, ReleaseState, Review};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The most audit entries one read returns.
pub const AUDIT_PAGE_MAX: u32 = 500;

/// Narrows the releases list; `None` means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseFilter {
    pub environment: Option<String>,
    pub service: Option<String>,
    pub state: Option<ReleaseState>,
    /// Only releases none of whose revisions targets a tenant outside this
    /// list (a tenant admin's view). Set by the release service from the
    /// caller's scope, never from the request.
    #[serde(skip)]
    pub within_tenants: Option<Vec<String>>,
}

/// Narrows the audit log; entries come newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Exact subject, such as `release/12`.
    pub subject: Option<String>,
    /// Only entries with a smaller sequence number (for paging back).
    pub before_seq: Option<i64>,
    pub limit: u32,
}

/// A service account's token as stored (the token itself never is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub name: String,
    pub roles: Vec<Role>,
    /// The tenants a `tenant_admin` token administers.
    pub tenants: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// `None` only for tokens made before tokens expired.
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl StoredToken {
    /// Whether a request with this token is accepted `now`.
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| now < at)
    }
}

/// A checklist item being checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemCheck {
    pub by: String,
    pub at: DateTime<Utc>,
    pub evidence_url: Option<String>,
    pub note: Option<String>,
}

#[async_trait]
pub trait ReleaseStore: Send + Sync + 'static {
    /// Opens a transaction for a change.
    async fn begin(&self) -> Result<Box<dyn StoreTx>, StoreError>;
    /// The release with everything the gate needs, read consistently.
    async fn dossier(&self, id: i64) -> Result<Option<ReleaseDossier>, StoreError>;
    async fn releases(&self, filter: &ReleaseFilter) -> Result<Vec<ReleaseSummary>, StoreError>;
    async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError>;
    /// Feeds `visit` every entry from `from_seq` on, oldest first, until it
    /// returns `false`; all read in one snapshot with the head the store
    /// recorded last, which it returns.
    async fn audit_walk(
        &self,
        from_seq: i64,
        visit: &mut (dyn for<'e> FnMut(&'e AuditEntry) -> bool + Send),
    ) -> Result<(i64, String), StoreError>;
    /// Revisions, reviews and checks that no audit entry records (see `recorded.rs`).
    async fn unrecorded_rows(&self) -> Result<Vec<super::UnrecordedRow>, StoreError>;
    /// The key appended entries are sealed with, if one is configured.
    fn audit_key(&self) -> Option<&airlock_domain::audit::AuditKey>;
    async fn token_by_hash(&self, token_hash: &str) -> Result<Option<StoredToken>, StoreError>;
    /// Records that the token was used `now` (for `airlock token list`).
    async fn token_used(&self, name: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
}

/// One open transaction. Dropping it without [`StoreTx::commit`] rolls back.
#[async_trait]
pub trait StoreTx:
    super::AuthTx
    + super::AccountTx
    + super::DossierPartsTx
    + super::WorldRecordTx
    + super::WorldTx
    + super::BreakGlassTx
    + super::ObservedTx
    + super::BakeTx
    + super::DispatchTx
    + super::DeliveryTx
    + Send
{
    /// Locks the release's row until commit (PostgreSQL: a row lock; SQLite:
    /// the database write lock) so concurrent changes to it run one by one.
    /// `false` when there is no such release.
    async fn lock_release(&mut self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError>;
    async fn dossier(&mut self, id: i64) -> Result<Option<ReleaseDossier>, StoreError>;
    /// The environment's checklist template (empty when none is stored).
    async fn checklist_template(&mut self, environment: &str) -> Result<Vec<String>, StoreError>;
    /// Creates revision 1 and returns the new release's id.
    async fn insert_release(
        &mut self,
        author: &str,
        content: &ReleaseContent,
        checklist: &[String],
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError>;
    /// Stores `content` as the release's next revision and makes it current.
    async fn insert_revision(
        &mut self,
        id: i64,
        revision: u32,
        content: &ReleaseContent,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Checks (`Some`) or unchecks (`None`) item `position`; `false` when there is no such item.
    async fn set_item(&mut self, id: i64, position: u32, check: Option<&ItemCheck>) -> Result<bool, StoreError>;
    /// Records a review; a second review by the same person of the same revision replaces the first.
    async fn put_review(&mut self, id: i64, author: &str, review: &Review) -> Result<(), StoreError>;
    /// Marks a review of `revision` as no longer counting, with the reason; a new review by the same person clears it.
    async fn dismiss_review(&mut self, id: i64, revision: u32, reviewer: &str, reason: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Points the row `recorded` names at audit entry `seq`, which records it.
    async fn link_audit(&mut self, id: i64, recorded: &super::Recorded, seq: i64) -> Result<(), StoreError>;
    async fn set_state(&mut self, id: i64, state: ReleaseState) -> Result<(), StoreError>;
    /// Environments whose policy no `policy.set` entry records as it is now
    /// (with `never_recorded`: only those that have no such entry at all),
    /// with the record of that policy (`airlock_domain::gate::policy_record`).
    async fn unrecorded_policies(&mut self, never_recorded: bool) -> Result<Vec<(String, String)>, StoreError>;
    async fn append_audit(&mut self, draft: AuditDraft) -> Result<AuditEntry, StoreError>;
    async fn insert_token(&mut self, token: &StoredToken, token_hash: &str) -> Result<(), StoreError>;
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}
