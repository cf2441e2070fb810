//! Writing a world inside one transaction: each row that differs from what
//! is stored, the removals an apply decided, one audit entry per object
//! (its record before and after, `crate::world_record`), the policies the
//! gate will apply as `policy.set` entries, and every release's state as
//! the gate now judges it. The demo seed, the synthetic worlds and
//! `airlock apply` all come through here.

use crate::audit::SYSTEM_ACTOR;
use crate::store::{StoreError, StoreTx};
use crate::world_record::{self, WorldRows};
use airlock_domain::World;
use airlock_domain::audit::{AuditAction, AuditDraft};
use chrono::{DateTime, Utc};

/// A world row an apply removes: `kind` as the plan names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Removal {
    pub kind: String,
    pub name: String,
}

/// Adds and updates `world`'s rows (its deployments too) without removing
/// any: what `seed` and the benchmarks load. Recorded as the system's.
pub(crate) async fn import(tx: &mut dyn StoreTx, world: &World, now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.lock_world(SYSTEM_ACTOR, now).await?;
    let (current, _) = tx.configured_world().await?;
    let mut merged = world.clone();
    // An import says nothing about access or webhooks unless it carries them.
    if merged.access.is_none() {
        merged.access = current.access.clone();
    }
    if merged.notifications.is_none() {
        merged.notifications = current.notifications.clone();
    }
    write_rows(tx, &current, &merged, &[]).await?;
    for d in &world.deployments {
        tx.put_seeded_deployment(d).await?;
    }
    record(tx, &merged, &[], SYSTEM_ACTOR, now).await
}

/// Writes each of `desired`'s rows that differs from `current`'s, then
/// deletes `removals` (whose references the caller has refused), children first.
pub(crate) async fn write_rows(tx: &mut dyn StoreTx, current: &World, desired: &World, removals: &[Removal]) -> Result<(), StoreError> {
    for e in desired.environments.iter().filter(|e| !current.environments.contains(e)) {
        tx.put_environment(e).await?;
    }
    for r in desired.regions.iter().filter(|r| !current.regions.contains(r)) {
        tx.put_region(r).await?;
    }
    for c in desired.clusters.iter().filter(|c| !current.clusters.contains(c)) {
        tx.put_cluster(c).await?;
    }
    for s in desired.services.iter().filter(|s| !current.services.contains(s)) {
        tx.put_service(s).await?;
    }
    for t in &desired.tenants {
        let stored = current.tenants.iter().find(|c| c.slug == t.slug);
        if stored != Some(t) {
            tx.put_tenant(t, stored.map(|s| s.allowed_regions.as_slice()).unwrap_or_default()).await?;
        }
    }
    if desired.access != current.access {
        tx.put_access(desired.access.as_ref()).await?;
    }
    if desired.notifications != current.notifications {
        tx.put_notifications(desired.notifications.as_ref()).await?;
    }
    for kind in ["cluster", "tenant", "service", "region", "environment"] {
        for removal in removals.iter().filter(|r| r.kind == kind) {
            tx.remove_world_row(kind, &removal.name).await?;
        }
    }
    Ok(())
}

/// Appends the entries that record the world as `world` now is: each
/// policy and object whose newest record differs, each removal; then
/// stores every release's state as the gate judges it under that world.
pub(crate) async fn record(
    tx: &mut dyn StoreTx,
    world: &World,
    removals: &[Removal],
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // The gate applies a policy only as the log records it.
    for (name, after) in tx.unrecorded_policies(false).await? {
        let subject = format!("environment/{name}");
        let before = tx.newest_policy_record(&subject).await?;
        tx.append_audit(AuditDraft {
            at: now,
            actor: actor.to_owned(),
            action: AuditAction::PolicySet,
            subject,
            before,
            after: Some(after),
        })
        .await?;
    }
    let newest = tx.newest_world_records().await?;
    let records = world_record::records(WorldRows {
        environments: &world.environments,
        regions: &world.regions,
        clusters: &world.clusters,
        services: &world.services,
        tenants: &world.tenants,
        access: world.access.as_ref(),
        notifications: world.notifications.as_ref(),
    });
    for record in world_record::unrecorded(records, &newest) {
        tx.append_audit(world_record::entry(record, actor, &newest, now)).await?;
    }
    for removal in removals {
        tx.append_audit(world_record::removal(&removal.kind, &removal.name, &newest, actor, now)).await?;
    }
    // Targets, clusters and policies feed every release's verdict: lists
    // (which filter on the stored state) never disagree with a release's page.
    for id in tx.release_ids().await? {
        if let Some(dossier) = tx.dossier(id).await? {
            tx.set_state(id, dossier.state(now)).await?;
        }
    }
    Ok(())
}
