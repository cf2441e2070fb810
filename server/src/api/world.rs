//! Read-only lists of the world's configuration. The views below are the
//! wire format (and OpenAPI schemas); each is built by destructuring the
//! domain type, so a new domain field fails to compile here instead of
//! appearing in the API undocumented.

use super::ApiError;
use super::identity::Caller;
use crate::state::AppState;
use airlock_backend::world;
use airlock_domain::{Environment, Region, Service};
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
    /// `all_at_once`, or `by_region`: one region after another in promotion order, stopping at a failure.
    pub rollout: String,
    /// Whether Airlock creates a tenant's namespace when it is missing.
    pub creates_namespaces: bool,
    /// Who may roll back without fresh approvals: `release_managers`, or `through_the_gate` (nobody).
    pub rollback: String,
    /// An approval older than this many seconds stops counting; absent: approvals never expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_ttl_seconds: Option<u64>,
    /// The items every release here must tick.
    pub checklist: Vec<String>,
    /// Its freeze windows, each in words (name, when, reason).
    pub freezes: Vec<String>,
    /// How many seconds each target's observed health is watched after its
    /// deploy succeeded before the next wave starts; absent: not at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bake_seconds: Option<u64>,
    /// `degraded`: a target that turns degraded or missing while it bakes rolls back on its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Region)]
pub struct RegionView {
    pub name: String,
    pub display_name: String,
    pub position: i32,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Cluster)]
pub struct ClusterView {
    pub name: String,
    pub environment: String,
    pub region: String,
    pub api_url: String,
    /// How its credentials are provided (`kubeconfig`, `bearer token`, `in-cluster service account`, `simulated`); never the credentials.
    pub credentials: String,
    /// Jobs sent here are recorded, never applied, and succeed after a moment.
    pub simulated: bool,
    /// What the last connection check found; absent until the first check.
    pub connection: Option<ConnectionView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ClusterConnection)]
pub struct ConnectionView {
    pub reachable: bool,
    /// The API server's version, when reachable.
    pub version: Option<String>,
    /// Why it is not reachable.
    pub error: Option<String>,
    pub checked_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Service)]
pub struct ServiceView {
    pub name: String,
    pub image_repository: String,
    /// `key=value`: the label that finds this service's Deployments in a cluster.
    pub workload_label: String,
}

#[utoipa::path(get, path = "/environments", operation_id = "list_environments", tag = "world", security(("bearer" = [])),
    responses((status = 200, description = "In promotion order.", body = Vec<EnvironmentView>)))]
pub async fn environments(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<Vec<EnvironmentView>>, ApiError> {
    let all = world::environments(&state.backend, caller.as_ref()).await?;
    Ok(Json(
        all.into_iter()
            .map(|environment| {
                let Environment {
                    name,
                    position,
                    protected,
                    required_approvals,
                    rollout,
                    creates_namespaces,
                    rollback,
                    approval_ttl_seconds,
                    checklist,
                    freezes,
                    bake_seconds,
                    rollback_on,
                } = environment;
                EnvironmentView {
                    name,
                    position,
                    protected,
                    required_approvals,
                    rollout: rollout.as_str().to_owned(),
                    creates_namespaces,
                    rollback: rollback.as_str().to_owned(),
                    approval_ttl_seconds,
                    checklist,
                    freezes: freezes.iter().map(airlock_domain::world_file::freeze_words).collect(),
                    bake_seconds,
                    rollback_on: rollback_on.map(|r| r.as_str().to_owned()),
                }
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
    responses((status = 200, description = "Every cluster, per environment and region, with its connection state.", body = Vec<ClusterView>)))]
pub async fn clusters(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<Vec<ClusterView>>, ApiError> {
    let all = airlock_backend::dispatch::clusters(&state.backend, caller.as_ref()).await?;
    Ok(Json(all.into_iter().map(cluster_view).collect()))
}

#[utoipa::path(get, path = "/services", operation_id = "list_services", tag = "world", security(("bearer" = [])),
    responses((status = 200, description = "Every service and its image repository.", body = Vec<ServiceView>)))]
pub async fn services(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<Vec<ServiceView>>, ApiError> {
    let all = world::services(&state.backend, caller.as_ref()).await?;
    let view =
        |s: Service| ServiceView { workload_label: s.workload_label().to_string(), name: s.name, image_repository: s.image_repository };
    Ok(Json(all.into_iter().map(view).collect()))
}

fn cluster_view(cluster: airlock_backend::dispatch::ClusterView) -> ClusterView {
    let airlock_backend::dispatch::ClusterView { name, environment, region, api_url, credentials, simulated, status } = cluster;
    let connection =
        status.map(|s| ConnectionView { reachable: s.reachable, version: s.version, error: s.error, checked_at: s.checked_at });
    ClusterView { name, environment, region, api_url, credentials: credentials.to_owned(), simulated, connection }
}
