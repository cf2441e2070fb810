//! The JSON API under `/api/v1`, for CI pipelines and scripts. Lists are JSON
//! arrays of objects with stable snake_case field names; errors are
//! `{"code": "...", "message": "..."}` with a fitting status.

mod error;
mod tenants;
mod world;

pub use error::ApiError;

use crate::state::AppState;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/environments", get(world::environments))
        .route("/regions", get(world::regions))
        .route("/clusters", get(world::clusters))
        .route("/services", get(world::services))
        .route("/tenants", get(tenants::list))
        .route("/tenants/{slug}/status", get(tenants::status))
        .fallback(|| async { ApiError::NoSuchEndpoint })
}
