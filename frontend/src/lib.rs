//! The browser half: hydrates the server-rendered HTML so filters and live
//! panels react without a round trip. Deliberately tiny — everything lives in
//! `airlock-app`, which this crate compiles with the `hydrate` feature only.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(airlock_app::App);
}
