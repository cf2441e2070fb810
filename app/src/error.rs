//! The one error type pages receive from server functions. It carries only
//! what a person should read; causes are logged on the server, never sent.

use airlock_domain::gate::{FieldError, ReleaseDraft};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PageError {
    /// `what` names the missing thing, e.g. `tenant "acme"`.
    #[error("There is no {what}.")]
    NotFound { what: String },
    /// Nobody is signed in.
    #[error("{message}")]
    Unauthenticated { message: String },
    /// The signed-in person may not do this.
    #[error("{message}")]
    Forbidden { message: String },
    /// Every problem with a submitted form, field by field. `draft` is what
    /// was typed, so a form re-rendered without JavaScript can refill itself
    /// (the error travels in the redirect's query string).
    #[error("{}", errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" "))]
    Invalid { errors: Vec<FieldError>, draft: Option<Box<ReleaseDraft>> },
    /// Someone else changed the same thing first.
    #[error("{message}")]
    Conflict { message: String },
    #[error("Airlock cannot reach its database right now. Try again in a moment.")]
    Unavailable,
    #[error("Something went wrong while loading this page. Try again in a moment.")]
    Internal,
    /// The request never reached the server or its answer was unreadable.
    #[error("The server could not be reached. Check your connection and try again.")]
    Transport,
}

impl PageError {
    /// The HTTP status a page showing this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            PageError::NotFound { .. } => 404,
            PageError::Unauthenticated { .. } => 401,
            PageError::Forbidden { .. } => 403,
            PageError::Invalid { .. } => 422,
            PageError::Conflict { .. } => 409,
            PageError::Unavailable | PageError::Internal | PageError::Transport => 503,
        }
    }

    /// The messages for one form field (empty unless this is `Invalid`).
    pub fn field_messages(&self, field: &str) -> Vec<String> {
        match self {
            PageError::Invalid { errors, .. } => errors.iter().filter(|e| e.field == field).map(|e| e.message.clone()).collect(),
            _ => Vec::new(),
        }
    }
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

#[cfg(feature = "ssr")]
impl From<airlock_backend::releases::ReleaseError> for PageError {
    fn from(error: airlock_backend::releases::ReleaseError) -> Self {
        use airlock_backend::releases::ReleaseError;
        // The status comes from the backend's one mapping; the variant carries it.
        let (status, _) = error.status_and_code();
        match error {
            ReleaseError::NotFound(id) => PageError::NotFound { what: format!("release {id}") },
            ReleaseError::NoSuchItem { release, item } => {
                PageError::NotFound { what: format!("checklist item {item} on release {release}") }
            }
            ReleaseError::Invalid(errors) => PageError::Invalid { errors, draft: None },
            ReleaseError::Store(error) => error.into(),
            error if status == 401 => PageError::Unauthenticated { message: error.to_string() },
            error if matches!(status, 409 | 422 | 503) => PageError::Conflict { message: error.to_string() },
            error => PageError::Forbidden { message: error.to_string() },
        }
    }
}
