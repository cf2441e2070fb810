//! The two changes that move a release towards an open gate: checking its
//! checklist items and reviewing it.

use super::extract::{ApiJson, ApiPath};
use super::identity::Caller;
use super::release_view::ReleaseDetail;
use super::vocabulary::DecisionView;
use super::{ApiError, ErrorBody};
use crate::state::AppState;
use airlock_backend::releases::{self, CheckRequest, ReviewRequest};
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemCheck {
    /// `false` unchecks the item.
    checked: bool,
    /// An http(s) link to the proof, such as a CI run.
    evidence_url: Option<String>,
    note: Option<String>,
}

/// Checks or unchecks one checklist item.
#[utoipa::path(post, path = "/releases/{id}/checklist/{item}", operation_id = "check_item", tag = "releases",
    params(("id" = i64, Path), ("item" = u32, Path, description = "The item's `id` in the release's checklist")),
    request_body = ItemCheck,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The release as it is now.", body = ReleaseDetail),
        (status = 401, description = "No token (`unauthenticated`) or an unknown one (`invalid_token`).", body = ErrorBody), (status = 403, description = "The token's roles do not allow it (`forbidden`).", body = ErrorBody),
        (status = 404, description = "No such release or item.", body = ErrorBody),
        (status = 422, description = "Invalid fields (`invalid`, with `errors`) or body (`invalid_json`).", body = ErrorBody),
    ))]
pub async fn check_item(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath((id, item)): ApiPath<(i64, u32)>,
    ApiJson(body): ApiJson<ItemCheck>,
) -> Result<Json<ReleaseDetail>, ApiError> {
    let request = CheckRequest { checked: body.checked, evidence_url: body.evidence_url, note: body.note };
    let dossier = releases::check_item(&state.backend, caller.as_ref(), id, item, request, Utc::now()).await?;
    Ok(Json(ReleaseDetail::of(&dossier, Utc::now())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    decision: DecisionView,
    /// Required when rejecting: what the author must fix.
    #[serde(default)]
    comment: String,
    /// The revision the reviewer read (required): 409 `stale_revision`,
    /// naming both revisions, if it has moved on.
    revision: u32,
}

/// Approves or rejects the current revision (approvers only; never anyone who made a revision of it; service accounts may reject but never approve).
#[utoipa::path(post, path = "/releases/{id}/reviews", operation_id = "review_release", tag = "releases", params(("id" = i64, Path)), request_body = NewReview,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The release as it is now.", body = ReleaseDetail),
        (status = 401, description = "No token (`unauthenticated`) or an unknown one (`invalid_token`).", body = ErrorBody),
        (status = 403, description = "`forbidden` (not an approver), `self_review` (the author or an editor of any revision) or `service_account` (a token approving).", body = ErrorBody),
        (status = 404, description = "No such release (`not_found`).", body = ErrorBody),
        (status = 409, description = "`stale_revision`.", body = ErrorBody),
        (status = 422, description = "E.g. a rejection without a comment.", body = ErrorBody),
    ))]
pub async fn review(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewReview>,
) -> Result<Json<ReleaseDetail>, ApiError> {
    let request = ReviewRequest { decision: body.decision.into(), comment: body.comment, revision: body.revision };
    let dossier = releases::review(&state.backend, caller.as_ref(), id, request, Utc::now()).await?;
    Ok(Json(ReleaseDetail::of(&dossier, Utc::now())))
}
