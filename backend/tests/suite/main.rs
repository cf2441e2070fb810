//! The backend's integration tests (storage conformance, the gate, the audit
//! chain, races), as one test binary: one link of the backend instead of one
//! per file. Every test runs on SQLite and on PostgreSQL.

#[macro_use]
mod support;

mod audit_chain;
mod audit_integrity;
mod auth_conformance;
mod bake;
mod dispatch;
mod dispatch_bench;
mod dispatch_faults;
mod dispatch_rollback;
mod dispatch_waves;
mod gate_conformance;
mod gate_integrity;
mod gate_races;
mod held_accounts;
mod live_across_processes;
mod observed;
mod read_model;
mod simulated_clusters;
mod store_conformance;
mod world_audit;
mod world_file;
