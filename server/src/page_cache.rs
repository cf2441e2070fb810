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
//! - It is kept under the snapshot's generation and the releases' (every
//!   page's header counts the releases waiting for its reader): any change a
//!   status view shows makes a new snapshot, any change to a release a new
//!   release generation, and the first request that sees either drops every
//!   page kept before.
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
/// The most pages kept for one caller per generation: nobody can take the
/// whole capacity from everyone else by asking for many variations.
const PAGES_PER_CALLER: u32 = 8;

#[derive(Default)]
pub struct PageCache {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    generation: Generation,
    bytes: usize,
    pages: HashMap<PageKey, KeptPage>,
    per_caller: HashMap<RequestCaller, u32>,
}

/// What a kept page shows was current at: the status snapshot and the releases.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Generation {
    status: u64,
    releases: u64,
}

#[derive(PartialEq, Eq, Hash)]
struct PageKey {
    /// The path and only the query parameters the page reads (`kept_query`).
    path_and_query: String,
    caller: RequestCaller,
}

#[derive(Clone)]
struct KeptPage {
    headers: HeaderMap,
    body: Bytes,
}

impl PageCache {
    fn get(&self, generation: Generation, key: &PageKey) -> Option<KeptPage> {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.move_to(generation);
        kept.pages.get(key).cloned()
    }

    fn keep(&self, generation: Generation, key: PageKey, page: KeptPage) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        // Rendered while a newer snapshot came: that page's generation is gone.
        if kept.generation > generation {
            return;
        }
        kept.move_to(generation);
        let callers_pages = kept.per_caller.get(&key.caller).copied().unwrap_or(0);
        if kept.bytes + page.body.len() > CAPACITY_BYTES || callers_pages >= PAGES_PER_CALLER {
            return;
        }
        kept.bytes += page.body.len();
        let caller = key.caller.clone();
        match kept.pages.insert(key, page) {
            Some(replaced) => kept.bytes -= replaced.body.len(),
            None => *kept.per_caller.entry(caller).or_default() += 1,
        }
    }
}

