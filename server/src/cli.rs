//! Command-line interface. Settings come from the configuration layers
//! (defaults → TOML file → environment); the CLI only picks what to do.

use airlock_domain::access::{AccountDecision, Role};
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
        #[arg(long, conflicts_with = "synthetic")]
        demo: bool,
        /// A synthetic world of TENANTS tenants, each allowed in every region and
        /// running every service in every cluster: what the benchmarks load (1000).
        #[arg(long, value_name = "TENANTS", value_parser = clap::value_parser!(u32).range(1..=100_000))]
        synthetic: Option<u32>,
    },
    /// Apply a world file: print the plan (each object added, changed field by
    /// field, or removed), then apply it in one audited transaction.
    Apply {
        /// The world file (YAML or JSON); job templates it names are read beside it.
        #[arg(short = 'f', long = "file")]
        file: PathBuf,
        /// Only print the plan.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the current world as a world file (applying it changes nothing).
    Export {
        /// Write here, with the job templates beside it, instead of to standard output.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Write a consistent copy of the embedded database to FILE while the
    /// portal serves (renamed into place once whole); print the audit head
    /// it holds as a checkpoint (`SEQ:HASH`). On PostgreSQL: use pg_dump.
    Backup {
        /// Where the copy goes (replaced at once, never half, if it exists).
        file: PathBuf,
    },
    /// Replace the embedded database with a backup, once it proved itself: a
    /// whole Airlock database of a known schema whose audit chain verifies.
    /// Refused while a server runs on the database; the replaced one is kept beside it.
    Restore {
        file: PathBuf,
        /// A checkpoint kept elsewhere (`SEQ:HASH`): a backup whose log does not
        /// reach it, or reaches it with another hash, is refused.
        #[arg(long, value_parser = parse_checkpoint)]
        since_checkpoint: Option<Checkpoint>,
    },
    /// Service-account tokens for CI pipelines.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The Kubernetes clusters releases are dispatched to.
    #[command(subcommand)]
    Clusters(ClustersCommand),
    /// The Job template of each environment.
    #[command(subcommand)]
    Templates(TemplatesCommand),
    /// Provider accounts held at their first sign-in because they resemble a
    /// person Airlock already knows.
    #[command(subcommand)]
    Accounts(AccountsCommand),
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Every held account, open ones first: whom it resembles and why.
    List,
    /// Decide a held (or blocked) account: `merge` (it is the person it
    /// resembles and signs in as them), `allow` (a person of their own) or `block`.
    Decide {
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        subject: String,
        #[arg(value_parser = parse_decision)]
        decision: AccountDecision,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClustersCommand {
    /// Add a cluster serving one environment × region. Credentials stay where
    /// they are (a file or an environment variable); only where to find them is stored.
    Add(Box<AddCluster>),
    /// Every cluster with its last connection check.
    List,
    /// Check every cluster now: reachable, version, and whether Airlock may
    /// create Jobs in its tenants' namespaces. Exits 1 if any check fails.
    Check,
}

/// Where the new cluster is and how to reach it.
#[derive(Debug, clap::Args)]
pub struct AddCluster {
    #[arg(long)]
    pub environment: String,
    #[arg(long)]
    pub region: String,
    /// Lowercase letters, digits and '-', e.g. `prod-frankfurt`.
    #[arg(long)]
    pub name: String,
    /// A kubeconfig file; its server is used.
    #[arg(long, conflicts_with_all = ["url", "simulated"])]
    pub kubeconfig: Option<PathBuf>,
    /// With --kubeconfig: the context to use (default: its current context).
    #[arg(long, requires = "kubeconfig")]
    pub context: Option<String>,
    /// The API server's https URL, with --token-file or --token-env.
    #[arg(long)]
    pub url: Option<String>,
    /// A file holding the bearer token (re-read whenever a client is built).
    #[arg(long, requires = "url", conflicts_with = "token_env")]
    pub token_file: Option<PathBuf>,
    /// An environment variable holding the bearer token.
    #[arg(long, requires = "url")]
    pub token_env: Option<String>,
    /// The CA certificate of the API server, when not publicly trusted.
    #[arg(long, requires = "url")]
    pub ca_file: Option<PathBuf>,
    /// No real cluster: Jobs are recorded, never sent, and succeed after a moment.
    #[arg(long, conflicts_with_all = ["kubeconfig", "url"])]
    pub simulated: bool,
    /// Put every tenant's Jobs in this one namespace instead of `tenant-<slug>`.
    #[arg(long)]
    pub shared_namespace: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Store an environment's Job template (YAML) after checking it; errors name the line.
    Set {
        #[arg(long)]
        environment: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// Print the template an environment's dispatches use (the built-in one if none is set).
    Show {
        #[arg(long)]
        environment: String,
    },
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

fn parse_decision(text: &str) -> Result<AccountDecision, String> {
    AccountDecision::parse(text).ok_or_else(|| format!("unknown decision '{text}' (one of: merge, allow, block)"))
}
