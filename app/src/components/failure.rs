//! What a page shows when its data could not be loaded, with the HTTP status
//! that goes with it (set while rendering on the server).

use crate::error::PageError;
use crate::pages::not_found::NotFound;
use leptos::prelude::*;

#[component]
pub fn Failure(error: PageError) -> impl IntoView {
    match error {
        PageError::NotFound { what } => view! { <NotFound what/> }.into_any(),
        other => {
            set_status(503);
            view! {
                <div class="error-panel" role="alert">
                    <h1>"This page could not be loaded"</h1>
                    <p>{other.to_string()}</p>
                </div>
            }
            .into_any()
        }
    }
}

/// Sets the response status when rendering on the server; a no-op in the browser.
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(code))
    {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}
