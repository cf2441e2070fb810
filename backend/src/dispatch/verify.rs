//! Verifying after deploy. In an environment with a bake time, a target
//! whose deploy succeeded bakes: the next wave starts only once every target
//! of this one stayed healthy to the end of its bake (the worker's claim
//! waits for that). A target that turns degraded or missing while it bakes
//! stops the later waves, and where the environment says `rollback_on:
//! degraded` it is rolled back as `system:verify`, audited with the
//! condition. Ending a bake, skipping the later waves and recording the
//! rollback are one transaction that only an unended bake passes, so a
//! target rolls back once, across restarts and replicas.

use super::rollback_in;
use crate::read_model::Snapshot;
use crate::releases::locked_dossier;
use crate::store::JobRecord;
use crate::{Backend, Refusal};
use airlock_domain::Health;
use airlock_domain::dispatch::{BakeVerdict, RollbackPolicy, bake_verdict};
use airlock_domain::gate::Target;
use chrono::Utc;

/// Who rolls back a target that turned bad while it baked.
pub const VERIFY_ACTOR: &str = "system:verify";

/// Looks at every unended bake once.
pub(super) async fn check_bakes(backend: &Backend) {
    let ids = match backend.store.baking_jobs().await {
        Ok(ids) if ids.is_empty() => return,
        Ok(ids) => ids,
        Err(error) => return tracing::warn!(error = %error, "could not read the baking jobs"),
    };
    let Ok(snapshot) = backend.status_snapshot().await else { return };
    for (id, release) in ids {
        if let Err(error) = check(backend, &snapshot, id, release).await {
            tracing::warn!(job_id = id, error = %error, "could not check a baking target; will look again");
        }
    }
}

async fn check(backend: &Backend, snapshot: &Snapshot, id: i64, release: i64) -> Result<(), Refusal> {
    let Some(job) = backend.store.release_jobs(release).await?.into_iter().find(|j| j.view.id == id) else { return Ok(()) };
    let Some(until) = job.view.bake_until.filter(|_| job.view.baked_at.is_none()) else { return Ok(()) };
    let environment = snapshot.world.environments.iter().find(|e| e.name == job.environment);
    let rollback_on = environment.filter(|e| e.rollback == RollbackPolicy::ReleaseManagers).and_then(|e| e.rollback_on);
    let observed = snapshot.world.observation(&job.service, &job.view.tenant, &job.environment, &job.view.region).and_then(|o| {
        // Healthy counts only once the cluster runs what was deployed; bad is bad whatever runs.
        let bad = o.seen.health >= Health::Degraded;
        (bad || o.seen.version.as_deref() == Some(job.view.version.as_str())).then_some((o.seen.health, o.seen.reason.as_deref()))
    });
    match bake_verdict(observed, until, Utc::now(), rollback_on) {
        BakeVerdict::Wait => Ok(()),
        BakeVerdict::Baked => end(backend, &job, "baked healthy", None).await,
        BakeVerdict::Halt { reason } => end(backend, &job, &reason, Some(&reason)).await,
        BakeVerdict::RollBack { reason } => end(backend, &job, &format!("rolled back: {reason}"), Some(&reason)).await,
    }
}

/// Ends the bake with `outcome`; a target that turned bad (`bad`: why)
/// stops the later waves and, where its outcome says so, rolls back.
async fn end(backend: &Backend, job: &JobRecord, outcome: &str, bad: Option<&str>) -> Result<(), Refusal> {
    let services = backend.store.services().await?;
    let mut tx = backend.store.begin().await?;
    let (dossier, now) = locked_dossier(tx.as_mut(), job.release_id, Utc::now()).await?;
    if !tx.end_bake(job.view.id, now, outcome).await? {
        return Ok(()); // another replica, or an earlier look, ended it
    }
    if let Some(reason) = bad {
        let (tenant, region) = (&job.view.tenant, &job.view.region);
        let stopped = format!("{tenant} in {region} was {reason}");
        tx.skip_later_waves(job.dispatch_id, job.view.wave, &stopped, now).await?;
        if outcome.starts_with("rolled back") {
            let target = [Target { tenant: tenant.clone(), region: region.clone() }];
            match rollback_in(tx.as_mut(), &services, &dossier, VERIFY_ACTOR, Some(&target), now, Some(reason)).await {
                Ok(_) | Err(Refusal::NothingToRollBack(_)) => {}
                Err(other) => return Err(other),
            }
        }
    }
    tx.commit().await?;
    backend.announce(job.release_id);
    backend.wake_dispatch();
    Ok(())
}
