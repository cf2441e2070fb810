//! Server-side half of Airlock that both the HTTP server and the Leptos
//! server functions call: storage behind one interface and the services that
//! turn stored rows into the domain's views. Never compiled for wasm.

pub mod demo;
pub mod status;
pub mod store;

pub use store::{connect, DatabaseTarget, DeploymentScope, Store, StoreError};

use std::sync::Arc;

/// Everything a request handler needs from the backend. Cheap to clone; it is
/// handed to axum as state and to Leptos server functions as context.
#[derive(Clone)]
pub struct Backend {
    pub store: Arc<dyn Store>,
}

impl Backend {
    pub fn new(store: Arc<dyn Store>) -> Backend {
        Backend { store }
    }
}
