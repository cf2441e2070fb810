//! Who is calling the API, as the identity layer (`crate::auth::layer`)
//! resolved it from the bearer token: handlers never look at credentials.

use super::ApiError;
use airlock_backend::auth::RequestCaller;
use airlock_domain::access::Identity;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The caller's identity; `None` when no `Authorization` header was sent
/// (the services then refuse with 401).
pub struct Caller(pub Option<Identity>);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Caller(parts.extensions.get::<RequestCaller>().and_then(|caller| caller.identity.clone())))
    }
}
