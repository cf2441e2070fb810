//! Read-only lists of the world's configuration.

use super::ApiError;
use crate::state::AppState;
use airlock_domain::{Cluster, Environment, Region, Service};
use axum::extract::State;
use axum::Json;

pub async fn environments(State(state): State<AppState>) -> Result<Json<Vec<Environment>>, ApiError> {
    Ok(Json(state.backend.store.environments().await?))
}

pub async fn regions(State(state): State<AppState>) -> Result<Json<Vec<Region>>, ApiError> {
    Ok(Json(state.backend.store.regions().await?))
}

pub async fn clusters(State(state): State<AppState>) -> Result<Json<Vec<Cluster>>, ApiError> {
    Ok(Json(state.backend.store.clusters().await?))
}

pub async fn services(State(state): State<AppState>) -> Result<Json<Vec<Service>>, ApiError> {
    Ok(Json(state.backend.store.services().await?))
}
