//! The browser half: hydrates the islands — the few parts of the
//! server-rendered pages that react (the matrix filter, the release forms,
//! the live release view). Everything lives in `airlock-app`, compiled here
//! with the `hydrate` feature; each `#[island]` there exports the function
//! the page's script calls for it.

// Link the app crate, whose islands are this bundle's exports.
extern crate airlock_app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
