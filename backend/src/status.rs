//! The status views, as the caller may see them: each one authorises the
//! caller, takes the status read model's current snapshot (no database
//! round trip), narrows it to the caller's tenants and hands it to the
//! domain's pure view builders. A tenant admin asking for another tenant
//! gets `NotFound`, exactly as for one that does not exist, so a 404 reveals
//! nothing.

use crate::Backend;
use crate::read_model::Snapshot;
use crate::releases::ReleaseError;
use airlock_domain::World;
use airlock_domain::access::{Action, Identity, TenantScope, authorize, tenant_scope};
use airlock_domain::status::{self, EnvironmentDetail, Overview, RegionDetail, TenantDetail, TenantMatrix};
use std::sync::Arc;

/// Authorises `actor` and builds a view of what they may see: `all` over the
/// snapshot itself for those who see every tenant (so it may use the
/// snapshot's derived views), `scoped` over a copy of a tenant admin's part.
async fn for_caller<T>(
    backend: &Backend,
    actor: Option<&Identity>,
    all: impl FnOnce(&Snapshot) -> T,
    scoped: impl FnOnce(&World) -> T,
) -> Result<T, ReleaseError> {
    authorize(actor, Action::Read)?;
    let snapshot = backend.status_snapshot().await?;
    Ok(match tenant_scope(actor) {
        TenantScope::All => all(&snapshot),
        only => scoped(&snapshot.world.visible_to(&only)),
    })
}

/// Runs `view` over what `actor` may see of the world.
async fn with_visible_world<T>(backend: &Backend, actor: Option<&Identity>, view: impl Fn(&World) -> T) -> Result<T, ReleaseError> {
    for_caller(backend, actor, |snapshot| view(&snapshot.world), &view).await
}

pub async fn overview(backend: &Backend, actor: Option<&Identity>) -> Result<Overview, ReleaseError> {
    for_caller(backend, actor, |s| Overview::clone(&s.derived.overview(&s.world)), status::overview).await
}

/// Shared, not copied: a 1,000-tenant matrix is 20,000 strings, and copying
/// them cost a page more than writing its HTML.
pub async fn tenant_matrix(backend: &Backend, actor: Option<&Identity>, service: Option<&str>) -> Result<Arc<TenantMatrix>, ReleaseError> {
    for_caller(backend, actor, |s| s.derived.tenant_matrix(&s.world, service), |world| Arc::new(status::tenant_matrix(world, service)))
        .await
}

pub async fn tenant_detail(backend: &Backend, actor: Option<&Identity>, slug: &str) -> Result<Option<TenantDetail>, ReleaseError> {
    with_visible_world(backend, actor, |world| status::tenant_detail(world, slug)).await
}

pub async fn environment_detail(
    backend: &Backend,
    actor: Option<&Identity>,
    name: &str,
) -> Result<Option<EnvironmentDetail>, ReleaseError> {
    with_visible_world(backend, actor, |world| status::environment_detail(world, name)).await
}

pub async fn region_detail(backend: &Backend, actor: Option<&Identity>, name: &str) -> Result<Option<RegionDetail>, ReleaseError> {
    with_visible_world(backend, actor, |world| status::region_detail(world, name)).await
}
