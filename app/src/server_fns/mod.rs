//! Server functions are public HTTP endpoints (POST /rpc/...). Each one stays
//! thin: find the backend, learn who is acting (`identity::current_identity`,
//! resolved once per request by the server's identity layer), call the
//! backend service (which authorises and scopes), map its errors.

pub mod audit;
pub mod break_glass;
pub mod deliveries;
pub mod dispatch;
pub mod identity;
pub mod inbox;
pub mod people;
pub mod release_changes;
pub mod releases;
pub mod status;

#[cfg(feature = "ssr")]
fn backend() -> Result<airlock_backend::Backend, crate::error::PageError> {
    leptos::prelude::use_context::<airlock_backend::Backend>().ok_or_else(|| {
        tracing::error!("the backend was not provided as Leptos context");
        crate::error::PageError::Refused {
            status: 500,
            code: "internal".to_owned(),
            message: "Something went wrong on the server.".to_owned(),
        }
    })
}

/// A query-string filter, or `None` when it is blank: GET forms send an empty
/// string when "any" is chosen.
#[cfg(feature = "ssr")]
fn given(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The backend and whoever is acting in this request: where every server
/// function that needs an identity starts.
#[cfg(feature = "ssr")]
fn backend_and_actor() -> Result<(airlock_backend::Backend, Option<airlock_domain::access::Identity>), crate::error::PageError> {
    let backend = backend()?;
    let actor = identity::current_identity();
    Ok((backend, actor))
}

/// Runs a server function's body and gives a refusal the HTTP status that
/// fits it (403, 409, 422…) instead of a blanket 500, for the hydrated app's
/// calls. A plain form post (`Accept: text/html`) keeps the redirect back to
/// its form, which carries the error; page renders set their status in
/// `Failure`.
#[cfg(feature = "ssr")]
async fn answer<T>(body: impl std::future::Future<Output = Result<T, crate::error::PageError>>) -> Result<T, crate::error::PageError> {
    use leptos::prelude::use_context;
    body.await.inspect_err(|error| {
        if let (false, Some(response), Ok(status)) =
            (plain_form_post(), use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(error.status()))
        {
            response.set_status(status);
        }
    })
}

/// Whether this request is a plain HTML form post (no JavaScript).
#[cfg(feature = "ssr")]
fn plain_form_post() -> bool {
    leptos::prelude::use_context::<http::request::Parts>()
        .is_some_and(|parts| parts.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html")))
}

/// Sends a browser that posted a plain form (no JavaScript) to `path`; a
/// hydrated page stays where it is and refreshes in place.
#[cfg(feature = "ssr")]
pub(crate) fn redirect_plain_form(path: &str) {
    if plain_form_post() {
        leptos_axum::redirect(path);
    }
}
