//! Status pages, rendered once per person and read-model snapshot. The
//! overview, the tenants matrix and the environment and region pages show
//! nothing but the status read model and who is asking, and are read far
//! more often than either changes; rendering them anew for every request was
//! nearly all of their cost under load.
//!
//! What makes a kept page safe to send again:
//! - It runs after the identity layer, so every request is still signed in
//!   (a session ended a moment ago, here or on another replica, gets no page)
//!   and the page is kept under exactly whom it was rendered for.
//! - It is kept under the snapshot's generation: any change a status view
//!   shows makes a new snapshot, and the first request that sees the new
//!   generation drops every page of the old one.
//! - Only complete `200` answers are kept; a refusal, a 404 or an error page
//!   is rendered every time.
//!
//! The tenant page is not among them: its recent jobs come from the database.

use crate::state::AppState;
use airlock_backend::auth::RequestCaller;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// The most page bytes kept at once (one 1,000-tenant matrix is about 3 MB).
/// Past it, pages are rendered as if nothing were kept, until the next generation.
const CAPACITY_BYTES: usize = 64 * 1024 * 1024;

#[derive(Default)]
pub struct PageCache {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    generation: u64,
    bytes: usize,
    pages: HashMap<PageKey, KeptPage>,
}

#[derive(PartialEq, Eq, Hash)]
struct PageKey {
    path_and_query: String,
    caller: RequestCaller,
}

#[derive(Clone)]
struct KeptPage {
    headers: HeaderMap,
    body: Bytes,
}

impl PageCache {
    fn get(&self, generation: u64, key: &PageKey) -> Option<KeptPage> {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.move_to(generation);
        kept.pages.get(key).cloned()
    }

    fn keep(&self, generation: u64, key: PageKey, page: KeptPage) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        // Rendered while a newer snapshot came: that page's generation is gone.
        if kept.generation > generation {
            return;
        }
        kept.move_to(generation);
        if kept.bytes + page.body.len() > CAPACITY_BYTES {
            return;
        }
        kept.bytes += page.body.len();
        if let Some(replaced) = kept.pages.insert(key, page) {
            kept.bytes -= replaced.body.len();
        }
    }
}

impl Kept {
    fn move_to(&mut self, generation: u64) {
        if self.generation != generation {
            *self = Kept { generation, ..Kept::default() };
        }
    }
}

/// Answers a status page from what is kept, or renders it and keeps it.
pub async fn serve_kept(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET || !is_status_page(request.uri().path()) {
        return next.run(request).await;
    }
    let (Some(generation), Some(caller)) = (state.backend.status_generation(), request.extensions().get::<RequestCaller>()) else {
        return next.run(request).await;
    };
    let path_and_query = request.uri().path_and_query().map_or("/", |pq| pq.as_str()).to_owned();
    let key = PageKey { path_and_query, caller: caller.clone() };
    if let Some(page) = state.pages.get(generation, &key) {
        return page.into_response();
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Status pages render completely before their first byte (`SsrMode::Async`),
    // so reading the whole body first delays nothing.
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(error) => {
            tracing::warn!(error = %error, "a status page's body could not be read");
            return Response::builder().status(StatusCode::INTERNAL_SERVER_ERROR).body(Body::empty()).unwrap_or_default();
        }
    };
    let page = KeptPage { headers: parts.headers.clone(), body };
    state.pages.keep(generation, key, page.clone());
    page.into_response()
}

impl KeptPage {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.headers_mut() = self.headers;
        response
    }
}

/// Pages drawn from the status read model and the caller alone.
fn is_status_page(path: &str) -> bool {
    let one_name_under = |prefix: &str| path.strip_prefix(prefix).is_some_and(|name| !name.is_empty() && !name.contains('/'));
    path == "/" || path == "/tenants" || one_name_under("/environments/") || one_name_under("/regions/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str, name: &str) -> PageKey {
        let identity = airlock_domain::access::Identity {
            name: name.to_owned(),
            kind: airlock_domain::access::IdentityKind::Person,
            roles: vec![airlock_domain::access::Role::Viewer],
            tenants: Vec::new(),
        };
        PageKey { path_and_query: path.to_owned(), caller: RequestCaller { identity: Some(identity), ..RequestCaller::default() } }
    }

    fn page(body: &'static str) -> KeptPage {
        KeptPage { headers: HeaderMap::new(), body: Bytes::from_static(body.as_bytes()) }
    }

    #[test]
    fn a_page_is_kept_for_its_person_and_generation_only() {
        let cache = PageCache::default();
        cache.keep(3, key("/", "ada"), page("ada's overview"));
        assert_eq!(cache.get(3, &key("/", "ada")).map(|p| p.body), Some(Bytes::from_static(b"ada's overview")));
        assert!(cache.get(3, &key("/", "grace")).is_none(), "another person never gets ada's page");
        assert!(cache.get(3, &key("/?x=1", "ada")).is_none(), "another query is another page");
        assert!(cache.get(4, &key("/", "ada")).is_none(), "a new snapshot drops what the old one rendered");
        assert!(cache.get(3, &key("/", "ada")).is_none(), "and the old generation does not come back");
    }

    #[test]
    fn a_page_rendered_from_an_older_snapshot_is_not_kept() {
        let cache = PageCache::default();
        assert!(cache.get(5, &key("/", "ada")).is_none());
        cache.keep(4, key("/", "ada"), page("old"));
        assert!(cache.get(5, &key("/", "ada")).is_none());
    }

    #[test]
    fn pages_past_the_capacity_are_not_kept() {
        let cache = PageCache::default();
        let big = Bytes::from(vec![b'x'; CAPACITY_BYTES - 10]);
        cache.keep(1, key("/tenants", "ada"), KeptPage { headers: HeaderMap::new(), body: big });
        cache.keep(1, key("/", "ada"), page("more than ten bytes"));
        assert!(cache.get(1, &key("/", "ada")).is_none());
        assert!(cache.get(1, &key("/tenants", "ada")).is_some());
    }

    #[test]
    fn only_pages_drawn_from_the_read_model_are_status_pages() {
        for page in ["/", "/tenants", "/environments/production", "/regions/eu-west"] {
            assert!(is_status_page(page), "{page}");
        }
        for other in ["/tenants/acme", "/releases", "/releases/1", "/audit", "/environments/", "/regions/a/b", "/admin/people"] {
            assert!(!is_status_page(other), "{other}");
        }
    }
}
