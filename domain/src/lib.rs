//! Airlock's vocabulary and rules. No I/O and no async, so the very same code
//! runs inside the server and inside the browser's wasm bundle: whatever the
//! UI shows as a verdict is exactly what the server enforces.

pub mod access;
pub mod audit;
pub mod dispatch;
pub mod freeze;
pub mod gate;
pub mod health;
pub mod inbox;
pub mod names;
pub mod notify;
pub mod observed;
pub mod status;
pub mod world;
pub mod world_file;

pub use health::{Health, HealthCounts};
pub use names::{NameError, Slug};
pub use world::{Cluster, ClusterSummary, Deployment, Environment, NamespaceStrategy, Region, Service, Tenant, World};
