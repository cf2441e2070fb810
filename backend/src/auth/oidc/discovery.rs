//! Start-up half: discovery document, JWKS and the back-channel HTTP client.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use openidconnect::core::CoreClientAuthMethod;
use openidconnect::{AuthType, Client, ClientId, ClientSecret, IssuerUrl, JsonWebKeySet, RedirectUrl, Scope};

use super::error::{self, DiscoveryError};
use super::{Inner, Metadata, OidcClient, OidcConfig, Rp};

/// The HTTP client for the back channel. Redirects are not followed: a provider endpoint that
/// redirects is misconfigured, and following it could send the code or client secret elsewhere.
fn http_client() -> Result<reqwest::Client, DiscoveryError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .user_agent(concat!("airlock/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| DiscoveryError::HttpClient(error::chain(&e)))
}

impl OidcClient {
    /// Reads `{issuer}/.well-known/openid-configuration` and the JWKS it names. Fails when the
    /// provider is unreachable, answers anything but 200 (redirects included), the document
    /// does not parse, names another issuer, or has no token endpoint.
    pub async fn discover(config: OidcConfig) -> Result<OidcClient, DiscoveryError> {
        let http = http_client()?;
        let issuer_url =
            IssuerUrl::new(config.issuer.clone()).map_err(|e| DiscoveryError::InvalidConfig(format!("issuer `{}`: {e}", config.issuer)))?;
        let redirect = RedirectUrl::new(config.redirect_url.clone())
            .map_err(|e| DiscoveryError::InvalidConfig(format!("redirect_url `{}`: {e}", config.redirect_url)))?;
        let url = format!("{}/.well-known/openid-configuration", config.issuer.trim_end_matches('/'));
        let metadata = fetch_metadata(&http, &url).await?;
        // Exact comparison: the ID token's `iss` must equal this string byte for byte too.
        if metadata.issuer().as_str() != issuer_url.as_str() {
            return Err(DiscoveryError::IssuerMismatch { expected: config.issuer, found: metadata.issuer().as_str().to_owned() });
        }
        if metadata.token_endpoint().is_none() {
            return Err(DiscoveryError::NoTokenEndpoint);
        }
        let jwks = JsonWebKeySet::fetch_async(metadata.jwks_uri(), &http).await.map_err(|e| DiscoveryError::Jwks(error::chain(&e)))?;
        let extra = metadata.additional_metadata();
        let end_session = extra.end_session_endpoint.clone();
        let iss_always_sent = extra.additional_metadata.authorization_response_iss_parameter_supported == Some(true);
        let jwks_uri = metadata.jwks_uri().clone();
        let signing_algs = metadata.id_token_signing_alg_values_supported().clone();
        // Default is client_secret_basic; use client_secret_post only where basic is not offered.
        let post_only = metadata
            .token_endpoint_auth_methods_supported()
            .is_some_and(|m| m.contains(&CoreClientAuthMethod::ClientSecretPost) && !m.contains(&CoreClientAuthMethod::ClientSecretBasic));
        let client_id = ClientId::new(config.client_id);
        let client_secret = config.client_secret.map(ClientSecret::new);
        let mut rp: Rp = Client::from_provider_metadata(metadata, client_id.clone(), client_secret.clone()).set_redirect_uri(redirect);
        if post_only {
            rp = rp.set_auth_type(AuthType::RequestBody);
        }
        tracing::info!(issuer = %config.issuer, logout = end_session.is_some(), "OIDC provider discovered");
        let scopes = config.scopes.into_iter().filter(|s| s != "openid").map(Scope::new).collect();
        Ok(OidcClient {
            inner: Arc::new(Inner {
                rp,
                issuer: config.issuer,
                issuer_url,
                client_id,
                client_secret,
                scopes,
                groups_claim: config.groups_claim,
                jwks: RwLock::new(jwks),
                jwks_uri,
                signing_algs,
                end_session,
                iss_always_sent,
                http,
            }),
        })
    }
}

async fn fetch_metadata(http: &reqwest::Client, url: &str) -> Result<Metadata, DiscoveryError> {
    let unreachable = |e: reqwest::Error| DiscoveryError::Unreachable { url: url.to_owned(), reason: error::chain(&e) };
    let resp = http.get(url).header("accept", "application/json").send().await.map_err(unreachable)?;
    let status = resp.status();
    if !status.is_success() {
        let hint = if status.is_redirection() { " (a redirect: redirects are not followed; check the issuer URL)" } else { "" };
        return Err(DiscoveryError::BadStatus { url: url.to_owned(), status: status.as_u16(), hint });
    }
    let body = resp.bytes().await.map_err(unreachable)?;
    serde_json::from_slice(&body).map_err(|e| DiscoveryError::BadDocument { url: url.to_owned(), reason: e.to_string() })
}
