//! What each subcommand does.

use crate::config::Settings;
use crate::startup::{open_store, Application, StartupError};
use airlock_backend::demo::demo_world;
use airlock_backend::{audit, tokens, Backend};
use airlock_domain::access::Role;

pub async fn serve(settings: &Settings) -> Result<(), StartupError> {
    let app = Application::build(settings).await?;
    let stop = crate::startup::shutdown_signal();
    tracing::info!(url = %format!("http://{}", app.local_addr()), "airlock is listening");
    app.run_until_stopped(stop).await
}

pub async fn migrate(settings: &Settings) -> Result<(), StartupError> {
    let store = open_store(settings).await?;
    store.migrate().await?;
    tracing::info!(database = store.kind(), "migrations applied");
    Ok(())
}

pub async fn seed(settings: &Settings, demo: bool) -> Result<(), StartupError> {
    if !demo {
        return Err(StartupError::NothingToSeed);
    }
    let store = open_store(settings).await?;
    store.migrate().await?;
    let world = demo_world();
    store.import_world(&world).await?;
    tracing::info!(
        database = store.kind(),
        tenants = world.tenants.len(),
        deployments = world.deployments.len(),
        "demo world loaded"
    );
    Ok(())
}

/// Creates a token and prints it last, alone, so scripts can take the last word.
pub async fn create_token(settings: &Settings, name: &str, roles: &[Role]) -> Result<(), StartupError> {
    let store = open_store(settings).await?;
    store.migrate().await?;
    let backend = Backend::new(store);
    let token = tokens::create(&backend, &local_operator(), name, roles, chrono::Utc::now()).await?;
    let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    println!("Created token '{name}' with roles {}. It is shown only now; store it as a secret:", roles.join(", "));
    println!("{token}");
    Ok(())
}

/// Prints the verdict; `Ok(false)` when the chain is broken.
pub async fn verify_audit(settings: &Settings) -> Result<bool, StartupError> {
    let store = open_store(settings).await?;
    store.migrate().await?;
    let report = audit::verify(&Backend::new(store), None, true).await?;
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
