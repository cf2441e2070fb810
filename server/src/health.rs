//! Liveness and readiness for orchestrators and load balancers.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::time::Duration;

pub fn router() -> Router<AppState> {
    // `/health` is the plain check the deployment guides list beside the two
    // probes; it answers as readiness does (up, and the database answers).
    Router::new().route("/health/live", get(live)).route("/health/ready", get(ready)).route("/health", get(ready))
}

/// The process is up and serving HTTP.
async fn live() -> Json<Value> {
    Json(json!({ "status": "live" }))
}

/// Ready to serve traffic: the database answers within two seconds.
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let backend = &state.backend;
    let ready = match tokio::time::timeout(Duration::from_secs(2), backend.ping()).await {
        Ok(Ok(())) => true,
        Ok(Err(error)) => {
            tracing::warn!(error = %error, cause = ?std::error::Error::source(&error), "readiness check failed");
            false
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            false
        }
    };
    let (status, word) = if ready { (StatusCode::OK, "ready") } else { (StatusCode::SERVICE_UNAVAILABLE, "unavailable") };
    (status, Json(json!({ "status": word, "database": backend.database_kind() })))
}