impl Kept {
    fn move_to(&mut self, generation: Generation) {
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
    let (Some(status), Some(caller)) = (state.backend.status_generation(), request.extensions().get::<RequestCaller>()) else {
        return next.run(request).await;
    };
    let generation = Generation { status, releases: state.backend.release_generation() };
    let path = request.uri().path();
    let Some(query) = kept_query(path, request.uri().query()) else {
        return next.run(request).await;
    };
    let key = PageKey { path_and_query: format!("{path}?{query}"), caller: caller.clone() };
    if let Some(page) = state.pages.get(generation, &key) {
        return page.into_response();
    }
    let response = next.run(request).await;
    // `no-store`: the page shows something that changes with the clock (an
    // environment's freeze window opening or closing), not only with the snapshot.
    let no_store = response.headers().get(header::CACHE_CONTROL).is_some_and(|v| v.as_bytes().windows(8).any(|w| w == b"no-store"));
    if response.status() != StatusCode::OK || response.headers().contains_key(header::SET_COOKIE) || no_store {
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

/// The query parameters `path` reads, in a fixed order: what tells two of its
/// pages apart. Parameters no page reads (`?x=1`, `?x=2`…) are not part of
/// the key, so they cannot make new pages to keep. `None`: not kept at all,
/// as for the matrix filtered by free text (any text is another page).
fn kept_query(path: &str, query: Option<&str>) -> Option<String> {
    if path != "/tenants" {
        return Some(String::new());
    }
    let (mut service, mut health) = (String::new(), "");
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*name {
            "q" if !value.trim().is_empty() => return None,
            "service" => service = value.into_owned(),
            "health" => health = airlock_domain::status::HealthFilter::from_param(&value).as_param(),
            _ => {}
        }
    }
    Some(url::form_urlencoded::Serializer::new(String::new()).append_pair("service", &service).append_pair("health", health).finish())
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

    fn at(status: u64) -> Generation {
        Generation { status, releases: 0 }
    }

    fn page(body: &'static str) -> KeptPage {
        KeptPage { headers: HeaderMap::new(), body: Bytes::from_static(body.as_bytes()) }
    }

    #[test]
    fn a_page_is_kept_for_its_person_and_generation_only() {
        let cache = PageCache::default();
        cache.keep(at(3), key("/", "ada"), page("ada's overview"));
        assert_eq!(cache.get(at(3), &key("/", "ada")).map(|p| p.body), Some(Bytes::from_static(b"ada's overview")));
        assert!(cache.get(at(3), &key("/", "grace")).is_none(), "another person never gets ada's page");
        assert!(cache.get(at(3), &key("/?service=web&health=", "ada")).is_none(), "another query is another page");
        assert!(cache.get(at(4), &key("/", "ada")).is_none(), "a new snapshot drops what the old one rendered");
        assert!(cache.get(at(3), &key("/", "ada")).is_none(), "and the old generation does not come back");
    }

    #[test]
    fn a_changed_release_drops_every_page_its_header_may_count() {
        let cache = PageCache::default();
        cache.keep(at(3), key("/", "ada"), page("ada's overview, 1 waiting"));
        let later = Generation { status: 3, releases: 1 };
        assert!(cache.get(later, &key("/", "ada")).is_none());
    }

    #[test]
    fn a_page_rendered_from_an_older_snapshot_is_not_kept() {
        let cache = PageCache::default();
        assert!(cache.get(at(5), &key("/", "ada")).is_none());
        cache.keep(at(4), key("/", "ada"), page("old"));
        assert!(cache.get(at(5), &key("/", "ada")).is_none());
    }

    #[test]
    fn pages_past_the_capacity_are_not_kept() {
        let cache = PageCache::default();
        let big = Bytes::from(vec![b'x'; CAPACITY_BYTES - 10]);
        cache.keep(at(1), key("/tenants", "ada"), KeptPage { headers: HeaderMap::new(), body: big });
        cache.keep(at(1), key("/", "ada"), page("more than ten bytes"));
        assert!(cache.get(at(1), &key("/", "ada")).is_none());
        assert!(cache.get(at(1), &key("/tenants", "ada")).is_some());
    }

    #[test]
    fn only_the_parameters_a_page_reads_tell_its_pages_apart() {
        assert_eq!(kept_query("/", Some("x=1")), kept_query("/", None));
        assert_eq!(kept_query("/regions/lagos", Some("x=1&y=2")), Some(String::new()));
        assert_eq!(kept_query("/tenants", Some("x=1&service=api")), kept_query("/tenants", Some("service=api")));
        assert_ne!(kept_query("/tenants", Some("service=api")), kept_query("/tenants", Some("service=web")));
        assert_eq!(kept_query("/tenants", Some("health=nonsense-1")), kept_query("/tenants", Some("health=nonsense-2")));
        assert_eq!(kept_query("/tenants", Some("q=acme")), None, "free text is not kept");
        assert!(kept_query("/tenants", Some("q=")).is_some());
    }

    #[test]
    fn one_caller_keeps_a_bounded_number_of_pages() {
        let cache = PageCache::default();
        for i in 0..(PAGES_PER_CALLER + 4) {
            cache.keep(at(1), key(&format!("/tenants?service=s{i}&health="), "mallory"), page("a page"));
        }
        let kept =
            (0..(PAGES_PER_CALLER + 4)).filter(|i| cache.get(at(1), &key(&format!("/tenants?service=s{i}&health="), "mallory")).is_some());
        assert_eq!(kept.count(), PAGES_PER_CALLER as usize);
        cache.keep(at(1), key("/", "ada"), page("ada's overview"));
        assert!(cache.get(at(1), &key("/", "ada")).is_some(), "others still get theirs kept");
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
