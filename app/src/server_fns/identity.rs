//! Who is acting. Every server function learns it from [`current_identity`]
//! and nowhere else: today the source is the development switch's cookie;
//! OpenID Connect sign-in will replace the body of that one function.

use crate::error::PageError;
use airlock_domain::access::Identity;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the header shows: who is acting, and whom one may switch to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acting {
    pub identity: Option<Identity>,
    /// The demo people; `None` unless the development switch is on.
    pub switch: Option<Vec<Identity>>,
}

/// The acting identity of the current request, if any.
#[cfg(feature = "ssr")]
pub fn current_identity(backend: &airlock_backend::Backend) -> Option<Identity> {
    let parts = use_context::<http::request::Parts>()?;
    identity_from_headers(backend, &parts.headers)
}

/// The same, for plain axum handlers outside Leptos (the live push channel).
/// The cookie is `SameSite=Lax`, so other sites cannot post forms with it.
#[cfg(feature = "ssr")]
pub fn identity_from_headers(backend: &airlock_backend::Backend, headers: &http::HeaderMap) -> Option<Identity> {
    use airlock_backend::identity::{cookie_value, dev_person, DEV_IDENTITY_COOKIE};
    // HTTP/2 may split cookies over several headers.
    let name = headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|header| cookie_value(header, DEV_IDENTITY_COOKIE))?;
    dev_person(backend.dev_identities, name)
}

#[server(prefix = "/rpc", endpoint = "acting")]
pub async fn load_acting() -> Result<Acting, PageError> {
    super::answer(async move {
        let (backend, identity) = super::backend_and_actor()?;
        let switch = backend.dev_identities.then(airlock_backend::identity::dev_people);
        Ok(Acting { identity, switch })
    })
    .await
}

/// The development switch: remembers the chosen demo person in a cookie and
/// goes back to `back`. An empty `name` acts as nobody.
#[server(prefix = "/rpc", endpoint = "switch_identity")]
pub async fn switch_identity(#[server(default)] name: String, #[server(default)] back: String) -> Result<(), PageError> {
    super::answer(async move {
        use airlock_backend::identity::{dev_person, DEV_IDENTITY_COOKIE};
        let backend = super::backend()?;
        if !backend.dev_identities {
            return Err(PageError::Forbidden { message: "The development identity switch is turned off.".into() });
        }
        // Only a known demo name reaches the cookie, so its value needs no escaping.
        let cookie = if name.is_empty() {
            format!("{DEV_IDENTITY_COOKIE}=; Path=/; SameSite=Lax; HttpOnly; Max-Age=0")
        } else if dev_person(true, &name).is_some() {
            format!("{DEV_IDENTITY_COOKIE}={name}; Path=/; SameSite=Lax; HttpOnly")
        } else {
            return Err(PageError::NotFound { what: format!("demo person \u{201c}{name}\u{201d}") });
        };
        if let (Some(response), Ok(value)) =
            (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&cookie))
        {
            response.append_header(http::header::SET_COOKIE, value);
        }
        leptos_axum::redirect(local_path(&back));
        Ok(())
    })
    .await
}

/// `back` if it is a path on this site, else the overview: the switch must
/// not become an open redirect.
pub fn local_path(back: &str) -> &str {
    let local = back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') && !back.contains(['\r', '\n']);
    if local { back } else { "/" }
}
