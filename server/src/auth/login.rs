//! Starting a sign-in. `/auth/login` is where pages send whoever is not
//! signed in: with only a provider configured it goes straight there; with
//! the demo sign-in on it shows a page offering both. `/auth/login/oidc`
//! starts the provider's authorization-code flow (PKCE S256, state, nonce),
//! keeping what the callback must check in the session, usable once.

use super::pages;
use super::return_path::local_path;
use crate::state::AppState;
use airlock_backend::auth::oidc::PendingLogin;
use airlock_backend::auth::{PENDING_LOGIN_KEY, USER_KEY};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tower_sessions::{Expiry, Session};

/// A login in progress: what the callback checks, and where to go after.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub login: PendingLogin,
    pub next: String,
}

/// Logins one session may have in progress at once (several tabs sent to
/// sign in at the same moment); the oldest is dropped beyond that.
const MAX_PENDING: usize = 4;

/// How long a sign-in may wait for the provider's answer.
pub const PENDING_SIGN_IN_LIFETIME: time::Duration = time::Duration::minutes(10);

#[derive(Debug, Deserialize)]
pub struct Next {
    #[serde(default)]
    next: Option<String>,
}

pub async fn login_page(State(state): State<AppState>, session: Session, Query(query): Query<Next>) -> Response {
    let next = local_path(query.next.as_deref().unwrap_or("/"));
    if state.auth.demo_sign_in || state.auth.oidc.is_none() {
        return pages::sign_in(&state.assets, &state.auth, &next);
    }
    start(&state, &session, next).await
}

pub async fn start_oidc(State(state): State<AppState>, session: Session, Query(query): Query<Next>) -> Response {
    let next = local_path(query.next.as_deref().unwrap_or("/"));
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
    // A session that only waits for the provider's answer is kept minutes, not
    // the hours of a signed-in one: anyone can start sign-ins without a cookie,
    // and each one is a row until it expires.
    if !matches!(session.get::<serde_json::Value>(USER_KEY).await, Ok(Some(_))) {
        session.set_expiry(Some(Expiry::OnInactivity(PENDING_SIGN_IN_LIFETIME)));
    }
    if let Err(error) = session.insert(PENDING_LOGIN_KEY, pending).await {
        tracing::warn!(error = %error, "could not keep the login in the session");
        return pages::sign_in_failed(&state.assets, "Airlock could not start your sign-in. Try again in a moment.");
    }
    Redirect::to(&url).into_response()
}
