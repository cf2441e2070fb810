//! The one error type pages receive from server functions. It carries only
//! what a person should read; causes are logged on the server, never sent.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PageError {
    /// `what` names the missing thing, e.g. `tenant "acme"`.
    #[error("There is no {what}.")]
    NotFound { what: String },
    #[error("Airlock cannot reach its database right now. Try again in a moment.")]
    Unavailable,
    #[error("Something went wrong while loading this page. Try again in a moment.")]
    Internal,
    /// The request never reached the server or its answer was unreadable.
    #[error("The server could not be reached. Check your connection and try again.")]
    Transport,
}

impl FromServerFnError for PageError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(_error: ServerFnErrorErr) -> Self {
        PageError::Transport
    }
}

#[cfg(feature = "ssr")]
impl From<airlock_backend::StoreError> for PageError {
    fn from(error: airlock_backend::StoreError) -> Self {
        use airlock_backend::StoreError;
        tracing::error!(error = %error, cause = ?std::error::Error::source(&error), "store error while serving a page");
        match error {
            StoreError::Unavailable(_) => PageError::Unavailable,
            _ => PageError::Internal,
        }
    }
}
