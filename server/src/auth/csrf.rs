//! Cross-site request forgery: a state-changing request that carries the
//! session cookie must come from Airlock's own pages. Browsers say where a
//! request comes from in `Origin` (and `Sec-Fetch-Site`); a request with
//! neither must carry the session's CSRF token in `X-CSRF-Token`. Bearer-token
//! calls carry no cookie worth forging and are exempt. The session cookie is
//! also `SameSite=Lax`, so this is the second of two locks.

use super::SESSION_COOKIE;
use crate::state::AppState;
use airlock_backend::auth::CSRF_KEY;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

pub const CSRF_HEADER: &str = "x-csrf-token";

pub async fn same_origin_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || !carries_session_cookie(request.headers()) {
        return next.run(request).await;
    }
    let verdict = match from_where(request.headers(), &state.auth.public_origin) {
        Provenance::OurOrigin => true,
        Provenance::Elsewhere => false,
        Provenance::Unknown => {
            let sent = request.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
            token_matches(sent, request.extensions().get::<Session>().cloned()).await
        }
    };
    if verdict {
        next.run(request).await
    } else {
        tracing::warn!(path = %request.uri().path(), "refused a cross-site request carrying a session cookie");
        (StatusCode::FORBIDDEN, "This request did not come from Airlock's own pages, so it was refused.").into_response()
    }
}

pub(super) enum Provenance {
    OurOrigin,
    Elsewhere,
    Unknown,
}

pub(super) fn from_where(headers: &HeaderMap, public_origin: &str) -> Provenance {
    if let Some(origin) = headers.get("origin") {
        // "null" (sandboxed frames, some redirects) is never us.
        return match origin.to_str() {
            Ok(origin) if origin.eq_ignore_ascii_case(public_origin) => Provenance::OurOrigin,
            _ => Provenance::Elsewhere,
        };
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some("same-origin") => Provenance::OurOrigin,
        Some(_) => Provenance::Elsewhere,
        None => Provenance::Unknown,
    }
}

fn carries_session_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|pair| pair.trim().split_once('=').is_some_and(|(name, _)| name == SESSION_COOKIE))
}

async fn token_matches(sent: Option<String>, session: Option<Session>) -> bool {
    let (Some(sent), Some(session)) = (sent, session) else {
        return false;
    };
    match session.get::<String>(CSRF_KEY).await {
        Ok(Some(expected)) => constant_time_eq(sent.as_bytes(), expected.as_bytes()),
        _ => false,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_origin_decides_then_fetch_metadata_then_nothing() {
        let ours = "http://127.0.0.1:3000";
        assert!(matches!(from_where(&headers(&[("origin", "http://127.0.0.1:3000")]), ours), Provenance::OurOrigin));
        assert!(matches!(from_where(&headers(&[("origin", "https://evil.example")]), ours), Provenance::Elsewhere));
        assert!(matches!(from_where(&headers(&[("origin", "null")]), ours), Provenance::Elsewhere));
        assert!(matches!(from_where(&headers(&[("sec-fetch-site", "cross-site")]), ours), Provenance::Elsewhere));
        assert!(matches!(from_where(&headers(&[("sec-fetch-site", "same-origin")]), ours), Provenance::OurOrigin));
        assert!(matches!(from_where(&headers(&[]), ours), Provenance::Unknown));
    }

    #[test]
    fn only_the_session_cookie_counts() {
        assert!(carries_session_cookie(&headers(&[("cookie", "a=1; airlock_session=xyz")])));
        assert!(!carries_session_cookie(&headers(&[("cookie", "airlock_session_x=1")])));
        assert!(constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"abd") && !constant_time_eq(b"ab", b"abc"));
    }
}
