//! The API's one error type: a stable machine-readable `code`, a sentence for
//! people, and the HTTP status that goes with them. Causes are logged here and
//! never sent to the client.

use airlock_backend::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("There is no {0}.")]
    NotFound(String),
    #[error("There is no such API endpoint.")]
    NoSuchEndpoint,
    #[error("The database is unavailable; try again shortly.")]
    Unavailable(#[source] StoreError),
    #[error("Something went wrong on the server.")]
    Internal(#[source] StoreError),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::NoSuchEndpoint => (StatusCode::NOT_FOUND, "no_such_endpoint"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::Unavailable(_) => ApiError::Unavailable(error),
            other => ApiError::Internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(code, error = %self, cause = ?std::error::Error::source(&self), "API request failed");
        }
        (status, Json(json!({ "code": code, "message": self.to_string() }))).into_response()
    }
}
