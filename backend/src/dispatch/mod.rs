//! Dispatch: turning a release whose gate is open into one Kubernetes Job per
//! target, exactly once, and rolling targets back. Requests never talk to a
//! cluster: `dispatch` and `rollback` re-check the rules in the release's
//! transaction and record jobs there (an outbox); the worker sends them, the
//! watchers record what the clusters report (`runtime`).

pub mod access;
pub mod admin;
mod clients;
pub mod credentials;
mod failure_detail;
mod outcome;
mod plan;
mod recorded_manifest;
pub mod runtime;
pub(crate) mod scoped_watch;
pub mod template;
pub mod verify;
mod watcher;
mod worker;

pub use outcome::{SYSTEM_ACTOR, record_progress};

use crate::Refusal;
use crate::acting::{Actor, acting, authorize};
use crate::releases::{audit, json, locked_dossier};
use crate::store::{ClusterStatus, JobRecord, StoreTx};
use crate::{Backend, Missing};
use airlock_domain::access::Action;
use airlock_domain::audit::AuditAction;
use airlock_domain::dispatch::{EARLIER_WAVE_FAILED, JobKind, JobState, JobView, TenantJob};
use airlock_domain::gate::{ReleaseDossier, Target};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a dispatch or rollback request did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dispatched {
    pub release_id: i64,
    pub revision: u32,
    pub kind: JobKind,
    /// The jobs this request recorded (queued).
    pub jobs: Vec<JobView>,
}

/// Sends the current revision of release `id` to every target, once its gate
/// is open: re-checked here, in the transaction that records the jobs.
/// `seen`, when given, is the revision the requester was looking at: if the
/// release moved on since, nothing is sent.
#[tracing::instrument(skip_all, fields(release_id = id, actor = tracing::field::Empty))]
pub async fn dispatch(
    backend: &Backend,
    actor: impl Into<Actor<'_>>,
    id: i64,
    seen: Option<u32>,
    now: DateTime<Utc>,
) -> Result<Dispatched, Refusal> {
    let actor = acting(actor);
    let by = authorize(actor, Action::Dispatch)?;
    // Read before the transaction: it must not wait for a second connection.
    let services = backend.store.services().await?;
    let mut tx = backend.store.begin().await?;
    let (dossier, now) = locked_dossier(tx.as_mut(), id, now).await?;
    if let Some(seen) = seen.filter(|seen| *seen != dossier.release.revision) {
        return Err(Refusal::StaleRevision { seen, current: dossier.release.revision });
    }
    let approved = dossier.verdict(now).map_err(Refusal::GateClosed)?;
    let release = approved.release();
    let jobs = tx.release_jobs(id).await?;
    if jobs.iter().any(|j| j.view.kind == JobKind::Deploy && j.view.revision == release.revision) {
        return Err(Refusal::AlreadyDispatched { release: id, revision: release.revision });
    }
    let setup = tx.dispatch_setup(&release.content.environment).await?;
    let before = images_before(&services, tx.as_mut(), &release.content.service, &release.content.environment).await?;
    let planned = plan::deploy(&approved, &setup, &before)?;
    let entry = audit(
        by.name(),
        AuditAction::ReleaseDispatched,
        &format!("release/{id}"),
        None,
        Some(json(&serde_json::json!({
            "revision": release.revision,
            "digest": approved.digest().as_str(),
            "approvers": approved.approvers(),
            "jobs": planned.iter().map(|j| &j.name).collect::<Vec<_>>(),
            (recorded_manifest::MANIFEST_DIGESTS): recorded_manifest::digests(planned.iter().map(|j| (j.name.as_str(), j.manifest.as_str()))),
        }))),
        now,
    );
    let recorded =
        plan::record(tx.as_mut(), id, release.revision, &release.content, JobKind::Deploy, by.name(), now, entry, planned).await?;
    tx.commit().await?;
    backend.announce(id);
    backend.wake_dispatch();
    Ok(Dispatched { release_id: id, revision: release.revision, kind: JobKind::Deploy, jobs: recorded })
}

