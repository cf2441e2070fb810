//! The answers an operation gives besides its own, added to the OpenAPI
//! document from the operation's shape instead of being repeated on every
//! handler. They come from what every handler shares: the identity layer
//! (401 without a live token), the extractors (`ApiJson`: 400, 413, 415, 422;
//! `ApiQuery`: 400; `ApiPath`: 404), the store (409 when a concurrent change
//! won, 503 when busy, 500) and the time limit (503). So a new route is
//! documented with them as surely as it answers them.
//!
//! A status the handler documents itself is left as it wrote it: its
//! description must then name these causes too (e.g. `invalid_json` beside a
//! route's own 422 codes).

use super::error::{FieldErrorBody, WorldProblemBody};
use super::{ErrorBody, MAX_BODY_BYTES};
use crate::resilience::RETRY_AFTER_SECONDS;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, PartialSchema, ToSchema};

/// Shared answers, by the name they have under `components/responses`.
const UNAUTHENTICATED: &str = "Unauthenticated";
const BAD_QUERY: &str = "BadQuery";
const NOT_FOUND: &str = "NotFound";
const MALFORMED_BODY: &str = "MalformedBody";
const TOO_LARGE: &str = "TooLarge";
const UNSUPPORTED_MEDIA_TYPE: &str = "UnsupportedMediaType";
const INVALID_BODY: &str = "InvalidBody";
const CONFLICT: &str = "Conflict";
const INTERNAL: &str = "Internal";
const UNAVAILABLE: &str = "Unavailable";

pub struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.schemas.insert(ErrorBody::name().into_owned(), ErrorBody::schema());
        components.schemas.insert(FieldErrorBody::name().into_owned(), FieldErrorBody::schema());
        components.schemas.insert(WorldProblemBody::name().into_owned(), WorldProblemBody::schema());
        for (name, response) in shared() {
            components.responses.insert(name.to_owned(), RefOr::T(response));
        }
        for item in openapi.paths.paths.values_mut() {
            for (writes, operation) in operations(item) {
                complete(operation, writes);
            }
        }
    }
}

/// Each operation of a path, and whether it changes anything (POST, PUT, PATCH, DELETE).
fn operations(item: &mut PathItem) -> impl Iterator<Item = (bool, &mut Operation)> {
    let PathItem { get, put, post, delete, options, head, patch, trace, .. } = item;
    [(false, get), (true, put), (true, post), (true, delete), (false, options), (false, head), (true, patch), (false, trace)]
        .into_iter()
        .filter_map(|(writes, operation)| operation.as_mut().map(|operation| (writes, operation)))
}

fn complete(operation: &mut Operation, writes: bool) {
    let secured = operation.security.as_ref().is_some_and(|requirements| !requirements.is_empty());
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let queried = parameters.iter().any(|p| p.parameter_in == ParameterIn::Query);
    let located = parameters.iter().any(|p| p.parameter_in == ParameterIn::Path);
    let body = operation.request_body.is_some();
    let answers = [
        (secured, "401", UNAUTHENTICATED),
        (queried, "400", BAD_QUERY),
        (located, "404", NOT_FOUND),
        (body, "400", MALFORMED_BODY),
        (body, "413", TOO_LARGE),
        (body, "415", UNSUPPORTED_MEDIA_TYPE),
        (body, "422", INVALID_BODY),
        (writes, "409", CONFLICT),
        (true, "500", INTERNAL),
        (true, "503", UNAVAILABLE),
    ];
    let responses = &mut operation.responses.responses;
    for (applies, status, name) in answers {
        if applies {
            responses.entry(status.to_owned()).or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
        }
    }
}

fn error(description: &str) -> ResponseBuilder {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name(ErrorBody::name()))).build();
    ResponseBuilder::new().description(description).content("application/json", content)
}

fn shared() -> [(&'static str, Response); 10] {
    let www_authenticate = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["Bearer"])))
        .description(Some("Always `Bearer`: send `Authorization: Bearer airlock_…`."))
        .build();
    let retry_after = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)))
        .description(Some(format!("Seconds to wait before trying again ({RETRY_AFTER_SECONDS}).")))
        .build();
    let kib = MAX_BODY_BYTES / 1024;
    [
        (
            UNAUTHENTICATED,
            error("No `Authorization` header (`unauthenticated`), or one that names no live token (`invalid_token`).")
                .header("WWW-Authenticate", www_authenticate)
                .build(),
        ),
        (BAD_QUERY, error("A query parameter this operation does not take, or a value outside its schema (`bad_query`).").build()),
        (NOT_FOUND, error("Nothing at this path (`not_found`), including ids that do not parse.").build()),
        (MALFORMED_BODY, error("The body is not JSON (`malformed_json`).").build()),
        (TOO_LARGE, error(&format!("The body is larger than {kib} KiB (`too_large`).")).build()),
        (UNSUPPORTED_MEDIA_TYPE, error("No body, or one not sent as `Content-Type: application/json` (`unsupported_media_type`).").build()),
        (
            INVALID_BODY,
            error("The body breaks its schema: fields or types (`invalid_json`), or values (`invalid`, with `errors` field by field).")
                .build(),
        ),
        (CONFLICT, error("A concurrent change won (`conflict`); read again and retry.").build()),
        (INTERNAL, error("A fault on the server (`internal`); it is logged, the cause is not sent.").build()),
        (
            UNAVAILABLE,
            error("The database is busy or stopping (`unavailable`), or the answer took longer than 30 s (`timeout`).")
                .header("Retry-After", retry_after)
                .build(),
        ),
    ]
}
