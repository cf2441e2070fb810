//! Tenants and what runs for each of them.

use super::extract::ApiPath;
use super::identity::Caller;
use super::{ApiError, ErrorBody};
use crate::state::AppState;
use airlock_backend::Missing;
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

/// What Airlock last observed of a workload, best to worst.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = Health)]
pub enum HealthView {
    Healthy,
    Unknown,
    Degraded,
    Failing,
}

impl From<Health> for HealthView {
    fn from(health: Health) -> HealthView {
        match health {
            Health::Healthy => HealthView::Healthy,
            Health::Unknown => HealthView::Unknown,
            Health::Degraded => HealthView::Degraded,
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

/// One running workload, flattened for API consumers.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadStatus {
    pub environment: String,
    pub region: String,
    pub service: String,
    pub version: String,
    pub previous_version: Option<String>,
    pub health: HealthView,
    pub changed_at: DateTime<Utc>,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantStatus {
    #[serde(flatten)]
    pub tenant: TenantView,
    /// Worst health over all workloads (`unknown` when none runs yet).
    pub health: HealthView,
    pub workloads: Vec<WorkloadStatus>,
}

/// What runs for one tenant, where, and how healthy it is.
#[utoipa::path(get, path = "/tenants/{slug}/status", operation_id = "tenant_status", tag = "world", params(("slug" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, description = "The tenant and its workloads.", body = TenantStatus), (status = 404, description = "No such tenant (`not_found`).", body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<TenantStatus>, ApiError> {
    let detail = airlock_backend::status::tenant_detail(&state.backend, caller.as_ref(), &slug)
        .await?
        .ok_or_else(|| ApiError::not_found(Missing::Tenant(slug.clone())))?;
    let workloads = detail
        .deployments
        .into_iter()
        .map(|placed| WorkloadStatus {
            environment: placed.deployment.environment,
            region: placed.deployment.region,
            service: placed.deployment.service,
            version: placed.deployment.version,
            previous_version: placed.deployment.previous_version,
            health: placed.deployment.health.into(),
            changed_at: placed.deployment.changed_at,
            cluster: placed.cluster,
            namespace: placed.namespace,
        })
        .collect();
    Ok(Json(TenantStatus { tenant: detail.tenant.into(), health: detail.health.worst().into(), workloads }))
}
