//! Every route of the portal and the layers each request passes.

use crate::auth::SESSION_COOKIE;
use crate::state::AppState;
use crate::{api, auth, health, metrics, page_cache, resilience, static_files};
use airlock_app::{App, shell};
use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::sync::OnceLock;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The page routes, generated once per process. Generating them renders the
/// app with resource loading switched off by a process-wide flag, and a page
/// render elsewhere whose resource is first polled meanwhile never finishes
/// (leptos-rs/leptos#4773). Done once, before any router exists, nothing can
/// be rendering at the time, even with many apps in one process (the tests).
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Every route of the portal. Pages and server functions come from the Leptos
/// app; everything else is plain axum; `/pkg/` is the built bundle. Every request passes, outermost
/// first: compression, the request id (and its log span), `Retry-After` on
/// every 503, the browser hardening headers, metrics, the time limit, the panic catcher (the API has its
/// own, answering JSON), the session, the cross-site check, the one
/// layer that resolves who is asking, and status pages already rendered for them.
pub fn router(state: AppState) -> Router {
    let routes = page_routes();
    let backend = state.backend.clone();
    let provide_backend = move || {
        leptos::context::provide_context(backend.clone());
        crate::security_headers::provide_page_policy();
    };
    let options = state.leptos_options.clone();
    let store = if state.sole_server { state.backend.sessions_of_sole_server() } else { state.backend.sessions() };
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.auth.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(state.auth.idle.num_seconds())));
    Router::new()
        .merge(static_files::router(std::path::Path::new(&*options.site_root), state.assets.clone()))
        .merge(health::router())
        .merge(metrics::router())
        .merge(auth::router())
        .nest("/api/v1", api::router().layer(CatchPanicLayer::custom(resilience::api_panic)))
        .merge(crate::live::router())
        .merge(crate::live_inbox::router())
        .leptos_routes_with_context(&state, routes, provide_backend.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(provide_backend, shell))
        .layer(from_fn_with_state(state.clone(), page_cache::serve_kept))
        .layer(from_fn_with_state(state.clone(), auth::layer::resolve_caller))
        .layer(from_fn_with_state(state.clone(), auth::csrf::same_origin_only))
        .layer(from_fn_with_state(state.clone(), auth::rebinding::known_host_only))
        .layer(sessions)
        .layer(CatchPanicLayer::custom(resilience::page_panic))
        .layer(from_fn(resilience::time_limit))
        .layer(from_fn(metrics::track))
        .layer(from_fn(resilience::retry_after))
        .layer(from_fn(crate::security_headers::harden))
        .layer(from_fn(crate::request_id::tag))
        .layer(CompressionLayer::new())
        .with_state(state)
}
