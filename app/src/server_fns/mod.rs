//! Server functions are public HTTP endpoints (POST /rpc/...). Each one stays
//! thin: find the backend, (from the sign-in issue on) authorise the caller,
//! call the backend, map its errors.

pub mod status;

#[cfg(feature = "ssr")]
fn backend() -> Result<airlock_backend::Backend, crate::error::PageError> {
    leptos::prelude::use_context::<airlock_backend::Backend>().ok_or_else(|| {
        tracing::error!("the backend was not provided as Leptos context");
        crate::error::PageError::Internal
    })
}
