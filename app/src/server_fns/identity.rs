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
    /// How many releases wait for this person's approval.
    pub waiting: u32,
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
    // The header never fails a page: without a count it shows none.
    let waiting = match super::backend() {
        Ok(backend) => {
            airlock_backend::inbox::count(&backend, caller.identity.as_ref(), chrono::Utc::now()).await.unwrap_or_else(|refusal| {
                tracing::warn!(error = %refusal, "could not count the releases waiting for the reader");
                0
            })
        }
        Err(_) => 0,
    };
    Ok(Acting { identity: caller.identity, display_name: caller.display_name, demo: caller.demo_sign_in, waiting })
}
