//! What each subcommand does.

use crate::config::Settings;
use crate::startup::{open_backend, Application, StartupError};
use airlock_backend::demo::demo_world;
use airlock_backend::tokens::TokenGrant;
use airlock_backend::{audit, tokens, Backend};

pub async fn serve(settings: &Settings) -> Result<(), StartupError> {
    let app = Application::build(settings).await?;
    let stop = crate::startup::shutdown_signal();
    tracing::info!(url = %format!("http://{}", app.local_addr()), "airlock is listening");
    app.run_until_stopped(stop).await
}

/// The backend on the configured database, migrated: where every operator command starts.
async fn migrated(settings: &Settings) -> Result<Backend, StartupError> {
    let backend = open_backend(settings).await?;
    backend.migrate().await?;
    Ok(backend)
}

pub async fn migrate(settings: &Settings) -> Result<(), StartupError> {
    let backend = migrated(settings).await?;
    tracing::info!(database = backend.database_kind(), "migrations applied");
    Ok(())
}

pub async fn seed(settings: &Settings, demo: bool) -> Result<(), StartupError> {
    if !demo {
        return Err(StartupError::NothingToSeed);
    }
    let backend = migrated(settings).await?;
    let world = demo_world();
    backend.import_world(&world).await?;
    tracing::info!(
        database = backend.database_kind(),
        tenants = world.tenants.len(),
        deployments = world.deployments.len(),
        "demo world loaded"
    );
    Ok(())
}

/// Creates a token and prints it last, alone, so scripts can take the last word.
pub async fn create_token(settings: &Settings, name: &str, grant: TokenGrant) -> Result<(), StartupError> {
    let backend = migrated(settings).await?;
    let roles: Vec<&str> = grant.roles.iter().map(|r| r.as_str()).collect();
    let scope = if grant.tenants.is_empty() { String::new() } else { format!(" for tenants {}", grant.tenants.join(", ")) };
    let roles = roles.join(", ");
    let token = tokens::create(&backend, &local_operator(), name, grant, chrono::Utc::now()).await?;
    println!("Created token '{name}' (acting as {}) with roles {roles}{scope}. It is shown only now; store it as a secret:", tokens::identity_name(name));
    println!("{token}");
    Ok(())
}

/// One line per token: name, roles, tenants, created, and whether revoked.
pub async fn list_tokens(settings: &Settings) -> Result<(), StartupError> {
    let backend = migrated(settings).await?;
    println!("{:<24} {:<32} {:<20} {:<22} STATUS", "NAME", "ROLES", "TENANTS", "CREATED");
    for token in tokens::list(&backend).await? {
        let roles: Vec<&str> = token.roles.iter().map(|r| r.as_str()).collect();
        let status = token.revoked_at.map_or_else(|| "active".to_owned(), |at| format!("revoked {}", at.format("%Y-%m-%d %H:%M")));
        let tenants = if token.tenants.is_empty() { "-".to_owned() } else { token.tenants.join(",") };
        println!("{:<24} {:<32} {:<20} {:<22} {status}", token.name, roles.join(","), tenants, token.created_at.format("%Y-%m-%d %H:%M UTC").to_string());
    }
    Ok(())
}

pub async fn revoke_token(settings: &Settings, name: &str) -> Result<(), StartupError> {
    let backend = migrated(settings).await?;
    tokens::revoke(&backend, &local_operator(), name, chrono::Utc::now()).await?;
    println!("Revoked token '{name}': it is refused from now on.");
    Ok(())
}

/// Prints the verdict; `Ok(false)` when the chain is broken.
pub async fn verify_audit(settings: &Settings) -> Result<bool, StartupError> {
    let backend = migrated(settings).await?;
    let report = audit::verify(&backend, None, true).await?;
    match &report.first_broken {
        None => println!("Audit log intact: {} entries verified.", report.entries_checked),
        Some(broken) => println!("Audit log BROKEN at entry #{}: {}", broken.seq, broken.message()),
    }
    Ok(report.first_broken.is_none())
}

/// Who ran a CLI command, for the audit log: the OS user on this host.
fn local_operator() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}
