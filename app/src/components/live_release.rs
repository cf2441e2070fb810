//! The release page's island. The page itself — gate, jobs, checklist,
//! reviews, history — is the server's render, and its forms are plain forms.
//! This island only makes that render live: it follows
//! `/live/releases/{id}` and, on each push, redraws the page from a fresh
//! server render; and it sends the page's forms without leaving the page,
//! showing the render the server answers with (`release_dom`). So the gate
//! the browser shows is always the verdict the server computed, and the
//! bundle carries none of the page's views.

use crate::components::hydrated::hydrated_marker;
use crate::components::live::use_live_release;
use leptos::prelude::*;

#[island]
pub fn LiveRelease(id: i64) -> impl IntoView {
    let live = use_live_release(id);
    #[cfg(feature = "hydrate")]
    crate::components::release_dom::follow(live);
    #[cfg(not(feature = "hydrate"))]
    let _ = live;
    let hydrated = hydrated_marker();
    view! { <span hidden data-hydrated=hydrated></span> }
}
