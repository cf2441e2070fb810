//! `/pkg/`: the wasm bundle, its JS and the stylesheet. Each is served from
//! the compressed copy made beside it after the release build (`x.br`, `x.gz`,
//! written once by `scripts/precompress`) when the browser accepts it, so no
//! request spends CPU compressing them; the global compression layer leaves a
//! response that already has a `Content-Encoding` alone.
//! A content-hashed name never changes content, so its file may be kept for
//! a year without asking again; anything else here must be revalidated.
//! Other files of the site (favicon and the like) stay with the fallback,
//! without either header.

use crate::assets::SiteAssets;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use std::path::Path;
use std::sync::Arc;
use tower_http::services::ServeDir;

/// The route template, which is also the requests' metrics label.
pub const ROUTE: &str = "/pkg/{*asset}";

/// A year: what browsers and caches take as "for good".
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Keep it, but ask (`If-Modified-Since`) before using it again.
const REVALIDATE: &str = "no-cache";

/// Serves `<site_root>/pkg/`, preferring brotli, then gzip copies.
pub fn router(site_root: &Path, assets: Arc<SiteAssets>) -> Router<AppState> {
    // The route keeps the whole path, so the directory served is the site root.
    let files = ServeDir::new(site_root).precompressed_br().precompressed_gzip();
    Router::new().route_service(ROUTE, files).layer(from_fn_with_state(assets, cache_headers))
}

async fn cache_headers(State(assets): State<Arc<SiteAssets>>, request: Request, next: Next) -> Response {
    let immutable = assets.is_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(if immutable { IMMUTABLE } else { REVALIDATE }));
        // Which copy answered depends on Accept-Encoding: a shared cache must
        // not hand the brotli one to a client that did not ask for it.
        headers.append(VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}
