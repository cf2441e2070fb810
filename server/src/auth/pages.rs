//! The few pages around signing in, rendered as plain HTML: they are shown
//! to people who are not (yet) allowed into the app, so they stay outside it
//! and need no JavaScript. `/auth/me` tells a signed-in client who it is.

use super::AuthConfig;
use crate::assets::SiteAssets;
use crate::state::AppState;
use airlock_app::components::signed_in_as::DEMO_SIGN_IN_WARNING;
use airlock_backend::auth::CSRF_KEY;
use airlock_backend::auth::demo::demo_people;
use airlock_domain::access::Identity;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tower_sessions::Session;

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// A page in the site's look: `assets` names the stylesheet as this build hashed it.
fn page(assets: &SiteAssets, status: StatusCode, title: &str, demo: bool, body: &str) -> Response {
    let banner = if demo { demo_banner() } else { String::new() };
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\"><title>{title} · Airlock</title>\
         <link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\"><link rel=\"stylesheet\" href=\"{stylesheet}\"></head>\
         <body>{banner}<header class=\"topbar\"><a class=\"brand\" href=\"/\">Airlock</a></header>\
         <main id=\"main\" class=\"auth-page\"><h1>{title}</h1>{body}</main></body></html>",
        title = escape(title),
        stylesheet = escape(assets.stylesheet()),
    );
    (status, Html(html)).into_response()
}

fn demo_banner() -> String {
    format!("<p class=\"demo-banner\" role=\"alert\" data-testid=\"demo-banner\">{}</p>", escape(DEMO_SIGN_IN_WARNING))
}

/// The sign-in page: the provider's button, and the demo people when on.
pub fn sign_in(assets: &SiteAssets, auth: &AuthConfig, raw_next: &str) -> Response {
    let next = escape(raw_next);
    let mut body = String::new();
    if let Some(oidc) = &auth.oidc {
        body.push_str(&format!(
            "<p><a class=\"button\" data-testid=\"sign-in-oidc\" href=\"/auth/login/oidc?next={}\">Sign in with your organisation</a> \
             <span class=\"muted\">({})</span></p>",
            escape(&super::layer::encode(raw_next)),
            escape(oidc.issuer())
        ));
    }
    if auth.demo_sign_in {
        body.push_str("<h2>Demo people</h2><p>Each is signed in for real (a session, an audit entry); two approvers are needed to open a production gate.</p><ul class=\"demo-people\">");
        for person in demo_people() {
            body.push_str(&format!(
                "<li><form method=\"post\" action=\"/auth/demo\"><input type=\"hidden\" name=\"person\" value=\"{handle}\">\
                 <input type=\"hidden\" name=\"next\" value=\"{next}\"><button type=\"submit\" data-testid=\"demo-{handle}\">Sign in as {handle}</button> \
                 <span class=\"muted\">{description}</span></form></li>",
                handle = escape(&person.handle),
                description = escape(&person.description),
            ));
        }
        body.push_str("</ul>");
    }
    page(assets, StatusCode::OK, "Sign in", auth.demo_sign_in, &body)
}

pub fn sign_in_failed(assets: &SiteAssets, message: &str) -> Response {
    let body =
        format!("<p role=\"alert\" data-testid=\"sign-in-error\">{}</p><p><a href=\"/auth/login\">Sign in again</a></p>", escape(message));
    page(assets, StatusCode::UNAUTHORIZED, "Not signed in", false, &body)
}

/// A sign-in refused for where it came from, not for who asked.
pub fn refused(assets: &SiteAssets, message: &str) -> Response {
    let body = format!("<p role=\"alert\" data-testid=\"sign-in-error\">{}</p><p><a href=\"/auth/login\">Sign in</a></p>", escape(message));
    page(assets, StatusCode::FORBIDDEN, "Refused", false, &body)
}

pub fn signed_out(assets: &SiteAssets, auth: &AuthConfig) -> Response {
    page(
        assets,
        StatusCode::OK,
        "Signed out",
        auth.demo_sign_in,
        "<p data-testid=\"signed-out\">You are signed out.</p><p><a href=\"/auth/login\">Sign in again</a></p>",
    )
}

/// Shown to a signed-in person whose groups grant no role: what they have,
/// so they know what to ask for.
pub fn no_access(assets: &SiteAssets, identity: &Identity, groups: &[String], demo: bool) -> Response {
    let groups = if groups.is_empty() {
        "<p>Your identity provider sent no groups for you.</p>".to_owned()
    } else {
        let items: String = groups.iter().map(|g| format!("<li><code>{}</code></li>", escape(g))).collect();
        format!("<p>Your groups at the identity provider are:</p><ul data-testid=\"groups\">{items}</ul>")
    };
    let body = format!(
        "<p data-testid=\"no-access\">You are signed in as <strong>{}</strong>, but none of your groups grants a role in Airlock.</p>{groups}\
         <p>Ask an Airlock admin to map one of them to a role (<code>AIRLOCK_OIDC_ROLE_MAP</code>), then sign in again.</p>\
         <form method=\"post\" action=\"/auth/logout\"><button type=\"submit\">Sign out</button></form>",
        escape(&identity.name)
    );
    page(assets, StatusCode::FORBIDDEN, "No access", demo, &body)
}

#[derive(serde::Serialize)]
pub struct Me {
    name: String,
    kind: airlock_domain::access::IdentityKind,
    roles: Vec<airlock_domain::access::Role>,
    tenants: Vec<String>,
    /// Send it as `X-CSRF-Token` from a client that sends neither `Origin` nor `Sec-Fetch-Site`.
    csrf_token: Option<String>,
}

/// Who this session is: 401 when nobody.
pub async fn me(State(state): State<AppState>, session: Session) -> Response {
    // `/auth/*` is outside the identity layer; read the session as it does.
    let user = match super::layer::session_user(&state, &session).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let Some(user) = user else {
        return (StatusCode::UNAUTHORIZED, Json(serde_json::json!({ "code": "unauthenticated", "message": "Nobody is signed in." })))
            .into_response();
    };
    let csrf_token = session.get::<String>(CSRF_KEY).await.ok().flatten();
    let identity = user.identity;
    Json(Me { name: identity.name, kind: identity.kind, roles: identity.roles, tenants: identity.tenants, csrf_token }).into_response()
}
