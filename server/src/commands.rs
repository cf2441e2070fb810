//! What each subcommand does.

use crate::config::Settings;
use crate::startup::{open_store, Application, StartupError};
use airlock_backend::demo::demo_world;

pub async fn serve(settings: &Settings) -> Result<(), StartupError> {
    let app = Application::build(settings).await?;
    tracing::info!(url = %format!("http://{}", app.local_addr()), "airlock is listening");
    app.run_until_stopped(crate::startup::shutdown_signal()).await
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
