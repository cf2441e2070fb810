//! Who is asking: resolved once per request, here and nowhere else, and put
//! into the request's extensions as a [`RequestCaller`]. `/api/v1` callers
//! identify with a bearer token (cookies are ignored there, so no web page
//! can make the API act in a visitor's name); everyone else by their session.
//! Pages need a signed-in person with a role: anyone else is sent to sign in,
//! or shown what access they lack.

use super::pages;
use crate::api::ApiError;
use crate::state::AppState;
use airlock_backend::Refusal;
use airlock_backend::auth::{RequestCaller, SignedInUser, USER_KEY, needs_touch, session_expired};
use airlock_backend::tokens;
use airlock_domain::access::Denied;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

pub async fn resolve_caller(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if is_open(&path) {
        return next.run(request).await;
    }
    let demo_sign_in = state.auth.demo_sign_in;
    // The person's groups, for the "no access" page only.
    let (caller, groups) = if path.starts_with("/api/") {
        match api_caller(&state, request.headers()).await {
            Ok(Some(identity)) => (RequestCaller { identity: Some(identity), display_name: None, demo_sign_in }, Vec::new()),
            // Every API route needs a token, the OpenAPI document included.
            Ok(None) => {
                return ApiError::from(Refusal::Denied(Denied::Unauthenticated { action: "use the API".into() })).into_response();
            }
            Err(error) => return error.into_response(),
        }
    } else {
        let session = request.extensions().get::<Session>().cloned();
        let user = match session {
            Some(session) => match session_user(&state, &session).await {
                Ok(user) => user,
                Err(response) => return response,
            },
            None => None,
        };
        match user {
            Some(SignedInUser { identity, display_name, groups, .. }) => {
                (RequestCaller { identity: Some(identity), display_name, demo_sign_in }, groups)
            }
            None => (RequestCaller { identity: None, display_name: None, demo_sign_in }, Vec::new()),
        }
    };
    if is_page(request.method(), &path) {
        match &caller.identity {
            None => return Redirect::to(&format!("/auth/login?next={}", encode(&local_target(&request)))).into_response(),
            Some(identity) if identity.roles.is_empty() => return pages::no_access(&state.assets, identity, &groups, demo_sign_in),
            Some(_) => {}
        }
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// The signed-in person of this session, unless the session has outlived its
/// absolute lifetime (then it is ended here).
pub(super) async fn session_user(state: &AppState, session: &Session) -> Result<Option<SignedInUser>, Response> {
    let user = match session.get::<SignedInUser>(USER_KEY).await {
        Ok(user) => user,
        Err(error) => {
            tracing::warn!(error = %error, "could not read the session");
            let message = "Airlock cannot reach its database right now. Try again in a moment.";
            return Err((axum::http::StatusCode::SERVICE_UNAVAILABLE, message).into_response());
        }
    };
    let now = chrono::Utc::now();
    match user {
        Some(user) if session_expired(&user, state.auth.absolute, now) => {
            if let Err(error) = session.flush().await {
                tracing::warn!(error = %error, "could not end an expired session");
            }
            Ok(None)
        }
        Some(mut user) if needs_touch(&user, now) => {
            user.touched_at = now;
            if let Err(error) = session.insert(USER_KEY, &user).await {
                tracing::warn!(error = %error, "could not extend a session");
            }
            Ok(Some(user))
        }
        other => Ok(other),
    }
}

/// The identity a bearer token stands for; `None` without an `Authorization`
/// header. A header that names no live token is refused at once, on reads
/// too: a pipeline with a revoked token should learn at its first call.
async fn api_caller(state: &AppState, headers: &HeaderMap) -> Result<Option<airlock_domain::access::Identity>, ApiError> {
    let Some(header) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let token = header.to_str().ok().and_then(bearer).ok_or(ApiError::InvalidToken)?;
    match tokens::identify(&state.backend, token, chrono::Utc::now()).await? {
        Some(identity) => Ok(Some(identity)),
        None => Err(ApiError::InvalidToken),
    }
}

/// The token of a `Bearer` credential (the scheme name is case-insensitive).
pub(crate) fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Paths anyone may fetch: probes, metrics, the compiled assets and the
/// sign-in routes themselves.
fn is_open(path: &str) -> bool {
    ["/health/", "/pkg/", "/auth/"].iter().any(|prefix| path.starts_with(prefix))
        || path == "/metrics"
        || path == "/health"
        || is_file(path)
}

/// A static file of the site (favicon and the like): its last segment has an
/// extension. Never under the API, server functions or the live channel.
fn is_file(path: &str) -> bool {
    !["/api/", "/rpc/", "/live/"].iter().any(|p| path.starts_with(p)) && path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

/// A page, as opposed to a server function, an API call or the live channel.
fn is_page(method: &Method, path: &str) -> bool {
    (method == Method::GET || method == Method::HEAD) && !["/api/", "/rpc/", "/live/"].iter().any(|p| path.starts_with(p))
}

/// Where to come back to after signing in: this page, query included.
fn local_target(request: &Request) -> String {
    request.uri().path_and_query().map_or_else(|| "/".to_owned(), |pq| pq.as_str().to_owned())
}

/// Percent-encodes a query value.
pub(crate) fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bearer_credentials_carry_a_token() {
        assert_eq!(bearer("Bearer airlock_abc"), Some("airlock_abc"));
        assert_eq!(bearer("bearer  airlock_abc "), Some("airlock_abc"));
        assert_eq!(bearer("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("airlock_abc"), None);
    }

    #[test]
    fn probes_assets_and_sign_in_are_open_and_everything_else_is_not() {
        for open in ["/health/ready", "/health", "/metrics", "/pkg/airlock.wasm", "/favicon.svg", "/auth/login"] {
            assert!(is_open(open), "{open}");
        }
        for closed in ["/", "/tenants", "/api/v1/tenants", "/api/v1/openapi.json", "/rpc/overview", "/live/releases/1", "/releases/1"] {
            assert!(!is_open(closed), "{closed}");
        }
    }

    #[test]
    fn return_paths_are_encoded() {
        assert_eq!(encode("/tenants?q=acme&health=all"), "/tenants%3Fq%3Dacme%26health%3Dall");
    }
}
