//! The API's one error type: a stable machine-readable `code`, a sentence for
//! people, and the HTTP status that goes with them. Causes are logged here and
//! never sent to the client.

use airlock_backend::StoreError;
use airlock_backend::releases::ReleaseError;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

const INTERNAL_MESSAGE: &str = "Something went wrong on the server.";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("There is no {0}.")]
    NotFound(String),
    #[error("There is no such API endpoint.")]
    NoSuchEndpoint,
    #[error("This endpoint does not accept that HTTP method.")]
    MethodNotAllowed,
    #[error("The bearer token is not one Airlock issued (or it was revoked); send `Authorization: Bearer airlock_…`.")]
    InvalidToken,
    #[error("{0}")]
    BadQuery(String),
    #[error("The request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("The request body does not have the expected fields and types: {0}")]
    InvalidJson(String),
    #[error("Send the request body as JSON, with `Content-Type: application/json`.")]
    UnsupportedMediaType,
    #[error("The request body is larger than {} KiB.", MAX_BODY_BYTES / 1024)]
    TooLarge,
    /// A refusal by the release services; never `ReleaseError::Store`, which
    /// `From` turns into `Unavailable` or `Internal`.
    #[error(transparent)]
    Release(ReleaseError),
    #[error("The database is unavailable; try again shortly.")]
    Unavailable(#[source] StoreError),
    #[error("{INTERNAL_MESSAGE}")]
    Internal(#[source] StoreError),
}

/// What every error response looks like.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable snake_case code to branch on, e.g. `stale_revision`.
    pub code: &'static str,
    /// A sentence for people; wording may change.
    pub message: String,
    /// Only with code `invalid`: every problem, field by field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldErrorBody>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub message: String,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::NoSuchEndpoint => (StatusCode::NOT_FOUND, "no_such_endpoint"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::InvalidToken => (StatusCode::UNAUTHORIZED, "invalid_token"),
            ApiError::BadQuery(_) => (StatusCode::BAD_REQUEST, "bad_query"),
            ApiError::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            ApiError::InvalidJson(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_json"),
            ApiError::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            ApiError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::Release(error) => release_status(error),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

fn release_status(error: &ReleaseError) -> (StatusCode, &'static str) {
    let (status, code) = error.status_and_code();
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), code)
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::Unavailable(_) => ApiError::Unavailable(error),
            other => ApiError::Internal(other),
        }
    }
}

impl From<ReleaseError> for ApiError {
    fn from(error: ReleaseError) -> ApiError {
        match error {
            ReleaseError::Store(store) => store.into(),
            refusal => ApiError::Release(refusal),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(code, error = %self, cause = ?std::error::Error::source(&self), "API request failed");
        } else if let ApiError::Release(ReleaseError::Conflict(cause)) = &self {
            tracing::warn!(code, cause = ?cause, "API change lost a race");
        }
        // Server errors get a fixed sentence: whatever the cause says stays in the log.
        let message = match &self {
            ApiError::Release(ReleaseError::Store(_)) => INTERNAL_MESSAGE.to_owned(),
            other => other.to_string(),
        };
        let errors = match &self {
            ApiError::Release(ReleaseError::Invalid(errors)) => {
                Some(errors.iter().map(|e| FieldErrorBody { field: e.field.clone(), message: e.message.clone() }).collect())
            }
            _ => None,
        };
        let body = Json(ErrorBody { code, message, errors });
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750: tell the client which scheme to use.
            return (status, [(header::WWW_AUTHENTICATE, "Bearer")], body).into_response();
        }
        (status, body).into_response()
    }
}
