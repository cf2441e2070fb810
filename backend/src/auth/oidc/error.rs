//! Errors of the OIDC relying party. None of them carries a secret: not the client secret,
//! not a code, token, state, nonce or PKCE verifier, and not a provider's raw response body
//! (a token response body holds tokens).

use openidconnect::core::CoreErrorResponseType;
use openidconnect::{ClaimsVerificationError, HttpClientError, RequestTokenError, SignatureVerificationError, StandardErrorResponse};

/// Why discovery (at start-up) failed; the message says what to fix in the configuration.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("OIDC configuration is invalid: {0}")]
    InvalidConfig(String),
    #[error("OIDC HTTP client could not be built: {0}")]
    HttpClient(String),
    #[error("OIDC provider unreachable at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("OIDC discovery at {url} answered HTTP {status}{hint}")]
    BadStatus { url: String, status: u16, hint: &'static str },
    #[error("OIDC discovery document at {url} is not valid: {reason}")]
    BadDocument { url: String, reason: String },
    #[error("OIDC discovery document names issuer `{found}`, expected exactly `{expected}`")]
    IssuerMismatch { expected: String, found: String },
    #[error("OIDC provider offers no token endpoint (the authorization code flow needs one)")]
    NoTokenEndpoint,
    #[error("OIDC provider's signing keys (JWKS) could not be fetched: {0}")]
    Jwks(String),
}

/// Which check the ID token failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdTokenProblem {
    Signature,
    Issuer,
    Audience,
    Expired,
    Nonce,
    Other(String),
}

impl std::fmt::Display for IdTokenProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Signature => f.write_str("signature not valid for the provider's keys"),
            Self::Issuer => f.write_str("issuer is not the configured issuer"),
            Self::Audience => f.write_str("audience is not this client"),
            Self::Expired => f.write_str("token expired"),
            Self::Nonce => f.write_str("nonce does not match the login"),
            Self::Other(why) => f.write_str(why),
        }
    }
}

impl From<&ClaimsVerificationError> for IdTokenProblem {
    fn from(err: &ClaimsVerificationError) -> Self {
        match err {
            ClaimsVerificationError::SignatureVerification(_) => Self::Signature,
            ClaimsVerificationError::InvalidIssuer(_) => Self::Issuer,
            ClaimsVerificationError::InvalidAudience(_) => Self::Audience,
            ClaimsVerificationError::Expired(_) => Self::Expired,
            ClaimsVerificationError::InvalidNonce(_) => Self::Nonce,
            // The remaining messages describe claim checks (auth time, acr, subject, an
            // unsupported JWE), never key material or the token itself.
            other => Self::Other(other.to_string()),
        }
    }
}

/// Why a login callback was rejected. `Display` is safe for logs; `reason()` is the short code
/// for metrics and the audit log.
#[derive(Debug, thiserror::Error)]
pub enum LoginFailure {
    #[error("state does not match the pending login")]
    StateMismatch,
    #[error("authorization response came from another issuer")]
    IssuerMismatch,
    #[error("provider refused the login: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    ProviderRefused { error: String, description: Option<String> },
    #[error("callback has no authorization code")]
    MissingCode,
    #[error("code exchange failed: {0}")]
    TokenExchange(String),
    #[error("token response has no ID token")]
    NoIdToken,
    #[error("ID token rejected: {0}")]
    InvalidIdToken(IdTokenProblem),
}

impl LoginFailure {
    /// Stable snake_case code, one per failure kind (ID-token failures by the check failed).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::StateMismatch => "state_mismatch",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::ProviderRefused { .. } => "provider_refused",
            Self::MissingCode => "missing_code",
            Self::TokenExchange(_) => "token_exchange",
            Self::NoIdToken => "no_id_token",
            Self::InvalidIdToken(p) => match p {
                IdTokenProblem::Signature => "signature",
                IdTokenProblem::Issuer => "issuer",
                IdTokenProblem::Audience => "audience",
                IdTokenProblem::Expired => "expired",
                IdTokenProblem::Nonce => "nonce",
                IdTokenProblem::Other(_) => "id_token_invalid",
            },
        }
    }
}

