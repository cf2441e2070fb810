//! The world's configuration as lists (environments, regions, services,
//! tenants), for the API and the release form; clusters, with their
//! connection state, are listed by `dispatch`. Environments,
//! regions, clusters and services name no tenant, so every reader sees them
//! all; the tenants list is narrowed to the caller's tenants.

use crate::Backend;
use crate::releases::ReleaseError;
use airlock_domain::access::{Action, Identity, authorize, tenant_scope};
use airlock_domain::{Environment, Region, Service, Tenant};

pub async fn environments(backend: &Backend, actor: Option<&Identity>) -> Result<Vec<Environment>, ReleaseError> {
    authorize(actor, Action::Read)?;
    Ok(backend.store.environments().await?)
}

pub async fn regions(backend: &Backend, actor: Option<&Identity>) -> Result<Vec<Region>, ReleaseError> {
    authorize(actor, Action::Read)?;
    Ok(backend.store.regions().await?)
}

pub async fn services(backend: &Backend, actor: Option<&Identity>) -> Result<Vec<Service>, ReleaseError> {
    authorize(actor, Action::Read)?;
    Ok(backend.store.services().await?)
}

pub async fn tenants(backend: &Backend, actor: Option<&Identity>) -> Result<Vec<Tenant>, ReleaseError> {
    authorize(actor, Action::Read)?;
    let scope = tenant_scope(actor);
    let mut tenants = backend.store.tenants().await?;
    tenants.retain(|tenant| scope.includes(&tenant.slug));
    Ok(tenants)
}
