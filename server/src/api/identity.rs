//! Who is calling the API. Only service-account bearer tokens count here:
//! the development identity cookie is for pages, and honouring cookies on a
//! JSON API would let any web page a signed-in person visits send changes
//! in their name.

use super::ApiError;
use crate::state::AppState;
use airlock_backend::tokens;
use airlock_domain::access::Identity;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// The caller's identity; `None` when no `Authorization` header was sent.
/// A header that is sent but names no token is refused, on reads too: a
/// pipeline with a revoked token should learn at its first call, not at the
/// first change it tries.
pub struct Caller(pub Option<Identity>);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Ok(Caller(None));
        };
        let token = header.to_str().ok().and_then(bearer).ok_or(ApiError::InvalidToken)?;
        match tokens::identify(&state.backend, token).await? {
            Some(identity) => Ok(Caller(Some(identity))),
            None => Err(ApiError::InvalidToken),
        }
    }
}

/// The token of a `Bearer` credential (the scheme name is case-insensitive).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn only_bearer_credentials_carry_a_token() {
        assert_eq!(bearer("Bearer airlock_abc"), Some("airlock_abc"));
        assert_eq!(bearer("bearer  airlock_abc "), Some("airlock_abc"));
        assert_eq!(bearer("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("airlock_abc"), None);
    }
}
