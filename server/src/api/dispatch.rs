//! Dispatching releases and rolling them back, and following their jobs.
//! Handlers only turn HTTP into calls to `airlock_backend::dispatch`, which
//! authorises, re-checks the gate and records the jobs; nothing here talks to
//! a cluster.

use super::constraints;
use super::extract::{ApiOptionalJson, ApiPath};
use super::identity::Caller;
use super::vocabulary::TargetView;
use super::{ApiError, ErrorBody};
use crate::state::AppState;
use airlock_backend::dispatch::{self, Dispatched};
use airlock_domain::dispatch::{JobKind, JobState, JobView};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = JobKind)]
pub enum JobKindView {
    Deploy,
    Rollback,
}

/// queued → created → running → succeeded / failed; `skipped` when an earlier wave failed.
impl From<JobKind> for JobKindView {
    fn from(kind: JobKind) -> JobKindView {
        match kind {
            JobKind::Deploy => JobKindView::Deploy,
            JobKind::Rollback => JobKindView::Rollback,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = JobState)]
pub enum JobStateView {
    Queued,
    Created,
    Running,
    Succeeded,
    Failed,
    Skipped,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Job)]
pub struct JobWire {
    pub id: i64,
    pub kind: JobKindView,
    pub revision: u32,
    pub tenant: String,
    pub region: String,
    pub cluster: String,
    pub namespace: String,
    /// The Kubernetes Job's name, derived from release, revision, target and kind.
    pub name: String,
    pub version: String,
    pub image: String,
    pub wave: u32,
    pub state: JobStateView,
    /// Why it failed, or the last error sending it while it waits.
    pub reason: Option<String>,
    pub attempts: u32,
    /// Sent to a simulated cluster: recorded, never applied.
    pub simulated: bool,
    pub queued_at: DateTime<Utc>,
    pub created_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// A succeeded deploy in an environment that bakes: until when its
    /// observed health is watched before the next wave starts.
    pub bake_until: Option<DateTime<Utc>>,
    /// When its bake ended; `bake_outcome` says how (`baked healthy`, or why it stopped).
    pub baked_at: Option<DateTime<Utc>>,
    pub bake_outcome: Option<String>,
    /// A failed Job's Pod events and the last lines of its log (at most 16 KiB).
    pub failure_detail: Option<String>,
}

impl From<JobView> for JobWire {
    fn from(job: JobView) -> JobWire {
        let JobView {
            id,
            kind,
            revision,
            tenant,
            region,
            cluster,
            namespace,
            name,
            version,
            image,
            wave,
            state,
            reason,
            attempts,
            simulated,
            queued_at,
            created_at,
            started_at,
            finished_at,
            bake_until,
            baked_at,
            bake_outcome,
            failure_detail,
        } = job;
        let state = match state {
            JobState::Queued => JobStateView::Queued,
            JobState::Created => JobStateView::Created,
            JobState::Running => JobStateView::Running,
            JobState::Succeeded => JobStateView::Succeeded,
            JobState::Failed => JobStateView::Failed,
            JobState::Skipped => JobStateView::Skipped,
        };
        JobWire {
            id,
            kind: kind.into(),
            revision,
            tenant,
            region,
            cluster,
            namespace,
            name,
            version,
            image,
            wave,
            state,
            reason,
            attempts,
            simulated,
            queued_at,
            created_at,
            started_at,
            finished_at,
            bake_until,
            baked_at,
            bake_outcome,
            failure_detail,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DispatchedView {
    pub release_id: i64,
    pub revision: u32,
    pub kind: JobKindView,
    /// The jobs this request recorded; they are sent at once, in waves.
    pub jobs: Vec<JobWire>,
}

impl From<Dispatched> for DispatchedView {
    fn from(Dispatched { release_id, revision, kind, jobs }: Dispatched) -> DispatchedView {
        DispatchedView { release_id, revision, kind: kind.into(), jobs: jobs.into_iter().map(JobWire::from).collect() }
    }
}

/// Sends the release's current revision to every target, once its gate is open.
#[utoipa::path(post, path = "/releases/{id}/dispatch", operation_id = "dispatch_release", tag = "dispatch", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Jobs recorded, one per target; follow them at `/releases/{id}/jobs`.", body = DispatchedView),
        (status = 403, description = "Only release managers dispatch (`forbidden`).", body = ErrorBody),
        (status = 404, description = "No such release (`not_found`).", body = ErrorBody),
        (status = 409, description = "`gate_closed` (the message lists every blocker), `already_dispatched` (nothing more was sent) or `conflict`.", body = ErrorBody),
        (status = 422, description = "`no_cluster` for a target's region, or `invalid_template`.", body = ErrorBody),
        (status = 503, description = "`cluster_unreachable`: a target's cluster failed its last check; or `unavailable` or `timeout`. Nothing was recorded.",
            body = ErrorBody, headers(("Retry-After" = u32, description = "Seconds to wait before trying again."))),
    ))]
