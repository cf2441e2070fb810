//! The provider sends the person back here with a code. The pending login
//! (state, nonce, PKCE verifier) is taken out of the session first, so it
//! can be used once only; then the code is exchanged and the ID token
//! verified (in `airlock_backend::auth::oidc`), the person recorded with the
//! roles their groups grant now, and the session id rotated before the person
//! is stored in it. Every failure is an audit entry with its reason. An
//! account that resembles a known person is held for an admin, not signed in.

use super::login::PendingSignIn;
use super::pages;
use crate::state::AppState;
use airlock_backend::Refusal;
use airlock_backend::auth::oidc::Callback;
use airlock_backend::auth::people::{self, ProviderAccount};
use airlock_backend::auth::{CSRF_KEY, PENDING_LOGIN_KEY, SignInMethod, USER_KEY, random_hex};
use axum::Extension;
use axum::extract::{ConnectInfo, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use std::net::SocketAddr;
use tower_sessions::{Expiry, Session};

pub async fn callback(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    session: Session,
    Query(callback): Query<Callback>,
) -> Response {
    let source = peer.map_or_else(|| "unknown".to_owned(), |Extension(ConnectInfo(addr))| addr.ip().to_string());
    let Some(oidc) = &state.auth.oidc else {
        return pages::sign_in_failed(&state.assets, "Sign-in through an identity provider is not configured.");
    };
    let mut pending: Vec<PendingSignIn> = session.get(PENDING_LOGIN_KEY).await.ok().flatten().unwrap_or_default();
    let found = callback.state.as_deref().and_then(|sent| pending.iter().position(|p| p.login.state() == sent));
    let Some(index) = found else {
        return failed(&state, &source, "state_mismatch", "This sign-in link is not one Airlock started, or it was used already.").await;
    };
    let PendingSignIn { login, next } = pending.remove(index);
    // Used once: gone from the session before anything else can go wrong.
    if let Err(error) = session.insert(PENDING_LOGIN_KEY, &pending).await {
        tracing::warn!(error = %error, "could not update the session");
        return pages::sign_in_failed(&state.assets, "Airlock could not finish your sign-in. Try again in a moment.");
    }
    let signed_in = match oidc.finish(login, callback).await {
        Ok(signed_in) => signed_in,
        Err(failure) => {
            tracing::warn!(reason = failure.reason(), error = %failure, "sign-in refused");
            return failed(
                &state,
                &source,
                failure.reason(),
                "Your identity provider's answer could not be verified, so you were not signed in.",
            )
            .await;
        }
    };
    let account = ProviderAccount {
        issuer: signed_in.issuer,
        subject: signed_in.subject,
        email: signed_in.email,
        display_name: signed_in.name,
        preferred_username: signed_in.preferred_username,
        groups: signed_in.groups,
    };
    let now = Utc::now();
    let signed = match people::role_map(&state.backend, &state.auth.role_map).await {
        Ok(role_map) => people::sign_in(&state.backend, account, &role_map, SignInMethod::Oidc, Some(signed_in.id_token), now).await,
        Err(refusal) => Err(refusal),
    };
    let user = match signed {
        Ok(user) => user,
        // Held for an admin, or blocked: said as it is (the hold is audited).
        Err(refusal @ (Refusal::AccountHeld | Refusal::AccountBlocked)) => {
            tracing::warn!(code = refusal.code(), "sign-in of a held account refused");
            return pages::refused(&state.assets, &refusal.to_string());
        }
        Err(error) => {
            tracing::error!(error = %error, "could not record a sign-in");
            return pages::sign_in_failed(&state.assets, "Airlock could not record your sign-in. Try again in a moment.");
        }
    };
    match start_session(&state, &session, &user).await {
        Ok(()) => Redirect::to(&next).into_response(),
        Err(response) => response,
    }
}

/// Rotates the session id (the pre-login id is worthless afterwards) and
/// stores the person and a fresh CSRF token in it.
pub(super) async fn start_session(state: &AppState, session: &Session, user: &airlock_backend::auth::SignedInUser) -> Result<(), Response> {
    let csrf = random_hex(24).map_err(|_| pages::sign_in_failed(&state.assets, "The system's random number generator is unavailable."))?;
    let stored = async {
        session.cycle_id().await?;
        // A pending sign-in's session was kept minutes only; a signed-in one
        // lives as long as the person stays active.
        session.set_expiry(Some(Expiry::OnInactivity(time::Duration::seconds(state.auth.idle.num_seconds()))));
        session.remove_value(PENDING_LOGIN_KEY).await?;
        session.insert(USER_KEY, user).await?;
        session.insert(CSRF_KEY, csrf).await
    };
    stored.await.map_err(|error| {
        tracing::warn!(error = %error, "could not start a session");
        pages::sign_in_failed(&state.assets, "Airlock could not start your session. Try again in a moment.")
    })
}

async fn failed(state: &AppState, source: &str, reason: &str, message: &str) -> Response {
    if let Err(error) = people::sign_in_failed(&state.backend, source, reason, Utc::now()).await {
        tracing::error!(error = %error, "could not audit a failed sign-in");
    }
    pages::sign_in_failed(&state.assets, message)
}
