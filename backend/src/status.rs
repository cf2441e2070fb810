//! Loads what a status view needs from the store and hands it to the domain's
//! pure view builders.

use crate::store::{DeploymentScope, Store, StoreError};
use airlock_domain::status::{self, EnvironmentDetail, Overview, RegionDetail, TenantDetail, TenantMatrix};
use airlock_domain::World;

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

async fn world_with(store: &dyn Store, scope: DeploymentScope) -> Result<World, StoreError> {
    let mut world = skeleton(store).await?;
    world.deployments = store.deployments(&scope).await?;
    Ok(world)
}

pub async fn overview(store: &dyn Store) -> Result<Overview, StoreError> {
    Ok(status::overview(&world_with(store, DeploymentScope::default()).await?))
}

pub async fn tenant_matrix(store: &dyn Store, service: Option<&str>) -> Result<TenantMatrix, StoreError> {
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
    Ok(status::tenant_matrix(&world, chosen.as_deref()))
}

pub async fn tenant_detail(store: &dyn Store, slug: &str) -> Result<Option<TenantDetail>, StoreError> {
    let scope = DeploymentScope { tenant: Some(slug.to_owned()), ..Default::default() };
    Ok(status::tenant_detail(&world_with(store, scope).await?, slug))
}

pub async fn environment_detail(store: &dyn Store, name: &str) -> Result<Option<EnvironmentDetail>, StoreError> {
    let scope = DeploymentScope { environment: Some(name.to_owned()), ..Default::default() };
    Ok(status::environment_detail(&world_with(store, scope).await?, name))
}

pub async fn region_detail(store: &dyn Store, name: &str) -> Result<Option<RegionDetail>, StoreError> {
    let scope = DeploymentScope { region: Some(name.to_owned()), ..Default::default() };
    Ok(status::region_detail(&world_with(store, scope).await?, name))
}
