//! The world as a file, for pipelines: plan a world file, apply it, export
//! the current world, and the document's JSON Schema. Admin tokens only
//! (the schema: any token). The body is the file itself, YAML or JSON.

use super::identity::Caller;
use super::{ApiError, ErrorBody};
use crate::state::AppState;
use airlock_backend::world_file::{self, WorldInput};
use airlock_domain::world_file::{ObjectChange, Plan};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;

/// The largest world file the API reads: 10,000 tenants fit.
pub const MAX_WORLD_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    /// Whether this request applied it (`PUT`); `false` for a plan or when nothing changed.
    pub applied: bool,
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    /// Each object added, changed or removed, in the file's order of sections.
    pub items: Vec<PlanItemView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanItemView {
    /// `environment`, `region`, `cluster`, `service`, `tenant` or `access`.
    pub kind: String,
    pub name: String,
    /// `added`, `changed` or `removed`.
    pub change: String,
    /// Field by field: `before` is empty for an added object.
    pub fields: Vec<FieldChangeView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChangeView {
    pub field: String,
    pub before: String,
    pub after: String,
}

impl PlanView {
    fn of(plan: Plan, applied: bool) -> PlanView {
        let (added, changed, removed) = plan.counts();
        let items = plan
            .items
            .into_iter()
            .map(|item| {
                let (change, fields) = match item.change {
                    ObjectChange::Added { fields } => ("added", fields),
                    ObjectChange::Changed { fields } => ("changed", fields),
                    ObjectChange::Removed => ("removed", Vec::new()),
                };
                let fields = fields.into_iter().map(|f| FieldChangeView { field: f.field, before: f.before, after: f.after }).collect();
                PlanItemView { kind: item.kind, name: item.name, change: change.to_owned(), fields }
            })
            .collect();
        PlanView { applied: applied && added + changed + removed > 0, added, changed, removed, items }
    }
}

fn input(body: Result<Bytes, BytesRejection>) -> Result<WorldInput, ApiError> {
    let body = body.map_err(|_| ApiError::TooLarge)?;
    let text = String::from_utf8(body.to_vec()).map_err(|_| ApiError::NotText)?;
    Ok(WorldInput::text(text))
}

/// What applying this world file would change; nothing is written.
#[utoipa::path(post, path = "/world/plan", operation_id = "plan_world", tag = "world", security(("bearer" = [])),
    request_body(content = String, description = "A world file, YAML or JSON (see `/world/schema.json`).",
        content_type = "application/yaml"),
    responses(
        (status = 200, description = "Each object the file adds, changes (field by field) or removes.", body = PlanView),
        (status = 403, description = "Only admins plan or apply worlds (`forbidden`).", body = ErrorBody),
        (status = 422, description = "The file has problems, each with its line (`invalid_world`); or the body is not text (`not_text`).", body = ErrorBody),
    ))]
pub async fn plan(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PlanView>, ApiError> {
    let plan = world_file::plan(&state.backend, caller.as_ref(), &input(body)?).await?;
    Ok(Json(PlanView::of(plan, false)))
}

/// Applies a world file in one audited transaction: the portal shows it at once.
#[utoipa::path(put, path = "/world", operation_id = "apply_world", tag = "world", security(("bearer" = [])),
    request_body(content = String, description = "A world file, YAML or JSON (see `/world/schema.json`). A job template \
        path must be the one already stored: the API reads no files (`airlock apply -f` does).",
        content_type = "application/yaml"),
    responses(
        (status = 200, description = "What changed (`applied: false`: nothing did).", body = PlanView),
        (status = 403, description = "Only admins plan or apply worlds (`forbidden`).", body = ErrorBody),
        (status = 422, description = "The file has problems, each with its line (`invalid_world`); nothing was applied. Or the body is not text (`not_text`).", body = ErrorBody),
    ))]
pub async fn apply(
    State(state): State<AppState>,
    Caller(caller): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<PlanView>, ApiError> {
    let plan = world_file::apply(&state.backend, caller.as_ref(), &input(body)?, Utc::now()).await?;
    Ok(Json(PlanView::of(plan, true)))
}

/// The current world as a world file (JSON): applying it changes nothing.
#[utoipa::path(get, path = "/world", operation_id = "export_world", tag = "world", security(("bearer" = [])),
    responses(
        (status = 200, description = "The world file, as `/world/schema.json` describes it.", body = Object),
        (status = 403, description = "Only admins export the world (`forbidden`).", body = ErrorBody),
    ))]
pub async fn export(State(state): State<AppState>, Caller(caller): Caller) -> Result<Response, ApiError> {
    let exported = world_file::export(&state.backend, caller.as_ref()).await?;
    Ok(Json(exported.document).into_response())
}

/// The JSON Schema of a world file, for editors and pipelines to check one.
#[utoipa::path(get, path = "/world/schema.json", operation_id = "world_schema", tag = "world", security(("bearer" = [])),
    responses((status = 200, description = "A JSON Schema (draft 2020-12).", content_type = "application/schema+json")))]
pub async fn schema(Caller(caller): Caller) -> Result<Response, ApiError> {
    let schema = airlock_backend::world::schema(caller.as_ref())?;
    Ok(([(header::CONTENT_TYPE, "application/schema+json")], schema).into_response())
}
