//! The OpenAPI 3 document, `GET /api/v1/openapi.json`. Paths and schemas come
//! from the handlers' own `#[utoipa::path]` annotations as they are routed
//! (see `super::router`), so the document cannot list a route that does not
//! exist or miss one that does; `super::contract` adds the answers every
//! operation of its shape gives besides its own.

use super::contract::CommonAnswers;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::Value;
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
            Every operation, this document included, needs a service-account token sent as \
            `Authorization: Bearer airlock_…` (`airlock token create`), and its roles must allow what it asks. \
            A body is JSON sent with `Content-Type: application/json` (a world file, sent to `/world` and \
            `/world/plan`, is the file itself, YAML or JSON); a query parameter an operation \
            does not list is refused. Errors are `{\"code\", \"message\"}` with a stable snake_case `code` \
            (and `errors`, field by field, with `invalid`; `problems`, each with its line, with `invalid_world`); every status an operation can answer is listed with it."
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "releases", description = "Releases and their gate: checklist and reviews."),
        (name = "dispatch", description = "Sending releases to their clusters as Jobs, following them, rolling back."),
        (name = "audit", description = "The tamper-evident audit log (auditors and admins)."),
        (name = "notifications", description = "Events delivered to webhooks, attempt by attempt (admins)."),
        (name = "world", description = "Environments, regions, clusters, services and tenants; the world file that describes them."),
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
pub struct Published(Arc<Value>);

/// Puts the routed operations (whose paths are relative to the API's mount
/// point) under [`PREFIX`] in the document with the API's description.
pub fn publish(routed: Document) -> Published {
    let mut document = ApiDoc::openapi().nest(PREFIX, routed);
    CommonAnswers.modify(&mut document);
    // Built once at start from the handlers' annotations, never from input: it always serializes.
    let mut json = serde_json::to_value(&document).expect("the OpenAPI document serializes to JSON");
    spell_links(&mut json);
    Published(Arc::new(json))
}

/// utoipa 5.5 writes a response link's fields as in Rust (`operation_id`);
/// OpenAPI, and so every client following links, reads `operationId`,
/// `operationRef` and `requestBody`.
fn spell_links(document: &mut Value) {
    let operations = document.get_mut("paths").and_then(Value::as_object_mut).into_iter().flat_map(|paths| paths.values_mut());
    let responses = operations
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|operation| operation.get_mut("responses").and_then(Value::as_object_mut))
        .flat_map(|responses| responses.values_mut());
    let links =
        responses.filter_map(|response| response.get_mut("links").and_then(Value::as_object_mut)).flat_map(|links| links.values_mut());
    for link in links.filter_map(Value::as_object_mut) {
        for (rust, openapi) in [("operation_id", "operationId"), ("operation_ref", "operationRef"), ("request_body", "requestBody")] {
            if let Some(value) = link.remove(rust) {
                link.insert(openapi.to_owned(), value);
            }
        }
    }
}

#[utoipa::path(get, path = "/openapi.json", operation_id = "openapi_document", tag = "meta", security(("bearer" = [])),
    responses((status = 200, description = "This OpenAPI 3 document.", content_type = "application/json")))]
pub async fn document(Extension(Published(document)): Extension<Published>) -> Response {
    Json(document.as_ref()).into_response()
}
