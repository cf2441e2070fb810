//! Recording what happened to a job, in one transaction: the job's new state,
//! for a finished job its audit entry, and the tenant's new version (on
//! success) or the skipped later waves (on failure). Jobs only move forward,
//! so a watcher replaying what it saw, or two replicas seeing the same
//! event, record each transition once.

use crate::Backend;
use crate::Refusal;
use crate::read_model::Change;
use crate::releases::{audit, json};
use crate::store::JobProgress;
use airlock_domain::audit::AuditAction;
use airlock_domain::dispatch::JobState;

/// The actor of entries Airlock writes on its own (no person's handle holds a `:`).
pub const SYSTEM_ACTOR: &str = "system:dispatch";

/// Moves job `id` on to `progress.state` if that is forward; `false` when
/// the job was already there or past it (nothing is written).
#[tracing::instrument(skip_all, fields(job_id = id, state = progress.state.as_str()))]
pub async fn record_progress(backend: &Backend, id: i64, progress: JobProgress) -> Result<bool, Refusal> {
    // Read before the transaction: it must not wait for a second connection.
    let snapshot = backend.status_snapshot().await?;
    let mut tx = backend.store.begin().await?;
    let Some(job) = tx.job_for_update(id).await? else { return Ok(false) };
    if !job.view.state.advances_to(progress.state) {
        return Ok(false);
    }
    tx.job_progress(id, &progress).await?;
    if progress.state.is_final() {
        let action = if progress.state == JobState::Succeeded { AuditAction::JobSucceeded } else { AuditAction::JobFailed };
        let after = serde_json::json!({
            "job": job.view.name,
            "kind": job.view.kind,
            "tenant": job.view.tenant,
            "region": job.view.region,
            "cluster": job.view.cluster,
            "version": job.view.version,
            "reason": progress.reason,
        });
        let subject = format!("release/{}", job.release_id);
        tx.append_audit(audit(SYSTEM_ACTOR, action, &subject, None, Some(json(&after)), progress.at)).await?;
        match progress.state {
            JobState::Succeeded => {
                tx.put_deployment(&job, progress.at).await?;
                // In an environment that bakes, the target's health is watched now (`verify`).
                let bake = snapshot.world.environments.iter().find(|e| e.name == job.environment).and_then(|e| e.bake_seconds);
                if let Some(seconds) = bake.filter(|_| job.view.kind == airlock_domain::dispatch::JobKind::Deploy) {
                    let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
                    tx.start_bake(id, progress.at + chrono::Duration::seconds(seconds)).await?;
                }
            }
            _ => {
                let reason = airlock_domain::dispatch::earlier_wave_failed(job.view.wave, &job.view.tenant, &job.view.region);
                tx.skip_later_waves(job.dispatch_id, job.view.wave, &reason, progress.at).await?;
            }
        }
    }
    tx.commit().await?;
    backend.announce(job.release_id);
    if progress.state == JobState::Succeeded {
        backend.status_changed(Change::Tenant(job.view.tenant.clone())).await;
    }
    Ok(true)
}
