//! Signing in and out (`/auth/*`), and resolving who is asking on every
//! request (`layer`), with the cross-site request check (`csrf`). People sign
//! in through the organisation's OpenID Connect provider, or, for trying
//! Airlock alone, through the demo sign-in; either way they get a session in
//! Airlock's own database.

mod callback;
pub mod csrf;
mod demo;
pub mod layer;
mod login;
mod logout;
mod pages;
pub mod rebinding;
mod return_path;

use crate::config::Settings;
use crate::state::AppState;
use airlock_backend::auth::oidc::{OidcClient, OidcConfig};
use airlock_domain::access::{RoleMap, RoleMapError};
use axum::Router;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::Arc;

/// How people sign in, decided once at start.
pub struct AuthConfig {
    pub oidc: Option<OidcClient>,
    pub role_map: RoleMap,
    pub demo_sign_in: bool,
    /// `scheme://host[:port]` of the public URL: the only origin allowed to
    /// send state-changing requests with a session cookie.
    pub public_origin: String,
    pub public_url: String,
    pub secure_cookies: bool,
    pub idle: chrono::Duration,
    pub absolute: chrono::Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    #[error("AIRLOCK_PUBLIC_URL {0:?} is not an http(s) URL such as https://airlock.example.com")]
    PublicUrl(String),
    #[error("AIRLOCK_OIDC_ISSUER is set but AIRLOCK_OIDC_CLIENT_ID is not")]
    ClientIdMissing,
    #[error("could not read the client secret from AIRLOCK_OIDC_CLIENT_SECRET_FILE {path}")]
    SecretFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("AIRLOCK_OIDC_ROLE_MAP: {0}")]
    RoleMap(#[from] RoleMapError),
    #[error("the OpenID Connect provider at {issuer} cannot be used: {source}")]
    Discovery {
        issuer: String,
        #[source]
        source: airlock_backend::auth::oidc::DiscoveryError,
    },
    #[error(
        "AIRLOCK_DEMO_SIGN_IN is on, but the server listens on {0}: the demo sign-in lets anyone be anyone, so it is allowed on a loopback address only"
    )]
    DemoNotLoopback(SocketAddr),
    #[error(
        "nobody could sign in: set AIRLOCK_OIDC_ISSUER (and client id, secret, role map), or AIRLOCK_DEMO_SIGN_IN=true to try Airlock alone on this machine"
    )]
    NoSignIn,
}

impl AuthConfig {
    /// Checks the settings and, when a provider is configured, runs discovery
    /// now, so a wrong issuer stops the server at start, not at the first login.
    pub async fn from_settings(settings: &Settings, addr: SocketAddr) -> Result<AuthConfig, AuthConfigError> {
        let public_url = settings.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
        let public_url = public_url.trim_end_matches('/').to_owned();
        let public_origin = origin_of(&public_url).ok_or_else(|| AuthConfigError::PublicUrl(public_url.clone()))?;
        if settings.demo_sign_in && !addr.ip().is_loopback() {
            return Err(AuthConfigError::DemoNotLoopback(addr));
        }
        let oidc = match &settings.oidc_issuer {
            None => None,
            Some(issuer) => {
                let client_id = settings.oidc_client_id.clone().ok_or(AuthConfigError::ClientIdMissing)?;
                let client_secret = match (&settings.oidc_client_secret, &settings.oidc_client_secret_file) {
                    (Some(secret), _) => Some(secret.expose().to_owned()),
                    (None, Some(path)) => Some(
                        std::fs::read_to_string(path)
                            .map_err(|source| AuthConfigError::SecretFile { path: path.display().to_string(), source })?
                            .trim()
                            .to_owned(),
                    ),
                    (None, None) => None,
                };
                let scopes =
                    settings.oidc_scopes.split([' ', ',']).filter(|s| !s.is_empty() && *s != "openid").map(str::to_owned).collect();
                let config = OidcConfig {
                    issuer: issuer.clone(),
                    client_id,
                    client_secret,
                    redirect_url: format!("{public_url}/auth/callback"),
                    scopes,
                    groups_claim: settings.oidc_groups_claim.clone(),
                };
                let client =
                    OidcClient::discover(config).await.map_err(|source| AuthConfigError::Discovery { issuer: issuer.clone(), source })?;
                Some(client)
            }
        };
        if oidc.is_none() && !settings.demo_sign_in {
            return Err(AuthConfigError::NoSignIn);
        }
        Ok(AuthConfig {
            oidc,
            role_map: RoleMap::parse(&settings.oidc_role_map)?,
            demo_sign_in: settings.demo_sign_in,
            secure_cookies: public_url.starts_with("https://"),
            public_origin,
            public_url,
            idle: chrono::Duration::minutes(i64::from(settings.session_idle_minutes.max(1))),
            absolute: chrono::Duration::hours(i64::from(settings.session_max_hours.max(1))),
        })
    }
}

/// `scheme://host[:port]` of an http(s) URL, as browsers send it in `Origin`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().filter(|a| !a.is_empty() && !a.contains('@'))?;
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

pub type SharedAuth = Arc<AuthConfig>;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "airlock_session";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", get(login::login_page))
        .route("/auth/login/oidc", get(login::start_oidc))
        .route("/auth/callback", get(callback::callback))
        .route("/auth/logout", post(logout::logout))
        .route("/auth/signed-out", get(logout::signed_out))
        .route("/auth/me", get(pages::me))
        .route("/auth/demo", post(demo::sign_in_as))
}

#[cfg(test)]
mod tests {
    use super::{AuthConfig, AuthConfigError, origin_of};
    use crate::config::Settings;

    #[tokio::test]
    async fn cookies_are_secure_behind_an_https_public_url_and_the_origin_follows_it() {
        let settings = Settings { public_url: Some("https://airlock.example.com/".into()), demo_sign_in: true, ..Settings::default() };
        let auth = AuthConfig::from_settings(&settings, settings.addr).await.expect("valid");
        assert!(auth.secure_cookies);
        assert_eq!(auth.public_origin, "https://airlock.example.com");
        let plain = Settings { demo_sign_in: true, ..Settings::default() };
        assert!(!AuthConfig::from_settings(&plain, plain.addr).await.expect("valid").secure_cookies);
    }

    #[tokio::test]
    async fn a_bad_role_map_or_a_provider_without_client_id_stops_the_start() {
        let settings = Settings { demo_sign_in: true, oidc_role_map: "platform=superuser".into(), ..Settings::default() };
        assert!(matches!(AuthConfig::from_settings(&settings, settings.addr).await, Err(AuthConfigError::RoleMap(_))));
        let settings = Settings { oidc_issuer: Some("http://127.0.0.1:9".into()), ..Settings::default() };
        assert!(matches!(AuthConfig::from_settings(&settings, settings.addr).await, Err(AuthConfigError::ClientIdMissing)));
    }

    #[test]
    fn the_origin_is_scheme_host_and_port() {
        assert_eq!(origin_of("https://Airlock.example.com/x").as_deref(), Some("https://airlock.example.com"));
        assert_eq!(origin_of("http://127.0.0.1:3000").as_deref(), Some("http://127.0.0.1:3000"));
        assert_eq!(origin_of("ftp://x"), None);
        assert_eq!(origin_of("https://user@evil"), None);
    }
}
