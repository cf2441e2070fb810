//! Liveness and readiness for orchestrators and load balancers.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::time::Duration;

pub fn router() -> Router<AppState> {
    Router::new().route("/health/live", get(live)).route("/health/ready", get(ready))
}

/// The process is up and serving HTTP.
async fn live() -> Json<Value> {
    Json(json!({ "status": "live" }))
}

/// Ready to serve traffic: the database answers within two seconds.
async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let store = &state.backend.store;
    let ping = tokio::time::timeout(Duration::from_secs(2), store.ping()).await;
    match ping {
        Ok(Ok(())) => (StatusCode::OK, Json(json!({ "status": "ready", "database": store.kind() }))),
        Ok(Err(error)) => {
            tracing::warn!(error = %error, cause = ?std::error::Error::source(&error), "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "database": store.kind() })))
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "database": store.kind() })))
        }
    }
}
