//! The API's one error type: a stable machine-readable `code`, a sentence for
//! people, and the HTTP status that goes with them. A service's refusal keeps
//! the status and code the backend gave it (the pages answer the same); the
//! other variants are what only HTTP can get wrong. Causes are logged here and
//! never sent to the client.

use airlock_backend::{Missing, Refusal, StoreError};
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
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
    #[error("The request body is not UTF-8 text.")]
    NotText,
    /// A backend service's refusal, with the status and code it carries.
    #[error(transparent)]
    Refused(Refusal),
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
    /// Only with code `invalid_world`: every problem with the world file, each at its line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<WorldProblemBody>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorldProblemBody {
    /// The line of the file, from 1, when known.
    pub line: Option<usize>,
    /// The key path, e.g. `environments[1].required_approvals`; empty for the file as a whole.
    pub place: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub message: String,
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::NoSuchEndpoint => (StatusCode::NOT_FOUND, "no_such_endpoint"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::InvalidToken => (StatusCode::UNAUTHORIZED, "invalid_token"),
            ApiError::BadQuery(_) => (StatusCode::BAD_REQUEST, "bad_query"),
            ApiError::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            ApiError::InvalidJson(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_json"),
            ApiError::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            ApiError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::NotText => (StatusCode::UNPROCESSABLE_ENTITY, "not_text"),
            ApiError::Refused(refusal) => {
                (StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), refusal.code())
            }
        }
    }

    /// There is nothing at this place.
    pub fn not_found(missing: Missing) -> ApiError {
        ApiError::Refused(Refusal::NotFound(missing))
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        ApiError::Refused(error.into())
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        ApiError::Refused(refusal)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(code, error = %self, cause = ?std::error::Error::source(&self), "API request failed");
        } else if let ApiError::Refused(Refusal::Conflict(cause)) = &self {
            tracing::warn!(code, cause = ?cause, "API change lost a race");
        }
        // A store failure's sentence is fixed by `Refusal`: its cause stays in the log.
        let message = self.to_string();
        let errors = match &self {
            ApiError::Refused(Refusal::Invalid(errors)) => {
                Some(errors.iter().map(|e| FieldErrorBody { field: e.field.clone(), message: e.message.clone() }).collect())
            }
            _ => None,
        };
        let problems = match &self {
            ApiError::Refused(Refusal::World(problems)) => Some(
                problems.iter().map(|p| WorldProblemBody { line: p.line, place: p.place.clone(), message: p.message.clone() }).collect(),
            ),
            _ => None,
        };
        let body = Json(ErrorBody { code, message, errors, problems });
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750: tell the client which scheme to use.
            return (status, [(header::WWW_AUTHENTICATE, "Bearer")], body).into_response();
        }
        (status, body).into_response()
    }
}
