//! Server-side half of Airlock that both the HTTP server and the Leptos
//! server functions call: storage behind one interface and the services that
//! apply the domain's rules to it. Never compiled for wasm.

pub mod audit;
pub mod demo;
pub mod identity;
pub mod releases;
pub mod status;
pub mod store;
pub mod tokens;

pub use store::{connect, DatabaseTarget, DeploymentScope, ReleaseStore, Store, StoreError, WorldStore};

use std::sync::Arc;
use tokio::sync::broadcast;

/// Something changed that open pages may want to show at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveEvent {
    ReleaseChanged { id: i64 },
}

/// Everything a request handler needs from the backend. Cheap to clone; it is
/// handed to axum as state and to Leptos server functions as context.
#[derive(Clone)]
pub struct Backend {
    pub store: Arc<dyn Store>,
    /// Whether the development-only identity switch is on.
    pub dev_identities: bool,
    events: broadcast::Sender<LiveEvent>,
}

impl Backend {
    pub fn new(store: Arc<dyn Store>) -> Backend {
        // Subscribers that fall this far behind skip ahead; they re-read the
        // release anyway, so a lost event costs nothing but a refresh.
        let (events, _) = broadcast::channel(256);
        Backend { store, dev_identities: false, events }
    }

    pub fn with_dev_identities(mut self, enabled: bool) -> Backend {
        self.dev_identities = enabled;
        self
    }

    /// Changes committed by this process, for the live push channel. (With
    /// several replicas, each announces its own; PostgreSQL LISTEN/NOTIFY
    /// arrives with the dispatch watchers.)
    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.events.subscribe()
    }

    pub(crate) fn announce(&self, id: i64) {
        // No subscribers is normal (nobody has the page open).
        let _ = self.events.send(LiveEvent::ReleaseChanged { id });
    }
}
