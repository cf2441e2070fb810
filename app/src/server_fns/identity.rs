//! Who is acting. The server's identity layer resolves the caller once per
//! request (from the session) and puts it in the request's extensions;
//! every server function reads it through [`current_identity`] and nowhere
//! else.

use crate::error::PageError;
use airlock_domain::access::Identity;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the header shows: who is signed in, and whether the demo sign-in is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acting {
    pub identity: Option<Identity>,
    pub display_name: Option<String>,
    /// The demo sign-in is on: every page says so.
    pub demo: bool,
}

/// Who is asking in the current request, as the identity layer resolved it.
#[cfg(feature = "ssr")]
pub fn current_caller() -> airlock_backend::auth::RequestCaller {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<airlock_backend::auth::RequestCaller>().cloned())
        .unwrap_or_default()
}

/// The acting identity of the current request, if any.
#[cfg(feature = "ssr")]
pub fn current_identity() -> Option<Identity> {
    current_caller().identity
}

#[server(prefix = "/rpc", endpoint = "acting")]
pub async fn load_acting() -> Result<Acting, PageError> {
    let caller = current_caller();
    Ok(Acting { identity: caller.identity, display_name: caller.display_name, demo: caller.demo_sign_in })
}
