//! The status views, as the caller may see them: each one authorises the
//! caller, loads what the view needs, narrows the world to the caller's
//! tenants and hands it to the domain's pure view builders. A tenant admin
//! asking for another tenant gets `NotFound`, exactly as for one that does
//! not exist, so a 404 reveals nothing.

use crate::Backend;
use crate::releases::ReleaseError;
use crate::store::{DeploymentScope, Store, StoreError};
use airlock_domain::World;
use airlock_domain::access::{Action, Identity, authorize, tenant_scope};
use airlock_domain::status::{self, EnvironmentDetail, Overview, RegionDetail, TenantDetail, TenantMatrix};

/// The world without deployments; callers add the deployments they need.
async fn skeleton(store: &dyn Store) -> Result<World, StoreError> {
    Ok(World {
        environments: store.environments().await?,
        regions: store.regions().await?,
        clusters: store.clusters().await?,
        tenants: store.tenants().await?,
        services: store.services().await?,
        deployments: Vec::new(),
    })
}

/// What `actor` may see of the world, with the deployments `scope` selects.
async fn visible_world(backend: &Backend, actor: Option<&Identity>, scope: DeploymentScope) -> Result<World, ReleaseError> {
    authorize(actor, Action::Read)?;
    let mut world = skeleton(backend.store.as_ref()).await?;
    world.deployments = backend.store.deployments(&scope).await?;
    Ok(world.scoped_to(&tenant_scope(actor)))
}

pub async fn overview(backend: &Backend, actor: Option<&Identity>) -> Result<Overview, ReleaseError> {
    Ok(status::overview(&visible_world(backend, actor, DeploymentScope::default()).await?))
}

pub async fn tenant_matrix(backend: &Backend, actor: Option<&Identity>, service: Option<&str>) -> Result<TenantMatrix, ReleaseError> {
    authorize(actor, Action::Read)?;
    let store = backend.store.as_ref();
    let mut world = skeleton(store).await?;
    // Resolve the service first so only its deployments are loaded.
    let chosen = service
        .filter(|wanted| world.services.iter().any(|s| s.name == *wanted))
        .or_else(|| world.services.first().map(|s| s.name.as_str()))
        .map(str::to_owned);
    let scope = DeploymentScope { service: chosen.clone(), ..Default::default() };
    if chosen.is_some() {
        world.deployments = store.deployments(&scope).await?;
    }
    Ok(status::tenant_matrix(&world.scoped_to(&tenant_scope(actor)), chosen.as_deref()))
}

pub async fn tenant_detail(backend: &Backend, actor: Option<&Identity>, slug: &str) -> Result<Option<TenantDetail>, ReleaseError> {
    let scope = DeploymentScope { tenant: Some(slug.to_owned()), ..Default::default() };
    Ok(status::tenant_detail(&visible_world(backend, actor, scope).await?, slug))
}

pub async fn environment_detail(
    backend: &Backend,
    actor: Option<&Identity>,
    name: &str,
) -> Result<Option<EnvironmentDetail>, ReleaseError> {
    let scope = DeploymentScope { environment: Some(name.to_owned()), ..Default::default() };
    Ok(status::environment_detail(&visible_world(backend, actor, scope).await?, name))
}

pub async fn region_detail(backend: &Backend, actor: Option<&Identity>, name: &str) -> Result<Option<RegionDetail>, ReleaseError> {
    let scope = DeploymentScope { region: Some(name.to_owned()), ..Default::default() };
    Ok(status::region_detail(&visible_world(backend, actor, scope).await?, name))
}