/// Rolls back the release's targets (all, or those listed) to the version
/// that ran there before it. A target already rolled back is not sent again.
#[tracing::instrument(skip_all, fields(release_id = id, actor = tracing::field::Empty))]
pub async fn rollback(
    backend: &Backend,
    actor: impl Into<Actor<'_>>,
    id: i64,
    targets: Option<Vec<Target>>,
    now: DateTime<Utc>,
) -> Result<Dispatched, Refusal> {
    let actor = acting(actor);
    let by = authorize(actor, Action::Rollback)?;
    let services = backend.store.services().await?;
    let mut tx = backend.store.begin().await?;
    let (dossier, now) = locked_dossier(tx.as_mut(), id, now).await?;
    let dispatched = rollback_in(tx.as_mut(), &services, &dossier, by.name(), targets.as_deref(), now, None).await?;
    tx.commit().await?;
    backend.announce(id);
    backend.wake_dispatch();
    Ok(dispatched)
}

/// Records the rollback of release `id`'s `targets` (all: `None`) in `tx`,
/// which holds the release's lock, as `by`; `condition` says what triggered
/// it when no person asked (the verifier).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn rollback_in(
    tx: &mut dyn StoreTx,
    services: &[airlock_domain::Service],
    dossier: &ReleaseDossier,
    by: &str,
    targets: Option<&[Target]>,
    now: DateTime<Utc>,
    condition: Option<&str>,
) -> Result<Dispatched, Refusal> {
    let id = dossier.release.id;
    let jobs = tx.release_jobs(id).await?;
    let revision =
        jobs.iter().filter(|j| j.view.kind == JobKind::Deploy).map(|j| j.view.revision).max().ok_or(Refusal::NotDispatched(id))?;
    let content = &dossier.revisions.iter().find(|r| r.number == revision).ok_or(Refusal::NotFound(Missing::Release(id)))?.content;
    let setup = tx.dispatch_setup(&content.environment).await?;
    if setup.rollback == airlock_domain::dispatch::RollbackPolicy::ThroughTheGate {
        return Err(Refusal::RollbackThroughTheGate { environment: content.environment.clone() });
    }
    let before = images_before(services, tx, &content.service, &content.environment).await?;
    let planned = plan::rollback(id, revision, content, &jobs, targets, &before, &setup)?;
    let entry = audit(
        by,
        AuditAction::RollbackRequested,
        &format!("release/{id}"),
        None,
        Some(json(&serde_json::json!({
            "revision": revision,
            "targets": planned.iter().map(|j| format!("{}/{}", j.tenant, j.region)).collect::<Vec<_>>(),
            "jobs": planned.iter().map(|j| &j.name).collect::<Vec<_>>(),
            (recorded_manifest::MANIFEST_DIGESTS): recorded_manifest::digests(planned.iter().map(|j| (j.name.as_str(), j.manifest.as_str()))),
            "restores": planned.iter().map(|j| &j.version).collect::<Vec<_>>(),
            "condition": condition,
        }))),
        now,
    );
    let recorded = plan::record(tx, id, revision, content, JobKind::Rollback, by, now, entry, planned).await?;
    Ok(Dispatched { release_id: id, revision, kind: JobKind::Rollback, jobs: recorded })
}

/// What runs for `service` in `environment` now, with the images that put it there.
async fn images_before(
    services: &[airlock_domain::Service],
    tx: &mut dyn StoreTx,
    service: &str,
    environment: &str,
) -> Result<plan::ImagesBefore, Refusal> {
    let running = tx.deployments_of(service, environment).await?;
    let put_in_place = tx.images_put_in_place(service, environment).await?;
    let repository = services.iter().find(|s| s.name == service).map(|s| s.image_repository.clone()).unwrap_or_default();
    Ok(plan::ImagesBefore::new(running, put_in_place, repository))
}

