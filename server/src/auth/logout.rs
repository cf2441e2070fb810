//! Signing out ends the session in Airlock's database at once, and, when the
//! person signed in through a provider that offers RP-initiated logout,
//! sends them on to end their session there too.

use super::pages;
use crate::state::AppState;
use airlock_backend::auth::people;
use airlock_backend::auth::{SignedInUser, USER_KEY};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use tower_sessions::Session;

pub async fn logout(State(state): State<AppState>, session: Session) -> Response {
    let user: Option<SignedInUser> = session.get(USER_KEY).await.ok().flatten();
    if let Err(error) = session.flush().await {
        tracing::warn!(error = %error, "could not end a session");
        return pages::sign_in_failed(&state.assets, "Airlock could not end your session. Try again in a moment.");
    }
    let Some(user) = user else {
        return Redirect::to("/auth/signed-out").into_response();
    };
    if let Err(error) = people::signed_out(&state.backend, &user.identity, Utc::now()).await {
        tracing::error!(error = %error, "could not audit a sign-out");
    }
    let back = format!("{}/auth/signed-out", state.auth.public_url);
    let at_provider =
        state.auth.oidc.as_ref().and_then(|oidc| user.id_token.as_deref().and_then(|hint| oidc.logout_url(Some(hint), &back)));
    Redirect::to(at_provider.as_deref().unwrap_or("/auth/signed-out")).into_response()
}

pub async fn signed_out(State(state): State<AppState>) -> Response {
    pages::signed_out(&state.assets, &state.auth)
}
