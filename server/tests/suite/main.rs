//! The server's integration tests, as one test binary. Each file used to be its
//! own binary, and every one of them linked the whole application: seven copies
//! of it filled CI's disk. One binary links it once and builds faster.

mod support;

mod access_matrix;
mod api;
mod api_contract;
mod backup;
mod backup_bench;
mod cli;
mod cluster_cli;
mod dispatch_api;
mod dispatch_crash;
mod faults;
mod freeze;
mod gate_attacks;
mod hardening_gate;
mod hardening_http;
mod hardening_tenants;
mod health;
mod held_accounts;
mod inbox;
mod install_image;
mod install_manifests;
mod kept_pages;
mod load;
mod mail;
mod notifications;
mod notify_bench;
mod notify_cursor;
mod observe_bench;
mod oidc_sign_in;
mod one_refusal;
mod pages;
mod release_pages;
mod releases_api;
mod sessions;
mod static_files;
mod status_replicas;
mod world_api;
