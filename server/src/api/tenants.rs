//! Tenants and what runs for each of them.

use super::ApiError;
use crate::state::AppState;
use airlock_domain::{Health, Tenant};
use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;

pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<Tenant>>, ApiError> {
    Ok(Json(state.backend.store.tenants().await?))
}

/// One running workload, flattened for API consumers.
#[derive(Debug, Serialize)]
pub struct WorkloadStatus {
    pub environment: String,
    pub region: String,
    pub service: String,
    pub version: String,
    pub previous_version: Option<String>,
    pub health: Health,
    pub changed_at: DateTime<Utc>,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TenantStatus {
    #[serde(flatten)]
    pub tenant: Tenant,
    /// Worst health over all workloads (`unknown` when none runs yet).
    pub health: Health,
    pub workloads: Vec<WorkloadStatus>,
}

pub async fn status(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Json<TenantStatus>, ApiError> {
    let detail = airlock_backend::status::tenant_detail(state.backend.store.as_ref(), &slug)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("tenant \"{slug}\"")))?;
    let workloads = detail
        .deployments
        .into_iter()
        .map(|placed| WorkloadStatus {
            environment: placed.deployment.environment,
            region: placed.deployment.region,
            service: placed.deployment.service,
            version: placed.deployment.version,
            previous_version: placed.deployment.previous_version,
            health: placed.deployment.health,
            changed_at: placed.deployment.changed_at,
            cluster: placed.cluster,
            namespace: placed.namespace,
        })
        .collect();
    Ok(Json(TenantStatus { tenant: detail.tenant, health: detail.health.worst(), workloads }))
}
