//! The `data-hydrated` marker every island carries: what the end-to-end
//! tests wait for before typing or clicking.

use leptos::prelude::*;

/// `"false"` as rendered on the server, `"true"` once the island runs in the
/// browser (effects run only there).
pub fn hydrated_marker() -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    move || if hydrated.get() { "true" } else { "false" }
}
