//! The world's configuration as lists (environments, regions, services,
//! tenants), for the API and the release form, from the status read model;
//! clusters, with their connection state, are listed by `dispatch`.
//! Environments, regions, clusters and services name no tenant, so every
//! reader sees them all; the tenants list is narrowed to the caller's tenants.

use crate::Backend;
use crate::releases::ReleaseError;
use airlock_domain::access::{Action, Identity, authorize, tenant_scope};
use airlock_domain::{Environment, Region, Service, Tenant, World};

/// `pick` applied to the current snapshot's world, once `actor` may read.
async fn read<T>(backend: &Backend, actor: Option<&Identity>, pick: impl FnOnce(&World) -> T) -> Result<T, ReleaseError> {
    authorize(actor, Action::Read)?;
    Ok(pick(&backend.status_snapshot().await?.world))
}

pub async fn environments(backend: &Backend, actor: Option<&Identity>) -> Result<Vec<Environment>, ReleaseError> {
    read(backend, actor, |world| world.environments.clone()).await
}

pub async fn regions(backend: &Backend, actor: Option<&Identity>) -> Result<Vec<Region>, ReleaseError> {
    read(backend, actor, |world| world.regions.clone()).await
}

pub async fn services(backend: &Backend, actor: Option<&Identity>) -> Result<Vec<Service>, ReleaseError> {
    read(backend, actor, |world| world.services.clone()).await
}

pub async fn tenants(backend: &Backend, actor: Option<&Identity>) -> Result<Vec<Tenant>, ReleaseError> {
    let scope = tenant_scope(actor);
    read(backend, actor, |world| world.tenants.iter().filter(|t| scope.includes(&t.slug)).cloned().collect()).await
}