/// The release's jobs, oldest first, for whoever may see the release.
pub async fn jobs(backend: &Backend, actor: impl Into<Actor<'_>>, id: i64) -> Result<Vec<JobView>, Refusal> {
    let actor = acting(actor);
    crate::releases::get(backend, actor, id).await?;
    Ok(backend.store.release_jobs(id).await?.into_iter().map(|j: JobRecord| j.view).collect())
}

/// The tenant's newest deploy and rollback jobs, for whoever may see the
/// tenant: a failed one says why the tenant still runs its old version. Each
/// names its release only if `actor` may open it, and a job skipped for
/// another target's failure names that target only then too.
pub async fn tenant_jobs(backend: &Backend, actor: impl Into<Actor<'_>>, tenant: &str) -> Result<Vec<TenantJob>, Refusal> {
    let actor = acting(actor);
    authorize(actor, Action::Read)?;
    if !actor.tenant_scope().includes(tenant) {
        return Ok(Vec::new());
    }
    let records = backend.store.tenant_jobs(tenant, 20).await?;
    let mut openable = std::collections::BTreeMap::new();
    let mut jobs = Vec::with_capacity(records.len());
    for JobRecord { release_id, mut view, .. } in records {
        let may_open = match openable.get(&release_id) {
            Some(known) => *known,
            None => {
                let known = match crate::releases::get(backend, actor, release_id).await {
                    Ok(_) => true,
                    Err(Refusal::NotFound(_)) => false,
                    Err(other) => return Err(other),
                };
                *openable.entry(release_id).or_insert(known)
            }
        };
        if !may_open && view.state == JobState::Skipped {
            view.reason = Some(EARLIER_WAVE_FAILED.to_owned());
        }
        jobs.push(TenantJob { release: may_open.then_some(release_id), job: view });
    }
    Ok(jobs)
}

/// A cluster with what its last connection check found (no credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterView {
    pub name: String,
    pub environment: String,
    pub region: String,
    pub api_url: String,
    /// How credentials are provided (`kubeconfig`, `bearer token`…), never what they are.
    pub credentials: &'static str,
    pub simulated: bool,
    pub status: Option<ClusterStatus>,
}

pub async fn clusters(backend: &Backend, actor: impl Into<Actor<'_>>) -> Result<Vec<ClusterView>, Refusal> {
    let actor = acting(actor);
    authorize(actor, Action::Read)?;
    cluster_views(backend).await
}

/// Each cluster's connection as pages show it.
pub async fn connections(
    backend: &Backend,
    actor: impl Into<Actor<'_>>,
) -> Result<Vec<airlock_domain::dispatch::ClusterConnection>, Refusal> {
    let actor = acting(actor);
    Ok(clusters(backend, actor)
        .await?
        .into_iter()
        .map(|c| airlock_domain::dispatch::ClusterConnection {
            reachable: c.status.as_ref().map(|s| s.reachable),
            detail: c.status.and_then(|s| if s.reachable { s.version } else { s.error }),
            simulated: c.simulated,
            cluster: c.name,
        })
        .collect())
}

/// Clusters name no tenant and hold no credentials: every reader sees them all.
pub(crate) async fn cluster_views(backend: &Backend) -> Result<Vec<ClusterView>, Refusal> {
    // From the status read model: listing clusters touches no database.
    let snapshot = backend.status_snapshot().await?;
    Ok(snapshot
        .world
        .clusters
        .iter()
        .map(|c| {
            let credentials = credentials::Credentials::parse(&c.credentials_ref).map_or("not valid", |k| k.describe());
            ClusterView {
                simulated: c.credentials_ref == "simulated",
                status: snapshot.statuses.iter().find(|s| s.cluster == c.name).cloned(),
                credentials,
                name: c.name.clone(),
                environment: c.environment.clone(),
                region: c.region.clone(),
                api_url: c.api_url.clone(),
            }
        })
        .collect())
}
