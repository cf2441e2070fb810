//! The status views, as the caller may see them: each one authorises the
//! caller, takes the status read model's current snapshot (no database
//! round trip), narrows it to the caller's tenants and hands it to the
//! domain's pure view builders. A tenant admin asking for another tenant
//! gets `NotFound`, exactly as for one that does not exist, so a 404 reveals
//! nothing.

use crate::Backend;
use crate::releases::ReleaseError;
use airlock_domain::World;
use airlock_domain::access::{Action, Identity, TenantScope, authorize, tenant_scope};
use airlock_domain::status::{self, EnvironmentDetail, Overview, RegionDetail, TenantDetail, TenantMatrix};
use std::borrow::Cow;
use std::sync::Arc;

/// Runs `view` over what `actor` may see of the world. Those who see every
/// tenant read the snapshot itself; a tenant admin reads a copy of their part.
async fn with_visible_world<T>(backend: &Backend, actor: Option<&Identity>, view: impl FnOnce(&World) -> T) -> Result<T, ReleaseError> {
    authorize(actor, Action::Read)?;
    let snapshot = backend.status_snapshot().await?;
    let world = match tenant_scope(actor) {
        TenantScope::All => Cow::Borrowed(&snapshot.world),
        only => Cow::Owned(snapshot.world.visible_to(&only)),
    };
    Ok(view(&world))
}

pub async fn overview(backend: &Backend, actor: Option<&Identity>) -> Result<Overview, ReleaseError> {
    authorize(actor, Action::Read)?;
    let snapshot = backend.status_snapshot().await?;
    Ok(match tenant_scope(actor) {
        TenantScope::All => Overview::clone(&snapshot.derived.overview(&snapshot.world)),
        only => status::overview(&snapshot.world.visible_to(&only)),
    })
}

/// Shared, not copied: a 1,000-tenant matrix is 20,000 strings, and copying
/// them cost a page more than writing its HTML.
pub async fn tenant_matrix(backend: &Backend, actor: Option<&Identity>, service: Option<&str>) -> Result<Arc<TenantMatrix>, ReleaseError> {
    authorize(actor, Action::Read)?;
    let snapshot = backend.status_snapshot().await?;
    Ok(match tenant_scope(actor) {
        TenantScope::All => snapshot.derived.tenant_matrix(&snapshot.world, service),
        only => Arc::new(status::tenant_matrix(&snapshot.world.visible_to(&only), service)),
    })
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
