//! OpenID Connect relying party: discovery, authorization-code login with PKCE, ID-token
//! verification and RP-initiated logout, on top of the `openidconnect` crate.
//!
//! The provider is trusted only through what discovery returned for the configured issuer; the
//! browser is trusted for nothing: `state` ties a callback to the session that started it, the
//! nonce ties the ID token to that login, and PKCE ties the code to it.

mod claims;
mod discovery;
mod error;
mod flow;
mod types;

use std::sync::{Arc, RwLock};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreErrorResponseType,
    CoreGenderClaim, CoreGrantType, CoreJsonWebKey, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdToken, IdTokenFields, IssuerUrl, JsonWebKeySetUrl, LogoutProviderMetadata, LogoutRequest, Nonce, PkceCodeChallenge,
    PostLogoutRedirectUrl, ProviderMetadata, Scope, StandardErrorResponse, StandardTokenResponse,
};

pub use claims::{ExtraClaims, groups_from_value};
pub use error::{DiscoveryError, IdTokenProblem, LoginFailure};
pub use types::{Callback, OidcConfig, PendingLogin, SignedIn};

type Metadata = ProviderMetadata<
    LogoutProviderMetadata<claims::IssParameterMetadata>,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;
type Token = IdToken<ExtraClaims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
type Fields =
    IdTokenFields<ExtraClaims, EmptyExtraTokenFields, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;
/// `CoreClient` with our claims type, in the type state `from_provider_metadata` returns.
type Rp = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    StandardTokenResponse<Fields, CoreTokenType>,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The relying party for one provider; cheap to clone.
#[derive(Clone)]
pub struct OidcClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcClient")
            .field("issuer", &self.inner.issuer)
            .field("client_id", &self.inner.client_id.as_str())
            .field("logout", &self.inner.end_session.is_some())
            .finish_non_exhaustive()
    }
}

// Shared as axum state across tasks.
const _: fn() = || {
    fn send_sync<T: Send + Sync + Clone + 'static>() {}
    send_sync::<OidcClient>();
};

struct Inner {
    rp: Rp,
    issuer: String,
    issuer_url: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    scopes: Vec<Scope>,
    groups_claim: String,
    /// Refreshed when a token names a key we do not have (the provider rotated its keys).
    jwks: RwLock<CoreJsonWebKeySet>,
    jwks_uri: JsonWebKeySetUrl,
    signing_algs: Vec<CoreJwsSigningAlgorithm>,
    end_session: Option<EndSessionUrl>,
    iss_always_sent: bool,
    http: reqwest::Client,
}

impl OidcClient {
    /// The configured issuer, as compared with tokens.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// Starts a login: the URL to send the browser to, and what `finish` needs to check the
    /// answer. PKCE S256, a random state and a random nonce each time.
    pub fn begin(&self) -> (String, PendingLogin) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = self
            .inner
            .rp
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scopes(self.inner.scopes.iter().cloned())
            .set_pkce_challenge(challenge)
            .url();
        let pending =
            PendingLogin { state: state.secret().clone(), nonce: nonce.secret().clone(), pkce_verifier: verifier.secret().clone() };
        (url.into(), pending)
    }

    /// RP-initiated logout at the provider, if discovery offered `end_session_endpoint`.
    /// A hint that is not a JWT is left out rather than failing the logout.
    pub fn logout_url(&self, id_token_hint: Option<&str>, post_logout_redirect_uri: &str) -> Option<String> {
        let endpoint = self.inner.end_session.clone()?;
        let mut req = LogoutRequest::from(endpoint).set_client_id(self.inner.client_id.clone());
        if let Some(hint) = id_token_hint.and_then(|h| h.parse::<Token>().ok()) {
            req = req.set_id_token_hint(&hint);
        }
        match PostLogoutRedirectUrl::new(post_logout_redirect_uri.to_owned()) {
            Ok(back) => req = req.set_post_logout_redirect_uri(back),
            Err(e) => tracing::warn!(error = %e, "post_logout_redirect_uri is not a URL; left out"),
        }
        Some(req.http_get_url().into())
    }
}
