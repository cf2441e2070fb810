//! The world's configuration as lists (environments, regions, services,
//! tenants), for the API and the release form, from the status read model;
//! clusters, with their connection state, are listed by `dispatch`.
//! Environments, regions, clusters and services name no tenant, so every
//! reader sees them all; the tenants list is narrowed to the caller's tenants.

use crate::Backend;
use crate::Refusal;
use crate::acting::{Actor, acting, authorize};
use airlock_domain::access::Action;
use airlock_domain::{Environment, Region, Service, Tenant, World};

/// `pick` applied to the current snapshot's world, once `actor` may read.
async fn read<T>(backend: &Backend, actor: Actor<'_>, pick: impl FnOnce(&World) -> T) -> Result<T, Refusal> {
    authorize(actor, Action::Read)?;
    Ok(pick(&backend.status_snapshot().await?.world))
}

pub async fn environments(backend: &Backend, actor: impl Into<Actor<'_>>) -> Result<Vec<Environment>, Refusal> {
    let actor = acting(actor);
    read(backend, actor, |world| world.environments.clone()).await
}

pub async fn regions(backend: &Backend, actor: impl Into<Actor<'_>>) -> Result<Vec<Region>, Refusal> {
    let actor = acting(actor);
    read(backend, actor, |world| world.regions.clone()).await
}

pub async fn services(backend: &Backend, actor: impl Into<Actor<'_>>) -> Result<Vec<Service>, Refusal> {
    let actor = acting(actor);
    read(backend, actor, |world| world.services.clone()).await
}

pub async fn tenants(backend: &Backend, actor: impl Into<Actor<'_>>) -> Result<Vec<Tenant>, Refusal> {
    let actor = acting(actor);
    let scope = actor.tenant_scope();
    read(backend, actor, |world| world.tenants.iter().filter(|t| scope.includes(&t.slug)).cloned().collect()).await
}

/// The JSON Schema of a world file, for anyone who may read.
pub fn schema<'a>(actor: impl Into<Actor<'a>>) -> Result<&'static str, Refusal> {
    authorize(acting(actor), Action::Read)?;
    Ok(crate::world_file::SCHEMA)
}
