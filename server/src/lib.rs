//! The `airlock` server: configuration, telemetry, the HTTP application
//! (Leptos pages, server functions, `/api/v1`, health and metrics) and the
//! command-line entry points.

pub mod account_commands;
pub mod api;
pub mod assets;
pub mod auth;
pub mod backup_commands;
pub mod cli;
pub mod commands;
pub mod config;
pub mod dispatch_commands;
pub mod health;
pub mod live;
pub mod live_inbox;
pub mod live_slots;
pub mod metrics;
pub mod page_cache;
pub mod request_id;
pub mod resilience;
pub mod routes;
pub mod security_headers;
pub mod serve;
pub mod sole_server;
pub mod startup;
pub mod state;
pub mod static_files;
pub mod telemetry;
pub mod world_commands;
