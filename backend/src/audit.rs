//! Reading and verifying the audit log. Appending happens inside each
//! change's transaction (see `crate::releases`), never on its own.

use crate::releases::ReleaseError;
use crate::store::AuditFilter;
use crate::Backend;
use airlock_domain::access::{authorize, Action, Identity};
use airlock_domain::audit::{verify as verify_chain, AuditEntry, VerifyReport};

pub async fn entries(backend: &Backend, actor: Option<&Identity>, filter: &AuditFilter) -> Result<Vec<AuditEntry>, ReleaseError> {
    authorize(actor, Action::ReadAudit)?;
    Ok(backend.store.audit_entries(filter).await?)
}

/// Walks the whole chain. `actor` is `None` only for the local CLI, which
/// already has the database in hand.
pub async fn verify(backend: &Backend, actor: Option<&Identity>, local_operator: bool) -> Result<VerifyReport, ReleaseError> {
    if !local_operator {
        authorize(actor, Action::ReadAudit)?;
    }
    let (entries, (head_seq, head_hash)) = backend.store.audit_chain().await?;
    Ok(verify_chain(&entries, Some((head_seq, &head_hash))))
}
