//! Read-only lists of the world's configuration. The views below are the
//! wire format (and OpenAPI schemas); each is built by destructuring the
//! domain type, so a new domain field fails to compile here instead of
//! appearing in the API undocumented.

use super::ApiError;
use super::identity::Caller;
use crate::state::AppState;
use airlock_backend::world;
use airlock_domain::{Cluster, Environment, NamespaceStrategy, Region, Service};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Environment)]
pub struct EnvironmentView {
    pub name: String,
    /// Promotion order: development (1) → staging (2) → production (3).
    pub position: i32,
    /// Protected environments are gated by approvals and a checklist.
    pub protected: bool,
    pub required_approvals: i32,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Region)]
pub struct RegionView {
    pub name: String,
    pub display_name: String,
    pub position: i32,
}

/// Where a cluster puts a tenant's workloads.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[schema(as = NamespaceStrategy)]
pub enum NamespaceStrategyView {
    /// `tenant-<slug>`, one namespace per tenant.
    PerTenant,
    /// Every tenant shares one namespace.
    Shared { namespace: String },
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Cluster)]
pub struct ClusterView {
    pub name: String,
    pub environment: String,
    pub region: String,
    pub api_url: String,
    /// Name of the kubeconfig context or secret holding the credentials.
    pub credentials_ref: String,
    pub namespace_strategy: NamespaceStrategyView,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Service)]
pub struct ServiceView {
    pub name: String,
    pub image_repository: String,
}

#[utoipa::path(get, path = "/environments", operation_id = "list_environments", tag = "world", security(("bearer" = [])),
    responses((status = 200, description = "In promotion order.", body = Vec<EnvironmentView>)))]
pub async fn environments(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<Vec<EnvironmentView>>, ApiError> {
    let all = world::environments(&state.backend, caller.as_ref()).await?;
    Ok(Json(
        all.into_iter()
            .map(|Environment { name, position, protected, required_approvals, .. }| EnvironmentView {
                name,
                position,
                protected,
                required_approvals,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/regions", operation_id = "list_regions", tag = "world", security(("bearer" = [])),
    responses((status = 200, description = "In display order.", body = Vec<RegionView>)))]
pub async fn regions(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<Vec<RegionView>>, ApiError> {
    let all = world::regions(&state.backend, caller.as_ref()).await?;
    Ok(Json(all.into_iter().map(|Region { name, display_name, position }| RegionView { name, display_name, position }).collect()))
}

#[utoipa::path(get, path = "/clusters", operation_id = "list_clusters", tag = "world", security(("bearer" = [])),
    responses((status = 200, description = "Every cluster, per environment and region.", body = Vec<ClusterView>)))]
pub async fn clusters(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<Vec<ClusterView>>, ApiError> {
    let all = world::clusters(&state.backend, caller.as_ref()).await?;
    Ok(Json(all.into_iter().map(cluster_view).collect()))
}

#[utoipa::path(get, path = "/services", operation_id = "list_services", tag = "world", security(("bearer" = [])),
    responses((status = 200, description = "Every service and its image repository.", body = Vec<ServiceView>)))]
pub async fn services(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<Vec<ServiceView>>, ApiError> {
    let all = world::services(&state.backend, caller.as_ref()).await?;
    Ok(Json(all.into_iter().map(|Service { name, image_repository }| ServiceView { name, image_repository }).collect()))
}

fn cluster_view(cluster: Cluster) -> ClusterView {
    let Cluster { name, environment, region, api_url, credentials_ref, namespace_strategy } = cluster;
    let namespace_strategy = match namespace_strategy {
        NamespaceStrategy::PerTenant => NamespaceStrategyView::PerTenant,
        NamespaceStrategy::Shared { namespace } => NamespaceStrategyView::Shared { namespace },
    };
    ClusterView { name, environment, region, api_url, credentials_ref, namespace_strategy }
}
