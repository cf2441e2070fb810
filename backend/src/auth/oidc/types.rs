//! The module's data types. Each one holding a secret has a hand-written `Debug` that leaves
//! the secret out, so a stray `{:?}` in a log line cannot leak it.

use serde::{Deserialize, Serialize};

/// What Airlock needs to know about its OIDC provider.
#[derive(Clone)]
pub struct OidcConfig {
    /// Compared exactly with the discovery document and the tokens (no slash normalisation).
    pub issuer: String,
    pub client_id: String,
    /// Never logged or printed: `Debug` shows only whether it is set.
    pub client_secret: Option<String>,
    pub redirect_url: String,
    /// Scopes besides `openid`, e.g. `email`, `profile`, `groups`.
    pub scopes: Vec<String>,
    /// Name of the ID-token claim holding the groups, usually `groups`.
    pub groups_claim: String,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "<redacted>"))
            .field("redirect_url", &self.redirect_url)
            .field("scopes", &self.scopes)
            .field("groups_claim", &self.groups_claim)
            .finish()
    }
}

/// A login in progress, kept server-side in the session between `begin` and `finish`. Its
/// fields are secrets of that one login; use it once, then drop it.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub(super) state: String,
    pub(super) nonce: String,
    pub(super) pkce_verifier: String,
}

impl PendingLogin {
    /// The `state` sent to the provider, for callers that keep several pending logins by state.
    pub fn state(&self) -> &str {
        &self.state
    }
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PendingLogin { .. }")
    }
}

/// Query parameters of the provider's redirect to `redirect_url`.
#[derive(Clone, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .field("iss", &self.iss)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// A verified sign-in. `email` is dropped when the provider says it is not verified.
#[derive(Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub preferred_username: Option<String>,
    pub groups: Vec<String>,
    /// The raw ID token, kept for `logout_url`'s `id_token_hint`. Not printed by `Debug`.
    pub id_token: String,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("issuer", &self.issuer)
            .field("subject", &self.subject)
            .field("email", &self.email)
            .field("name", &self.name)
            .field("preferred_username", &self.preferred_username)
            .field("groups", &self.groups)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_holds_no_secret() {
        let config = OidcConfig {
            issuer: "https://idp.example".into(),
            client_id: "airlock".into(),
            client_secret: Some("s3cr3t-value".into()),
            redirect_url: "http://127.0.0.1:3000/auth/callback".into(),
            scopes: vec!["email".into()],
            groups_claim: "groups".into(),
        };
        let pending = PendingLogin { state: "state-value".into(), nonce: "nonce-value".into(), pkce_verifier: "verifier-value".into() };
        let callback = Callback { code: Some("code-value".into()), ..Callback::default() };
        let signed_in = SignedIn {
            issuer: "https://idp.example".into(),
            subject: "sub".into(),
            email: None,
            name: None,
            preferred_username: None,
            groups: vec![],
            id_token: "eyJ.token-value.sig".into(),
        };
        let all = format!("{config:?} {pending:?} {callback:?} {signed_in:?}");
        for secret in ["s3cr3t-value", "state-value", "nonce-value", "verifier-value", "code-value", "token-value"] {
            assert!(!all.contains(secret), "{secret} leaked in {all}");
        }
        assert!(all.contains("<redacted>"));
    }

    #[test]
    fn pending_login_round_trips_through_json() {
        let pending = PendingLogin { state: "s".into(), nonce: "n".into(), pkce_verifier: "v".into() };
        let json = serde_json::to_string(&pending).expect("serializes");
        let back: PendingLogin = serde_json::from_str(&json).expect("deserializes");
        assert_eq!((back.state(), back.nonce.as_str(), back.pkce_verifier.as_str()), ("s", "n", "v"));
    }
}
