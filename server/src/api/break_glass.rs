//! Break-glass through the API: an admin (a person, never a token) lets one
//! release through its environment's open freeze, with a written reason.

use super::extract::{ApiJson, ApiPath};
use super::identity::Caller;
use super::release_view::ReleaseDetail;
use super::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakGlassRequest {
    /// Why this release may not wait for the freeze to end (at most 2,000 characters).
    #[schema(min_length = 1, max_length = 2000)]
    reason: String,
}

/// Lets the release through its environment's open freeze: it then needs one approval more.
#[utoipa::path(post, path = "/releases/{id}/break-glass", operation_id = "break_glass", tag = "releases",
    params(("id" = i64, Path)),
    request_body = BreakGlassRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The release as it is now.", body = ReleaseDetail),
        (status = 403, description = "Only admins who are people, and never the release's author or an editor, break the glass (`forbidden`, `break_glass_refused`).", body = ErrorBody),
        (status = 404, description = "No such release (`not_found`).", body = ErrorBody),
        (status = 409, description = "No freeze is open (`not_frozen`), or the glass was broken already (`glass_already_broken`); or a concurrent change won (`conflict`).", body = ErrorBody),
    ))]
pub async fn break_glass(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<BreakGlassRequest>,
) -> Result<Json<ReleaseDetail>, ApiError> {
    let dossier = airlock_backend::releases::break_glass(&state.backend, caller.as_ref(), id, &body.reason, Utc::now()).await?;
    Ok(Json(ReleaseDetail::of(&dossier, Utc::now())))
}
