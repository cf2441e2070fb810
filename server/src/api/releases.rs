//! Listing, reading, creating and editing releases. Each handler only turns
//! HTTP into a call to `airlock_backend::releases`, which authorises the
//! caller and applies every rule in one transaction.

use super::constraints;
use super::extract::{ApiJson, ApiPath, ApiQuery, non_empty};
use super::identity::Caller;
use super::release_view::{ReleaseDetail, ReleaseSummaryView};
use super::vocabulary::{StateView, TargetView, revision};
use super::{ApiError, ErrorBody};
use crate::state::AppState;
use airlock_backend::ReleaseFilter;
use airlock_backend::releases;
use airlock_domain::gate::{ReleaseContent, ReleaseDraft, ReleaseState};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Blank `environment` and `service` match everything, as an untouched form field does.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReleaseQuery {
    /// Only releases to this environment; blank: any.
    environment: Option<String>,
    /// Only releases of this service; blank: any.
    service: Option<String>,
    #[param(value_type = Option<StateView>)]
    state: Option<String>,
}

impl ReleaseQuery {
    fn into_filter(self) -> Result<ReleaseFilter, ApiError> {
        // Exactly one of the states the document lists, untrimmed: a blank state
        // is refused rather than read as "any", which the document does not say.
        let state = match self.state {
            None => None,
            Some(text) => Some(ReleaseState::parse(&text).ok_or_else(|| {
                ApiError::BadQuery(format!("There is no release state \u{201c}{text}\u{201d}; use blocked, rejected or ready."))
            })?),
        };
        Ok(ReleaseFilter { environment: non_empty(self.environment), service: non_empty(self.service), state, ..Default::default() })
    }
}

/// Lists releases, newest first.
#[utoipa::path(get, path = "/releases", operation_id = "list_releases", tag = "releases", params(ReleaseQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Releases, newest first (at most the 200 newest).", body = Vec<ReleaseSummaryView>),
        (status = 400, description = "A `state` other than blocked, rejected or ready, or a parameter not listed here (`bad_query`).", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(query): ApiQuery<ReleaseQuery>,
) -> Result<Json<Vec<ReleaseSummaryView>>, ApiError> {
    let filter = query.into_filter()?;
    let summaries = releases::list(&state.backend, caller.as_ref(), &filter).await?;
    Ok(Json(summaries.into_iter().map(ReleaseSummaryView::from).collect()))
}

/// Reads one release with its gate's verdict, checklist, reviews and revisions.
#[utoipa::path(get, path = "/releases/{id}", operation_id = "get_release", tag = "releases", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The release as it is now.", body = ReleaseDetail),
        (status = 404, description = "No such release (`not_found`).", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ReleaseDetail>, ApiError> {
    let dossier = releases::get(&state.backend, caller.as_ref(), id).await?;
    Ok(Json(ReleaseDetail::of(&dossier, Utc::now())))
}

/// A new release. `image` defaults to the service's repository tagged with `version`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRelease {
    #[schema(schema_with = constraints::service)]
    service: String,
    #[schema(schema_with = constraints::version)]
    version: String,
    #[schema(schema_with = constraints::image)]
    image: Option<String>,
    #[schema(schema_with = constraints::environment)]
    environment: String,
    #[schema(schema_with = constraints::targets)]
    targets: Vec<TargetView>,
    #[schema(schema_with = constraints::notes)]
    notes: Option<String>,
    /// Deploy `image` although its tag names another version than `version`
    /// (otherwise that is refused as a field error).
    #[serde(default)]
    image_pinned: bool,
}

