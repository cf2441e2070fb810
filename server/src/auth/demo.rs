//! The demo sign-in's form posts here: the chosen demo person is signed in
//! through the same path as a provider's sign-in (person record, audit entry,
//! fresh session id), with the demo role map.

use super::callback::start_session;
use super::csrf::{Provenance, from_where};
use super::pages;
use super::return_path::local_path;
use crate::state::AppState;
use airlock_backend::auth::SignInMethod;
use airlock_backend::auth::demo::{demo_account, demo_role_map};
use airlock_backend::auth::people;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Debug, Deserialize)]
pub struct DemoSignIn {
    person: String,
    #[serde(default)]
    next: String,
}

pub async fn sign_in_as(State(state): State<AppState>, headers: HeaderMap, session: Session, Form(form): Form<DemoSignIn>) -> Response {
    if !state.auth.demo_sign_in {
        return pages::sign_in_failed(&state.assets, "The demo sign-in is turned off.");
    }
    // Login CSRF: another site must not sign a visitor in as someone else.
    // There is no session cookie yet for the general check to look at, so
    // this form must say it comes from the sign-in page itself.
    if !matches!(from_where(&headers, &state.auth.public_origin), Provenance::OurOrigin) {
        tracing::warn!("refused a demo sign-in that did not come from Airlock's own sign-in page");
        return pages::refused(&state.assets, "This sign-in did not come from Airlock's own sign-in page, so it was refused.");
    }
    let Some(account) = demo_account(&form.person) else {
        return pages::sign_in_failed(&state.assets, "There is no such demo person.");
    };
    let user = match people::sign_in(&state.backend, account, &demo_role_map(), SignInMethod::Demo, None, Utc::now()).await {
        Ok(user) => user,
        Err(error) => {
            tracing::error!(error = %error, "could not record a demo sign-in");
            return pages::sign_in_failed(&state.assets, "Airlock could not record your sign-in. Try again in a moment.");
        }
    };
    match start_session(&state, &session, &user).await {
        Ok(()) => Redirect::to(&local_path(if form.next.is_empty() { "/" } else { &form.next })).into_response(),
        Err(response) => response,
    }
}
