//! What a page shows when its data could not be loaded, with the HTTP status
//! that goes with it (set while rendering on the server).

use crate::error::PageError;
use crate::pages::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Failure(error: PageError) -> impl IntoView {
    set_status(error.status());
    let heading = match (&error, error.status()) {
        (PageError::NotFound { what }, _) => return view! { <NotFound what=what.clone()/> }.into_any(),
        (PageError::Invalid { .. }, _) => "Some of what was sent is not valid",
        (_, 401) => "Sign in to see this",
        (_, 403) => "You may not see or do this",
        (_, 409) => "This changed in the meantime",
        (_, 422) => "This cannot be done as it stands",
        _ => "This page could not be loaded",
    };
    view! {
        <Title text=heading/>
        <div class="error-panel" role="alert" data-status=error.status()>
            <h1>{heading}</h1>
            <p>{error.to_string()}</p>
        </div>
    }
    .into_any()
}

/// Sets the response status when rendering on the server; a no-op in the browser.
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) = (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(code)) {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// The error of a form's last submission, shown next to the form. Without
/// JavaScript it arrives in the query string of the redirect back here.
#[component]
pub fn ActionError(#[prop(into)] error: Signal<Option<PageError>>) -> impl IntoView {
    move || error.get().map(|error| view! { <p class="form-error" role="alert">{error.to_string()}</p> })
}