pub async fn dispatch(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<DispatchedView>), ApiError> {
    let dispatched = dispatch::dispatch(&state.backend, caller.as_ref(), id, None, Utc::now()).await?;
    Ok((StatusCode::ACCEPTED, Json(dispatched.into())))
}

/// Optional: no body at all rolls back every dispatched target.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackRequest {
    #[serde(default)]
    #[schema(schema_with = constraints::rollback_targets)]
    targets: Option<Vec<TargetView>>,
}

/// Rolls targets back to the version that ran there before this release.
#[utoipa::path(post, path = "/releases/{id}/rollback", operation_id = "roll_back_release", tag = "dispatch", params(("id" = i64, Path)),
    request_body(content = Option<RollbackRequest>, description = "Which targets; leave the body out to roll back every dispatched target."),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Rollback jobs recorded; targets already rolled back are left out.", body = DispatchedView),
        (status = 403, description = "Only release managers roll back (`forbidden`), and nobody where the environment sends rollbacks \
            through the gate (`rollback_through_the_gate`).", body = ErrorBody),
        (status = 404, description = "No such release (`not_found`).", body = ErrorBody),
        (status = 409, description = "`not_dispatched`, `nothing_to_roll_back` with the reason per target, or `conflict`.", body = ErrorBody),
        (status = 422, description = "`no_cluster` for a target's region or `invalid_template`; or a body that breaks its schema \
            (`invalid_json`).", body = ErrorBody),
        (status = 503, description = "`cluster_unreachable`: a target's cluster failed its last check; or `unavailable` or `timeout`. Nothing was recorded.",
            body = ErrorBody, headers(("Retry-After" = u32, description = "Seconds to wait before trying again."))),
    ))]
pub async fn rollback(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<i64>,
    ApiOptionalJson(request): ApiOptionalJson<RollbackRequest>,
) -> Result<(StatusCode, Json<DispatchedView>), ApiError> {
    let targets = request.targets.map(|ts| ts.into_iter().map(Into::into).collect());
    let dispatched = dispatch::rollback(&state.backend, caller.as_ref(), id, targets, Utc::now()).await?;
    Ok((StatusCode::ACCEPTED, Json(dispatched.into())))
}

/// The release's jobs, oldest first, with their state and reason.
#[utoipa::path(get, path = "/releases/{id}/jobs", operation_id = "list_release_jobs", tag = "dispatch", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every deploy and rollback job of the release.", body = Vec<JobWire>),
        (status = 404, description = "No such release (`not_found`).", body = ErrorBody),
    ))]
pub async fn jobs(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<JobWire>>, ApiError> {
    let jobs = dispatch::jobs(&state.backend, caller.as_ref(), id).await?;
    Ok(Json(jobs.into_iter().map(JobWire::from).collect()))
}
