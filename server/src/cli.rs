//! Command-line interface. Settings come from the configuration layers
//! (defaults → TOML file → environment); the CLI only picks what to do.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "airlock", version, about = "Airlock: releases reach production only through the gate.")]
pub struct Cli {
    /// TOML configuration file (also AIRLOCK_CONFIG); `airlock.toml` is read when present.
    #[arg(long, global = true, env = "AIRLOCK_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the portal (the default): migrates the database, then serves HTTP.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load data into the database. Idempotent.
    Seed {
        /// The demo world: 3 environments, 5 regions, 14 tenants, 3 services.
        #[arg(long)]
        demo: bool,
    },
}
