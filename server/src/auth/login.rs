//! Starting a sign-in. `/auth/login` is where pages send whoever is not
//! signed in: with only a provider configured it goes straight there; with
//! the demo sign-in on it shows a page offering both. `/auth/login/oidc`
//! starts the provider's authorization-code flow (PKCE S256, state, nonce),
//! keeping what the callback must check in the session, usable once.

use super::pages;
use crate::state::AppState;
use airlock_backend::auth::PENDING_LOGIN_KEY;
use airlock_backend::auth::oidc::PendingLogin;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

/// A login in progress: what the callback checks, and where to go after.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub login: PendingLogin,
    pub next: String,
}

/// Logins one session may have in progress at once (several tabs sent to
/// sign in at the same moment); the oldest is dropped beyond that.
const MAX_PENDING: usize = 4;

#[derive(Debug, Deserialize)]
pub struct Next {
    #[serde(default)]
    next: Option<String>,
}

pub async fn login_page(State(state): State<AppState>, session: Session, Query(query): Query<Next>) -> Response {
    let next = local_path(query.next.as_deref().unwrap_or("/")).to_owned();
    if state.auth.demo_sign_in || state.auth.oidc.is_none() {
        return pages::sign_in(&state.assets, &state.auth, &next);
    }
    start(&state, &session, next).await
}

pub async fn start_oidc(State(state): State<AppState>, session: Session, Query(query): Query<Next>) -> Response {
    let next = local_path(query.next.as_deref().unwrap_or("/")).to_owned();
    start(&state, &session, next).await
}

async fn start(state: &AppState, session: &Session, next: String) -> Response {
    let Some(oidc) = &state.auth.oidc else {
        return pages::sign_in(&state.assets, &state.auth, &next);
    };
    let (url, login) = oidc.begin();
    let mut pending: Vec<PendingSignIn> = session.get(PENDING_LOGIN_KEY).await.ok().flatten().unwrap_or_default();
    pending.push(PendingSignIn { login, next });
    if pending.len() > MAX_PENDING {
        pending.remove(0);
    }
    if let Err(error) = session.insert(PENDING_LOGIN_KEY, pending).await {
        tracing::warn!(error = %error, "could not keep the login in the session");
        return pages::sign_in_failed(&state.assets, "Airlock could not start your sign-in. Try again in a moment.");
    }
    Redirect::to(&url).into_response()
}

/// `path` if it is a path on this site, else the overview: a sign-in must
/// not become an open redirect.
pub fn local_path(path: &str) -> &str {
    let local = path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') && !path.contains(['\r', '\n']);
    if local { path } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(local_path("/releases/3?tab=history"), "/releases/3?tab=history");
        for elsewhere in ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/x\r\nSet-Cookie: a"] {
            assert_eq!(local_path(elsewhere), "/", "{elsewhere}");
        }
    }
}
