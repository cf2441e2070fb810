//! The OpenAPI 3 document, `GET /api/v1/openapi.json`. Paths and schemas come
//! from the handlers' own `#[utoipa::path]` annotations as they are routed
//! (see `super::router`), so the document cannot list a route that does not
//! exist or miss one that does.

use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::sync::Arc;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Where `super::router` is mounted; the document's paths include it.
pub const PREFIX: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Airlock API",
        description = "Releases, their gate and the audit log, for CI pipelines and scripts. \
            Send a service-account token as `Authorization: Bearer airlock_…` (`airlock token create`). \
            Reads work without one; every change needs one whose roles allow it. \
            Errors are `{\"code\", \"message\"}` with a stable snake_case `code`."
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "releases", description = "Releases and their gate: checklist and reviews."),
        (name = "dispatch", description = "Sending releases to their clusters as Jobs, following them, rolling back."),
        (name = "audit", description = "The tamper-evident audit log (auditors and admins)."),
        (name = "world", description = "Environments, regions, clusters, services and tenants."),
        (name = "meta", description = "This document."),
    )
)]
struct ApiDoc;

/// The security scheme the operations name as `bearer`.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut Document) {
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("airlock_<64 hex digits>")
            .description(Some("A service-account token; its name is the acting identity."))
            .build();
        openapi.components.get_or_insert_with(Default::default).add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The finished document, shared by every request for it.
#[derive(Clone)]
pub struct Published(Arc<Document>);

/// Puts the routed operations (whose paths are relative to the API's mount
/// point) under [`PREFIX`] in the document with the API's description.
pub fn publish(routed: Document) -> Published {
    Published(Arc::new(ApiDoc::openapi().nest(PREFIX, routed)))
}

#[utoipa::path(get, path = "/openapi.json", operation_id = "openapi_document", tag = "meta",
    responses((status = 200, description = "This OpenAPI 3 document.", content_type = "application/json")))]
pub async fn document(Extension(Published(document)): Extension<Published>) -> Response {
    Json(document.as_ref()).into_response()
}
