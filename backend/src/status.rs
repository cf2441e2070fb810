//! The status views, as the caller may see them: each one authorises the
//! caller, takes the status read model's current snapshot (no database
//! round trip), narrows it to the caller's tenants and hands it to the
//! domain's pure view builders. A tenant admin asking for another tenant
//! gets `NotFound`, exactly as for one that does not exist, so a 404 reveals
//! nothing.

use crate::Backend;
use crate::Refusal;
use crate::acting::{Actor, acting, authorize};
use crate::read_model::Snapshot;
use airlock_domain::access::{Action, TenantScope};
use airlock_domain::status::{self, EnvironmentDetail, Overview, RegionDetail, TenantDetail, TenantMatrix, WorkloadState};
use airlock_domain::{Tenant, World};
use std::sync::Arc;

/// Authorises `actor` and builds a view of what they may see: `all` over the
/// snapshot itself for those who see every tenant (so it may use the
/// snapshot's derived views), `scoped` over a copy of a tenant admin's part.
async fn for_caller<T>(
    backend: &Backend,
    actor: Actor<'_>,
    all: impl FnOnce(&Snapshot) -> T,
    scoped: impl FnOnce(&World) -> T,
) -> Result<T, Refusal> {
    authorize(actor, Action::Read)?;
    let snapshot = backend.status_snapshot().await?;
    Ok(match actor.tenant_scope() {
        TenantScope::All => all(&snapshot),
        only => scoped(&snapshot.world.visible_to(&only)),
    })
}

/// Runs `view` over what `actor` may see of the world.
async fn with_visible_world<T>(backend: &Backend, actor: Actor<'_>, view: impl Fn(&World) -> T) -> Result<T, Refusal> {
    for_caller(backend, actor, |snapshot| view(&snapshot.world), &view).await
}

pub async fn overview(backend: &Backend, actor: impl Into<Actor<'_>>) -> Result<Overview, Refusal> {
    let actor = acting(actor);
    for_caller(backend, actor, |s| Overview::clone(&s.derived.overview(&s.world)), status::overview).await
}

/// Shared, not copied: a 1,000-tenant matrix is 20,000 strings, and copying
/// them cost a page more than writing its HTML.
pub async fn tenant_matrix(backend: &Backend, actor: impl Into<Actor<'_>>, service: Option<&str>) -> Result<Arc<TenantMatrix>, Refusal> {
    let actor = acting(actor);
    for_caller(backend, actor, |s| s.derived.tenant_matrix(&s.world, service), |world| Arc::new(status::tenant_matrix(world, service)))
        .await
}

/// How many of a tenant's newest observed transitions its page shows.
const HISTORY: u32 = 50;

pub async fn tenant_detail(backend: &Backend, actor: impl Into<Actor<'_>>, slug: &str) -> Result<Option<TenantDetail>, Refusal> {
    let actor = acting(actor);
    let Some(mut detail) = with_visible_world(backend, actor, |world| status::tenant_detail(world, slug)).await? else {
        return Ok(None);
    };
    detail.history = backend.store.transitions(slug, HISTORY).await?;
    Ok(Some(detail))
}

/// Each of a tenant's workloads as released and as observed; `None` when
/// there is no such tenant or `actor` may not see it.
pub async fn tenant_workloads(
    backend: &Backend,
    actor: impl Into<Actor<'_>>,
    slug: &str,
) -> Result<Option<(Tenant, Vec<WorkloadState>)>, Refusal> {
    let actor = acting(actor);
    with_visible_world(backend, actor, |world| {
        let tenant = world.tenants.iter().find(|t| t.slug == slug)?;
        Some((tenant.clone(), status::workload_states(world, Some(slug))))
    })
    .await
}

/// Every workload `actor` may see whose cluster runs another version than released.
pub async fn drift(backend: &Backend, actor: impl Into<Actor<'_>>) -> Result<Vec<WorkloadState>, Refusal> {
    let actor = acting(actor);
    with_visible_world(backend, actor, status::drifting).await
}

pub async fn environment_detail(backend: &Backend, actor: impl Into<Actor<'_>>, name: &str) -> Result<Option<EnvironmentDetail>, Refusal> {
    let actor = acting(actor);
    let detail = with_visible_world(backend, actor, |world| status::environment_detail(world, name)).await?;
    Ok(detail.map(|mut detail| {
        let now = chrono::Utc::now();
        detail.freeze = crate::freeze_clock::open_or_next(&detail.environment.freezes, now);
        detail.frozen = detail.freeze.as_ref().is_some_and(|f| f.is_open_at(now));
        detail
    }))
}

pub async fn region_detail(backend: &Backend, actor: impl Into<Actor<'_>>, name: &str) -> Result<Option<RegionDetail>, Refusal> {
    let actor = acting(actor);
    with_visible_world(backend, actor, |world| status::region_detail(world, name)).await
}
