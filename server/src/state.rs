//! What every handler can reach. Small on purpose: the backend (services
//! only; the store is not reachable from here), the Leptos options the page
//! renderer needs, the names the build gave the site's files, how people
//! sign in, whether the server is stopping (open event streams end on it),
//! how many more streams may open, and the status pages already rendered.

use crate::assets::SiteAssets;
use crate::auth::SharedAuth;
use crate::live_slots::LiveSlots;
use crate::page_cache::PageCache;
use airlock_backend::Backend;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;
use tokio::sync::watch;

/// Cloned for every middleware and handler a request passes (axum's
/// `State`), so it is one shared pointer: cloning the fields themselves
/// (a dozen reference counts, bumped and dropped by both cores at once) was
/// a tenth of a kept page's cost.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub leptos_options: LeptosOptions,
    /// The bundle's and stylesheet's URLs (content-hashed by the build).
    pub assets: Arc<SiteAssets>,
    pub backend: Backend,
    pub stopping: Stopping,
    /// How people sign in (provider, role map, demo sign-in, public origin).
    pub auth: SharedAuth,
    /// How many live-update streams may still open.
    pub live_slots: LiveSlots,
    /// Status pages as last rendered, per person and snapshot.
    pub pages: Arc<PageCache>,
    /// Whether this is its database's only server (`sole_server`): then it
    /// keeps sessions in memory as well.
    pub sole_server: bool,
    /// How the scheduled backups fare, when the server writes them (`/metrics`).
    pub backups: Option<Arc<airlock_backend::backup::schedule::BackupHealth>>,
}

impl FromRef<AppState> for LiveSlots {
    fn from_ref(state: &AppState) -> LiveSlots {
        state.live_slots.clone()
    }
}

/// Turns `true` once the server has been asked to stop. A stream that never
/// ends by itself (the live channel) watches it, or a graceful shutdown would
/// wait for every open page to be closed.
#[derive(Clone)]
pub struct Stopping(pub watch::Receiver<bool>);

impl Stopping {
    /// Resolves once the server is stopping (or its sender is gone).
    pub async fn requested(mut self) {
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }
}

impl FromRef<AppState> for Stopping {
    fn from_ref(state: &AppState) -> Stopping {
        state.stopping.clone()
    }
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
