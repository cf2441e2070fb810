//! The audit log, for auditors and admins: filtered entries and the result of
//! walking the whole hash chain.

use crate::error::PageError;
use airlock_domain::audit::{AuditEntry, VerifyReport};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How many entries the page shows at most, newest first.
pub const AUDIT_PAGE_ROWS: u32 = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    pub entries: Vec<AuditEntry>,
    pub report: VerifyReport,
}

#[server(prefix = "/rpc", endpoint = "audit")]
pub async fn load_audit(actor: Option<String>, action: Option<String>, subject: Option<String>) -> Result<AuditView, PageError> {
    super::answer(async move {
        use airlock_backend::AuditFilter;
        let (backend, identity) = super::backend_and_actor()?;
        let filter = AuditFilter {
            actor: super::given(actor),
            action: super::given(action),
            subject: super::given(subject),
            before_seq: None,
            limit: AUDIT_PAGE_ROWS,
        };
        let entries = airlock_backend::audit::entries(&backend, identity.as_ref(), &filter).await?;
        // Only what was appended since the last verification: the page must not walk the whole log on every view.
        let report = airlock_backend::audit::verify_recent(&backend, identity.as_ref()).await?;
        Ok(AuditView { entries, report })
    })
    .await
}
