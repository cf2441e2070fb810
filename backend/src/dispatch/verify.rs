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
use std::collections::BTreeMap;

/// Who rolls back a target that turned bad while it baked.
pub const VERIFY_ACTOR: &str = "system:verify";

/// Looks at every unended bake once, reading each release's jobs once.
pub(super) async fn check_bakes(backend: &Backend) {
    let baking = match backend.store.baking_jobs().await {
        Ok(baking) if baking.is_empty() => return,
        Ok(baking) => baking,
        Err(error) => return tracing::warn!(error = %error, "could not read the baking jobs"),
    };
    let Ok(snapshot) = backend.status_snapshot().await else { return };
    let mut by_release: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (id, release) in baking {
        by_release.entry(release).or_default().push(id);
    }
    for (release, ids) in by_release {
        let jobs = match backend.store.release_jobs(release).await {
            Ok(jobs) => jobs,
            Err(error) => {
                tracing::warn!(release_id = release, error = %error, "could not read a baking release's jobs; will look again");
                continue;
            }
        };
        for job in jobs.iter().filter(|j| ids.contains(&j.view.id)) {
            if let Err(error) = check(backend, &snapshot, job).await {
                tracing::warn!(job_id = job.view.id, error = %error, "could not check a baking target; will look again");
            }
        }
    }
}

async fn check(backend: &Backend, snapshot: &Snapshot, job: &JobRecord) -> Result<(), Refusal> {
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
        verdict => end(backend, job, verdict).await,
    }
}

/// Ends the bake as `verdict` says; a target that turned bad stops the later
/// waves and, on `RollBack`, is rolled back.
async fn end(backend: &Backend, job: &JobRecord, verdict: BakeVerdict) -> Result<(), Refusal> {
    let (outcome, bad, roll_back) = match &verdict {
        BakeVerdict::Wait => return Ok(()),
        BakeVerdict::Baked => ("baked healthy".to_owned(), None, false),
        BakeVerdict::Halt { reason } => (reason.clone(), Some(reason), false),
        BakeVerdict::RollBack { reason } => (format!("rolled back: {reason}"), Some(reason), true),
    };
    let services = backend.store.services().await?;
    let mut tx = backend.store.begin().await?;
    let (dossier, now) = locked_dossier(tx.as_mut(), job.release_id, Utc::now()).await?;
    if !tx.end_bake(job.view.id, now, &outcome).await? {
        return Ok(()); // another replica, or an earlier look, ended it
    }
    if let Some(reason) = bad {
        let (tenant, region) = (&job.view.tenant, &job.view.region);
        let stopped = format!("{tenant} in {region} was {reason}");
        tx.skip_later_waves(job.dispatch_id, job.view.wave, &stopped, now).await?;
        if roll_back {
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
