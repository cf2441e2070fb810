//! The two changes that move a release towards an open gate: checking its
//! checklist items and reviewing it.

use super::constraints;
use super::extract::{ApiJson, ApiPath};
use super::identity::Caller;
use super::release_view::ReleaseDetail;
use super::vocabulary::{DecisionView, revision};
use super::{ApiError, ErrorBody};
use crate::state::AppState;
use airlock_backend::releases::{self, CheckRequest, ReviewRequest};
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use serde::Deserialize;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemCheck {
    /// `false` unchecks the item.
    checked: bool,
    #[schema(schema_with = constraints::evidence_url)]
    evidence_url: Option<String>,
    #[schema(schema_with = constraints::note)]
    note: Option<String>,
}

/// Checks or unchecks one checklist item.
#[utoipa::path(post, path = "/releases/{id}/checklist/{item}", operation_id = "check_item", tag = "releases",
    params(("id" = i64, Path), ("item" = u32, Path, description = "The item's `id` in the release's checklist")),
    request_body = ItemCheck,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The release as it is now.", body = ReleaseDetail),
        (status = 403, description = "Only release managers and admins check items (`forbidden`).", body = ErrorBody),
        (status = 404, description = "No such release or item (`not_found`).", body = ErrorBody),
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

/// Its schema is `constraints::review`: a derived one could not say that a
/// rejection needs a comment.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    decision: DecisionView,
    /// Required when rejecting: what the author must fix.
    #[serde(default)]
    comment: String,
    /// The revision the reviewer read.
    #[serde(deserialize_with = "revision")]
    revision: u32,
}

impl PartialSchema for NewReview {
    fn schema() -> RefOr<Schema> {
        RefOr::T(constraints::review())
    }
}

impl ToSchema for NewReview {}

/// Approves or rejects the current revision (approvers only; never anyone who made a revision of it; service accounts may reject but never approve).
#[utoipa::path(post, path = "/releases/{id}/reviews", operation_id = "review_release", tag = "releases", params(("id" = i64, Path)), request_body = NewReview,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The release as it is now.", body = ReleaseDetail),
        (status = 403, description = "`forbidden` (not an approver), `self_review` (the author or an editor of any revision) or `service_account` (a token approving).", body = ErrorBody),
        (status = 404, description = "No such release (`not_found`).", body = ErrorBody),
        (status = 409, description = "`stale_revision`: the release has moved on since `revision`; or `conflict`.", body = ErrorBody),
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
