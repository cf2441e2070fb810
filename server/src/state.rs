//! What every handler can reach. Small on purpose: the backend (storage and
//! services) and the Leptos options the page renderer needs.

use airlock_backend::Backend;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub backend: Backend,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for Backend {
    fn from_ref(state: &AppState) -> Backend {
        state.backend.clone()
    }
}