/// Creates a release (revision 1) with its environment's checklist.
#[utoipa::path(post, path = "/releases", operation_id = "create_release", tag = "releases", request_body = NewRelease,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it.", body = ReleaseDetail,
            headers(("Location" = String, description = "The new release, `/api/v1/releases/{id}`.")),
            links(
                ("read" = (operation_id = "get_release", parameters(("id" = "$response.body#/id")))),
                ("edit" = (operation_id = "edit_release", parameters(("id" = "$response.body#/id")))),
                ("review" = (operation_id = "review_release", parameters(("id" = "$response.body#/id")))),
                ("dispatch" = (operation_id = "dispatch_release", parameters(("id" = "$response.body#/id")))),
                ("roll_back" = (operation_id = "roll_back_release", parameters(("id" = "$response.body#/id")))),
                ("jobs" = (operation_id = "list_release_jobs", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 403, description = "Only release managers and admins create releases (`forbidden`).", body = ErrorBody),
        (status = 422, description = "`invalid`, with `errors` field by field: a service, environment, tenant or region that does not exist, \
            or an image tagged with another version than `version` while `image_pinned` is false; or `invalid_json`.", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(body): ApiJson<NewRelease>,
) -> Result<impl IntoResponse, ApiError> {
    let draft = ReleaseDraft {
        service: body.service,
        version: body.version,
        image: body.image.unwrap_or_default(),
        environment: body.environment,
        targets: body.targets.into_iter().map(Into::into).collect(),
        notes: body.notes.unwrap_or_default(),
        image_pinned: body.image_pinned,
    };
    let dossier = releases::create(&state.backend, caller.as_ref(), draft, Utc::now()).await?;
    let location = format!("/api/v1/releases/{}", dossier.release.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(ReleaseDetail::of(&dossier, Utc::now()))))
}

/// Changes to a release; a field left out keeps its current value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseChanges {
    #[schema(schema_with = constraints::same_service)]
    service: Option<String>,
    #[schema(schema_with = constraints::new_version)]
    version: Option<String>,
    #[schema(schema_with = constraints::image)]
    image: Option<String>,
    #[schema(schema_with = constraints::same_environment)]
    environment: Option<String>,
    #[schema(schema_with = constraints::new_targets)]
    targets: Option<Vec<TargetView>>,
    #[schema(schema_with = constraints::notes)]
    notes: Option<String>,
    /// Deploy `image` although its tag names another version (asked at every edit).
    #[serde(default)]
    image_pinned: bool,
    /// The revision the editor started from.
    #[schema(schema_with = constraints::revision)]
    #[serde(deserialize_with = "revision")]
    revision: u32,
}

impl ReleaseChanges {
    /// The full draft these changes make of `current`.
    fn onto(self, current: &ReleaseContent) -> ReleaseDraft {
        // Whether the image follows a new version is the domain's rule
        // (`ReleaseDraft`), the same for the page and the API.
        ReleaseDraft {
            service: self.service.unwrap_or_else(|| current.service.clone()),
            version: self.version.unwrap_or_else(|| current.version.clone()),
            image: self.image.unwrap_or_else(|| current.image.clone()),
            environment: self.environment.unwrap_or_else(|| current.environment.clone()),
            targets: self.targets.map_or_else(|| current.targets.clone(), |ts| ts.into_iter().map(Into::into).collect()),
            notes: self.notes.unwrap_or_else(|| current.notes.clone()),
            image_pinned: self.image_pinned,
        }
    }
}

/// Edits a release, making a new revision: earlier approvals stop counting.
#[utoipa::path(patch, path = "/releases/{id}", operation_id = "edit_release", tag = "releases", params(("id" = i64, Path)), request_body = ReleaseChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The release as edited (unchanged if the edit changed nothing).", body = ReleaseDetail),
        (status = 403, description = "Only release managers and admins edit releases (`forbidden`).", body = ErrorBody),
        (status = 404, description = "No such release (`not_found`).", body = ErrorBody),
        (status = 409, description = "`stale_revision`: someone edited it since `revision`; or `conflict`.", body = ErrorBody),
        (status = 422, description = "`invalid`, with `errors` field by field: another service or environment than the release's, a tenant \
            or region that does not exist, or an image tagged with another version than the release's while `image_pinned` is false; \
            or `invalid_json`.", body = ErrorBody),
    ))]
pub async fn edit(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(changes): ApiJson<ReleaseChanges>,
) -> Result<Json<ReleaseDetail>, ApiError> {
    let current = releases::get(&state.backend, caller.as_ref(), id).await?;
    let seen = changes.revision;
    // Fields left out keep the values of the revision just read; the edit
    // lands only if that is still the one the caller named.
    let draft = changes.onto(&current.release.content);
    let dossier = releases::edit(&state.backend, caller.as_ref(), id, draft, seen, Utc::now()).await?;
    Ok(Json(ReleaseDetail::of(&dossier, Utc::now())))
}
