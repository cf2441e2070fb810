//! Tenants and what runs for each of them.

use super::extract::ApiPath;
use super::identity::Caller;
use super::{ApiError, ErrorBody};
use crate::state::AppState;
use airlock_backend::Missing;
use airlock_domain::observed::Replicas;
use airlock_domain::status::WorkloadState;
use airlock_domain::{Health, Tenant};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Tenant)]
pub struct TenantView {
    pub slug: String,
    pub name: String,
    pub primary_region: String,
    /// Legal residency of the tenant's data, e.g. `eu`, `us`.
    pub data_residency: String,
    /// The only regions a release may ever be dispatched to for this tenant.
    pub allowed_regions: Vec<String>,
}

impl From<Tenant> for TenantView {
    fn from(tenant: Tenant) -> TenantView {
        // Which provider groups administer it is for admins (`GET /world`), not every reader.
        let Tenant { slug, name, primary_region, data_residency, allowed_regions, admin_groups: _ } = tenant;
        TenantView { slug, name, primary_region, data_residency, allowed_regions }
    }
}

/// A workload's health, best to worst: as its cluster reports it, else as
/// recorded when Airlock released there.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = Health)]
pub enum HealthView {
    Healthy,
    Progressing,
    Unknown,
    Degraded,
    Missing,
    Failing,
}

impl From<Health> for HealthView {
    fn from(health: Health) -> HealthView {
        match health {
            Health::Healthy => HealthView::Healthy,
            Health::Progressing => HealthView::Progressing,
            Health::Unknown => HealthView::Unknown,
            Health::Degraded => HealthView::Degraded,
            Health::Missing => HealthView::Missing,
            Health::Failing => HealthView::Failing,
        }
    }
}

#[utoipa::path(get, path = "/tenants", operation_id = "list_tenants", tag = "world", security(("bearer" = [])),
    responses((status = 200, description = "Every tenant.", body = Vec<TenantView>)))]
pub async fn list(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<Vec<TenantView>>, ApiError> {
    let tenants = airlock_backend::world::tenants(&state.backend, caller.as_ref()).await?;
    Ok(Json(tenants.into_iter().map(TenantView::from).collect()))
}

/// A Deployment's replicas as its cluster reports them.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct ReplicasView {
    pub desired: u32,
    pub updated: u32,
    pub ready: u32,
    pub available: u32,
}

impl From<Replicas> for ReplicasView {
    fn from(Replicas { desired, updated, ready, available }: Replicas) -> ReplicasView {
        ReplicasView { desired, updated, ready, available }
    }
}

/// One workload as Airlock released it and as its cluster reports it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadStatus {
    pub environment: String,
    pub region: String,
    pub service: String,
    /// The version Airlock last released there (`null`: never; the cluster
    /// runs it without a release).
    pub intended_version: Option<String>,
    /// The version its cluster reports (`null`: not observed yet, or not running).
    pub actual_version: Option<String>,
    pub health: HealthView,
    /// Why it is not healthy, in the cluster's words where it gave some.
    pub health_reason: Option<String>,
    /// `null` until its cluster reported it.
    pub replicas: Option<ReplicasView>,
    /// The cluster runs another version than Airlock released.
    pub drift: bool,
    /// When its cluster last reported it (`null`: never).
    pub observed_at: Option<DateTime<Utc>>,
    /// The same as `intended_version` (the name clients used before observed state).
    pub version: Option<String>,
    /// What a rollback would restore.
    pub previous_version: Option<String>,
    /// When what was released there, or what its cluster reports, last changed.
    pub changed_at: DateTime<Utc>,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
}

impl From<WorkloadState> for WorkloadStatus {
    fn from(state: WorkloadState) -> WorkloadStatus {
        WorkloadStatus {
            environment: state.environment,
            region: state.region,
            service: state.service,
            version: state.intended_version.clone(),
            previous_version: state.previous_version,
            changed_at: state.changed_at,
            cluster: state.cluster,
            namespace: state.namespace,
            intended_version: state.intended_version,
            actual_version: state.actual_version,
            health: state.health.into(),
            health_reason: state.health_reason,
            replicas: state.replicas.map(ReplicasView::from),
            drift: state.drift,
            observed_at: state.observed_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantStatus {
    #[serde(flatten)]
    pub tenant: TenantView,
    /// Worst health over all workloads (`unknown` when none runs yet).
    pub health: HealthView,
    pub workloads: Vec<WorkloadStatus>,
}

/// What runs for one tenant, where, and how healthy it is: per environment ×
/// region × service, what Airlock released beside what the cluster reports.
#[utoipa::path(get, path = "/tenants/{slug}/status", operation_id = "tenant_status", tag = "world", params(("slug" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "The tenant and its workloads.", body = TenantStatus), (status = 404, description = "No such tenant (`not_found`).", body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<TenantStatus>, ApiError> {
    let missing = || ApiError::not_found(Missing::Tenant(slug.clone()));
    let (tenant, workloads) =
        airlock_backend::status::tenant_workloads(&state.backend, caller.as_ref(), &slug).await?.ok_or_else(missing)?;
    let health = Health::roll_up(workloads.iter().map(|w| w.health));
    Ok(Json(TenantStatus {
        tenant: tenant.into(),
        health: health.into(),
        workloads: workloads.into_iter().map(WorkloadStatus::from).collect(),
    }))
}

/// One drifting workload, with whose it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct DriftingWorkload {
    pub tenant: String,
    #[serde(flatten)]
    pub workload: WorkloadStatus,
}

/// Every workload whose cluster runs another version than Airlock released
/// (or one Airlock never released), among the tenants the caller may see.
#[utoipa::path(get, path = "/drift", operation_id = "list_drift", tag = "world", security(("bearer" = [])),
    responses((status = 200, description = "Every drifting workload.", body = Vec<DriftingWorkload>)))]
pub async fn drift(State(state): State<AppState>, Caller(caller): Caller) -> Result<Json<Vec<DriftingWorkload>>, ApiError> {
    let drifting = airlock_backend::status::drift(&state.backend, caller.as_ref()).await?;
    Ok(Json(drifting.into_iter().map(|w| DriftingWorkload { tenant: w.tenant.clone(), workload: w.into() }).collect()))
}
