//! Reading and verifying the audit log. Appending happens inside each
//! change's transaction (see `crate::releases`), never on its own.
//!
//! Verifying streams the log in one snapshot (`Store::audit_walk`), so memory
//! stays flat however long it grows. Pages verify only what was appended
//! since this process last verified: the checkpoint reached then must still
//! hold, and only newer entries are read.

use crate::Backend;
use crate::Refusal;
use crate::acting::{Actor, LocalOperator, acting, authorize};
use crate::releases::audit;
use crate::store::AuditFilter;
use crate::world_record;
use airlock_domain::access::Action;
use airlock_domain::audit::{AuditAction, AuditEntry, Checkpoint, Verifier, VerifyReport};
use chrono::{DateTime, Utc};

/// Who appends the entry that records the server starting to use a key.
pub(crate) const SYSTEM_ACTOR: &str = "airlock";

pub async fn entries(backend: &Backend, actor: impl Into<Actor<'_>>, filter: &AuditFilter) -> Result<Vec<AuditEntry>, Refusal> {
    let actor = acting(actor);
    authorize(actor, Action::ReadAudit)?;
    Ok(backend.store.audit_entries(filter).await?)
}

/// Walks the whole chain, for an auditor or the local operator (`airlock
/// audit verify`). `checkpoint` is a position kept elsewhere (`airlock audit
/// head`) that must still hold.
pub async fn verify(backend: &Backend, actor: impl Into<Actor<'_>>, checkpoint: Option<Checkpoint>) -> Result<VerifyReport, Refusal> {
    let actor = acting(actor);
    authorize(actor, Action::ReadAudit)?;
    let mut verifier = Verifier::new(backend.store.audit_key(), checkpoint);
    let (head_seq, head_hash) = backend.store.audit_walk(1, &mut |entry| verifier.feed(entry)).await?;
    let mut report = verifier.finish(Some((head_seq, &head_hash)));
    backend.remember_verified(&report, report.entries_checked);
    report.unrecorded = unrecorded(backend).await?;
    Ok(report)
}

/// The gate's own rows and the world's that no entry records as they are,
/// checked beside the chain.
async fn unrecorded(backend: &Backend) -> Result<Vec<String>, Refusal> {
    let rows = backend.store.unrecorded_rows().await?;
    let mut found: Vec<String> = rows.into_iter().map(|row| format!("{}: {} has no audit entry", row.subject, row.what)).collect();
    let newest = backend.store.newest_world_records().await?;
    for record in world_record::unrecorded(world_records(backend).await?, &newest) {
        found.push(format!("{}: its record has no audit entry", record.named));
    }
    Ok(found)
}

async fn world_records(backend: &Backend) -> Result<Vec<world_record::WorldRecord>, Refusal> {
    let store = &backend.store;
    let (environments, regions, clusters) = (store.environments().await?, store.regions().await?, store.clusters().await?);
    let (services, tenants, access) = (store.services().await?, store.tenants().await?, store.access().await?);
    let notifications = store.notifications().await?;
    let rows = world_record::WorldRows {
        access: access.as_ref(),
        notifications: notifications.as_ref(),
        environments: &environments,
        regions: &regions,
        clusters: &clusters,
        services: &services,
        tenants: &tenants,
    };
    Ok(world_record::records(rows))
}

/// At start: records every world row the log has never seen a record of (a
/// database from before world rows were recorded). A row changed by hand
/// later is not recorded by this: `verify` names it.
pub async fn record_first_world_rows(backend: &Backend, _operator: &LocalOperator, now: DateTime<Utc>) -> Result<usize, Refusal> {
    let mut tx = backend.store.begin().await?;
    let newest = tx.newest_world_records().await?;
    let never: Vec<_> = world_records(backend).await?.into_iter().filter(|r| !newest.contains_key(&r.subject)).collect();
    for record in &never {
        tx.append_audit(world_record::entry(record.clone(), SYSTEM_ACTOR, &newest, now)).await?;
    }
    tx.commit().await?;
    Ok(never.len())
}

/// What a page shows: the entries appended since the last verification in
/// this process, checked on from the checkpoint it reached (or the whole
/// chain, the first time).
pub async fn verify_recent(backend: &Backend, actor: impl Into<Actor<'_>>) -> Result<VerifyReport, Refusal> {
    let actor = acting(actor);
    authorize(actor, Action::ReadAudit)?;
    let Some((from, verified_before)) = backend.verified_checkpoint() else {
        return verify(backend, actor, None).await;
    };
    let mut verifier = Verifier::resume(backend.store.audit_key(), from.clone());
    let (head_seq, head_hash) = backend.store.audit_walk(from.seq, &mut |entry| verifier.feed(entry)).await?;
    let mut report = verifier.finish(Some((head_seq, &head_hash)));
    // The checkpoint's own entry was counted before; count the log, not the reads.
    report.entries_checked = verified_before + report.entries_checked.saturating_sub(1);
    backend.remember_verified(&report, report.entries_checked);
    report.unrecorded = unrecorded(backend).await?;
    Ok(report)
}

/// At start: records the gate policy of every environment the log has never
/// seen a policy of (a database from before policies were recorded), so it
/// keeps working. A policy changed by hand later is not recorded by this: it
/// stays unrecorded, blocks, and `verify` names it. (A world import records
/// the policies it sets in its own transaction.)
pub async fn record_first_policies(backend: &Backend, _operator: &LocalOperator, now: DateTime<Utc>) -> Result<usize, Refusal> {
    let mut tx = backend.store.begin().await?;
    let policies = tx.unrecorded_policies(true).await?;
    for (name, after) in &policies {
        let subject = format!("environment/{name}");
        tx.append_audit(audit(SYSTEM_ACTOR, AuditAction::PolicySet, &subject, None, Some(after.clone()), now)).await?;
    }
    tx.commit().await?;
    Ok(policies.len())
}

/// With a key configured, records that this server seals the log with it
/// (a keyed entry), unless the newest entry already is keyed: from then on a
/// verifier with the key expects the log to end in a keyed entry.
pub async fn seal_with_key(backend: &Backend, _operator: &LocalOperator, now: DateTime<Utc>) -> Result<(), Refusal> {
    if backend.store.audit_key().is_none() {
        return Ok(());
    }
    let newest = backend.store.audit_entries(&AuditFilter { limit: 1, ..Default::default() }).await?;
    if newest.first().is_none_or(AuditEntry::is_keyed) {
        return Ok(());
    }
    let mut tx = backend.store.begin().await?;
    tx.append_audit(audit(SYSTEM_ACTOR, AuditAction::KeyEnabled, "audit", None, None, now)).await?;
    tx.commit().await?;
    Ok(())
}