/// True when verification failed only because no key in our JWKS matches the token's `kid`:
/// the provider probably rotated keys, so fetching the JWKS again is worth one retry.
pub(crate) fn is_unknown_key(err: &ClaimsVerificationError) -> bool {
    matches!(err, ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey))
}

type TokenError = RequestTokenError<HttpClientError<reqwest::Error>, StandardErrorResponse<CoreErrorResponseType>>;

/// Describes a failed code exchange without the response body (it may hold tokens) and without
/// the request (it holds the code, the verifier and possibly the client secret).
pub(crate) fn describe_token_error(err: &TokenError) -> String {
    match err {
        RequestTokenError::ServerResponse(resp) => match resp.error_description() {
            Some(d) => format!("provider answered {} ({d})", resp.error()),
            None => format!("provider answered {}", resp.error()),
        },
        RequestTokenError::Request(e) => format!("request failed: {}", describe_http_error(e)),
        RequestTokenError::Parse(e, _body) => format!("unreadable token response at {}", e.path()),
        RequestTokenError::Other(why) => why.clone(),
    }
}

pub(crate) fn describe_http_error(err: &HttpClientError<reqwest::Error>) -> String {
    match err {
        // reqwest's Display names the URL (an endpoint, no secret in it) and the cause.
        HttpClientError::Reqwest(e) => chain(e.as_ref()),
        other => chain(other),
    }
}

/// An error and its sources, joined: "error sending request: connection refused".
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_distinct_snake_case() {
        let all = [
            LoginFailure::StateMismatch,
            LoginFailure::IssuerMismatch,
            LoginFailure::ProviderRefused { error: "access_denied".into(), description: None },
            LoginFailure::MissingCode,
            LoginFailure::TokenExchange("x".into()),
            LoginFailure::NoIdToken,
            LoginFailure::InvalidIdToken(IdTokenProblem::Signature),
            LoginFailure::InvalidIdToken(IdTokenProblem::Issuer),
            LoginFailure::InvalidIdToken(IdTokenProblem::Audience),
            LoginFailure::InvalidIdToken(IdTokenProblem::Expired),
            LoginFailure::InvalidIdToken(IdTokenProblem::Nonce),
            LoginFailure::InvalidIdToken(IdTokenProblem::Other("y".into())),
        ];
        let reasons: std::collections::HashSet<_> = all.iter().map(LoginFailure::reason).collect();
        assert_eq!(reasons.len(), all.len());
        assert!(reasons.iter().all(|r| r.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
        assert_eq!(LoginFailure::InvalidIdToken(IdTokenProblem::Audience).reason(), "audience");
    }

    #[test]
    fn claims_errors_map_onto_problems() {
        use ClaimsVerificationError as E;
        let sig = E::SignatureVerification(SignatureVerificationError::NoMatchingKey);
        assert_eq!(IdTokenProblem::from(&sig), IdTokenProblem::Signature);
        assert!(is_unknown_key(&sig));
        assert_eq!(IdTokenProblem::from(&E::Expired("x".into())), IdTokenProblem::Expired);
        assert_eq!(IdTokenProblem::from(&E::InvalidAudience("x".into())), IdTokenProblem::Audience);
        assert_eq!(IdTokenProblem::from(&E::InvalidIssuer("x".into())), IdTokenProblem::Issuer);
        assert_eq!(IdTokenProblem::from(&E::InvalidNonce("x".into())), IdTokenProblem::Nonce);
        assert!(matches!(IdTokenProblem::from(&E::InvalidSubject("x".into())), IdTokenProblem::Other(_)));
        assert!(!is_unknown_key(&E::Expired("x".into())));
    }

    #[test]
    fn provider_refusal_display_includes_description() {
        let f = LoginFailure::ProviderRefused { error: "access_denied".into(), description: Some("user cancelled".into()) };
        assert_eq!(f.to_string(), "provider refused the login: access_denied (user cancelled)");
    }
}
