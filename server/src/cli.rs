//! Command-line interface. Settings come from the configuration layers
//! (defaults → TOML file → environment); the CLI only picks what to do.

use airlock_domain::access::Role;
use airlock_domain::audit::Checkpoint;
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
    /// Service-account tokens for CI pipelines.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token. It is printed once, as the last word of the output, and
    /// stored only as a hash. It acts as `token:<name>`, never as a person.
    Create {
        /// Lowercase letters, digits and '-', e.g. `ci-pipeline`.
        #[arg(long)]
        name: String,
        /// release_manager, tenant_admin, auditor, admin or viewer; repeat for several.
        /// (Not approver: approvals must come from people.)
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
        /// With `--role tenant_admin`: a tenant it administers; repeat for several.
        #[arg(long = "tenant")]
        tenants: Vec<String>,
        /// When it stops working: days (`30d`) or a date (`2027-03-01`, UTC); at most 730 days. Default: 90 days.
        #[arg(long)]
        expires: Option<String>,
    },
    /// List every token: name, roles, tenants, created, last used, expires, and whether revoked or expired.
    List,
    /// Revoke a token: it is refused from its next request on.
    Revoke {
        /// The token's name, as given to `create`.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit 1 and name the first broken entry if any.
    Verify {
        /// A checkpoint printed earlier by `airlock audit head` (`SEQ:HASH`):
        /// proves nothing up to it changed since, even if the whole log was rebuilt.
        #[arg(long, value_parser = parse_checkpoint)]
        since_checkpoint: Option<Checkpoint>,
    },
    /// Verify the chain, then print its head as a checkpoint (`SEQ:HASH`) to keep elsewhere.
    Head,
}

fn parse_checkpoint(text: &str) -> Result<Checkpoint, String> {
    text.parse().map_err(str::to_owned)
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| {
        let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role '{text}' (one of: {})", known.join(", "))
    })
}
