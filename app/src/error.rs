//! The one error type pages receive from server functions. It carries only
//! what a person should read; causes are logged on the server, never sent.

use airlock_domain::gate::{FieldError, ReleaseDraft};
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PageError {
    /// What the backend refused, with the status and code its refusal carries
    /// on every transport: a page answers what the API answers.
    #[error("{message}")]
    Refused { status: u16, code: String, message: String },
    /// `what` names the missing thing, e.g. `tenant "acme"`.
    #[error("There is no {what}.")]
    NotFound { what: String },
    /// Every problem with a submitted form, field by field. `draft` is what
    /// was typed, so a form re-rendered without JavaScript can refill itself
    /// (the error travels in the redirect's query string).
    #[error("{}", errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" "))]
    Invalid { errors: Vec<FieldError>, draft: Option<Box<ReleaseDraft>> },
    /// The request never reached the server or its answer was unreadable.
    #[error("The server could not be reached. Check your connection and try again.")]
    Transport,
}

impl PageError {
    /// The HTTP status a page showing this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            PageError::Refused { status, .. } => *status,
            PageError::NotFound { .. } => 404,
            PageError::Invalid { .. } => 422,
            PageError::Transport => 503,
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
        airlock_backend::Refusal::from(error).into()
    }
}

#[cfg(feature = "ssr")]
impl From<airlock_backend::Refusal> for PageError {
    fn from(refusal: airlock_backend::Refusal) -> Self {
        use airlock_backend::Refusal;
        match refusal {
            Refusal::NotFound(missing) => PageError::NotFound { what: missing.to_string() },
            Refusal::Invalid(errors) => PageError::Invalid { errors, draft: None },
            refusal => {
                if refusal.status() >= 500 {
                    tracing::error!(error = %refusal, cause = ?std::error::Error::source(&refusal), "refused while serving a page");
                }
                PageError::Refused { status: refusal.status(), code: refusal.code().to_owned(), message: refusal.to_string() }
            }
        }
    }
}
