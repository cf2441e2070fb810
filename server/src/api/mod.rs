//! The JSON API under `/api/v1`, for CI pipelines and scripts. Lists are JSON
//! arrays of objects with stable snake_case field names; errors are
//! `{"code": "...", "message": "..."}` with a fitting status. Callers identify
//! with a bearer token (`identity`); the release services authorise them.

mod audit;
mod break_glass;
mod constraints;
mod contract;
mod deliveries;
mod dispatch;
mod error;
mod extract;
mod identity;
mod openapi;
mod release_view;
mod releases;
mod review;
mod tenants;
mod vocabulary;
mod world;
mod world_file;

pub use error::{ApiError, ErrorBody, MAX_BODY_BYTES};

use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::{Extension, Router};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> Router<AppState> {
    let (router, routed) = routes().split_for_parts();
    router
        .layer(Extension(openapi::publish(routed)))
        // Bodies are small JSON objects; anything bigger is refused before it is read whole.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .fallback(|| async { ApiError::NoSuchEndpoint })
}

/// Every operation, with its part of the OpenAPI document.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::<AppState>::new()
        .routes(routes!(world::environments))
        .routes(routes!(world::regions))
        .routes(routes!(world::clusters))
        .routes(routes!(world::services))
        .routes(routes!(tenants::list))
        .routes(routes!(tenants::status))
        .routes(routes!(tenants::drift))
        .routes(routes!(releases::list, releases::create))
        .routes(routes!(releases::get, releases::edit))
        .routes(routes!(review::check_item))
        .routes(routes!(review::review))
        .routes(routes!(break_glass::break_glass))
        .routes(routes!(dispatch::dispatch))
        .routes(routes!(dispatch::rollback))
        .routes(routes!(dispatch::jobs))
        .routes(routes!(audit::entries))
        .routes(routes!(audit::verify))
        .routes(routes!(deliveries::list))
        .routes(routes!(deliveries::redeliver))
        .routes(routes!(openapi::document))
        .merge(world_file_routes())
}

/// A world file is bigger than the other bodies: its routes read up to their own limit.
fn world_file_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::<AppState>::new()
        .routes(routes!(world_file::plan))
        .routes(routes!(world_file::apply, world_file::export))
        .routes(routes!(world_file::schema))
        .layer(DefaultBodyLimit::max(world_file::MAX_WORLD_BYTES))
}
